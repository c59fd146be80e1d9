#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

// Const nodes of other dtypes than GraphBuilder's float / int32 ones.
template <typename T>
std::string ConstOf(GraphBuilder& g, const std::string& name, tensorflow::DataType dtype,
                    std::vector<int64_t> shape, std::vector<T> values) {
  tensorflow::NodeDef& node = g.Op("Const", name, {});
  AttrType(node, "dtype", dtype);
  tensorflow::AttrValue value;
  tensorflow::TensorProto* tensor = value.mutable_tensor();
  tensor->set_dtype(dtype);
  for (int64_t d : shape) tensor->mutable_tensor_shape()->add_dim()->set_size(d);
  tensor->set_tensor_content(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)));
  (*node.mutable_attr())["value"] = value;
  return name;
}

// A tensor of unknown rank: the output of an op without a rule (kept as a
// custom op) over a new [2,3] placeholder "<name>_in".
std::string UnknownRank(GraphBuilder& g, const std::string& name) {
  g.Placeholder(name + "_in", tensorflow::DT_FLOAT, {2, 3});
  AttrType(g.Op("MysteryOp", name, {name + "_in"}), "T", tensorflow::DT_FLOAT);
  return name;
}

v1::ConversionOptions CustomOptions(std::vector<std::string> inputs,
                                    std::vector<std::string> outputs) {
  v1::ConversionOptions options = Options(std::move(inputs), std::move(outputs));
  options.set_allow_custom_ops(true);
  return options;
}

// The constant operand of the single ADD in `model` (inputs[1]).
std::vector<float> AddedConstant(const tflite::Model* model) {
  return FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(1));
}

// --- Folding ----------------------------------------------------------------

TEST(TensorRulesTest, ShapeStridedSlicePackReshapeFoldsToOneReshape) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3, 4});
  AttrType(g.Op("Shape", "shape", {"x"}), "out_type", tensorflow::DT_INT32);
  g.ConstInt("b", {1}, {0});
  g.ConstInt("e", {1}, {1});
  g.ConstInt("s", {1}, {1});
  auto& ss = g.Op("StridedSlice", "batch", {"shape", "b", "e", "s"});
  AttrInt(ss, "shrink_axis_mask", 1);
  g.ConstInt("minus1", {}, {-1});
  auto& pack = g.Op("Pack", "target", {"batch", "minus1"});
  AttrInt(pack, "N", 2);
  g.Op("Reshape", "flat", {"x", "target"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"flat"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("RESHAPE"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(2, 12));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(2, 12));
}

TEST(TensorRulesTest, FillAndTileOfConstantsFoldToOneConstant) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 4});
  g.ConstInt("dims", {2}, {2, 4});
  g.ConstFloat("three", {}, {3});
  g.Op("Fill", "fill", {"dims", "three"});
  g.ConstFloat("row", {1, 2}, {1, 2});
  g.ConstInt("multiples", {2}, {2, 2});
  g.Op("Tile", "tile", {"row", "multiples"});
  g.Op("Mul", "prod", {"fill", "tile"});
  g.Op("Add", "out", {"x", "prod"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(AddedConstant(model), ElementsAre(3, 6, 3, 6, 3, 6, 3, 6));
}

TEST(TensorRulesTest, RangeAndCastFold) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3});
  g.ConstInt("start", {}, {1});
  g.ConstInt("limit", {}, {7});
  g.ConstInt("delta", {}, {2});
  g.Op("Range", "range", {"start", "limit", "delta"});
  auto& cast = g.Op("Cast", "cast", {"range"});
  AttrType(cast, "SrcT", tensorflow::DT_INT32);
  AttrType(cast, "DstT", tensorflow::DT_FLOAT);
  g.Op("Add", "out", {"x", "cast"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(AddedConstant(model), ElementsAre(1, 3, 5));
}

TEST(TensorRulesTest, StridedSliceMasksFold) {
  // c = [[0,1,2,3],[4,5,6,7],[8,9,10,11]]; c[..., 1] with an ellipsis and
  // a shrink, and c[::-1, 3] with a negative stride.
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3});
  g.ConstFloat("c", {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  g.ConstInt("b1", {2}, {0, 1});
  g.ConstInt("e1", {2}, {0, 2});
  g.ConstInt("s1", {2}, {1, 1});
  auto& col = g.Op("StridedSlice", "col", {"c", "b1", "e1", "s1"});
  AttrInt(col, "ellipsis_mask", 1);
  AttrInt(col, "shrink_axis_mask", 2);
  g.ConstInt64("b2", {2}, {0, 3});
  g.ConstInt64("e2", {2}, {0, 4});
  g.ConstInt64("s2", {2}, {-1, 1});
  auto& rev = g.Op("StridedSlice", "rev", {"c", "b2", "e2", "s2"});
  AttrInt(rev, "begin_mask", 1);
  AttrInt(rev, "end_mask", 1);
  AttrInt(rev, "shrink_axis_mask", 2);
  g.Op("Sub", "diff", {"col", "rev"});  // {1,5,9} - {11,7,3}
  g.Op("Add", "out", {"x", "diff"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(AddedConstant(model), ElementsAre(-10, -2, 6));
}

TEST(TensorRulesTest, PackUnpackSplitGatherSelectFold) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  g.ConstFloat("c", {2, 3}, {0, 1, 2, 3, 4, 5});
  auto& unpack = g.Op("Unpack", "cols", {"c"});
  AttrInt(unpack, "num", 3);
  AttrInt(unpack, "axis", 1);           // {0,3}, {1,4}, {2,5}
  g.ConstInt("axis0", {}, {0});
  auto& split = g.Op("Split", "rows", {"axis0", "c"});
  AttrInt(split, "num_split", 2);       // [[0,1,2]], [[3,4,5]]
  g.ConstInt("idx", {2}, {2, 0});
  g.ConstInt("gaxis", {}, {1});
  g.Op("GatherV2", "gathered", {"rows:1", "idx", "gaxis"});  // [[5,3]]
  auto& pack = g.Op("Pack", "packed", {"cols:2", "cols:0"});  // [[2,5],[0,3]]
  AttrInt(pack, "axis", 0);
  std::vector<uint8_t> cond = {1, 0, 0, 1};
  ConstOf(g, "cond", tensorflow::DT_BOOL, {2, 2}, cond);
  g.ConstFloat("ten", {}, {10});
  g.Op("SelectV2", "sel", {"cond", "packed", "ten"});  // [[2,10],[10,3]]
  g.Op("Add", "mixed", {"sel", "gathered"});           // [[7,13],[15,6]]
  g.ConstInt("b", {2}, {1, 0});
  g.ConstInt("e", {2}, {2, 2});
  g.ConstInt("s", {2}, {1, 1});
  auto& row = g.Op("StridedSlice", "row1", {"mixed", "b", "e", "s"});
  AttrInt(row, "shrink_axis_mask", 1);  // [15, 6]
  g.Op("Add", "out", {"x", "row1"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(AddedConstant(model), ElementsAre(15, 6));
}

TEST(TensorRulesTest, OnesLikeOfStaticShapeFolds) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  g.Op("OnesLike", "ones", {"x"});
  g.Op("Add", "out", {"x", "ones"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(AddedConstant(model), ElementsAre(1, 1));
}

TEST(TensorRulesTest, FoldingRespectsMaxTensorElements) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1});
  g.ConstInt("dims", {2}, {100000, 100000});
  g.ConstFloat("one", {}, {1});
  g.Op("Fill", "huge", {"dims", "one"});
  g.Op("Add", "out", {"x", "huge"});
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.mutable_limits()->set_max_tensor_elements(1000);
  ConversionResult result = ConvertGraph(g, options);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'huge' (Fill)"));
  EXPECT_THAT(result.status.message(), HasSubstr("max_tensor_elements"));
}

// --- Legalization -----------------------------------------------------------

TEST(TensorRulesTest, TransposeTakesInt32Perm) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt64("perm", {2}, {1, 0});
  g.Op("Transpose", "t", {"x", "perm"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"t"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("TRANSPOSE"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(1, 0));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(3, 2));
}

TEST(TensorRulesTest, PackAndUnpackCarryTheirOptions) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {3});
  g.Placeholder("b", tensorflow::DT_FLOAT, {3});
  auto& pack = g.Op("Pack", "p", {"a", "b"});
  AttrInt(pack, "N", 2);
  AttrInt(pack, "axis", -1);
  auto& unpack = g.Op("Unpack", "u", {"p"});
  AttrInt(unpack, "num", 3);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"a", "b"}, {"p", "u:2"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("PACK", "UNPACK"));
  const auto* pack_options = OperatorAt(model, 0)->builtin_options_as_PackOptions();
  ASSERT_NE(pack_options, nullptr);
  EXPECT_EQ(pack_options->values_count(), 2);
  EXPECT_EQ(pack_options->axis(), 1);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(3, 2));
  const tflite::Operator* op = OperatorAt(model, 1);
  const auto* unpack_options = op->builtin_options_as_UnpackOptions();
  ASSERT_NE(unpack_options, nullptr);
  EXPECT_EQ(unpack_options->num(), 3);
  EXPECT_EQ(unpack_options->axis(), 0);
  ASSERT_EQ(op->outputs()->size(), 3u);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(2)), ElementsAre(2));
}

TEST(TensorRulesTest, SplitAndSplitV) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 6});
  g.ConstInt64("dim", {}, {-1});
  auto& split = g.Op("Split", "split", {"dim", "x"});
  AttrInt(split, "num_split", 3);
  g.ConstInt("sizes", {2}, {4, -1});
  g.ConstInt("axis", {}, {1});
  auto& splitv = g.Op("SplitV", "splitv", {"x", "sizes", "axis"});
  AttrInt(splitv, "num_split", 2);
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(g, {"x"}, {"split", "split:2", "splitv:1"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("SPLIT", "SPLIT_V"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(op->builtin_options_as_SplitOptions()->num_splits(), 3);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(0)), ElementsAre(1));
  EXPECT_TRUE(ShapeOf(model, op->inputs()->Get(0)).empty());  // scalar
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(2)), ElementsAre(2, 2));
  op = OperatorAt(model, 1);
  EXPECT_EQ(op->builtin_options_as_SplitVOptions()->num_splits(), 2);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(4, -1));
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(2)), ElementsAre(1));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(1)), ElementsAre(2, 2));
}

// SPLIT's and SPLIT_V's kernels have no bool: each piece is a SLICE.
TEST(TensorRulesTest, SplitAndSplitVOfBoolAreSlices) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_BOOL, {2, 6});
  g.ConstInt("dim", {}, {-1});
  AttrInt(g.Op("Split", "split", {"dim", "x"}), "num_split", 3);
  g.ConstInt("sizes", {2}, {4, -1});
  g.ConstInt("axis", {}, {1});
  AttrInt(g.Op("SplitV", "splitv", {"x", "sizes", "axis"}), "num_split", 2);
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(g, {"x"}, {"split", "split:1", "split:2", "splitv", "splitv:1"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("SLICE", "SLICE", "SLICE", "SLICE", "SLICE"));
  const std::vector<std::vector<int32_t>> begins = {{0, 0}, {0, 2}, {0, 4}, {0, 0}, {0, 4}};
  const std::vector<std::vector<int32_t>> sizes = {{-1, 2}, {-1, 2}, {-1, 2}, {-1, 4}, {-1, 2}};
  for (int i = 0; i < 5; ++i) {
    const tflite::Operator* op = OperatorAt(model, i);
    EXPECT_EQ(Int32Buffer(model, op->inputs()->Get(1)), begins[i]) << "SLICE " << i;
    EXPECT_EQ(Int32Buffer(model, op->inputs()->Get(2)), sizes[i]) << "SLICE " << i;
  }
}

// TensorFlow takes a shrunk axis at `begin` even where begin_mask is set;
// the runtime's kernel would start at 0 (found by the generated op tests).
TEST(TensorRulesTest, StridedSliceShrunkAxisIgnoresItsMasks) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {4, 5, 6});
  g.ConstInt("b", {3}, {-3, -4, 1});
  g.ConstInt("e", {3}, {-1, -1, 5});
  g.ConstInt("s", {3}, {1, 1, 2});
  auto& ss = g.Op("StridedSlice", "ss", {"x", "b", "e", "s"});
  AttrInt(ss, "begin_mask", 5);
  AttrInt(ss, "end_mask", 6);
  AttrInt(ss, "shrink_axis_mask", 4);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"ss"}, result);
  ASSERT_NE(model, nullptr);
  const auto* options = OperatorAt(model, 0)->builtin_options_as_StridedSliceOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->begin_mask(), 1);
  EXPECT_EQ(options->end_mask(), 2);
  EXPECT_EQ(options->shrink_axis_mask(), 4);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(3, 4));
}

TEST(TensorRulesTest, StridedSliceNegativeStrideOnAShrunkAxisIsRejected) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {4, 5, 6});
  g.ConstInt("b", {3}, {-1, 4, -1});
  g.ConstInt("e", {3}, {-5, 0, -7});
  g.ConstInt("s", {3}, {-1, -1, -2});
  AttrInt(g.Op("StridedSlice", "ss", {"x", "b", "e", "s"}), "shrink_axis_mask", 4);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"ss"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status.message()),
              HasSubstr("node 'ss' (StridedSlice): stride -2 on dimension 2"));
}

TEST(TensorRulesTest, SliceAndStridedSlice) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {4, 6});
  g.ConstInt64("begin", {2}, {1, 0});
  g.ConstInt64("size", {2}, {2, -1});
  g.Op("Slice", "slice", {"x", "begin", "size"});
  g.ConstInt("b", {2}, {1, 0});
  g.ConstInt64("e", {2}, {3, std::numeric_limits<int64_t>::max()});
  g.ConstInt("s", {2}, {1, 2});
  g.ConstInt64("e64", {2}, {3, 0});
  auto& ss = g.Op("StridedSlice", "ss", {"x", "b", "e64", "s"});
  AttrInt(ss, "end_mask", 2);
  g.ConstInt64("b64", {2}, {1, 0});
  g.ConstInt64("s64", {2}, {1, 2});
  g.Op("StridedSlice", "big", {"x", "b64", "e", "s64"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"slice", "ss", "big"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("SLICE", "STRIDED_SLICE", "STRIDED_SLICE"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(1, 0));
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(2)), ElementsAre(2, -1));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 6));
  op = OperatorAt(model, 1);
  const auto* options = op->builtin_options_as_StridedSliceOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->end_mask(), 2);
  EXPECT_EQ(options->begin_mask(), 0);
  EXPECT_FALSE(options->offset());
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(2))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 3));
  // An int64 end past int32's range is clamped.
  op = OperatorAt(model, 2);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(2)),
              ElementsAre(3, std::numeric_limits<int32_t>::max()));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 3));
}

TEST(TensorRulesTest, TileFillRangeAtRunTime) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt64("multiples", {2}, {2, 1});
  g.Op("Tile", "tile", {"x", "multiples"});
  g.Placeholder("v", tensorflow::DT_FLOAT, {});
  g.ConstInt64("dims", {1}, {4});
  g.Op("Fill", "fill", {"dims", "v"});
  g.Placeholder("n", tensorflow::DT_INT32, {});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  g.Op("Range", "range", {"zero", "n", "one"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x", "v", "n"}, {"tile", "fill", "range"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("TILE", "FILL", "RANGE"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(2, 1));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(4, 3));
  EXPECT_EQ(TensorAt(model, OperatorAt(model, 1)->inputs()->Get(0))->type(),
            tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 1)->outputs()->Get(0)), ElementsAre(4));
}

TEST(TensorRulesTest, CastCarriesItsTypes) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {3});
  auto& cast = g.Op("Cast", "cast", {"x"});
  AttrType(cast, "SrcT", tensorflow::DT_INT32);
  AttrType(cast, "DstT", tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"cast"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("CAST"));
  const auto* options = OperatorAt(model, 0)->builtin_options_as_CastOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->in_data_type(), tflite::TensorType_INT32);
  EXPECT_EQ(options->out_data_type(), tflite::TensorType_FLOAT32);
}

TEST(TensorRulesTest, GatherVariants) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 4, 3});
  g.ConstInt("idx", {2}, {3, 1});
  g.Op("Gather", "g0", {"x", "idx"});
  g.ConstInt64("axis", {}, {-2});
  g.Op("GatherV2", "g1", {"x", "idx", "axis"});
  g.ConstInt("bidx", {2, 1}, {0, 2});
  g.ConstInt("axis1", {}, {1});
  auto& batched = g.Op("GatherV2", "g2", {"x", "bidx", "axis1"});
  AttrInt(batched, "batch_dims", -1);
  g.ConstInt("nd", {2, 2}, {1, 0, 0, 3});
  g.Op("GatherNd", "g3", {"x", "nd"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"g0", "g1", "g2", "g3"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("GATHER", "GATHER", "GATHER", "GATHER_ND"));
  auto gather_options = [&](int i) {
    return OperatorAt(model, i)->builtin_options_as_GatherOptions();
  };
  ASSERT_NE(gather_options(0), nullptr);
  EXPECT_EQ(gather_options(0)->axis(), 0);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(2, 4, 3));
  EXPECT_EQ(gather_options(1)->axis(), 1);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 1)->outputs()->Get(0)), ElementsAre(2, 2, 3));
  EXPECT_EQ(gather_options(2)->axis(), 1);
  EXPECT_EQ(gather_options(2)->batch_dims(), 1);
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 2)->outputs()->Get(0)), ElementsAre(2, 1, 3));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 3)->outputs()->Get(0)), ElementsAre(2, 3));
}

TEST(TensorRulesTest, WhereSelectAndSelectV2) {
  GraphBuilder g;
  g.Placeholder("c", tensorflow::DT_BOOL, {2, 3});
  g.Placeholder("row", tensorflow::DT_BOOL, {3});
  g.Placeholder("a", tensorflow::DT_FLOAT, {2, 3});
  g.Placeholder("b", tensorflow::DT_FLOAT, {2, 3});
  g.Op("Where", "where", {"c"});
  g.Op("Where", "where3", {"c", "a", "b"});
  g.Op("Select", "select", {"c", "a", "b"});
  g.Op("SelectV2", "select_v2", {"row", "a", "b"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"c", "row", "a", "b"},
                                         {"where", "where3", "select", "select_v2"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("WHERE", "SELECT", "SELECT", "SELECT_V2"));
  const int where_out = OperatorAt(model, 0)->outputs()->Get(0);
  EXPECT_EQ(TensorAt(model, where_out)->type(), tflite::TensorType_INT64);
  EXPECT_THAT(SignatureOf(model, where_out), ElementsAre(-1, 2));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 3)->outputs()->Get(0)), ElementsAre(2, 3));
}

TEST(TensorRulesTest, WhereOfConstantFolds) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT64, {2, 2});
  ConstOf(g, "c", tensorflow::DT_BOOL, {2, 2}, std::vector<uint8_t>{0, 1, 1, 0});
  g.Op("Where", "where", {"c"});
  g.Op("Add", "out", {"x", "where"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(Int64Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)),
              ElementsAre(0, 1, 1, 0));
}

TEST(TensorRulesTest, ZerosLikeOnesLikeBroadcastTo) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3});
  g.Placeholder("dyn", tensorflow::DT_FLOAT, {-1});
  g.Op("ZerosLike", "zeros", {"x"});
  g.Op("OnesLike", "ones", {"dyn"});
  g.ConstInt64("shape", {2}, {2, 3});
  g.Op("BroadcastTo", "bcast", {"x", "shape"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x", "dyn"}, {"zeros", "ones", "bcast"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model),
              ElementsAre("ZEROS_LIKE", "SHAPE", "FILL", "BROADCAST_TO"));
  EXPECT_THAT(FloatBuffer(model, OperatorAt(model, 2)->inputs()->Get(1)), ElementsAre(1));
  const tflite::Operator* op = OperatorAt(model, 3);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(2, 3));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 3));
}

// --- Unknown ranks ------------------------------------------------------------

TEST(TensorRulesTest, ExpandDimsAndSqueezeOfUnknownRank) {
  GraphBuilder g;
  UnknownRank(g, "x");
  g.ConstInt("axis", {}, {0});
  g.Op("ExpandDims", "expanded", {"x", "axis"});
  auto& squeeze = g.Op("Squeeze", "squeezed", {"expanded"});
  AttrInts(squeeze, "squeeze_dims", {0});
  ConversionResult result = ConvertGraph(g, CustomOptions({"x_in"}, {"squeezed"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("MysteryOp", "EXPAND_DIMS", "SQUEEZE"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 1)->inputs()->Get(1)), ElementsAre(0));
  const auto* options = OperatorAt(model, 2)->builtin_options_as_SqueezeOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_THAT(std::vector<int32_t>(options->squeeze_dims()->begin(),
                                   options->squeeze_dims()->end()),
              ElementsAre(0));
}

TEST(TensorRulesTest, ExpandDimsOfKnownShapeIsAReshape) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {-1, 3});
  g.ConstInt("axis", {}, {-1});
  g.Op("ExpandDims", "expanded", {"x", "axis"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"expanded"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("RESHAPE"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(-1, 3, 1));
}

TEST(TensorRulesTest, ConcatWithAnUnknownRankInput) {
  GraphBuilder g;
  UnknownRank(g, "u");
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt("axis", {}, {-1});
  auto& concat = g.Op("ConcatV2", "concat", {"u", "x", "axis"});
  AttrInt(concat, "N", 2);
  ConversionResult result = ConvertGraph(g, CustomOptions({"u_in", "x"}, {"concat"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("MysteryOp", "CONCATENATION"));
  EXPECT_EQ(OperatorAt(model, 1)->builtin_options_as_ConcatenationOptions()->axis(), 1);
}

TEST(TensorRulesTest, ConcatOfUnknownRanksWithNegativeAxisHasNoBuiltinForm) {
  GraphBuilder g;
  UnknownRank(g, "u");
  UnknownRank(g, "v");
  g.ConstInt("axis", {}, {-1});
  g.Op("ConcatV2", "concat", {"u", "v", "axis"});
  // With custom ops allowed it is kept as one, with the reason reported.
  ConversionResult result = ConvertGraph(g, CustomOptions({"u_in", "v_in"}, {"concat"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ::testing::Contains("ConcatV2"));
  bool reported = false;
  for (const v1::OpCoverage& entry : result.report.coverage().ops()) {
    if (entry.tf_op() != "ConcatV2") continue;
    EXPECT_EQ(entry.disposition(), v1::CUSTOM);
    ASSERT_EQ(entry.warnings_size(), 1);
    EXPECT_THAT(entry.warnings(0), HasSubstr("node 'concat' (ConcatV2)"));
    EXPECT_THAT(entry.warnings(0), HasSubstr("unknown rank"));
    reported = true;
  }
  EXPECT_TRUE(reported);
}

// --- Errors -------------------------------------------------------------------

TEST(TensorRulesTest, ErrorsNameTheNode) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 5});
  g.ConstInt("dim", {}, {1});
  auto& split = g.Op("Split", "bad_split", {"dim", "x"});
  AttrInt(split, "num_split", 2);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"bad_split"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'bad_split' (Split): dimension 1 of size 5 does not split evenly"));
}

TEST(TensorRulesTest, NonConstantSplitDimIsRejected) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 4});
  g.Placeholder("dim", tensorflow::DT_INT32, {});
  auto& split = g.Op("Split", "split", {"dim", "x"});
  AttrInt(split, "num_split", 2);
  ConversionResult result = ConvertGraph(g, Options({"x", "dim"}, {"split"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'split' (Split): split_dim"));
  // With SELECT_TF_OPS it is kept as a Flex op.
  v1::ConversionOptions flex = Options({"x", "dim"}, {"split", "split:1"});
  flex.add_target_ops(v1::TFLITE_BUILTINS);
  flex.add_target_ops(v1::SELECT_TF_OPS);
  result = ConvertGraph(g, flex);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ElementsAre("FlexSplit"));
}

// Bitcast to a wider type drops a last dimension that must be the width
// ratio, as TensorFlow and bitcast.cc require.
TEST(TensorRulesTest, BitcastChangesTheLastDimensionWithTheWidth) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT8, {3, 2});
  auto& wide = g.Op("Bitcast", "out", {"x"});
  AttrType(wide, "T", tensorflow::DT_INT8);
  AttrType(wide, "type", tensorflow::DT_INT16);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("BITCAST"));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(3));

  GraphBuilder bad;
  bad.Placeholder("x", tensorflow::DT_INT8, {3, 3});
  auto& wrong = bad.Op("Bitcast", "out", {"x"});
  AttrType(wrong, "T", tensorflow::DT_INT8);
  AttrType(wrong, "type", tensorflow::DT_INT16);
  ConversionResult refused = ConvertGraph(bad, Options({"x"}, {"out"}));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kInvalidArgument) << refused.status;
  EXPECT_THAT(refused.status.message(),
              HasSubstr("node 'out' (Bitcast): cannot bitcast int8 of shape [3,3] to int16: the "
                        "last dimension must be 2"));
}

}  // namespace
}  // namespace tflconv
