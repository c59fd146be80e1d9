// Graph structure: inputs, constants and the ops that only forward a value.
#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

absl::Status InferPlaceholder(InferContext& ctx) {
  if (ctx.node().is_model_input) return absl::OkStatus();  // set on import
  return ctx.Invalid(
      "this placeholder feeds the outputs but is not listed in input_arrays");
}

absl::Status InferConst(InferContext& ctx) {
  const tensorflow::AttrValue* value = FindAttr(ctx.node(), "value");
  if (value == nullptr || !value->has_tensor()) {
    return ctx.Invalid("missing attribute 'value' (a tensor)");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto dtype, GetTypeAttr(ctx.node(), "dtype", value->tensor().dtype()));
  if (dtype != value->tensor().dtype()) {
    return ctx.Invalid(absl::StrCat("attribute 'dtype' is ", DataTypeName(dtype),
                                    " but the value is ",
                                    DataTypeName(value->tensor().dtype())));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto tensor, ctx.NewConstantFromProto(value->tensor()));
  ctx.SetValue(0, std::move(tensor));
  return absl::OkStatus();
}

// Identity, Snapshot, StopGradient, CheckNumerics and an unfed
// PlaceholderWithDefault pass their input through.
absl::Status InferForward(InferContext& ctx) {
  if (ctx.node().is_model_input) return absl::OkStatus();
  if (ctx.num_inputs() < 1) return ctx.Invalid("expects an input");
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, *v);
  return absl::OkStatus();
}

absl::Status InferIdentityN(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Invalid("expects at least one input");
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    ctx.SetOutput(i, ctx.input_dtype(i), ctx.input_shape(i));
    if (const Tensor* v = ctx.input_value(i)) ctx.SetValue(i, *v);
  }
  return absl::OkStatus();
}

absl::Status LegalizeForward(LegalizeContext& ctx) {
  for (int i = 0; i < static_cast<int>(ctx.node().outputs.size()); ++i) {
    TFLCONV_RETURN_IF_ERROR(ctx.Forward(i, i));
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterStructureRules(RuleRegistry& registry) {
  registry.Add("Placeholder", {InferPlaceholder, nullptr});
  registry.Add("Const", {InferConst, nullptr});
  for (const char* op : {"Identity", "Snapshot", "StopGradient", "CheckNumerics",
                         "PlaceholderWithDefault", "PreventGradient"}) {
    registry.Add(op, {InferForward, LegalizeForward});
  }
  registry.Add("IdentityN", {InferIdentityN, LegalizeForward});
}

}  // namespace tflconv
