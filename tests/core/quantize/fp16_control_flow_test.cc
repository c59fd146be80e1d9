// The fp16 pass on models with WHILE and IF subgraphs: constants inside
// bodies become FLOAT16 + DEQUANTIZE too, what a subgraph takes or returns
// stays float32, and the artifacts run on the official runtime.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/control_flow.h"
#include "core/quantize/fp16.h"
#include "tests/testing/control_flow_models.h"
#include "tests/testing/lite_model_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using namespace tflconv::testing;
using tflite::TensorType_FLOAT16;
using tflite::TensorType_FLOAT32;

const LiteTensor* Named(const LiteSubgraph& graph, const std::string& name) {
  for (const LiteTensor& t : graph.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(Fp16ControlFlowTest, BodyConstantsBecomeHalvesAndSignaturesStayFloat32) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  Fp16Stats stats;
  const LiteModel half = ToFloat16Weights(*lite, &stats);
  EXPECT_EQ(stats.tensors_converted, 3);  // w in main, w and 0.25 in the body
  const LiteSubgraph& body = half.subgraph(2);
  ASSERT_EQ(body.operators.size(), 5u);
  EXPECT_EQ(body.operators[0].builtin, tflite::BuiltinOperator_DEQUANTIZE);
  EXPECT_EQ(body.operators[1].builtin, tflite::BuiltinOperator_DEQUANTIZE);
  ASSERT_NE(Named(body, "w_fp16"), nullptr);
  EXPECT_EQ(Named(body, "w_fp16")->type, TensorType_FLOAT16);
  ASSERT_NE(Named(body, "quarter_fp16"), nullptr);
  ASSERT_EQ(body.operators[3].builtin, tflite::BuiltinOperator_MUL);
  EXPECT_EQ(half.buffer_of(body, body.operators[3].inputs[1]), nullptr);  // w, expanded
  for (int t : body.inputs) EXPECT_EQ(half.buffer_of(body, t), nullptr);
  EXPECT_EQ(body.tensors[body.inputs[2]].type, TensorType_FLOAT32);
  EXPECT_EQ(body.tensors[body.outputs[2]].type, TensorType_FLOAT32);
  EXPECT_EQ(half.subgraph(1).operators.size(), 1u);  // the cond has no float constant
  // The fp32 model is left as it was.
  EXPECT_EQ(lite->subgraph(2).operators.size(), 3u);
}

TEST(Fp16ControlFlowTest, ConstantABranchReturnsStaysFloat32) {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int c = b.Tensor({}, tflite::TensorType_BOOL, "c");
  const int y = b.Tensor({2}, TensorType_FLOAT32, "y");
  m.inputs = {c};
  m.outputs = {y};
  const int branch = m.AddSubgraph("branch");
  {
    SubgraphFocus focus(m, branch);
    m.outputs = {b.Constant<float>({2}, TensorType_FLOAT32, {0.1f, 0.2f}, "answer")};
  }
  ASSERT_TRUE(AddIf(m, 0, branch, branch, c, {}, {y}, "choose").ok());
  Fp16Stats stats;
  const LiteModel half = ToFloat16Weights(m, &stats);
  EXPECT_EQ(stats.tensors_converted, 0);
  EXPECT_TRUE(half.subgraph(branch).operators.empty());
  EXPECT_EQ(half.subgraph(branch).tensors[0].type, TensorType_FLOAT32);
  EXPECT_NE(half.buffer_of(half.subgraph(branch), 0), nullptr);
}

TEST(Fp16ControlFlowTest, MainAndBodyShareOneHalfBuffer) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  ASSERT_TRUE(Fp32Artifact(*lite).ok());
  absl::StatusOr<SerializedModel> model = Fp16Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const tflite::Model* m = tflite::GetModel(model->bytes.data());
  const uint32_t main_weights = BufferOf(m->subgraphs()->Get(0), "w_fp16");
  EXPECT_NE(main_weights, 0u);
  EXPECT_EQ(BufferOf(m->subgraphs()->Get(2), "w_fp16"), main_weights);
  EXPECT_EQ(m->buffers()->Get(main_weights)->data()->size(), 3u * 2);
}

class Fp16OracleTest : public OracleTest {
 protected:
  // Exports the fp16 artifact of `lite` (after the fp32 passes) and runs it.
  void ExpectHalfRuns(LiteModel& lite, const std::vector<NpyArray>& inputs,
                      const std::vector<NpyArray>& expected, double rtol) {
    ASSERT_TRUE(Fp32Artifact(lite).ok());
    absl::StatusOr<SerializedModel> model = Fp16Artifact(lite);
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_GT(tflite::GetModel(model->bytes.data())->subgraphs()->size(), 1u);
    ExpectRuns(model->bytes, inputs, expected, rtol);
  }
};

TEST_F(Fp16OracleTest, WhileWithHalfWeightsInItsBodyRuns) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  const std::vector<float> x = {1.0f, -0.5f, 2.0f};
  ExpectHalfRuns(*lite, {Float32Array("x", {3}, x)}, {Float32Array("y", {3}, WeightedLoopY(x))},
                 1e-2);
}

TEST_F(Fp16OracleTest, CountingWhileRuns) {
  absl::StatusOr<LiteModel> lite = CountingLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  const std::vector<float> x = {0.5f, -1.25f};
  // 2 and 1 are exact in float16.
  ExpectHalfRuns(*lite, {Float32Array("x", {2}, x), Int32Array("n", {}, {4})},
                 {Float32Array("y", {2}, CountingLoopY(x, 4)), Int32Array("count", {}, {4})}, 1e-6);
}

TEST_F(Fp16OracleTest, IfRuns) {
  absl::StatusOr<LiteModel> lite = AddOrMul();
  ASSERT_TRUE(lite.ok()) << lite.status();
  ExpectHalfRuns(*lite,
                 {BoolArray("c", {}, {false}), Float32Array("a", {3}, {1, 2, 3}),
                  Float32Array("b", {3}, {-1, 0.5f, 2})},
                 {Float32Array("y", {3}, {-1, 1, 6})}, 1e-6);
}

}  // namespace
}  // namespace tflconv
