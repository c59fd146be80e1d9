// TensorFlow 1.x control flow resolved at conversion time.
//
// A while loop is a frame: Enter nodes bring values in (loop variables
// through Merge/NextIteration, invariants with is_constant), LoopCond
// decides, Switch routes each variable to the body or to its Exit. A cond
// is a Switch on a predicate whose two sides meet again in a Merge.
// Functional If/While/calls are lowered to the same layout on import.
//
// LowerControlFlow runs the graph the way TensorFlow's executor would,
// with constant folding standing in for execution: a Switch whose
// predicate folds sends its value down one side and a dead value down the
// other; a loop whose condition folds at every iteration is unrolled into
// straight-line nodes, one copy of the body per iteration. TensorArrays and
// TensorLists become the tensors written into them (Unpack for a scatter,
// Pack for a gather or stack). The result is an acyclic graph with every
// node inferred, which the rules legalize like any other.
#ifndef TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_H_
#define TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/graph/graph.h"
#include "core/graph/import.h"
#include "core/legalize/coverage.h"
#include "core/legalize/legalizer.h"
#include "tflconv/v1/report.pb.h"

namespace tflconv {

// The most non-constant nodes unrolling may add to the model (options'
// unroll_limit when set): a loop past it is not unrolled.
inline constexpr uint64_t kDefaultUnrollLimit = 4096;

// True when the graph holds v1 control flow, TensorArrays or TensorLists.
bool HasControlFlow(const Graph& graph);

struct LoweredGraph {
  Graph graph;  // acyclic, every node inferred
  // What became of each loop, cond, TensorArray and TensorList.
  std::vector<v1::ControlFlowRegion> regions;
  // The control-flow and array nodes that no longer exist, by op.
  std::vector<std::pair<std::string, std::string>> lowered_nodes;  // (op, node)
};

// UNIMPLEMENTED when a loop condition or cond predicate is not known at
// conversion time, when unrolling would pass `unroll_limit`, or when an
// array's size or index is not constant (the message says which, so the
// caller can keep the ops as they are); INVALID_ARGUMENT for malformed
// frames, naming the frame and node.
absl::StatusOr<LoweredGraph> LowerControlFlow(const Graph& graph, const ResolvedLimits& limits,
                                              uint64_t unroll_limit, InferStats* stats);

// Adds the lowered nodes to the op-coverage table as LOWERED.
void AddLoweredCoverage(const LoweredGraph& lowered, CoverageBuilder& coverage);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_CONTROL_FLOW_H_
