// TensorFlow 1.x control flow in the layout tf.while_loop and tf.cond write,
// for tests that build loops and conds by hand.
#ifndef TFLCONV_TESTS_TESTING_CONTROL_FLOW_BUILDER_H_
#define TFLCONV_TESTS_TESTING_CONTROL_FLOW_BUILDER_H_

#include <functional>
#include <string>
#include <vector>

#include "tests/testing/graph_builder.h"

namespace tflconv::testing {

// Tensors visible inside a loop frame or a cond branch: the loop variables
// (or the cond's inputs) and the invariants entered with is_constant.
struct FrameTensors {
  std::vector<std::string> vars;
  std::vector<std::string> invariants;
};

using LoopCondFn = std::function<std::string(GraphBuilder&, const FrameTensors&)>;
using LoopBodyFn = std::function<std::vector<std::string>(GraphBuilder&, const FrameTensors&)>;

// A while loop in frame `name` over `vars` (initial values, with their
// dtypes), as tf.while_loop writes it: Enter -> Merge(Enter, NextIteration)
// -> Switch(Merge, LoopCond) -> Identity (the body's input) and Exit. `cond`
// sees the Merge outputs, `body` the Identity outputs; node names are
// prefixed with `name`. Returns the Exit names, one per variable.
std::vector<std::string> WhileLoop(GraphBuilder& g, const std::string& name,
                                   const std::vector<std::pair<std::string, tensorflow::DataType>>& vars,
                                   const std::vector<std::pair<std::string, tensorflow::DataType>>& invariants,
                                   const LoopCondFn& cond, const LoopBodyFn& body);

using BranchFn = std::function<std::vector<std::string>(GraphBuilder&, const FrameTensors&)>;

// tf.cond on `pred`: a Switch per input, the true branch on output 1 and
// the false branch on output 0, a Merge per result. Returns the Merges.
std::vector<std::string> Cond(GraphBuilder& g, const std::string& name, const std::string& pred,
                              const std::vector<std::pair<std::string, tensorflow::DataType>>& inputs,
                              const BranchFn& then_branch, const BranchFn& else_branch);

// i = 0; while i < n: x = x * 2; i += 1, in frame `name`, where n is
// `trip_count` when >= 0, else the model input "<name>_n" (int32 scalar).
// `extra` may rewrite the next x (it sees {i, next x}). Returns the x Exit.
std::string CountedLoop(GraphBuilder& g, const std::string& name, const std::string& x,
                        int trip_count, const LoopBodyFn& extra = {});

// "name = Op(inputs)" with attribute T; the usual shorthand in these graphs.
std::string TypedOp(GraphBuilder& g, const std::string& op, const std::string& name,
                    std::vector<std::string> inputs, tensorflow::DataType dtype);

// The report's entry for the loop, cond or array `name` of `kind`, or null.
const v1::ControlFlowRegion* FindRegion(const v1::ConversionReport& report,
                                        const std::string& kind, const std::string& name);

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_CONTROL_FLOW_BUILDER_H_
