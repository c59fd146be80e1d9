// Element-wise math, comparison and logic ops: one TFLite builtin each
// (DivNoNan, float TruncateDiv, SigmoidGrad and Atan2 over operands of
// different shapes a few), with NumPy broadcasting, folded
// when their inputs are constant.
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
using B = BuiltinOperator;

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

absl::Status RejectNegativeIntegerExponent(const InferContext& ctx) {
  return RejectIntegerDivisor(ctx, "integers to negative integer powers are not allowed",
                              [](auto b) { return b < 0; });
}

// An OpRule's infer function for a broadcasting binary op: the output dtype
// (bool for comparisons and logic) and shape, and when both inputs are
// constant the value, EXPR over each pair of elements a and b. CHECK runs
// before folding and may reject the constant inputs.
#define TFLCONV_FOLD_BINARY_CHECKED(BOOL_RESULT, CHECK, EXPR)                   \
  [](InferContext& ctx) -> absl::Status {                                      \
    TFLCONV_RETURN_IF_ERROR(InferBroadcast(ctx, BOOL_RESULT));                 \
    TFLCONV_RETURN_IF_ERROR(CHECK);                                            \
    return FoldBinary<BOOL_RESULT>(ctx, [](auto a, auto b) { return EXPR; });  \
  }
#define TFLCONV_FOLD_BINARY(BOOL_RESULT, EXPR) \
  TFLCONV_FOLD_BINARY_CHECKED(BOOL_RESULT, absl::OkStatus(), EXPR)

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

template <BuiltinOperator kOp>
absl::Status LegalizeUnary(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  EmitElementwise(ctx, kOp, {x}, ctx.Output(0));
  return absl::OkStatus();
}

// TFLite has no reciprocal: 1 / x.
absl::Status LegalizeReciprocal(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  EmitElementwise(ctx, tflite::BuiltinOperator_DIV, {one, x}, ctx.Output(0));
  return absl::OkStatus();
}

// TruncateDiv rounds the quotient toward zero. DIV's int32 kernel divides
// with C++'s truncating `/` (div.cc, reference_ops::Div) and fails on a zero
// divisor as TensorFlow does; its 8- and 16-bit paths are quantized ones, so
// other integers stay Flex. A float quotient is truncated as
// SIGN(q) * FLOOR(ABS(q)), TFLite having no TRUNC.
absl::Status LegalizeTruncateDiv(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto a, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
  const DataType dtype = ctx.output(0).dtype;
  if (dtype == tensorflow::DT_INT32) {
    EmitElementwise(ctx, tflite::BuiltinOperator_DIV, {a, b}, ctx.Output(0));
    return absl::OkStatus();
  }
  if (dtype != tensorflow::DT_FLOAT && dtype != tensorflow::DT_DOUBLE) {
    return ctx.Unsupported(absl::StrCat("TruncateDiv of ", DataTypeName(dtype)));
  }
  const Shape& shape = ctx.output(0).shape;
  const int quotient = EmitStep(ctx, B::BuiltinOperator_DIV, {a, b}, dtype, shape, "quotient");
  const int magnitude = EmitStep(ctx, B::BuiltinOperator_ABS, {quotient}, dtype, shape, "abs");
  const int floor = EmitStep(ctx, B::BuiltinOperator_FLOOR, {magnitude}, dtype, shape, "floor");
  const int sign = EmitStep(ctx, B::BuiltinOperator_SIGN, {quotient}, dtype, shape, "sign");
  EmitElementwise(ctx, B::BuiltinOperator_MUL, {sign, floor}, ctx.Output(0));
  return absl::OkStatus();
}

// DivNoNan(x, y) is 0 where y is 0, x / y elsewhere: the quotient, replaced
// by SELECT_V2 where EQUAL(y, 0) (0 / 0 and x / 0 are computed, then dropped).
absl::Status LegalizeDivNoNan(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto y, ctx.Input(1));
  TFLCONV_ASSIGN_OR_RETURN(auto zero, ScalarOperand(ctx, 0, "zero"));
  const DataType dtype = ctx.output(0).dtype;
  const int zero_divisor = EmitStep(ctx, B::BuiltinOperator_EQUAL, {y, zero}, tensorflow::DT_BOOL,
                                    ctx.input_shape(1), "zero_divisor");
  const int quotient =
      EmitStep(ctx, B::BuiltinOperator_DIV, {x, y}, dtype, ctx.output(0).shape, "quotient");
  EmitElementwise(ctx, B::BuiltinOperator_SELECT_V2, {zero_divisor, zero, quotient},
                  ctx.Output(0));
  return absl::OkStatus();
}

// TensorFlow defines BitwiseXor and RightShift for integer dtypes only.
absl::Status RejectNonInteger(const InferContext& ctx) {
  switch (ctx.input_dtype(0)) {
    case tensorflow::DT_INT8: case tensorflow::DT_INT16: case tensorflow::DT_INT32:
    case tensorflow::DT_INT64: case tensorflow::DT_UINT8: case tensorflow::DT_UINT16:
    case tensorflow::DT_UINT32: case tensorflow::DT_UINT64:
      return absl::OkStatus();
    default:
      return ctx.Invalid(absl::StrCat("attribute T is ", DataTypeName(ctx.input_dtype(0)),
                                      "; ", ctx.node().op, " takes integers only"));
  }
}

// Atan2(y, x). ATAN2's kernel does not broadcast (atan2.cc reads x at y's
// indices), so an operand of another shape is first broadcast to the
// output's with BROADCAST_TO; shapes known only at run time stay Flex.
absl::Status LegalizeAtan2(LegalizeContext& ctx) {
  const Shape& shape = ctx.output(0).shape;
  std::vector<int> operands;
  for (int i = 0; i < 2; ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto operand, ctx.Input(i));
    if (!shape.fully_defined()) {
      return ctx.Unsupported(absl::StrCat("Atan2 with output shape ", shape.ToString(),
                                          " known only at run time (ATAN2 does not broadcast)"));
    }
    if (ctx.input_shape(i).dims != shape.dims) {
      const std::string name = i == 0 ? "y" : "x";
      const int target = ctx.Constant(Int32Tensor(shape.dims), name + "_shape");
      const int broadcast = ctx.Intermediate(ctx.input(i).dtype, shape, name + "_broadcast");
      ctx.Emit(B::BuiltinOperator_BROADCAST_TO, {operand, target}, {broadcast},
               MakeOptions(tflite::BroadcastToOptionsT{}));
      operand = broadcast;
    }
    operands.push_back(operand);
  }
  EmitElementwise(ctx, B::BuiltinOperator_ATAN2, std::move(operands), ctx.Output(0));
  return absl::OkStatus();
}

// SigmoidGrad(y, dy) = dy * y * (1 - y), y being sigmoid's output; the
// decomposition TensorFlow's converter uses (legalize_patterns.td).
absl::Status LegalizeSigmoidGrad(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto y, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto dy, ctx.Input(1));
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  const DataType dtype = ctx.output(0).dtype;
  const int complement =
      EmitStep(ctx, B::BuiltinOperator_SUB, {one, y}, dtype, ctx.input_shape(0), "one_minus_y");
  const int slope =
      EmitStep(ctx, B::BuiltinOperator_MUL, {y, complement}, dtype, ctx.input_shape(0), "slope");
  EmitElementwise(ctx, B::BuiltinOperator_MUL, {dy, slope}, ctx.Output(0));
  return absl::OkStatus();
}

}  // namespace

// One entry per TF op: its name, its folding (a and b are the operands'
// elements, x the input's) and the builtin it becomes.
void RegisterElementwiseRules(RuleRegistry& registry) {
  registry.Add("Add", {TFLCONV_FOLD_BINARY(false, WrapAdd(a, b)),
                       LegalizeBinary<B::BuiltinOperator_ADD>});
  registry.Add("AddV2", {TFLCONV_FOLD_BINARY(false, WrapAdd(a, b)),
                         LegalizeBinary<B::BuiltinOperator_ADD>});
  registry.Add("Sub", {TFLCONV_FOLD_BINARY(false, WrapSub(a, b)),
                       LegalizeBinary<B::BuiltinOperator_SUB>});
  registry.Add("Mul", {TFLCONV_FOLD_BINARY(false, WrapMul(a, b)),
                       LegalizeBinary<B::BuiltinOperator_MUL>});
  registry.Add("RealDiv",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectZeroDivisor(ctx), TruncDiv(a, b)),
                LegalizeBinary<B::BuiltinOperator_DIV>});
  registry.Add("Div", {TFLCONV_FOLD_BINARY_CHECKED(false, RejectZeroDivisor(ctx), TruncDiv(a, b)),
                       LegalizeBinary<B::BuiltinOperator_DIV>});
  registry.Add("TruncateDiv",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectZeroDivisor(ctx), TruncateDivide(a, b)),
                LegalizeTruncateDiv});
  registry.Add("DivNoNan",
               {TFLCONV_FOLD_BINARY(false, b == 0 ? decltype(a)(0) : TruncDiv(a, b)),
                LegalizeDivNoNan});
  registry.Add("FloorDiv",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectZeroDivisor(ctx), FloorDiv(a, b)),
                LegalizeBinary<B::BuiltinOperator_FLOOR_DIV>});
  registry.Add("FloorMod",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectZeroDivisor(ctx), FloorMod(a, b)),
                LegalizeBinary<B::BuiltinOperator_FLOOR_MOD>});
  registry.Add("Maximum", {TFLCONV_FOLD_BINARY(false, a > b ? a : b),
                           LegalizeBinary<B::BuiltinOperator_MAXIMUM>});
  registry.Add("Minimum", {TFLCONV_FOLD_BINARY(false, a < b ? a : b),
                           LegalizeBinary<B::BuiltinOperator_MINIMUM>});
  registry.Add("SquaredDifference",
               {TFLCONV_FOLD_BINARY(false, WrapMul(WrapSub(a, b), WrapSub(a, b))),
                LegalizeBinary<B::BuiltinOperator_SQUARED_DIFFERENCE>});
  registry.Add("Pow",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectNegativeIntegerExponent(ctx), Power(a, b)),
                LegalizeBinary<B::BuiltinOperator_POW>});
  registry.Add("Greater", {TFLCONV_FOLD_BINARY(true, a > b),
                           LegalizeBinary<B::BuiltinOperator_GREATER>});
  registry.Add("GreaterEqual", {TFLCONV_FOLD_BINARY(true, a >= b),
                                LegalizeBinary<B::BuiltinOperator_GREATER_EQUAL>});
  registry.Add("Less", {TFLCONV_FOLD_BINARY(true, a < b), LegalizeBinary<B::BuiltinOperator_LESS>});
  registry.Add("LessEqual", {TFLCONV_FOLD_BINARY(true, a <= b),
                             LegalizeBinary<B::BuiltinOperator_LESS_EQUAL>});
  registry.Add("Equal", {TFLCONV_FOLD_BINARY(true, a == b),
                         LegalizeBinary<B::BuiltinOperator_EQUAL>});
  registry.Add("NotEqual", {TFLCONV_FOLD_BINARY(true, a != b),
                            LegalizeBinary<B::BuiltinOperator_NOT_EQUAL>});
  registry.Add("LogicalAnd", {TFLCONV_FOLD_BINARY(true, a && b),
                              LegalizeBinary<B::BuiltinOperator_LOGICAL_AND>});
  registry.Add("LogicalOr", {TFLCONV_FOLD_BINARY(true, a || b),
                             LegalizeBinary<B::BuiltinOperator_LOGICAL_OR>});
  registry.Add("Atan2", {TFLCONV_FOLD_BINARY(false, static_cast<decltype(a)>(std::atan2(
                                                        static_cast<double>(a),
                                                        static_cast<double>(b)))),
                         LegalizeAtan2});
  registry.Add("SigmoidGrad",
               {TFLCONV_FOLD_BINARY(false, static_cast<decltype(a)>(b * a * (1 - a))),
                LegalizeSigmoidGrad});
  registry.Add("BitwiseXor",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectNonInteger(ctx), BitXor(a, b)),
                LegalizeBinary<B::BuiltinOperator_BITWISE_XOR>});
  registry.Add("RightShift",
               {TFLCONV_FOLD_BINARY_CHECKED(false, RejectNonInteger(ctx), ShiftRight(a, b)),
                LegalizeBinary<B::BuiltinOperator_RIGHT_SHIFT>});
  registry.Add("AddN", {InferAddN, LegalizeAddN});
  registry.Add("Neg", {TFLCONV_FOLD_UNARY(WrapNeg(x)), LegalizeUnary<B::BuiltinOperator_NEG>});
  registry.Add("Abs", {TFLCONV_FOLD_UNARY(WrapAbs(x)), LegalizeUnary<B::BuiltinOperator_ABS>});
  registry.Add("Square", {TFLCONV_FOLD_UNARY(WrapMul(x, x)),
                          LegalizeUnary<B::BuiltinOperator_SQUARE>});
  registry.Add("Sqrt", {TFLCONV_FOLD_UNARY(std::sqrt(static_cast<double>(x))),
                        LegalizeUnary<B::BuiltinOperator_SQRT>});
  registry.Add("Rsqrt", {TFLCONV_FOLD_UNARY(1.0 / std::sqrt(static_cast<double>(x))),
                         LegalizeUnary<B::BuiltinOperator_RSQRT>});
  registry.Add("Exp", {TFLCONV_FOLD_UNARY(std::exp(static_cast<double>(x))),
                       LegalizeUnary<B::BuiltinOperator_EXP>});
  registry.Add("Log", {TFLCONV_FOLD_UNARY(std::log(static_cast<double>(x))),
                       LegalizeUnary<B::BuiltinOperator_LOG>});
  registry.Add("Sin", {TFLCONV_FOLD_UNARY(std::sin(static_cast<double>(x))),
                       LegalizeUnary<B::BuiltinOperator_SIN>});
  registry.Add("Cos", {TFLCONV_FOLD_UNARY(std::cos(static_cast<double>(x))),
                       LegalizeUnary<B::BuiltinOperator_COS>});
  registry.Add("Sign", {TFLCONV_FOLD_UNARY(Signum(x)), LegalizeUnary<B::BuiltinOperator_SIGN>});
  registry.Add("Floor", {TFLCONV_FOLD_UNARY(std::floor(static_cast<double>(x))),
                         LegalizeUnary<B::BuiltinOperator_FLOOR>});
  registry.Add("Ceil", {TFLCONV_FOLD_UNARY(std::ceil(static_cast<double>(x))),
                        LegalizeUnary<B::BuiltinOperator_CEIL>});
  registry.Add("Round", {TFLCONV_FOLD_UNARY(std::nearbyint(static_cast<double>(x))),
                         LegalizeUnary<B::BuiltinOperator_ROUND>});
  registry.Add("Reciprocal", {TFLCONV_FOLD_UNARY(1.0 / static_cast<double>(x)),
                              LegalizeReciprocal});
  registry.Add("Inv", {TFLCONV_FOLD_UNARY(1.0 / static_cast<double>(x)), LegalizeReciprocal});
  registry.Add("LogicalNot", {InferLogicalNot, LegalizeUnary<B::BuiltinOperator_LOGICAL_NOT>});
}

#undef TFLCONV_FOLD_BINARY
#undef TFLCONV_FOLD_BINARY_CHECKED

}  // namespace tflconv
