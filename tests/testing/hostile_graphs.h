// The crafted graphs of issue 9 and of the validation work that followed:
// each once killed or exhausted the converter (a stride of 0, INT_MIN / -1
// folded, 20,000 levels of text nesting, an enum value outside DataType,
// tiny graphs that fold into gigabytes, out-of-range attributes). The unit
// tests check each one's exact error; bench/soak and the server's hostile
// load test send them all to a server.
#ifndef TFLCONV_TESTS_TESTING_HOSTILE_GRAPHS_H_
#define TFLCONV_TESTS_TESTING_HOSTILE_GRAPHS_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/testing/graph_builder.h"

namespace tflconv::testing {

// One class of attribute or input a hostile graph can set: a graph with the
// placeholder "x" [2,3] float, the node under test "bad" and the output "out".
struct HostileCase {
  const char* name;
  std::function<void(GraphBuilder&)> build;
  absl::StatusCode code;
  const char* message;
  std::vector<std::string> inputs = {"x"};  // besides "x": placeholders it adds
};
std::vector<HostileCase> ValidationCases();
void PrintTo(const HostileCase& c, std::ostream* os);  // its name, for gtest
GraphBuilder ValidationGraph(const HostileCase& c);

// `op` (Conv2D, DepthwiseConv2dNative, _FusedConv2D, MaxPool, AvgPool) over
// x[1,4,4,2] as "window", valid but for `attribute`[2] = `value`.
GraphBuilder WindowGraph(const std::string& op, const std::string& attribute, int64_t value);

// q = op([INT_MIN, 7], divisor) of `dtype` (int32 or int64), out = x + q.
GraphBuilder DivisionGraph(const std::string& op, tensorflow::DataType dtype,
                           std::vector<int64_t> divisor);

// A text GraphDef whose Placeholder "x" holds `depth` levels of open/close.
std::string NestedText(const std::string& open, const std::string& close, int depth);

// A float Const of `shape` that stores only `values` (TensorFlow repeats
// the last one): a few bytes in the graph, the whole shape once decoded.
std::string CompactConst(GraphBuilder& g, const std::string& name, std::vector<int64_t> shape,
                         std::vector<float> values);
// Range(start, limit, delta) of int32 scalars.
void Range(GraphBuilder& g, const std::string& name, int32_t start, int32_t limit, int32_t delta);

// The amplification graphs (no inputs, output "out"):
// Range(0, 2^31-1, 2) cast to int64 and added to itself (12.6 GB of RSS
// before the fold budget).
GraphBuilder RangeCastAdd();
// A Const whose shape says 2^30 elements with one stored value.
GraphBuilder HugeCompactConst();
// `op` (MirrorPad, ResizeNearestNeighbor, ArgMax, Tile, BroadcastTo) applied
// to a 64 MiB constant of two stored values.
GraphBuilder OnCompactImage(const std::string& op);
// Fill of 2^29 floats.
GraphBuilder FillHuge();

// The fold budget a tflconv-server gives a small job (a quarter of its
// 64 MiB minimum reservation).
inline constexpr uint64_t kServerFoldBudget = 16 << 20;

// Every graph above as a whole request (the bytes, binary or text, and the
// options naming its inputs and outputs, both artifacts, and
// kServerFoldBudget, so that a local conversion folds what a server does).
struct HostileRequest {
  std::string name;
  std::string graph;
  v1::ConversionOptions options;
};
std::vector<HostileRequest> HostileRequests();

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_HOSTILE_GRAPHS_H_
