// WHILE and IF models exported and run on the official TFLite runtime
// (../shared/tflite-oracle); the fp16 artifacts are in
// tests/core/quantize/fp16_control_flow_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/export.h"
#include "tests/testing/control_flow_models.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using namespace tflconv::testing;

const tflite::Model* Parse(const SerializedModel& model) {
  EXPECT_TRUE(VerifyTfliteModel(model.bytes).ok());
  return tflite::GetModel(model.bytes.data());
}

std::string MinRuntimeVersionOf(const tflite::Model* model) {
  const tflite::Buffer* buffer = model->buffers()->Get(model->metadata()->Get(0)->buffer());
  return std::string(reinterpret_cast<const char*>(buffer->data()->data()));
}

TEST(ExportControlFlowTest, WhileModelHasItsSubgraphsOptionsAndRuntime) {
  absl::StatusOr<LiteModel> lite = CountingLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const tflite::Model* m = Parse(*model);
  ASSERT_EQ(m->subgraphs()->size(), 3u);
  EXPECT_EQ(m->subgraphs()->Get(0)->name()->str(), "main");
  EXPECT_EQ(m->subgraphs()->Get(1)->name()->str(), "count/cond");
  EXPECT_EQ(m->subgraphs()->Get(2)->name()->str(), "count/body");
  EXPECT_EQ(m->subgraphs()->Get(2)->inputs()->size(), 3u);
  EXPECT_EQ(m->subgraphs()->Get(2)->outputs()->size(), 3u);
  const tflite::Operator* op = m->subgraphs()->Get(0)->operators()->Get(0);
  const tflite::OperatorCode* code = m->operator_codes()->Get(op->opcode_index());
  EXPECT_EQ(code->builtin_code(), tflite::BuiltinOperator_WHILE);
  EXPECT_EQ(code->deprecated_builtin_code(), tflite::BuiltinOperator_WHILE);
  EXPECT_EQ(code->version(), 1);
  ASSERT_NE(op->builtin_options_as_WhileOptions(), nullptr);
  EXPECT_EQ(op->builtin_options_as_WhileOptions()->cond_subgraph_index(), 1);
  EXPECT_EQ(op->builtin_options_as_WhileOptions()->body_subgraph_index(), 2);
  // One code per (op, version) over all subgraphs: WHILE, LESS, ADD, MUL.
  EXPECT_EQ(m->operator_codes()->size(), 4u);
  EXPECT_EQ(MinRuntimeVersionOf(m), "1.15.0");
}

TEST(ExportControlFlowTest, IfModelHasBranchIndices) {
  absl::StatusOr<LiteModel> lite = AddOrMul();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const tflite::Model* m = Parse(*model);
  ASSERT_EQ(m->subgraphs()->size(), 3u);
  const tflite::Operator* op = m->subgraphs()->Get(0)->operators()->Get(0);
  ASSERT_NE(op->builtin_options_as_IfOptions(), nullptr);
  EXPECT_EQ(op->builtin_options_as_IfOptions()->then_subgraph_index(), 1);
  EXPECT_EQ(op->builtin_options_as_IfOptions()->else_subgraph_index(), 2);
  EXPECT_EQ(m->subgraphs()->Get(1)->name()->str(), "choose/then");
  EXPECT_EQ(MinRuntimeVersionOf(m), "1.15.0");
}

TEST(ExportControlFlowTest, BuffersAreStoredOnceAcrossSubgraphs) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  // The body's weights in a buffer of their own, with the same values.
  LiteSubgraph& body = lite->subgraph(2);
  for (LiteTensor& t : body.tensors) {
    if (t.name == "w") t.buffer = lite->AddBuffer(OwnedBuffer(kLoopWeights));
  }
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const tflite::Model* m = Parse(*model);
  const uint32_t main_weights = BufferOf(m->subgraphs()->Get(0), "w");
  EXPECT_NE(main_weights, 0u);
  EXPECT_EQ(BufferOf(m->subgraphs()->Get(2), "w"), main_weights);
  // The empty sentinel, w, the int32 0, 3 and 1, the float 0.25 and
  // min_runtime_version.
  EXPECT_EQ(m->buffers()->size(), 7u);
}

TEST_F(OracleTest, WhileCountsAndAccumulatesOnTheRuntime) {
  absl::StatusOr<LiteModel> lite = CountingLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<float> x = {0.5f, -1.25f};
  for (int n : {5, 0}) {
    SCOPED_TRACE(n);
    ExpectRuns(model->bytes, {Float32Array("x", {2}, x), Int32Array("n", {}, {n})},
               {Float32Array("y", {2}, CountingLoopY(x, n)), Int32Array("count", {}, {n})}, 1e-6);
  }
}

TEST_F(OracleTest, IfChoosesItsBranchOnTheRuntime) {
  absl::StatusOr<LiteModel> lite = AddOrMul();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<float> a = {1.5f, -2.0f, 3.0f};
  const std::vector<float> b = {4.0f, 0.5f, -1.0f};
  ExpectRuns(model->bytes,
             {BoolArray("c", {}, {true}), Float32Array("a", {3}, a), Float32Array("b", {3}, b)},
             {Float32Array("y", {3}, {5.5f, -1.5f, 2.0f})}, 1e-6);
  ExpectRuns(model->bytes,
             {BoolArray("c", {}, {false}), Float32Array("a", {3}, a), Float32Array("b", {3}, b)},
             {Float32Array("y", {3}, {6.0f, -1.0f, -3.0f})}, 1e-6);
}

TEST_F(OracleTest, WhileWithBodyWeightsOnTheRuntime) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<float> x = {1.0f, -0.5f, 2.0f};
  ExpectRuns(model->bytes, {Float32Array("x", {3}, x)}, {Float32Array("y", {3}, WeightedLoopY(x))},
             1e-6);
}

}  // namespace
}  // namespace tflconv
