#include "core/lite/versioning.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/legalize/rule.h"
#include "tests/testing/lite_model_builder.h"

namespace tflconv {
namespace {

using tflite::BuiltinOperator;
using tflite::TensorType;

// Builds one-op models; expectations are the versions the official
// op_version.cc and runtime_version.cc give for the same signatures.
class ModelBuilder : public testing::LiteModelBuilder {
 public:
  int Version() const { return OpVersion(model(), model().operators.back()); }
};

TEST(OpVersionTest, FullyConnected) {
  ModelBuilder b;
  const int x = b.Tensor({2, 3, 8});
  const int w = b.Tensor({4, 8});
  const int bias = b.Tensor({4});
  const int y = b.Tensor({2, 3, 4});
  tflite::FullyConnectedOptionsT fc;
  b.Op(tflite::BuiltinOperator_FULLY_CONNECTED, {x, w, bias}, {y}).options =
      MakeOptions(fc);
  EXPECT_EQ(b.Version(), 1);

  fc.keep_num_dims = true;
  b.Op(tflite::BuiltinOperator_FULLY_CONNECTED, {x, w, bias}, {y}).options =
      MakeOptions(fc);
  EXPECT_EQ(b.Version(), 5);

  // An omitted bias still counts as a third input.
  b.Op(tflite::BuiltinOperator_FULLY_CONNECTED, {x, w, -1}, {y}).options =
      MakeOptions(fc);
  EXPECT_EQ(b.Version(), 5);

  b.Op(tflite::BuiltinOperator_FULLY_CONNECTED, {x, w}, {y}).options =
      MakeOptions(fc);
  EXPECT_EQ(b.Version(), 6);
}

TEST(OpVersionTest, Conv2D) {
  ModelBuilder b;
  const int x = b.Tensor({1, 8, 8, 6});
  const int bias = b.Tensor({4});
  const int y = b.Tensor({1, 8, 8, 4});
  b.Op(tflite::BuiltinOperator_CONV_2D, {x, b.Tensor({4, 3, 3, 6}), bias},
       {y})
      .options = MakeOptions(tflite::Conv2DOptionsT());
  EXPECT_EQ(b.Version(), 1);

  // Filter input channels differ from the input's: grouped convolution.
  b.Op(tflite::BuiltinOperator_CONV_2D, {x, b.Tensor({4, 3, 3, 3}), bias},
       {y})
      .options = MakeOptions(tflite::Conv2DOptionsT());
  EXPECT_EQ(b.Version(), 6);
}

TEST(OpVersionTest, DepthwiseConv2DDilation) {
  ModelBuilder b;
  const int x = b.Tensor({1, 8, 8, 4});
  const int w = b.Tensor({1, 3, 3, 4});
  const int y = b.Tensor({1, 8, 8, 4});
  tflite::DepthwiseConv2DOptionsT dw;
  dw.depth_multiplier = 1;
  b.Op(tflite::BuiltinOperator_DEPTHWISE_CONV_2D, {x, w, -1}, {y}).options =
      MakeOptions(dw);
  EXPECT_EQ(b.Version(), 1);

  dw.dilation_h_factor = 2;
  b.Op(tflite::BuiltinOperator_DEPTHWISE_CONV_2D, {x, w, -1}, {y}).options =
      MakeOptions(dw);
  EXPECT_EQ(b.Version(), 2);
}

TEST(OpVersionTest, TransposeByRank) {
  ModelBuilder b;
  const int perm = b.Tensor({5}, tflite::TensorType_INT32);
  b.Op(tflite::BuiltinOperator_TRANSPOSE, {b.Tensor({1, 2, 3, 4}), perm},
       {b.Tensor({4, 3, 2, 1})});
  EXPECT_EQ(b.Version(), 1);
  b.Op(tflite::BuiltinOperator_TRANSPOSE, {b.Tensor({1, 2, 3, 4, 5}), perm},
       {b.Tensor({5, 4, 3, 2, 1})});
  EXPECT_EQ(b.Version(), 4);
  b.Op(tflite::BuiltinOperator_TRANSPOSE,
       {b.Tensor({1, 2, 3, 4, 5, 6}), perm}, {b.Tensor({6, 5, 4, 3, 2, 1})});
  EXPECT_EQ(b.Version(), 6);
}

TEST(OpVersionTest, StridedSlice) {
  ModelBuilder b;
  const int idx = b.Tensor({4}, tflite::TensorType_INT32);
  auto slice = [&](int input, tflite::StridedSliceOptionsT options) {
    b.Op(tflite::BuiltinOperator_STRIDED_SLICE, {input, idx, idx, idx},
         {b.Tensor({1})})
        .options = MakeOptions(std::move(options));
    return b.Version();
  };
  const int rank4 = b.Tensor({2, 3, 4, 5});
  tflite::StridedSliceOptionsT plain;
  EXPECT_EQ(slice(rank4, plain), 1);
  EXPECT_EQ(slice(b.Tensor({2, 3, 4, 5, 6}), plain), 4);
  EXPECT_EQ(slice(b.Tensor({2, 3}, tflite::TensorType_BOOL), plain), 3);

  tflite::StridedSliceOptionsT ellipsis;
  ellipsis.ellipsis_mask = 1;
  EXPECT_EQ(slice(rank4, ellipsis), 6);

  tflite::StridedSliceOptionsT offset;
  offset.offset = true;
  EXPECT_EQ(slice(rank4, offset), 8);
}

TEST(OpVersionTest, DequantizeFloat16) {
  ModelBuilder b;
  b.Op(tflite::BuiltinOperator_DEQUANTIZE,
       {b.Tensor({4, 8}, tflite::TensorType_FLOAT16)}, {b.Tensor({4, 8})});
  EXPECT_EQ(b.Version(), 3);
}

TEST(OpVersionTest, ResizeBilinearHalfPixelCenters) {
  ModelBuilder b;
  const int x = b.Tensor({1, 4, 4, 3});
  const int size = b.Tensor({2}, tflite::TensorType_INT32);
  const int y = b.Tensor({1, 8, 8, 3});
  tflite::ResizeBilinearOptionsT resize;
  b.Op(tflite::BuiltinOperator_RESIZE_BILINEAR, {x, size}, {y}).options =
      MakeOptions(resize);
  EXPECT_EQ(b.Version(), 1);

  resize.half_pixel_centers = true;
  b.Op(tflite::BuiltinOperator_RESIZE_BILINEAR, {x, size}, {y}).options =
      MakeOptions(resize);
  EXPECT_EQ(b.Version(), 3);
}

TEST(OpVersionTest, Softmax) {
  ModelBuilder b;
  b.Op(tflite::BuiltinOperator_SOFTMAX, {b.Tensor({1, 10})},
       {b.Tensor({1, 10})});
  EXPECT_EQ(b.Version(), 1);
  b.Op(tflite::BuiltinOperator_SOFTMAX,
       {b.Tensor({1, 10}, tflite::TensorType_FLOAT16)},
       {b.Tensor({1, 10}, tflite::TensorType_FLOAT16)});
  EXPECT_EQ(b.Version(), 4);
}

TEST(OpVersionTest, AddInt64) {
  ModelBuilder b;
  const int x = b.Tensor({3}, tflite::TensorType_INT64);
  b.Op(tflite::BuiltinOperator_ADD, {x, x},
       {b.Tensor({3}, tflite::TensorType_INT64)});
  EXPECT_EQ(b.Version(), 4);
}

TEST(OpVersionTest, WhereAndBroadcastToDefaults) {
  ModelBuilder b;
  const int out = b.Tensor({2, 2}, tflite::TensorType_INT64);
  b.Op(tflite::BuiltinOperator_WHERE,
       {b.Tensor({4}, tflite::TensorType_BOOL)}, {out});
  EXPECT_EQ(b.Version(), 1);
  b.Op(tflite::BuiltinOperator_WHERE, {b.Tensor({4})}, {out});
  EXPECT_EQ(b.Version(), 2);
  b.Op(tflite::BuiltinOperator_BROADCAST_TO,
       {b.Tensor({3}), b.Tensor({2}, tflite::TensorType_INT32)},
       {b.Tensor({2, 3})});
  EXPECT_EQ(b.Version(), 2);
}

TEST(OpVersionTest, CustomIsVersionOne) {
  ModelBuilder b;
  LiteOperator& op = b.Op(tflite::BuiltinOperator_CUSTOM,
                          {b.Tensor({1, 2, 3, 4, 5, 6})}, {b.Tensor({1})});
  op.custom_code = "FlexConv3D";
  EXPECT_EQ(b.Version(), 1);
}

TEST(AssignOpVersionsTest, SetsEveryOperator) {
  ModelBuilder b;
  const int x = b.Tensor({3}, tflite::TensorType_INT64);
  b.Op(tflite::BuiltinOperator_ADD, {x, x}, {x});
  b.Op(tflite::BuiltinOperator_MUL, {x, x}, {x});
  AssignOpVersions(b.model());
  EXPECT_EQ(b.model().operators[0].version, 4);
  EXPECT_EQ(b.model().operators[1].version, 5);
}

TEST(MinRuntimeVersionTest, TakesTheNumericMaximum) {
  ModelBuilder b;
  const int x = b.Tensor({1, 4, 4, 3});
  b.Op(tflite::BuiltinOperator_CONV_2D, {x, x, -1}, {x}).version = 1;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "1.5.0");
  b.Op(tflite::BuiltinOperator_RESIZE_BILINEAR, {x}, {x}).version = 3;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "2.2.0");
  // "2.14.0" is newer than "2.2.0" though it sorts before it as text.
  b.Op(tflite::BuiltinOperator_STRIDED_SLICE, {x}, {x}).version = 8;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "2.14.0");
  b.Op(tflite::BuiltinOperator_DEQUANTIZE, {x}, {x}).version = 3;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "2.14.0");
}

TEST(MinRuntimeVersionTest, OpsOutsideTheTableContributeNothing) {
  ModelBuilder b;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "");
  const int x = b.Tensor({1});
  b.Op(tflite::BuiltinOperator_CUSTOM, {x}, {x}).custom_code = "FlexFoo";
  // BROADCAST_TO version 1 was rolled back, so the table lacks it.
  b.Op(tflite::BuiltinOperator_BROADCAST_TO, {x}, {x}).version = 1;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "");
  b.Op(tflite::BuiltinOperator_BROADCAST_TO, {x}, {x}).version = 2;
  EXPECT_EQ(MinRuntimeVersion(b.model()), "2.5.0");
}

}  // namespace
}  // namespace tflconv
