#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

// --- Conv2DBackpropInput -----------------------------------------------------

// x[1,2,2,1] -> Conv2DBackpropInput(filter [H=1, W=2, out=2, in=1], stride 2,
// VALID) -> [1,4,4,2].
GraphBuilder TransposeConv(const std::string& format = "NHWC",
                           std::vector<int64_t> dilations = {1, 1, 1, 1}) {
  GraphBuilder g;
  const bool nchw = format == "NCHW";
  g.Placeholder("x", tensorflow::DT_FLOAT, nchw ? std::vector<int64_t>{1, 1, 2, 2}
                                                : std::vector<int64_t>{1, 2, 2, 1});
  g.ConstInt("sizes", {4}, nchw ? std::vector<int32_t>{1, 2, 4, 4}
                                : std::vector<int32_t>{1, 4, 4, 2});
  // filter[0][w][o][0] = 10*w + o
  g.ConstFloat("w", {1, 2, 2, 1}, {0, 1, 10, 11});
  auto& deconv = g.Op("Conv2DBackpropInput", "deconv", {"sizes", "w", "x"});
  AttrType(deconv, "T", tensorflow::DT_FLOAT);
  AttrString(deconv, "padding", "VALID");
  AttrString(deconv, "data_format", format);
  AttrInts(deconv, "strides", nchw ? std::vector<int64_t>{1, 1, 2, 2}
                                   : std::vector<int64_t>{1, 2, 2, 1});
  AttrInts(deconv, "dilations", dilations);
  return g;
}

TEST(SpatialRulesTest, Conv2DBackpropInputBecomesTransposeConvWithOhwiWeights) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(TransposeConv(), {"x"}, {"deconv"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("TRANSPOSE_CONV"));
  const tflite::Operator* op = OperatorAt(model, 0);
  ASSERT_EQ(op->inputs()->size(), 4u);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(0)), ElementsAre(1, 4, 4, 2));
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(0))->type(), tflite::TensorType_INT32);
  // OHWI: weights[o][0][w][0] = 10*w + o.
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre(2, 1, 2, 1));
  EXPECT_THAT(FloatBuffer(model, op->inputs()->Get(1)), ElementsAre(0, 10, 1, 11));
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(2))->name()->str(), "x");
  EXPECT_EQ(op->inputs()->Get(3), -1);  // no bias, as the official converter writes it
  const auto* options = op->builtin_options_as_TransposeConvOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->padding(), tflite::Padding_VALID);
  EXPECT_EQ(options->stride_h(), 2);
  EXPECT_EQ(options->stride_w(), 2);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 4, 4, 2));
}

TEST(SpatialRulesTest, NchwTransposeConvIsWrappedInTransposes) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(TransposeConv("NCHW"), {"x"}, {"deconv"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("TRANSPOSE", "TRANSPOSE_CONV", "TRANSPOSE"));
  const tflite::Operator* op = OperatorAt(model, 1);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(0)), ElementsAre(1, 4, 4, 2));
  EXPECT_EQ(op->builtin_options_as_TransposeConvOptions()->stride_h(), 2);
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(0, 2, 3, 1));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 2)->inputs()->Get(1)), ElementsAre(0, 3, 1, 2));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 2)->outputs()->Get(0)), ElementsAre(1, 2, 4, 4));
}

TEST(SpatialRulesTest, DilatedTransposeConvIsRejectedWithTheAttribute) {
  ConversionResult result =
      ConvertGraph(TransposeConv("NHWC", {1, 2, 2, 1}), Options({"x"}, {"deconv"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'deconv' (Conv2DBackpropInput): attribute 'dilations'"));
}

// --- BatchMatMul ---------------------------------------------------------------

TEST(SpatialRulesTest, BatchMatMulV2BroadcastsAndKeepsAdjointFlags) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2, 3, 5});
  g.Placeholder("b", tensorflow::DT_FLOAT, {7, 3});
  auto& mm = g.Op("BatchMatMulV2", "mm", {"a", "b"});
  AttrType(mm, "T", tensorflow::DT_FLOAT);
  AttrBool(mm, "adj_x", true);
  AttrBool(mm, "adj_y", true);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"a", "b"}, {"mm"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("BATCH_MATMUL"));
  const tflite::Operator* op = OperatorAt(model, 0);
  const auto* options = op->builtin_options_as_BatchMatMulOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_TRUE(options->adj_x());
  EXPECT_TRUE(options->adj_y());
  EXPECT_FALSE(options->asymmetric_quantize_inputs());
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 5, 7));
}

GraphBuilder BatchMatMulV3(tensorflow::DataType tout) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {4, 2, 3});
  g.Placeholder("b", tensorflow::DT_FLOAT, {4, 3, 6});
  auto& mm = g.Op("BatchMatMulV3", "mm", {"a", "b"});
  AttrType(mm, "Ta", tensorflow::DT_FLOAT);
  AttrType(mm, "Tb", tensorflow::DT_FLOAT);
  AttrType(mm, "Tout", tout);
  return g;
}

TEST(SpatialRulesTest, BatchMatMulV3OutputsTout) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(BatchMatMulV3(tensorflow::DT_FLOAT), {"a", "b"}, {"mm"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("BATCH_MATMUL"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_FALSE(op->builtin_options_as_BatchMatMulOptions()->adj_x());
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_FLOAT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(4, 2, 6));
}

TEST(SpatialRulesTest, BatchMatMulV3WithAnIntegerToutIsRejected) {
  ConversionResult result =
      ConvertGraph(BatchMatMulV3(tensorflow::DT_INT32), Options({"a", "b"}, {"mm"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'mm' (BatchMatMulV3)"));
  EXPECT_THAT(result.status.message(), HasSubstr("int32"));
}

TEST(SpatialRulesTest, BatchMatMulV1DoesNotBroadcast) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2, 3, 5});
  g.Placeholder("b", tensorflow::DT_FLOAT, {1, 5, 3});
  AttrType(g.Op("BatchMatMul", "mm", {"a", "b"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"a", "b"}, {"mm"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'mm' (BatchMatMul): batch dimensions"));
}

// --- Resize ----------------------------------------------------------------------

GraphBuilder Resize(const std::string& op, bool align_corners, bool half_pixel_centers,
                    tensorflow::DataType dtype = tensorflow::DT_FLOAT) {
  GraphBuilder g;
  g.Placeholder("x", dtype, {1, 3, 3, 2});
  g.ConstInt("size", {2}, {5, 7});
  auto& resize = g.Op(op, "resize", {"x", "size"});
  AttrType(resize, "T", dtype);
  AttrBool(resize, "align_corners", align_corners);
  AttrBool(resize, "half_pixel_centers", half_pixel_centers);
  return g;
}

TEST(SpatialRulesTest, ResizeBilinearKeepsAlignmentFlags) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(Resize("ResizeBilinear", true, false), {"x"}, {"resize"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("RESIZE_BILINEAR"));
  const tflite::Operator* op = OperatorAt(model, 0);
  const auto* options = op->builtin_options_as_ResizeBilinearOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_TRUE(options->align_corners());
  EXPECT_FALSE(options->half_pixel_centers());
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(5, 7));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 5, 7, 2));
}

TEST(SpatialRulesTest, ResizeBilinearOfIntegersCastsToFloatFirst) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(
      Resize("ResizeBilinear", false, true, tensorflow::DT_INT32), {"x"}, {"resize"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("CAST", "RESIZE_BILINEAR"));
  EXPECT_EQ(TensorAt(model, OperatorAt(model, 1)->outputs()->Get(0))->type(),
            tflite::TensorType_FLOAT32);
}

TEST(SpatialRulesTest, ResizeNearestNeighborKeepsHalfPixelCenters) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(Resize("ResizeNearestNeighbor", false, true), {"x"}, {"resize"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("RESIZE_NEAREST_NEIGHBOR"));
  const auto* options = OperatorAt(model, 0)->builtin_options_as_ResizeNearestNeighborOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_FALSE(options->align_corners());
  EXPECT_TRUE(options->half_pixel_centers());
}

TEST(SpatialRulesTest, ResizeWithBothAlignmentsIsRejected) {
  ConversionResult result =
      ConvertGraph(Resize("ResizeBilinear", true, true), Options({"x"}, {"resize"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'resize' (ResizeBilinear): attributes 'align_corners' and "
                        "'half_pixel_centers'"));
}

// --- Pad, PadV2, MirrorPad ----------------------------------------------------------

TEST(SpatialRulesTest, PadWritesInt32Paddings) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2, 3, 1});
  g.ConstInt64("pads", {4, 2}, {0, 0, 1, 2, 3, 4, 0, 0});
  auto& pad = g.Op("Pad", "pad", {"x", "pads"});
  AttrType(pad, "T", tensorflow::DT_FLOAT);
  AttrType(pad, "Tpaddings", tensorflow::DT_INT64);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"pad"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("PAD"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre(4, 2));
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(0, 0, 1, 2, 3, 4, 0, 0));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 5, 10, 1));
}

TEST(SpatialRulesTest, PadV2PassesTheConstantValue) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 2});
  g.ConstInt("pads", {2, 2}, {1, 1, 0, 2});
  g.ConstFloat("value", {}, {-1.5f});
  AttrType(g.Op("PadV2", "pad", {"x", "pads", "value"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"pad"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("PADV2"));
  const tflite::Operator* op = OperatorAt(model, 0);
  ASSERT_EQ(op->inputs()->size(), 3u);
  // int32 paddings are the graph's constant as it is, not a copy.
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->name()->str(), "pads");
  EXPECT_EQ(model->subgraphs()->Get(0)->tensors()->size(), 4u);
  EXPECT_THAT(FloatBuffer(model, op->inputs()->Get(2)), ElementsAre(-1.5f));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(4, 4));
}

GraphBuilder MirrorPad(const std::string& mode) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3, 3});
  g.ConstInt("pads", {2, 2}, {1, 1, 2, 2});
  auto& pad = g.Op("MirrorPad", "pad", {"x", "pads"});
  AttrType(pad, "T", tensorflow::DT_FLOAT);
  AttrString(pad, "mode", mode);
  return g;
}

TEST(SpatialRulesTest, MirrorPadCarriesTheMode) {
  for (const auto& [tf_mode, lite_mode] :
       {std::pair{"REFLECT", tflite::MirrorPadMode_REFLECT},
        std::pair{"SYMMETRIC", tflite::MirrorPadMode_SYMMETRIC}}) {
    ConversionResult result;
    const tflite::Model* model = ConvertOk(MirrorPad(tf_mode), {"x"}, {"pad"}, result);
    ASSERT_TRUE(result.status.ok()) << result.status;
    ASSERT_THAT(OperatorNames(model), ElementsAre("MIRROR_PAD"));
    const tflite::Operator* op = OperatorAt(model, 0);
    ASSERT_NE(op->builtin_options_as_MirrorPadOptions(), nullptr);
    EXPECT_EQ(op->builtin_options_as_MirrorPadOptions()->mode(), lite_mode) << tf_mode;
    EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(5, 7));
  }
}

TEST(SpatialRulesTest, MirrorPadWithAnUnknownModeNamesTheAttribute) {
  ConversionResult result = ConvertGraph(MirrorPad("EDGE"), Options({"x"}, {"pad"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'pad' (MirrorPad): attribute 'mode' is 'EDGE'"));
}

// --- SpaceToBatchND, BatchToSpaceND ----------------------------------------------------

TEST(SpatialRulesTest, SpaceToBatchAndBackWriteInt32Constants) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4, 6, 3});
  g.ConstInt64("block", {2}, {2, 2});
  g.ConstInt("pads", {2, 2}, {0, 0, 1, 1});
  auto& s2b = g.Op("SpaceToBatchND", "s2b", {"x", "block", "pads"});
  AttrType(s2b, "T", tensorflow::DT_FLOAT);
  AttrType(s2b, "Tblock_shape", tensorflow::DT_INT64);
  g.ConstInt("crops", {2, 2}, {0, 0, 1, 1});
  auto& b2s = g.Op("BatchToSpaceND", "b2s", {"s2b", "block", "crops"});
  AttrType(b2s, "T", tensorflow::DT_FLOAT);
  AttrType(b2s, "Tblock_shape", tensorflow::DT_INT64);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"b2s"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"));
  const tflite::Operator* s2b_op = OperatorAt(model, 0);
  EXPECT_NE(s2b_op->builtin_options_as_SpaceToBatchNDOptions(), nullptr);
  EXPECT_EQ(TensorAt(model, s2b_op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(Int32Buffer(model, s2b_op->inputs()->Get(1)), ElementsAre(2, 2));
  EXPECT_THAT(Int32Buffer(model, s2b_op->inputs()->Get(2)), ElementsAre(0, 0, 1, 1));
  EXPECT_THAT(ShapeOf(model, s2b_op->outputs()->Get(0)), ElementsAre(4, 2, 4, 3));
  const tflite::Operator* b2s_op = OperatorAt(model, 1);
  EXPECT_NE(b2s_op->builtin_options_as_BatchToSpaceNDOptions(), nullptr);
  EXPECT_THAT(Int32Buffer(model, b2s_op->inputs()->Get(2)), ElementsAre(0, 0, 1, 1));
  EXPECT_THAT(ShapeOf(model, b2s_op->outputs()->Get(0)), ElementsAre(1, 4, 6, 3));
}

// --- SpaceToDepth, DepthToSpace ---------------------------------------------------------

TEST(SpatialRulesTest, SpaceToDepthAndBackCarryTheBlockSize) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4, 6, 3});
  auto& s2d = g.Op("SpaceToDepth", "s2d", {"x"});
  AttrType(s2d, "T", tensorflow::DT_FLOAT);
  AttrInt(s2d, "block_size", 2);
  auto& d2s = g.Op("DepthToSpace", "d2s", {"s2d"});
  AttrType(d2s, "T", tensorflow::DT_FLOAT);
  AttrInt(d2s, "block_size", 2);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"d2s"}, result);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_THAT(OperatorNames(model), ElementsAre("SPACE_TO_DEPTH", "DEPTH_TO_SPACE"));
  EXPECT_EQ(OperatorAt(model, 0)->builtin_options_as_SpaceToDepthOptions()->block_size(), 2);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(1, 2, 3, 12));
  EXPECT_EQ(OperatorAt(model, 1)->builtin_options_as_DepthToSpaceOptions()->block_size(), 2);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 1)->outputs()->Get(0)), ElementsAre(1, 4, 6, 3));
}

TEST(SpatialRulesTest, NchwDepthToSpaceIsRejectedNamingDataFormat) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 8, 2, 2});
  auto& d2s = g.Op("DepthToSpace", "d2s", {"x"});
  AttrType(d2s, "T", tensorflow::DT_FLOAT);
  AttrInt(d2s, "block_size", 2);
  AttrString(d2s, "data_format", "NCHW");
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"d2s"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'd2s' (DepthToSpace): data_format 'NCHW' is not supported"));
}

}  // namespace
}  // namespace tflconv
