// Ops TFLite has no builtin for: Select TF ops (Flex) and custom ops, and
// what is known about how they behave at run time.
#ifndef TFLCONV_CORE_LEGALIZE_FLEX_H_
#define TFLCONV_CORE_LEGALIZE_FLEX_H_

#include <string>

#include "core/legalize/rule.h"

namespace tflconv {

// Output dtypes and shapes of an op without a rule, from its attributes,
// the graph's "_output_shapes" annotations and a table of well-known ops.
absl::Status InferWithoutRule(InferContext& ctx);

// Emits the node as TensorFlow's converter does: custom code "Flex<Op>" and
// custom options a flexbuffer vector of the op name and the serialized
// NodeDef; or, for a custom op, custom code "<Op>" and the node's
// attributes as a flexbuffer map.
absl::Status EmitFlexOp(LegalizeContext& ctx);
absl::Status EmitCustomOp(LegalizeContext& ctx);

// Why an op that converts will still fail at run time, even with the Flex
// delegate; empty when nothing is known against it.
std::string RuntimeWarning(const Node& node);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_FLEX_H_
