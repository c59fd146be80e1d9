// Operator versions and the model's minimum runtime version, following the
// rules of the official converter (LiteRT tflite/converter/tools/versioning:
// op_version.cc and runtime_version.cc): an op gets the lowest version whose
// kernel supports its options and tensor types.
#ifndef TFLCONV_CORE_LITE_VERSIONING_H_
#define TFLCONV_CORE_LITE_VERSIONING_H_

#include <string>

#include "core/lite/lite_model.h"

namespace tflconv {

// The version `op` needs, given its options and its tensors' types.
int OpVersion(const LiteModel& model, const LiteOperator& op);

// Sets every builtin operator's version with OpVersion().
void AssignOpVersions(LiteModel& model);

// The lowest TFLite runtime that has every (op, version) of `model`, as
// "major.minor.patch", or "" when no op needs more than the first runtime
// (what the official converter writes too).
std::string MinRuntimeVersion(const LiteModel& model);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_VERSIONING_H_
