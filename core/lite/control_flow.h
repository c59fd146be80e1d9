// WHILE and IF: operators whose work is done by other subgraphs of the
// model (lite_model.h). A lowering builds the subgraphs first, then the
// operator that runs them:
//
//   const int cond = model.AddSubgraph("loop/cond");
//   const int body = model.AddSubgraph("loop/body");
//   {
//     SubgraphFocus focus(model, cond);
//     ...  // model.inputs = the loop variables, model.outputs = {one bool}
//   }
//   {
//     SubgraphFocus focus(model, body);
//     ...  // model.inputs and model.outputs: the loop variables
//   }
//   absl::Status s = AddWhile(model, /*in=*/0, cond, body, {i0, x0}, {i, x}, "loop");
//
// The checks are those the runtime's kernels make when they prepare the
// operator (LiteRT tflite/kernels/while.cc and if.cc), plus what makes the
// converter's own checks hold inside the subgraphs: each tensor handed to a
// subgraph has the dtype of the subgraph tensor that receives it (the
// kernels copy the caller's dtype over it).
#ifndef TFLCONV_CORE_LITE_CONTROL_FLOW_H_
#define TFLCONV_CORE_LITE_CONTROL_FLOW_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/lite/lite_model.h"

namespace tflconv {

// Appends to subgraph `in` a WHILE that runs subgraph `body` on the loop
// variables while subgraph `cond` returns true: `loop_vars` are the initial
// values and `results` the final ones (tensors of `in`, the same count, a
// result of each variable's dtype). `cond` takes the loop variables and
// returns one bool (a scalar or shape [1]); `body` takes and returns them.
// FAILED_PRECONDITION naming the TF node and the subgraph, with nothing
// appended, when the subgraphs do not fit.
absl::Status AddWhile(LiteModel& model, int in, int cond, int body, std::vector<int> loop_vars,
                      std::vector<int> results, std::string tf_node);

// Appends to subgraph `in` an IF that runs subgraph `then_branch` when the
// bool `condition` (one element) is true, else `else_branch`; both take
// `args` and return `results` (tensors of `in`).
absl::Status AddIf(LiteModel& model, int in, int then_branch, int else_branch, int condition,
                   std::vector<int> args, std::vector<int> results, std::string tf_node);

// The checks of AddWhile and AddIf for operator `op` of subgraph `in`:
// FAILED_PRECONDITION naming the operator, its TF node and the subgraphs
// when it breaks them. OK for every other operator.
absl::Status CheckControlFlow(const LiteModel& model, int in, const LiteOperator& op);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_CONTROL_FLOW_H_
