// WHILE and IF: operators whose work is done by the subgraphs they call
// (lite/control_flow.h), with their kernel contracts (LiteRT
// tflite/kernels/while.cc, if.cc) and runtime_version.cc versions; neither
// has an op_version.cc rule.
#include "core/lite/builtins/spec_dsl.h"

namespace tflconv::spec_dsl {

std::vector<BuiltinSpec> ControlFlowBuiltins() {
  // Any dtypes, as long as they match the called subgraphs' (CheckControlFlow,
  // which also checks the counts).
  return {
      {tfl::BuiltinOperator_WHILE,
       KernelContract{"while.cc", {Any()}, {Any()}, /*variadic=*/true, {},
                      /*variadic_outputs=*/true},
       {},
       {"1.15.0"}},
      {tfl::BuiltinOperator_IF,
       KernelContract{"if.cc", {OneOf({kBool}), Any()}, {Any()}, /*variadic=*/true, {},
                      /*variadic_outputs=*/true},
       {},
       {"1.15.0"}},
  };
}

}  // namespace tflconv::spec_dsl
