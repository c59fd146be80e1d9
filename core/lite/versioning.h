// Operator versions and the model's minimum runtime version, following the
// rules of the official converter (LiteRT tflite/converter/tools/versioning:
// op_version.cc and runtime_version.cc): an op gets the lowest version whose
// kernel supports its options and tensor types. The rules and the runtime of
// each version are declared per builtin in lite/builtins/ (builtin_spec.h).
#ifndef TFLCONV_CORE_LITE_VERSIONING_H_
#define TFLCONV_CORE_LITE_VERSIONING_H_

#include <string>

#include "core/lite/lite_model.h"

namespace tflconv {

// The version `op` needs, given its options and the types of its tensors
// in `graph`.
int OpVersion(const LiteSubgraph& graph, const LiteOperator& op);

// Sets the version of every builtin operator of every subgraph with
// OpVersion().
void AssignOpVersions(LiteModel& model);

// Whether versioning knows `op`: it has version rules, or the runtime table
// lists a single version for it.
bool HasVersionRule(tflite::BuiltinOperator op);

// The runtime that added version `version` of `op` ("2.3.0"), or "" when the
// table does not list it.
std::string RuntimeVersionOf(tflite::BuiltinOperator op, int version);

// The lowest TFLite runtime that has every (op, version) of every subgraph
// of `model`, as
// "major.minor.patch", or "" when no op needs more than the first runtime
// (what the official converter writes too).
std::string MinRuntimeVersion(const LiteModel& model);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_VERSIONING_H_
