// Small hand-built models with WHILE and IF subgraphs, shared by the tests
// of the Lite passes, the exporter and the fp16 pass, with the values their
// outputs must have.
#ifndef TFLCONV_TESTS_TESTING_CONTROL_FLOW_MODELS_H_
#define TFLCONV_TESTS_TESTING_CONTROL_FLOW_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/lite/export.h"
#include "core/lite/lite_model.h"

namespace tflconv::testing {

// inputs x: float32[2], n: int32 scalar; outputs y, count.
// WHILE (cond "count/cond": i < n; body "count/body": i + 1, x * 2 + 1)
// from i = 0: count = max(n, 0), y = x * 2^count + 2^count - 1.
absl::StatusOr<LiteModel> CountingLoop();
std::vector<float> CountingLoopY(const std::vector<float>& x, int n);

// inputs c: bool scalar, a and b: float32[3]; output y.
// IF c (then "choose/then": a + b) else ("choose/else": a * b).
absl::StatusOr<LiteModel> AddOrMul();

// input x: float32[3]; output y. Three times x = x * w + 0.25 in a WHILE
// body ("scale/body"), then y = x * w in the main subgraph, where w =
// kLoopWeights is one buffer read by both subgraphs.
absl::StatusOr<LiteModel> WeightedLoop();
inline const std::vector<float> kLoopWeights = {0.9f, 1.1f, -0.7f};
std::vector<float> WeightedLoopY(const std::vector<float>& x);

// The fp32 artifact as Convert() makes it: optimized, versioned, checked
// against the kernel contracts, exported.
absl::StatusOr<SerializedModel> Fp32Artifact(LiteModel& model);
// The fp16 artifact of an fp32-ready `model`.
absl::StatusOr<SerializedModel> Fp16Artifact(const LiteModel& model);

// The flatbuffer buffer index of `graph`'s tensor named `name` (a test
// failure and 0 when there is none).
uint32_t BufferOf(const tflite::SubGraph* graph, const std::string& name);

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_CONTROL_FLOW_MODELS_H_
