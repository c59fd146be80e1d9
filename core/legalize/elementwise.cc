// Element-wise math, comparison and logic ops: one TFLite builtin each, with
// NumPy broadcasting, folded when their inputs are constant.
#include <cmath>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/legalize/fold_arith.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tflite::BuiltinOperator;

absl::Status InferBroadcast(InferContext& ctx, bool bool_result) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) {
    return ctx.Invalid(absl::StrCat("inputs have different dtypes (",
                                    DataTypeName(ctx.input_dtype(0)), ", ",
                                    DataTypeName(ctx.input_dtype(1)), ")"));
  }
  auto shape = BroadcastShapes(ctx.input_shape(0), ctx.input_shape(1));
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  ctx.SetOutput(0, bool_result ? tensorflow::DT_BOOL : ctx.input_dtype(0), *shape);
  return absl::OkStatus();
}

// TensorFlow's integer kernels fail on some divisors ("Integer division
// by zero", "Integers to negative integer powers are not allowed"); a fold
// fails the same way, naming the node and where the divisor holds the value.
template <typename IsRejected>
absl::Status RejectIntegerDivisor(const InferContext& ctx, absl::string_view error,
                                  IsRejected rejected) {
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  const Tensor& b = *ctx.input_value(1);
  absl::Status status;
  DispatchNumeric(b.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      auto values = b.flat<T>();
      for (size_t i = 0; i < values.size() && status.ok(); ++i) {
        if (rejected(values[i])) {
          status = ctx.Invalid(absl::StrCat(error, ": input 1 holds ", values[i],
                                            " at index ", i));
        }
      }
    }
  });
  return status;
}

absl::Status RejectZeroDivisor(const InferContext& ctx) {
  return RejectIntegerDivisor(ctx, "integer division by zero", [](auto b) { return b == 0; });
}

// CHECK runs before folding and may reject the constant inputs.
#define TFLCONV_BINARY_INFER_CHECKED(NAME, BOOL_RESULT, CHECK, EXPR)              \
  absl::Status Infer##NAME(InferContext& ctx) {                                  \
    TFLCONV_RETURN_IF_ERROR(InferBroadcast(ctx, BOOL_RESULT));                   \
    TFLCONV_RETURN_IF_ERROR(CHECK);                                              \
    return FoldBinary<BOOL_RESULT>(ctx, [](auto a, auto b) { return EXPR; });    \
  }
#define TFLCONV_BINARY_INFER(NAME, BOOL_RESULT, EXPR) \
  TFLCONV_BINARY_INFER_CHECKED(NAME, BOOL_RESULT, absl::OkStatus(), EXPR)

TFLCONV_BINARY_INFER(Add, false, WrapAdd(a, b))
TFLCONV_BINARY_INFER(Sub, false, WrapSub(a, b))
TFLCONV_BINARY_INFER(Mul, false, WrapMul(a, b))
TFLCONV_BINARY_INFER_CHECKED(Div, false, RejectZeroDivisor(ctx), TruncDiv(a, b))
TFLCONV_BINARY_INFER_CHECKED(FloorDiv, false, RejectZeroDivisor(ctx), FloorDiv(a, b))
TFLCONV_BINARY_INFER_CHECKED(FloorMod, false, RejectZeroDivisor(ctx), FloorMod(a, b))
TFLCONV_BINARY_INFER(Maximum, false, a > b ? a : b)
TFLCONV_BINARY_INFER(Minimum, false, a < b ? a : b)
TFLCONV_BINARY_INFER(SquaredDifference, false, WrapMul(WrapSub(a, b), WrapSub(a, b)))
TFLCONV_BINARY_INFER_CHECKED(Pow, false,
                             RejectIntegerDivisor(ctx, "integers to negative integer powers "
                                                       "are not allowed",
                                                  [](auto b) { return b < 0; }),
                             Power(a, b))
TFLCONV_BINARY_INFER(Greater, true, a > b)
TFLCONV_BINARY_INFER(GreaterEqual, true, a >= b)
TFLCONV_BINARY_INFER(Less, true, a < b)
TFLCONV_BINARY_INFER(LessEqual, true, a <= b)
TFLCONV_BINARY_INFER(Equal, true, a == b)
TFLCONV_BINARY_INFER(NotEqual, true, a != b)
TFLCONV_BINARY_INFER(LogicalAnd, true, a && b)
TFLCONV_BINARY_INFER(LogicalOr, true, a || b)
#undef TFLCONV_BINARY_INFER
#undef TFLCONV_BINARY_INFER_CHECKED

// The options table each binary builtin carries (empty tables included: the
// official converter writes them).
tflite::BuiltinOptionsUnion BinaryOptions(BuiltinOperator op) {
  switch (op) {
    case tflite::BuiltinOperator_ADD: return MakeOptions(tflite::AddOptionsT{});
    case tflite::BuiltinOperator_SUB: return MakeOptions(tflite::SubOptionsT{});
    case tflite::BuiltinOperator_MUL: return MakeOptions(tflite::MulOptionsT{});
    case tflite::BuiltinOperator_DIV: return MakeOptions(tflite::DivOptionsT{});
    case tflite::BuiltinOperator_FLOOR_DIV: return MakeOptions(tflite::FloorDivOptionsT{});
    case tflite::BuiltinOperator_FLOOR_MOD: return MakeOptions(tflite::FloorModOptionsT{});
    case tflite::BuiltinOperator_MAXIMUM:
    case tflite::BuiltinOperator_MINIMUM: return MakeOptions(tflite::MaximumMinimumOptionsT{});
    case tflite::BuiltinOperator_SQUARED_DIFFERENCE:
      return MakeOptions(tflite::SquaredDifferenceOptionsT{});
    case tflite::BuiltinOperator_POW: return MakeOptions(tflite::PowOptionsT{});
    case tflite::BuiltinOperator_GREATER: return MakeOptions(tflite::GreaterOptionsT{});
    case tflite::BuiltinOperator_GREATER_EQUAL:
      return MakeOptions(tflite::GreaterEqualOptionsT{});
    case tflite::BuiltinOperator_LESS: return MakeOptions(tflite::LessOptionsT{});
    case tflite::BuiltinOperator_LESS_EQUAL: return MakeOptions(tflite::LessEqualOptionsT{});
    case tflite::BuiltinOperator_EQUAL: return MakeOptions(tflite::EqualOptionsT{});
    case tflite::BuiltinOperator_NOT_EQUAL: return MakeOptions(tflite::NotEqualOptionsT{});
    case tflite::BuiltinOperator_LOGICAL_AND: return MakeOptions(tflite::LogicalAndOptionsT{});
    case tflite::BuiltinOperator_LOGICAL_OR: return MakeOptions(tflite::LogicalOrOptionsT{});
    default: return {};
  }
}

template <BuiltinOperator kOp>
absl::Status LegalizeBinary(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto a, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
  ctx.Emit(kOp, {a, b}, {ctx.Output(0)}, BinaryOptions(kOp));
  return absl::OkStatus();
}

// AddN sums any number of same-shaped tensors.
absl::Status InferAddN(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Invalid("expects at least one input");
  TFLCONV_ASSIGN_OR_RETURN(auto shape, MergeInputShapes(ctx, ctx.num_inputs()));
  ctx.SetOutput(0, ctx.input_dtype(0), shape);
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  const DataType dtype = ctx.input_dtype(0);
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(dtype, ctx.input_value(0)->dims()));
  DispatchNumeric(dtype, [&](auto zero) {
    using T = decltype(zero);
    auto o = out.mutable_flat<T>();
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      auto in = ctx.input_value(i)->flat<T>();
      for (size_t k = 0; k < o.size(); ++k) o[k] = WrapAdd(o[k], in[k]);
    }
  });
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeAddN(LegalizeContext& ctx) {
  std::vector<int> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto t, ctx.Input(i));
    inputs.push_back(t);
  }
  if (inputs.size() == 1) return ctx.Forward(0, 0);
  ctx.Emit(tflite::BuiltinOperator_ADD_N, std::move(inputs), {ctx.Output(0)},
           MakeOptions(tflite::AddNOptionsT{}));
  return absl::OkStatus();
}

#define TFLCONV_UNARY_INFER(NAME, EXPR)                                  \
  absl::Status Infer##NAME(InferContext& ctx) {                         \
    TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));                     \
    return FoldUnary(ctx, [](auto x) { return EXPR; });                 \
  }

TFLCONV_UNARY_INFER(Neg, WrapNeg(x))
TFLCONV_UNARY_INFER(Abs, WrapAbs(x))
TFLCONV_UNARY_INFER(Square, WrapMul(x, x))
TFLCONV_UNARY_INFER(Sqrt, std::sqrt(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Rsqrt, 1.0 / std::sqrt(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Exp, std::exp(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Log, std::log(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Floor, std::floor(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Ceil, std::ceil(static_cast<double>(x)))
// TensorFlow rounds half to even.
TFLCONV_UNARY_INFER(Round, std::nearbyint(static_cast<double>(x)))
TFLCONV_UNARY_INFER(Reciprocal, 1.0 / static_cast<double>(x))
#undef TFLCONV_UNARY_INFER

absl::Status InferLogicalNot(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));
  if (const Tensor* v = ctx.input_value(0); v != nullptr && v->dtype() == tensorflow::DT_BOOL) {
    TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(tensorflow::DT_BOOL, v->dims()));
    auto in = v->flat<bool>();
    auto o = out.mutable_flat<bool>();
    for (size_t i = 0; i < in.size(); ++i) o[i] = !in[i];
    ctx.SetValue(0, std::move(out));
  }
  return absl::OkStatus();
}

tflite::BuiltinOptionsUnion UnaryOptions(BuiltinOperator op) {
  switch (op) {
    case tflite::BuiltinOperator_NEG: return MakeOptions(tflite::NegOptionsT{});
    case tflite::BuiltinOperator_ABS: return MakeOptions(tflite::AbsOptionsT{});
    case tflite::BuiltinOperator_SQUARE: return MakeOptions(tflite::SquareOptionsT{});
    case tflite::BuiltinOperator_EXP: return MakeOptions(tflite::ExpOptionsT{});
    case tflite::BuiltinOperator_LOGICAL_NOT: return MakeOptions(tflite::LogicalNotOptionsT{});
    default: return {};
  }
}

template <BuiltinOperator kOp>
absl::Status LegalizeUnary(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  ctx.Emit(kOp, {x}, {ctx.Output(0)}, UnaryOptions(kOp));
  return absl::OkStatus();
}

// TFLite has no reciprocal: 1 / x.
absl::Status LegalizeReciprocal(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  Tensor one = Tensor::Zeros(ctx.input(0).dtype, {});
  DispatchNumeric(one.dtype(), [&](auto zero) {
    one.mutable_flat<decltype(zero)>()[0] = static_cast<decltype(zero)>(1);
  });
  ctx.Emit(tflite::BuiltinOperator_DIV, {ctx.Constant(one, "one"), x}, {ctx.Output(0)},
           MakeOptions(tflite::DivOptionsT{}));
  return absl::OkStatus();
}

}  // namespace

void RegisterElementwiseRules(RuleRegistry& registry) {
  using B = BuiltinOperator;
  registry.Add("Add", {InferAdd, LegalizeBinary<B::BuiltinOperator_ADD>});
  registry.Add("AddV2", {InferAdd, LegalizeBinary<B::BuiltinOperator_ADD>});
  registry.Add("Sub", {InferSub, LegalizeBinary<B::BuiltinOperator_SUB>});
  registry.Add("Mul", {InferMul, LegalizeBinary<B::BuiltinOperator_MUL>});
  registry.Add("RealDiv", {InferDiv, LegalizeBinary<B::BuiltinOperator_DIV>});
  registry.Add("Div", {InferDiv, LegalizeBinary<B::BuiltinOperator_DIV>});
  registry.Add("FloorDiv", {InferFloorDiv, LegalizeBinary<B::BuiltinOperator_FLOOR_DIV>});
  registry.Add("FloorMod", {InferFloorMod, LegalizeBinary<B::BuiltinOperator_FLOOR_MOD>});
  registry.Add("Maximum", {InferMaximum, LegalizeBinary<B::BuiltinOperator_MAXIMUM>});
  registry.Add("Minimum", {InferMinimum, LegalizeBinary<B::BuiltinOperator_MINIMUM>});
  registry.Add("SquaredDifference",
               {InferSquaredDifference, LegalizeBinary<B::BuiltinOperator_SQUARED_DIFFERENCE>});
  registry.Add("Pow", {InferPow, LegalizeBinary<B::BuiltinOperator_POW>});
  registry.Add("Greater", {InferGreater, LegalizeBinary<B::BuiltinOperator_GREATER>});
  registry.Add("GreaterEqual",
               {InferGreaterEqual, LegalizeBinary<B::BuiltinOperator_GREATER_EQUAL>});
  registry.Add("Less", {InferLess, LegalizeBinary<B::BuiltinOperator_LESS>});
  registry.Add("LessEqual", {InferLessEqual, LegalizeBinary<B::BuiltinOperator_LESS_EQUAL>});
  registry.Add("Equal", {InferEqual, LegalizeBinary<B::BuiltinOperator_EQUAL>});
  registry.Add("NotEqual", {InferNotEqual, LegalizeBinary<B::BuiltinOperator_NOT_EQUAL>});
  registry.Add("LogicalAnd", {InferLogicalAnd, LegalizeBinary<B::BuiltinOperator_LOGICAL_AND>});
  registry.Add("LogicalOr", {InferLogicalOr, LegalizeBinary<B::BuiltinOperator_LOGICAL_OR>});
  registry.Add("AddN", {InferAddN, LegalizeAddN});
  registry.Add("Neg", {InferNeg, LegalizeUnary<B::BuiltinOperator_NEG>});
  registry.Add("Abs", {InferAbs, LegalizeUnary<B::BuiltinOperator_ABS>});
  registry.Add("Square", {InferSquare, LegalizeUnary<B::BuiltinOperator_SQUARE>});
  registry.Add("Sqrt", {InferSqrt, LegalizeUnary<B::BuiltinOperator_SQRT>});
  registry.Add("Rsqrt", {InferRsqrt, LegalizeUnary<B::BuiltinOperator_RSQRT>});
  registry.Add("Exp", {InferExp, LegalizeUnary<B::BuiltinOperator_EXP>});
  registry.Add("Log", {InferLog, LegalizeUnary<B::BuiltinOperator_LOG>});
  registry.Add("Floor", {InferFloor, LegalizeUnary<B::BuiltinOperator_FLOOR>});
  registry.Add("Ceil", {InferCeil, LegalizeUnary<B::BuiltinOperator_CEIL>});
  registry.Add("Round", {InferRound, LegalizeUnary<B::BuiltinOperator_ROUND>});
  registry.Add("Reciprocal", {InferReciprocal, LegalizeReciprocal});
  registry.Add("Inv", {InferReciprocal, LegalizeReciprocal});
  registry.Add("LogicalNot", {InferLogicalNot, LegalizeUnary<B::BuiltinOperator_LOGICAL_NOT>});
}

}  // namespace tflconv
