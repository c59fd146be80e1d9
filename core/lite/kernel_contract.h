// What the official TFLite runtime's kernel of each builtin tflconv emits
// accepts: the dtypes of every input and output, the fused activations the
// kernel really applies, and rank limits. None of these kernels needs a
// constant input: those that read shapes or axes from an input (TRANSPOSE,
// SPLIT, TILE, FILL, ONE_HOT, ...) make their output dynamic when it is
// computed.
// The facts come from the Prepare/Eval checks of LiteRT's
// tflite/kernels/<op>.cc (each entry names its file); they hold for every
// version of the op that tflconv emits (the version itself follows from the
// dtypes, see versioning.h). Each contract is declared with its builtin's
// versions in lite/builtins/ (builtin_spec.h).
//
// Rules ask the contract before choosing a lowering (KernelTakes); the
// legalizer checks what each rule emitted (CheckKernelContract) and treats a
// breach as the rule declining the node (Flex or unsupported, with the
// reason in the report); the optimizer fuses an activation only where
// KernelAppliesActivation says so; and CheckKernelContracts() refuses, as an
// INTERNAL error, any model that still breaks a contract before export.
#ifndef TFLCONV_CORE_LITE_KERNEL_CONTRACT_H_
#define TFLCONV_CORE_LITE_KERNEL_CONTRACT_H_

#include <vector>

#include "absl/status/status.h"
#include "core/lite/lite_model.h"

namespace tflconv {

// The dtype (and rank) a kernel accepts for one input or output.
struct TensorRule {
  enum class Kind { kAny, kOneOf, kSameAsInput };
  Kind kind = Kind::kAny;
  std::vector<tflite::TensorType> types = {};  // kOneOf
  int same_as = 0;                        // kSameAsInput: that input's dtype
  int min_rank = 0;
  int max_rank = -1;                      // -1: no limit
};

struct KernelContract {
  const char* kernel_file = "";     // LiteRT tflite/kernels/<file>, the source
  std::vector<TensorRule> inputs = {};   // by index; omitted optional inputs pass
  std::vector<TensorRule> outputs = {};
  // CONCATENATION, PACK, ADD_N: the last input rule holds for every further
  // input. Otherwise an operator with more inputs than rules breaks the
  // contract.
  bool variadic = false;
  // The fused activations the kernel applies (none: it must stay NONE).
  std::vector<tflite::ActivationFunctionType> activations = {};
  // SPLIT, SPLIT_V, UNPACK: the last output rule holds for every further
  // output.
  bool variadic_outputs = false;
};

// Null for builtins that have no contract (and CUSTOM).
const KernelContract* FindKernelContract(tflite::BuiltinOperator op);

// Every builtin with a contract, in enum order.
std::vector<tflite::BuiltinOperator> ContractedBuiltins();

// Whether `op`'s kernel accepts `type` for input `input` (on its own: rules
// that tie it to another input are not checked). False without a contract.
bool KernelTakes(tflite::BuiltinOperator op, int input, tflite::TensorType type);

// Whether `op`'s kernel applies `activation` when it is fused into it.
bool KernelAppliesActivation(tflite::BuiltinOperator op,
                             tflite::ActivationFunctionType activation);

// The fused-activation field of `op`'s options, or nullptr when its options
// have none.
tflite::ActivationFunctionType* FusedActivationSlot(LiteOperator& op);
tflite::ActivationFunctionType FusedActivation(const LiteOperator& op);

// FAILED_PRECONDITION naming the operator, its TF node, the tensor and the
// dtype when `op` breaks its kernel's contract or has none (CUSTOM passes).
// `op` belongs to the subgraph in focus (lite_model.h); a WHILE or IF is
// also checked against the subgraphs it runs (control_flow.h). The
// legalizer turns it into the rule declining the node.
absl::Status CheckKernelContract(const LiteModel& model, const LiteOperator& op);

// INTERNAL error naming the operator, its TF node, the tensor and the dtype
// for the first operator of any subgraph of `model` that breaks its
// kernel's contract, has
// no contract, or whose (op, version) has no version rule or no runtime
// version. Flex and custom operators are not checked.
absl::Status CheckKernelContracts(const LiteModel& model);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_KERNEL_CONTRACT_H_
