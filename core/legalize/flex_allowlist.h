// TensorFlow's converter only emits a Select TF op (Flex) for ops that are on
// the Flex delegate's allowlist; any other op with no TFLite builtin is
// unsupported unless allow_custom_ops is set (then it becomes a custom op).
#ifndef TFLCONV_CORE_LEGALIZE_FLEX_ALLOWLIST_H_
#define TFLCONV_CORE_LEGALIZE_FLEX_ALLOWLIST_H_

#include "absl/strings/string_view.h"

namespace tflconv {

// True if `tf_op` (a TF op type name, e.g. "Einsum") may run via Flex.
bool IsFlexAllowlisted(absl::string_view tf_op);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_FLEX_ALLOWLIST_H_
