// Element-wise math TFLite has no builtin for, written with builtins that
// have one (each rule says which): IsFinite, Softplus, Selu, Log1p, Expm1,
// Atan, Softsign and Erf. Each folds when its input is constant. The steps
// are float builtins; another dtype breaks their kernel contracts, and the
// legalizer then keeps the op as Flex.
#include <cmath>

#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using B = tflite::BuiltinOperator;

// The steps of one decomposition: each a builtin over tensors of the node's
// output shape and input dtype, into a new intermediate "<node>/<name>".
class Steps {
 public:
  explicit Steps(LegalizeContext& ctx)
      : ctx_(ctx), dtype_(ctx.input(0).dtype), shape_(ctx.output(0).shape) {}

  int Add(B op, std::vector<int> inputs, absl::string_view name) {
    return EmitStep(ctx_, op, std::move(inputs), dtype_, shape_, name);
  }
  int AddBool(B op, std::vector<int> inputs, absl::string_view name) {
    return EmitStep(ctx_, op, std::move(inputs), tensorflow::DT_BOOL, shape_, name);
  }
  // The last step, into the node's output.
  void Finish(B op, std::vector<int> inputs) {
    EmitElementwise(ctx_, op, std::move(inputs), ctx_.Output(0));
  }

 private:
  LegalizeContext& ctx_;
  DataType dtype_;
  Shape shape_;
};

// IsFinite(x): x - x is 0 for a finite x and NaN for an infinite or NaN one.
absl::Status InferIsFinite(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  ctx.SetOutput(0, tensorflow::DT_BOOL, ctx.input_shape(0));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(tensorflow::DT_BOOL, v->dims()));
  auto o = out.mutable_flat<bool>();
  const bool folded = DispatchNumeric(v->dtype(), [&](auto zero) {
    using T = decltype(zero);
    auto in = v->flat<T>();
    for (size_t i = 0; i < in.size(); ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        o[i] = std::isfinite(in[i]);
      } else {
        o[i] = true;
      }
    }
  });
  if (folded) ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeIsFinite(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto zero, ScalarOperand(ctx, 0, "zero"));
  Steps s(ctx);
  const int difference = s.Add(B::BuiltinOperator_SUB, {x, x}, "difference");
  s.Finish(B::BuiltinOperator_EQUAL, {difference, zero});
  return absl::OkStatus();
}

// Softplus(x) = log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(-|x|)):
// exp never overflows, and for large |x| the log term vanishes as in
// TensorFlow's thresholded kernel.
double Softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

absl::Status LegalizeSoftplus(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  Steps s(ctx);
  const int magnitude = s.Add(B::BuiltinOperator_ABS, {x}, "abs");
  const int negated = s.Add(B::BuiltinOperator_NEG, {magnitude}, "neg_abs");
  const int decay = s.Add(B::BuiltinOperator_EXP, {negated}, "exp");
  const int shifted = s.Add(B::BuiltinOperator_ADD, {decay, one}, "one_plus_exp");
  const int tail = s.Add(B::BuiltinOperator_LOG, {shifted}, "log");
  const int positive = s.Add(B::BuiltinOperator_RELU, {x}, "relu");
  s.Finish(B::BuiltinOperator_ADD, {positive, tail});
  return absl::OkStatus();
}

// Selu(x) = scale * x for x > 0, scale * alpha * (exp(x) - 1) otherwise
// (TensorFlow's relu_op_functor.h constants). ELU(x) is x or exp(x) - 1 with
// the sign of x, so Selu is ELU(x) times scale or scale * alpha by that sign.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

double Selu(double x) { return x > 0 ? kSeluScale * x : kSeluScale * kSeluAlpha * std::expm1(x); }

absl::Status LegalizeSelu(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto zero, ScalarOperand(ctx, 0, "zero"));
  TFLCONV_ASSIGN_OR_RETURN(auto scale, ScalarOperand(ctx, kSeluScale, "scale"));
  TFLCONV_ASSIGN_OR_RETURN(auto scale_alpha,
                           ScalarOperand(ctx, kSeluScale * kSeluAlpha, "scale_alpha"));
  Steps s(ctx);
  const int positive = s.AddBool(B::BuiltinOperator_GREATER, {x, zero}, "positive");
  const int factor = s.Add(B::BuiltinOperator_SELECT_V2, {positive, scale, scale_alpha}, "factor");
  const int elu = s.Add(B::BuiltinOperator_ELU, {x}, "elu");
  s.Finish(B::BuiltinOperator_MUL, {elu, factor});
  return absl::OkStatus();
}

// Log1p(x) = LOG(x + 1) and Expm1(x) = EXP(x) - 1. For |x| far below 1 the
// rounding of x + 1 (or of exp(x) near 1) costs relative precision that
// TensorFlow's kernels keep; the absolute error stays within float epsilon.
template <bool kLog1p>
absl::Status LegalizeNearOne(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  Steps s(ctx);
  if constexpr (kLog1p) {
    s.Finish(B::BuiltinOperator_LOG, {s.Add(B::BuiltinOperator_ADD, {x, one}, "one_plus_x")});
  } else {
    s.Finish(B::BuiltinOperator_SUB, {s.Add(B::BuiltinOperator_EXP, {x}, "exp"), one});
  }
  return absl::OkStatus();
}

// Atan(x) = ATAN2(x, 1). ATAN2's kernel does not broadcast (atan2.cc), so
// the 1 is filled to x's shape.
absl::Status LegalizeAtan(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  const int ones = ctx.Intermediate(ctx.input(0).dtype, ctx.input_shape(0), "ones");
  EmitFillLike(ctx, x, ctx.input_shape(0), one, ones);
  Steps(ctx).Finish(B::BuiltinOperator_ATAN2, {x, ones});
  return absl::OkStatus();
}

// Erf(x). GELU's kernel (gelu.cc, approximate = false) computes
// 0.5 z erfc(-z / sqrt(2)), so for z = sqrt(2) x, 2 GELU(z) / z - 1 is
// erf(x). Near 0 that difference cancels (and z = 0 divides by 0), so for
// |x| < 0.5 erf's Maclaurin series is used instead: six terms leave a
// relative error below 3e-8 there, and beyond 0.5 erf is at least 0.52,
// where the difference loses nothing.
constexpr double kErfSeriesBound = 0.5;

absl::Status LegalizeErf(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  // 2/sqrt(pi) (-1)^n / (n! (2n + 1)), n = 0..5.
  std::vector<int> terms;
  double factorial = 1;
  for (int n = 0; n <= 5; ++n) {
    if (n > 0) factorial *= n;
    const double c = (n % 2 ? -2 : 2) / std::sqrt(M_PI) / (factorial * (2 * n + 1));
    TFLCONV_ASSIGN_OR_RETURN(auto term, ScalarOperand(ctx, c, absl::StrCat("series_", n)));
    terms.push_back(term);
  }
  TFLCONV_ASSIGN_OR_RETURN(auto sqrt2, ScalarOperand(ctx, std::sqrt(2.0), "sqrt2"));
  TFLCONV_ASSIGN_OR_RETURN(auto two, ScalarOperand(ctx, 2, "two"));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  TFLCONV_ASSIGN_OR_RETURN(auto bound, ScalarOperand(ctx, kErfSeriesBound, "series_bound"));
  Steps s(ctx);
  const int square = s.Add(B::BuiltinOperator_MUL, {x, x}, "square");
  int sum = terms[5];
  for (int n = 4; n >= 0; --n) {
    const int scaled = s.Add(B::BuiltinOperator_MUL, {sum, square}, absl::StrCat("horner_", n));
    sum = s.Add(B::BuiltinOperator_ADD, {scaled, terms[n]}, absl::StrCat("partial_", n));
  }
  const int series = s.Add(B::BuiltinOperator_MUL, {sum, x}, "series");
  // erf(+-4) is +-1 in float; beyond, z would reach +-inf, and GELU's
  // inf / inf or -inf * 0 would give NaN. The bound comes first, so a NaN
  // x stays NaN through MAXIMUM and MINIMUM.
  TFLCONV_ASSIGN_OR_RETURN(auto low, ScalarOperand(ctx, -4, "clamp_low"));
  TFLCONV_ASSIGN_OR_RETURN(auto high, ScalarOperand(ctx, 4, "clamp_high"));
  const int above = s.Add(B::BuiltinOperator_MAXIMUM, {low, x}, "clamp_above");
  const int clamped = s.Add(B::BuiltinOperator_MINIMUM, {high, above}, "clamped");
  const int z = s.Add(B::BuiltinOperator_MUL, {clamped, sqrt2}, "z");
  const int gelu = ctx.Intermediate(ctx.input(0).dtype, ctx.output(0).shape, "gelu");
  ctx.Emit(B::BuiltinOperator_GELU, {z}, {gelu}, MakeOptions(tflite::GeluOptionsT{}));
  const int ratio = s.Add(B::BuiltinOperator_DIV, {gelu, z}, "gelu_over_z");
  const int doubled = s.Add(B::BuiltinOperator_MUL, {ratio, two}, "one_plus_erf");
  const int far = s.Add(B::BuiltinOperator_SUB, {doubled, one}, "from_gelu");
  const int magnitude = s.Add(B::BuiltinOperator_ABS, {x}, "abs");
  const int near = s.AddBool(B::BuiltinOperator_LESS, {magnitude, bound}, "near_zero");
  s.Finish(B::BuiltinOperator_SELECT_V2, {near, series, far});
  return absl::OkStatus();
}

// Softsign(x) = x / (|x| + 1), as TensorFlow's converter writes it.
absl::Status LegalizeSoftsign(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  Steps s(ctx);
  const int magnitude = s.Add(B::BuiltinOperator_ABS, {x}, "abs");
  s.Finish(B::BuiltinOperator_DIV,
           {x, s.Add(B::BuiltinOperator_ADD, {magnitude, one}, "abs_plus_one")});
  return absl::OkStatus();
}

}  // namespace

void RegisterCompositeMathRules(RuleRegistry& registry) {
  registry.Add("Erf", {TFLCONV_FOLD_UNARY(std::erf(static_cast<double>(x))), LegalizeErf});
  registry.Add("IsFinite", {InferIsFinite, LegalizeIsFinite});
  registry.Add("Softplus", {TFLCONV_FOLD_UNARY(Softplus(static_cast<double>(x))),
                            LegalizeSoftplus});
  registry.Add("Selu", {TFLCONV_FOLD_UNARY(Selu(static_cast<double>(x))), LegalizeSelu});
  registry.Add("Log1p", {TFLCONV_FOLD_UNARY(std::log1p(static_cast<double>(x))),
                         LegalizeNearOne<true>});
  registry.Add("Expm1", {TFLCONV_FOLD_UNARY(std::expm1(static_cast<double>(x))),
                         LegalizeNearOne<false>});
  registry.Add("Atan", {TFLCONV_FOLD_UNARY(std::atan(static_cast<double>(x))), LegalizeAtan});
  registry.Add("Softsign", {TFLCONV_FOLD_UNARY(static_cast<double>(x) /
                                               (std::abs(static_cast<double>(x)) + 1.0)),
                            LegalizeSoftsign});
}

}  // namespace tflconv
