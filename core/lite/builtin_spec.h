// One declaration per TFLite builtin: what its runtime kernel accepts (the
// KernelContract), the rules that give its op version, and the runtime that
// added each version. The tables live in lite/builtins/, one file per family
// (math, tensor, nn, control flow, and the builtins tflconv does not emit,
// which carry only their versions); kernel_contract.h and versioning.h
// answer from them.
// Adding a builtin to a rule means adding its entry here, with all three.
#ifndef TFLCONV_CORE_LITE_BUILTIN_SPEC_H_
#define TFLCONV_CORE_LITE_BUILTIN_SPEC_H_

#include <optional>
#include <vector>

#include "core/lite/kernel_contract.h"

namespace tflconv {

// What an op's version depends on besides the types and ranks of its
// tensors (evaluated by versioning.cc).
enum class VersionFlag {
  kBroadcastOver4D,
  kGroupedConv,
  kDilated,
  kTwoInputs,
  kBiasInput,
  kKeepNumDims,
  kAsymmetricInputs,
  kShuffledWeights,
  kGatherBatchDims,
  kSliceOffset,
  kEllipsisOrNewAxis,
  kHalfPixelCenters,
  kHalfPixelOrAlignCorners,
  kFusedActivation,
  kNarrowRange,
  // The official quantized_bias_type checks test the TfLiteType converted
  // from the options, which is non-zero for every schema type, so they hold
  // whenever the options exist.
  kQuantizedBiasType,
};

// One condition of a version rule: input/output `index` has type `value`,
// input `index`'s rank is above / is / is not `value`, or flag `value` holds.
struct VersionCond {
  enum Kind { kInput, kOutput, kRankAbove, kRankIs, kRankIsNot, kFlag };
  Kind kind;
  int index;
  int value;
};

// The version an operator needs when all of `all` hold.
struct VersionRule {
  int version;
  std::vector<VersionCond> all;
};

struct BuiltinSpec {
  tflite::BuiltinOperator op;
  // What the runtime kernel accepts; none for builtins tflconv never emits.
  std::optional<KernelContract> contract;
  // LiteRT's op_version.cc rules in its order: the first whose conditions
  // all hold gives the version; none gives 1. Rules that need quantization
  // parameters or sparsity, which the IR does not carry, are left out.
  std::vector<VersionRule> versions;
  // LiteRT's runtime_version.cc: runtime_since[v - first_version] is the
  // runtime that added version v ("2.3.0").
  std::vector<const char*> runtime_since;
  int first_version = 1;
};

// Every declared builtin, each once.
const std::vector<BuiltinSpec>& BuiltinSpecs();

// Null when `op` has no declaration.
const BuiltinSpec* FindBuiltinSpec(tflite::BuiltinOperator op);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_BUILTIN_SPEC_H_
