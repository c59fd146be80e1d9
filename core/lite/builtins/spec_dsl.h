// The vocabulary of the builtin tables in this directory: kernel-contract
// shorthands (what a tensor may be) and version-rule conditions, each table
// file a function returning its family's BuiltinSpecs.
#ifndef TFLCONV_CORE_LITE_BUILTINS_SPEC_DSL_H_
#define TFLCONV_CORE_LITE_BUILTINS_SPEC_DSL_H_

#include <utility>
#include <vector>

#include "core/lite/builtin_spec.h"
#include "core/lite/tensor_types.h"

namespace tflconv::spec_dsl {

namespace tfl = tflite;
using namespace tensor_types;
using Types = std::vector<tfl::TensorType>;
using Flag = VersionFlag;

// --- Kernel contracts --------------------------------------------------------

inline TensorRule Any() { return {}; }
inline TensorRule OneOf(Types types, int min_rank = 0, int max_rank = -1) {
  return {TensorRule::Kind::kOneOf, std::move(types), 0, min_rank, max_rank};
}
inline TensorRule SameAs(int input) { return {TensorRule::Kind::kSameAsInput, {}, input}; }

// Index-like operands (shapes, axes, paddings, perms) as the kernels read them.
inline TensorRule Int32() { return OneOf({kI32}); }
inline TensorRule Int32Or64() { return OneOf({kI32, kI64}); }

// What CalculateActivationRange (kernel_util.h) clamps to: the activations
// of the kernels that read params->activation in their float path.
inline std::vector<tfl::ActivationFunctionType> ClampActivations() {
  return {tfl::ActivationFunctionType_RELU, tfl::ActivationFunctionType_RELU6,
          tfl::ActivationFunctionType_RELU_N1_TO_1};
}

// Kernels that move values without computing on them accept every type of
// a given width (their Eval switches on the type's size).
inline Types AllNumeric() {
  return {kF32, kF16, kBf16, kI8, kU8, kI16, kU16, kI32, kU32, kI64, kBool};
}

inline KernelContract Unary(const char* file, Types types) {
  return {file, {OneOf(std::move(types))}, {SameAs(0)}};
}
inline KernelContract Binary(const char* file, Types types,
                             std::vector<tfl::ActivationFunctionType> activations = {}) {
  return {file, {OneOf(std::move(types)), SameAs(0)}, {SameAs(0)}, false,
          std::move(activations)};
}
inline KernelContract Comparison(const char* file, Types types) {
  return {file, {OneOf(std::move(types)), SameAs(0)}, {OneOf({kBool})}};
}
// Reducers: data, int32 axis (read as int), output of the data's type.
inline KernelContract Reducer(Types types) {
  return {"reduce.cc", {OneOf(std::move(types)), Int32()}, {SameAs(0)}};
}

// --- Version-rule conditions -------------------------------------------------

inline VersionCond In(int i, tfl::TensorType t) { return {VersionCond::kInput, i, t}; }
inline VersionCond In(tfl::TensorType t) { return In(0, t); }
inline VersionCond Out(int i, tfl::TensorType t) { return {VersionCond::kOutput, i, t}; }
inline VersionCond Out(tfl::TensorType t) { return Out(0, t); }
inline VersionCond RankAbove(int n) { return {VersionCond::kRankAbove, 0, n}; }
inline VersionCond RankIs(int i, int n) { return {VersionCond::kRankIs, i, n}; }
inline VersionCond RankIsNot(int n) { return {VersionCond::kRankIsNot, 0, n}; }
inline VersionCond If(Flag f) { return {VersionCond::kFlag, 0, static_cast<int>(f)}; }

// --- The tables --------------------------------------------------------------

// Arithmetic, comparisons, logic, element-wise math and activations.
std::vector<BuiltinSpec> MathBuiltins();
// Data movement, reductions, scans and index ops.
std::vector<BuiltinSpec> TensorBuiltins();
// Convolutions, matmuls, pooling, resizing, image rearrangements,
// non-max suppression, quantization and random numbers.
std::vector<BuiltinSpec> NnBuiltins();
// WHILE and IF, which run other subgraphs.
std::vector<BuiltinSpec> ControlFlowBuiltins();
// Builtins tflconv does not emit: their versions only, so that version
// lookups answer for every builtin the official tables know.
std::vector<BuiltinSpec> UnemittedBuiltins();

}  // namespace tflconv::spec_dsl

#endif  // TFLCONV_CORE_LITE_BUILTINS_SPEC_DSL_H_
