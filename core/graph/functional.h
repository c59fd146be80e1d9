// Functional control flow lowered to TensorFlow's v1 layout on the GraphDef,
// as TensorFlow's LowerFunctionalOpsPass does, so that one control-flow pass
// serves graphs of both kinds. Bodies come from the graph's function library.
//
//   PartitionedCall, StatefulPartitionedCall, a node whose op is a library
//   function: the body is inlined as "<call>/<node>" behind one Identity per
//   input ("<call>/input_<j>"); the call node becomes Identity (one output),
//   IdentityN (several) or NoOp (none) of the results, so "call:k" still
//   names output k.
//   If, StatelessIf "n": Switch "n/switch_pred" (pred, pred) with pivots
//   "n/pivot_t" = Identity(switch_pred:1), "n/pivot_f" = Identity(switch_pred:0);
//   a Switch "n/switch_<i>" (input i, pred) per input; the then function
//   inlined as "n/then" on switch:1, the else function as "n/else" on
//   switch:0; a Merge "n/output_<k>" (then_k, else_k) per output, which "n"
//   (IdentityN) forwards.
//   While, StatelessWhile "w", frame "w": per loop variable i,
//   Enter "w/enter_<i>" (frame_name "w", is_constant false,
//   parallel_iterations) -> Merge "w/merge_<i>" (enter, next_iteration) ->
//   Switch "w/switch_<i>" (merge, "w/loop_cond"); the cond function inlined
//   as "w/cond" on the Merges feeds LoopCond "w/loop_cond"; the body function
//   inlined as "w/body" on switch:1 (its input Identities) feeds
//   NextIteration "w/next_iteration_<i>" back into the Merge; Exit
//   "w/exit_<i>" on switch:0, which "w" (IdentityN) forwards.
//
// Body nodes without inputs get a control input from the pivot of their
// branch or frame ("n/pivot_t", "w/merge_0", "w/loop_body_control"), as in
// TensorFlow, so a constant in a body belongs to its frame. Calls nested in
// bodies are lowered in turn, at most kMaxFunctionNesting deep; a function
// that calls itself is an error.
#ifndef TFLCONV_CORE_GRAPH_FUNCTIONAL_H_
#define TFLCONV_CORE_GRAPH_FUNCTIONAL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv {

inline constexpr int kMaxFunctionNesting = 32;

struct FunctionalStats {
  int calls_inlined = 0;
  int conds_lowered = 0;
  int loops_lowered = 0;
};

// Lowers every functional op of `graph` in place. Existing nodes keep their
// addresses (nodes are only appended, and functional nodes rewritten); the
// graph may grow to `max_nodes` nodes (limits.max_nodes).
absl::StatusOr<FunctionalStats> LowerFunctionalOps(tensorflow::GraphDef& graph,
                                                   uint64_t max_nodes);

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_FUNCTIONAL_H_
