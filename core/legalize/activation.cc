// Activations and normalizations over the channel axis (Softmax, LRN).
// Relu, Relu6 and ReluN1To1 become standalone builtins here; the Lite
// optimizer later fuses them into the producing op when it can.
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tflite::BuiltinOperator;

template <BuiltinOperator kOp>
absl::Status LegalizeActivation(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  ctx.Emit(kOp, {x}, {ctx.Output(0)});
  return absl::OkStatus();
}

absl::Status LegalizeLeakyRelu(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto alpha, GetFloatAttr(ctx.node(), "alpha", 0.2f));
  tflite::LeakyReluOptionsT options;
  options.alpha = alpha;
  ctx.Emit(tflite::BuiltinOperator_LEAKY_RELU, {x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

// TensorFlow's Softmax and LogSoftmax work on the last axis, as TFLite's do.
absl::Status LegalizeSoftmax(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  tflite::SoftmaxOptionsT options;
  options.beta = 1.0f;
  ctx.Emit(tflite::BuiltinOperator_SOFTMAX, {x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

absl::Status LegalizeLogSoftmax(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  ctx.Emit(tflite::BuiltinOperator_LOG_SOFTMAX, {x}, {ctx.Output(0)},
           MakeOptions(tflite::LogSoftmaxOptionsT{}));
  return absl::OkStatus();
}

// LRN: x / (bias + alpha * sum of x^2 over depth_radius channels on each
// side)^beta, TFLite's LOCAL_RESPONSE_NORMALIZATION term for term.
absl::Status InferLrn(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));
  const Shape& in = ctx.input_shape(0);
  if (in.known_rank && in.rank() != 4) {
    return ctx.Invalid(absl::StrCat("input of shape ", in.ToString(), " is not 4-D"));
  }
  return absl::OkStatus();
}

absl::Status LegalizeLrn(LegalizeContext& ctx) {
  const Node& node = ctx.node();
  TFLCONV_ASSIGN_OR_RETURN(auto radius, GetIntAttr(node, "depth_radius", 5));
  if (radius < 0 || radius > std::numeric_limits<int32_t>::max()) {
    return NodeInvalid(node, absl::StrCat("depth_radius ", radius, " is out of range"));
  }
  tflite::LocalResponseNormalizationOptionsT options;
  options.radius = static_cast<int32_t>(radius);
  TFLCONV_ASSIGN_OR_RETURN(options.bias, GetFloatAttr(node, "bias", 1.0f));
  TFLCONV_ASSIGN_OR_RETURN(options.alpha, GetFloatAttr(node, "alpha", 1.0f));
  TFLCONV_ASSIGN_OR_RETURN(options.beta, GetFloatAttr(node, "beta", 0.5f));
  return EmitSimple(ctx, tflite::BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION,
                    MakeOptions(options));
}

// Prelu(x, alpha) as exported by TensorFlow.js and Keras.
absl::Status InferPrelu(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status LegalizePrelu(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto alpha, ctx.Input(1));
  ctx.Emit(tflite::BuiltinOperator_PRELU, {x, alpha}, {ctx.Output(0)});
  return absl::OkStatus();
}

}  // namespace

void RegisterActivationRules(RuleRegistry& registry) {
  using B = BuiltinOperator;
  registry.Add("Relu", {TFLCONV_FOLD_UNARY(x > 0 ? x : decltype(x)(0)),
                        LegalizeActivation<B::BuiltinOperator_RELU>});
  registry.Add("Relu6", {TFLCONV_FOLD_UNARY(std::min<double>(std::max<double>(x, 0), 6)),
                         LegalizeActivation<B::BuiltinOperator_RELU6>});
  registry.Add("Elu", {InferSameAsInput, LegalizeActivation<B::BuiltinOperator_ELU>});
  registry.Add("Sigmoid", {TFLCONV_FOLD_UNARY(1.0 / (1.0 + std::exp(-static_cast<double>(x)))),
                           LegalizeActivation<B::BuiltinOperator_LOGISTIC>});
  registry.Add("Tanh", {TFLCONV_FOLD_UNARY(std::tanh(static_cast<double>(x))),
                        LegalizeActivation<B::BuiltinOperator_TANH>});
  registry.Add("LeakyRelu", {InferSameAsInput, LegalizeLeakyRelu});
  registry.Add("Softmax", {InferSameAsInput, LegalizeSoftmax});
  registry.Add("LogSoftmax", {InferSameAsInput, LegalizeLogSoftmax});
  registry.Add("Prelu", {InferPrelu, LegalizePrelu});
  registry.Add("LRN", {InferLrn, LegalizeLrn});
}

}  // namespace tflconv
