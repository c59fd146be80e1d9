#include "core/quantize/fp16.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using namespace tflconv::testing;

TEST(Fp16Test, HalfConversionRoundsToNearestEven) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);            // rounds up to infinity
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3c00);  // halfway: to even
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3c02);  // halfway: to even
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(NAN))));
  for (float v : {0.1f, -3.75f, 1234.5f, 6.1e-5f}) {
    EXPECT_NEAR(HalfToFloat(FloatToHalf(v)), v, std::fabs(v) * 1e-3f);
  }
}

TEST(Fp16Test, ConstantsBecomeFloat16WithOneDequantizeEach) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2});
  g.ConstFloat("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  auto& matmul = g.Op("MatMul", "fc", {"x", "w"});
  AttrType(matmul, "T", tensorflow::DT_FLOAT);
  g.ConstFloat("k", {3}, {0.5f, 0.25f, 2});  // also a model output
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"fc", "k"}, /*fp16=*/true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(result.artifacts.size(), 2u);
  const tflite::Model* model = ModelOf(result.artifacts[1]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("DEQUANTIZE", "FULLY_CONNECTED"));
  const tflite::Operator* dequantize = OperatorAt(model, 0);
  const tflite::Tensor* half = TensorAt(model, dequantize->inputs()->Get(0));
  EXPECT_EQ(half->type(), tflite::TensorType_FLOAT16);
  const tflite::Buffer* buffer = model->buffers()->Get(half->buffer());
  ASSERT_EQ(buffer->data()->size(), 6u * 2);
  const auto* bits = reinterpret_cast<const uint16_t*>(buffer->data()->data());
  EXPECT_EQ(HalfToFloat(bits[0]), 1.0f);  // [out, in] = transposed
  EXPECT_EQ(HalfToFloat(bits[1]), 4.0f);
  EXPECT_EQ(TensorAt(model, dequantize->outputs()->Get(0))->type(), tflite::TensorType_FLOAT32);
  EXPECT_EQ(OperatorAt(model, 1)->inputs()->Get(1), dequantize->outputs()->Get(0));
  // Inputs and outputs stay float32, including the constant output.
  const auto* subgraph = model->subgraphs()->Get(0);
  for (int t : {subgraph->inputs()->Get(0), subgraph->outputs()->Get(0),
                subgraph->outputs()->Get(1)}) {
    EXPECT_EQ(TensorAt(model, t)->type(), tflite::TensorType_FLOAT32);
  }
  EXPECT_THAT(FloatBuffer(model, subgraph->outputs()->Get(1)), ElementsAre(0.5f, 0.25f, 2));
}

}  // namespace
}  // namespace tflconv
