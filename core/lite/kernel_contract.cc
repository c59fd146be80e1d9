#include "core/lite/kernel_contract.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/lite/builtin_spec.h"
#include "core/lite/control_flow.h"
#include "core/lite/versioning.h"

namespace tflconv {
namespace {

namespace tfl = tflite;
using tfl::ActivationFunctionType;
using tfl::BuiltinOperator;
using tfl::TensorType;

const TensorRule* RuleAt(const std::vector<TensorRule>& rules, size_t i, bool variadic) {
  if (i < rules.size()) return &rules[i];
  if (variadic && !rules.empty()) return &rules.back();
  return nullptr;
}

std::string TypeName(int type) {
  return type >= 0 && type <= tfl::TensorType_MAX ? tfl::EnumNameTensorType(static_cast<TensorType>(type))
                                                  : absl::StrCat("type ", type);
}

// Describes the operator in an error: "CONV_2D (TF node "conv1")".
std::string Describe(const LiteSubgraph& graph, const LiteOperator& op) {
  return absl::StrCat(graph.OpName(op), " (from TF node \"", op.tf_node, "\")");
}

class ContractChecker {
 public:
  ContractChecker(const LiteSubgraph& graph, const LiteOperator& op,
                  const KernelContract& contract)
      : graph_(graph), op_(op), contract_(contract) {}

  absl::Status Check() const {
    if (op_.inputs.size() > contract_.inputs.size() && !contract_.variadic) {
      return Violation(absl::StrCat("has ", op_.inputs.size(), " inputs, the kernel takes at most ",
                                    contract_.inputs.size()));
    }
    for (size_t i = 0; i < op_.inputs.size(); ++i) {
      absl::Status s = CheckTensor("input", i, op_.inputs, contract_.inputs, contract_.variadic);
      if (!s.ok()) return s;
    }
    for (size_t i = 0; i < op_.outputs.size(); ++i) {
      absl::Status s = CheckTensor("output", i, op_.outputs, contract_.outputs,
                                   contract_.variadic_outputs);
      if (!s.ok()) return s;
    }
    const ActivationFunctionType activation = FusedActivation(op_);
    if (activation != tfl::ActivationFunctionType_NONE &&
        std::find(contract_.activations.begin(), contract_.activations.end(), activation) ==
            contract_.activations.end()) {
      return Violation(absl::StrCat("has fused activation ",
                                    tfl::EnumNameActivationFunctionType(activation),
                                    ", which the kernel does not apply"));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckTensor(const char* kind, size_t i, const std::vector<int>& tensors,
                           const std::vector<TensorRule>& rules, bool variadic) const {
    if (tensors[i] < 0) return absl::OkStatus();
    const LiteTensor& tensor = graph_.tensors[tensors[i]];
    const TensorRule* rule = RuleAt(rules, i, variadic);
    if (rule == nullptr) {
      return Violation(absl::StrCat("has ", kind, " ", i, " that the kernel does not take"));
    }
    auto where = [&] {
      return absl::StrCat(kind, " ", i, " (\"", tensor.name, "\") ");
    };
    switch (rule->kind) {
      case TensorRule::Kind::kAny:
        break;
      case TensorRule::Kind::kOneOf:
        if (std::find(rule->types.begin(), rule->types.end(), tensor.type) == rule->types.end()) {
          std::vector<std::string> names;
          for (TensorType t : rule->types) names.push_back(TypeName(t));
          return Violation(absl::StrCat(where(), "has dtype ", TypeName(tensor.type),
                                        "; the kernel takes ", absl::StrJoin(names, ", ")));
        }
        break;
      case TensorRule::Kind::kSameAsInput: {
        const int other = rule->same_as < static_cast<int>(op_.inputs.size())
                              ? op_.inputs[rule->same_as]
                              : -1;
        if (other >= 0 && graph_.tensors[other].type != tensor.type) {
          return Violation(absl::StrCat(where(), "has dtype ", TypeName(tensor.type),
                                        "; the kernel needs input ", rule->same_as, "'s ",
                                        TypeName(graph_.tensors[other].type)));
        }
        break;
      }
    }
    const int rank = static_cast<int>(tensor.shape.size());
    if (tensor.has_rank && (rank < rule->min_rank || (rule->max_rank >= 0 && rank > rule->max_rank))) {
      return Violation(absl::StrCat(where(), "has rank ", rank, "; the kernel takes ranks ",
                                    rule->min_rank, " to ",
                                    rule->max_rank >= 0 ? absl::StrCat(rule->max_rank) : "any"));
    }
    return absl::OkStatus();
  }

  absl::Status Violation(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(Describe(graph_, op_), " ", what,
                                                      " (LiteRT kernel ", contract_.kernel_file,
                                                      ")"));
  }

  const LiteSubgraph& graph_;
  const LiteOperator& op_;
  const KernelContract& contract_;
};

// CheckKernelContract for `op` of subgraph `in`.
absl::Status CheckOperator(const LiteModel& model, int in, const LiteOperator& op) {
  if (op.builtin == tfl::BuiltinOperator_CUSTOM) return absl::OkStatus();
  const LiteSubgraph& graph = model.subgraph(in);
  const KernelContract* contract = FindKernelContract(op.builtin);
  if (contract == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(graph, op), " has no kernel contract"));
  }
  if (absl::Status s = ContractChecker(graph, op, *contract).Check(); !s.ok()) return s;
  return CheckControlFlow(model, in, op);
}

}  // namespace

const KernelContract* FindKernelContract(BuiltinOperator op) {
  const BuiltinSpec* spec = FindBuiltinSpec(op);
  return spec != nullptr && spec->contract.has_value() ? &*spec->contract : nullptr;
}

std::vector<BuiltinOperator> ContractedBuiltins() {
  std::vector<BuiltinOperator> ops;
  for (const BuiltinSpec& spec : BuiltinSpecs()) {
    if (spec.contract.has_value()) ops.push_back(spec.op);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

bool KernelTakes(BuiltinOperator op, int input, TensorType type) {
  const KernelContract* contract = FindKernelContract(op);
  if (contract == nullptr) return false;
  const TensorRule* rule = RuleAt(contract->inputs, input, contract->variadic);
  if (rule == nullptr) return false;
  return rule->kind != TensorRule::Kind::kOneOf ||
         std::find(rule->types.begin(), rule->types.end(), type) != rule->types.end();
}

bool KernelAppliesActivation(BuiltinOperator op, ActivationFunctionType activation) {
  const KernelContract* contract = FindKernelContract(op);
  return contract != nullptr &&
         std::find(contract->activations.begin(), contract->activations.end(), activation) !=
             contract->activations.end();
}

ActivationFunctionType* FusedActivationSlot(LiteOperator& op) {
  tfl::BuiltinOptionsUnion& o = op.options;
  switch (o.type) {
    case tfl::BuiltinOptions_Conv2DOptions:
      return &o.AsConv2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_DepthwiseConv2DOptions:
      return &o.AsDepthwiseConv2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_Conv3DOptions:  // CONV_3D and CONV_3D_TRANSPOSE
      return &o.AsConv3DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_TransposeConvOptions:
      return &o.AsTransposeConvOptions()->fused_activation_function;
    case tfl::BuiltinOptions_FullyConnectedOptions:
      return &o.AsFullyConnectedOptions()->fused_activation_function;
    case tfl::BuiltinOptions_AddOptions:
      return &o.AsAddOptions()->fused_activation_function;
    case tfl::BuiltinOptions_SubOptions:
      return &o.AsSubOptions()->fused_activation_function;
    case tfl::BuiltinOptions_MulOptions:
      return &o.AsMulOptions()->fused_activation_function;
    case tfl::BuiltinOptions_DivOptions:
      return &o.AsDivOptions()->fused_activation_function;
    case tfl::BuiltinOptions_Pool2DOptions:
      return &o.AsPool2DOptions()->fused_activation_function;
    case tfl::BuiltinOptions_ConcatenationOptions:
      return &o.AsConcatenationOptions()->fused_activation_function;
    default:
      return nullptr;
  }
}

ActivationFunctionType FusedActivation(const LiteOperator& op) {
  const ActivationFunctionType* slot = FusedActivationSlot(const_cast<LiteOperator&>(op));
  return slot != nullptr ? *slot : tfl::ActivationFunctionType_NONE;
}

absl::Status CheckKernelContract(const LiteModel& model, const LiteOperator& op) {
  return CheckOperator(model, model.focused_subgraph(), op);
}

absl::Status CheckKernelContracts(const LiteModel& model) {
  for (int g = 0; g < model.subgraph_count(); ++g) {
    const LiteSubgraph& graph = model.subgraph(g);
    for (const LiteOperator& op : graph.operators) {
      absl::Status s = CheckOperator(model, g, op);
      if (s.ok() && op.builtin != tfl::BuiltinOperator_CUSTOM &&
          (!HasVersionRule(op.builtin) || RuntimeVersionOf(op.builtin, op.version).empty())) {
        s = absl::FailedPreconditionError(absl::StrCat(
            Describe(graph, op), " version ", op.version, " has no version rule or no runtime"));
      }
      if (!s.ok()) {
        return absl::InternalError(absl::StrCat(
            g == 0 ? "" : absl::StrCat("in subgraph \"", graph.name, "\": "), s.message(),
            "; the converter must not emit an operator its runtime kernel does not accept"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tflconv
