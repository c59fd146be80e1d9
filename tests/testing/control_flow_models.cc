#include "tests/testing/control_flow_models.h"

#include <gtest/gtest.h>

#include "core/lite/control_flow.h"
#include "core/lite/kernel_contract.h"
#include "core/lite/optimize.h"
#include "core/lite/versioning.h"
#include "core/quantize/fp16.h"
#include "tests/testing/lite_model_builder.h"

namespace tflconv::testing {
namespace {

using tflite::TensorType_BOOL;
using tflite::TensorType_FLOAT32;
using tflite::TensorType_INT32;

tflite::BuiltinOptionsUnion AddOptions() {
  tflite::BuiltinOptionsUnion options;
  options.Set(tflite::AddOptionsT());
  return options;
}

tflite::BuiltinOptionsUnion MulOptions() {
  tflite::BuiltinOptionsUnion options;
  options.Set(tflite::MulOptionsT());
  return options;
}

// A loop counter and its bound: inputs (i, n, ...) of a cond subgraph that
// returns i < n.
void CountingCond(LiteModelBuilder& b, const std::vector<int>& rest) {
  LiteModel& m = b.model();
  const int i = b.Tensor({}, TensorType_INT32, "i");
  const int n = b.Tensor({}, TensorType_INT32, "n");
  const int less = b.Tensor({}, TensorType_BOOL, "i_less_n");
  b.Op(tflite::BuiltinOperator_LESS, {i, n}, {less});
  m.inputs = {i, n};
  m.inputs.insert(m.inputs.end(), rest.begin(), rest.end());
  m.outputs = {less};
}

}  // namespace

absl::StatusOr<LiteModel> CountingLoop() {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int x = b.Tensor({2}, TensorType_FLOAT32, "x");
  const int n = b.Tensor({}, TensorType_INT32, "n");
  const int zero = b.Constant<int32_t>({}, TensorType_INT32, {0}, "count/start");
  const int count = b.Tensor({}, TensorType_INT32, "count");
  const int n_out = b.Tensor({}, TensorType_INT32, "count/n");
  const int y = b.Tensor({2}, TensorType_FLOAT32, "y");
  m.inputs = {x, n};
  m.outputs = {y, count};
  m.input_names = {"x", "n"};
  m.output_names = {"y", "count"};
  const int cond = m.AddSubgraph("count/cond");
  const int body = m.AddSubgraph("count/body");
  {
    SubgraphFocus focus(m, cond);
    CountingCond(b, {b.Tensor({2}, TensorType_FLOAT32, "x")});
  }
  {
    SubgraphFocus focus(m, body);
    const int i = b.Tensor({}, TensorType_INT32, "i");
    const int bound = b.Tensor({}, TensorType_INT32, "n");
    const int value = b.Tensor({2}, TensorType_FLOAT32, "x");
    const int one = b.Constant<int32_t>({}, TensorType_INT32, {1}, "one");
    const int two = b.Constant<float>({}, TensorType_FLOAT32, {2.0f}, "two");
    const int one_f = b.Constant<float>({}, TensorType_FLOAT32, {1.0f}, "one_f");
    const int next_i = b.Tensor({}, TensorType_INT32, "next_i");
    const int doubled = b.Tensor({2}, TensorType_FLOAT32, "doubled");
    const int next_x = b.Tensor({2}, TensorType_FLOAT32, "next_x");
    b.Op(tflite::BuiltinOperator_ADD, {i, one}, {next_i}, AddOptions());
    b.Op(tflite::BuiltinOperator_MUL, {value, two}, {doubled}, MulOptions());
    b.Op(tflite::BuiltinOperator_ADD, {doubled, one_f}, {next_x}, AddOptions());
    m.inputs = {i, bound, value};
    m.outputs = {next_i, bound, next_x};
  }
  if (absl::Status s = AddWhile(m, 0, cond, body, {zero, n, x}, {count, n_out, y}, "count");
      !s.ok()) {
    return s;
  }
  return std::move(m);
}

std::vector<float> CountingLoopY(const std::vector<float>& x, int n) {
  std::vector<float> y = x;
  for (int k = 0; k < n; ++k) {
    for (float& v : y) v = v * 2.0f + 1.0f;
  }
  return y;
}

absl::StatusOr<LiteModel> AddOrMul() {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int c = b.Tensor({}, TensorType_BOOL, "c");
  const int a = b.Tensor({3}, TensorType_FLOAT32, "a");
  const int bb = b.Tensor({3}, TensorType_FLOAT32, "b");
  const int y = b.Tensor({3}, TensorType_FLOAT32, "y");
  m.inputs = {c, a, bb};
  m.outputs = {y};
  m.input_names = {"c", "a", "b"};
  m.output_names = {"y"};
  const int then_branch = m.AddSubgraph("choose/then");
  const int else_branch = m.AddSubgraph("choose/else");
  for (const auto& [branch, op] : {std::pair{then_branch, tflite::BuiltinOperator_ADD},
                                   std::pair{else_branch, tflite::BuiltinOperator_MUL}}) {
    SubgraphFocus focus(m, branch);
    const int lhs = b.Tensor({3}, TensorType_FLOAT32, "a");
    const int rhs = b.Tensor({3}, TensorType_FLOAT32, "b");
    const int out = b.Tensor({3}, TensorType_FLOAT32, "out");
    b.Op(op, {lhs, rhs}, {out}, op == tflite::BuiltinOperator_ADD ? AddOptions() : MulOptions());
    m.inputs = {lhs, rhs};
    m.outputs = {out};
  }
  if (absl::Status s = AddIf(m, 0, then_branch, else_branch, c, {a, bb}, {y}, "choose"); !s.ok()) {
    return s;
  }
  return std::move(m);
}

absl::StatusOr<LiteModel> WeightedLoop() {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int x = b.Tensor({3}, TensorType_FLOAT32, "x");
  const int w = b.Constant<float>({3}, TensorType_FLOAT32, kLoopWeights, "w");
  const int start = b.Constant<int32_t>({}, TensorType_INT32, {0}, "scale/start");
  const int trips = b.Constant<int32_t>({}, TensorType_INT32, {3}, "scale/trips");
  const int count = b.Tensor({}, TensorType_INT32, "scale/count");
  const int trips_out = b.Tensor({}, TensorType_INT32, "scale/trips_out");
  const int looped = b.Tensor({3}, TensorType_FLOAT32, "scale/x");
  const int y = b.Tensor({3}, TensorType_FLOAT32, "y");
  m.inputs = {x};
  m.outputs = {y};
  m.input_names = {"x"};
  m.output_names = {"y"};
  const int shared_weights = m.tensors[w].buffer;
  const int cond = m.AddSubgraph("scale/cond");
  const int body = m.AddSubgraph("scale/body");
  {
    SubgraphFocus focus(m, cond);
    CountingCond(b, {b.Tensor({3}, TensorType_FLOAT32, "x")});
  }
  {
    SubgraphFocus focus(m, body);
    const int i = b.Tensor({}, TensorType_INT32, "i");
    const int bound = b.Tensor({}, TensorType_INT32, "n");
    const int value = b.Tensor({3}, TensorType_FLOAT32, "x");
    const int weights = b.Tensor({3}, TensorType_FLOAT32, "w");
    m.tensors[weights].buffer = shared_weights;
    const int quarter = b.Constant<float>({1}, TensorType_FLOAT32, {0.25f}, "quarter");
    const int one = b.Constant<int32_t>({}, TensorType_INT32, {1}, "one");
    const int next_i = b.Tensor({}, TensorType_INT32, "next_i");
    const int scaled = b.Tensor({3}, TensorType_FLOAT32, "scaled");
    const int next_x = b.Tensor({3}, TensorType_FLOAT32, "next_x");
    b.Op(tflite::BuiltinOperator_ADD, {i, one}, {next_i}, AddOptions());
    b.Op(tflite::BuiltinOperator_MUL, {value, weights}, {scaled}, MulOptions());
    b.Op(tflite::BuiltinOperator_ADD, {scaled, quarter}, {next_x}, AddOptions());
    m.inputs = {i, bound, value};
    m.outputs = {next_i, bound, next_x};
  }
  if (absl::Status s =
          AddWhile(m, 0, cond, body, {start, trips, x}, {count, trips_out, looped}, "scale");
      !s.ok()) {
    return s;
  }
  b.Op(tflite::BuiltinOperator_MUL, {looped, w}, {y}, MulOptions());
  return std::move(m);
}

std::vector<float> WeightedLoopY(const std::vector<float>& x) {
  std::vector<float> y = x;
  for (int trip = 0; trip < 3; ++trip) {
    for (size_t k = 0; k < y.size(); ++k) y[k] = y[k] * kLoopWeights[k] + 0.25f;
  }
  for (size_t k = 0; k < y.size(); ++k) y[k] *= kLoopWeights[k];
  return y;
}

absl::StatusOr<SerializedModel> Fp32Artifact(LiteModel& model) {
  OptimizeLiteModel(model);
  AssignOpVersions(model);
  if (absl::Status s = CheckKernelContracts(model); !s.ok()) return s;
  return ExportModel(model);
}

absl::StatusOr<SerializedModel> Fp16Artifact(const LiteModel& model) {
  Fp16Stats stats;
  LiteModel half = ToFloat16Weights(model, &stats);
  AssignOpVersions(half);
  if (absl::Status s = CheckKernelContracts(half); !s.ok()) return s;
  return ExportModel(half);
}

uint32_t BufferOf(const tflite::SubGraph* graph, const std::string& name) {
  for (const tflite::Tensor* t : *graph->tensors()) {
    if (t->name()->str() == name) return t->buffer();
  }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

}  // namespace tflconv::testing
