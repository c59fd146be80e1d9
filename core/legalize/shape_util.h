// Shape arithmetic shared by the rules: broadcasting, axis normalization,
// element-wise evaluation and data movement for constant folding, and the
// int32 shape-like inputs TFLite's kernels read.
#ifndef TFLCONV_CORE_LEGALIZE_SHAPE_UTIL_H_
#define TFLCONV_CORE_LEGALIZE_SHAPE_UTIL_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/graph/graph.h"
#include "core/legalize/rule.h"
#include "core/status_macros.h"

namespace tflconv {

// NumPy broadcasting of two shapes; unknown dims stay unknown.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);

// Merges two partial shapes of the same tensor (Pack's values, Select's
// branches, AddN's inputs): known dims win, conflicting known dims are an
// error naming the node.
absl::StatusOr<Shape> MergeShapes(const InferContext& ctx, const Shape& a, const Shape& b);
// Inputs 0..n-1 of one tensor type (Pack's values, AddN's addends): the
// merged shape, or an error naming the input whose dtype or shape differs.
absl::StatusOr<Shape> MergeInputShapes(const InferContext& ctx, int n);

// Axis in [-rank, rank) to [0, rank); OUT_OF_RANGE otherwise.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank);
// `axis` (named `what`) for an int32 TFLite option: normalized against a
// known rank, else passed on for the runtime to resolve; an error naming the
// node when it is out of range or does not fit int32.
absl::StatusOr<int32_t> AxisOption(const Node& node, absl::string_view what, int64_t axis,
                                   int rank);

// Walks `dims` in row-major order and returns, for each element, the sum of
// coordinate * stride over the dimensions: the flat index it maps to in a
// tensor laid out with `strides` (0 = that dimension is collapsed).
std::vector<int64_t> StridedIndex(const Dims& dims, const std::vector<int64_t>& strides);

// For each element of `out_dims`, the flat index of the element of an input
// of `in_dims` (broadcast to out_dims) that it reads.
std::vector<int64_t> BroadcastIndex(const Dims& in_dims, const Dims& out_dims);

// Concatenation of row-major tensors along one axis: `outer` is the product
// of the dims before the axis; each input contributes bytes/outer per step.
void InterleaveChunks(const std::vector<const Tensor*>& inputs, int64_t outer, char* dst);

// True when an operand of `dims` broadcast to `out_dims` needs an index
// table (BroadcastIndex): it is neither of the output's shape nor a single
// value.
bool NeedsBroadcastIndex(const Dims& dims, const Dims& out_dims);

// Evaluates out[i] = fn(a[i], b[i]) with broadcasting. Fn is called with
// values of the inputs' C++ type and returns the output's.
template <typename Out, typename In, typename Fn>
void BinaryKernel(const Tensor& a, const Tensor& b, Tensor& out, Fn fn) {
  auto av = a.flat<In>();
  auto bv = b.flat<In>();
  auto ov = out.mutable_flat<Out>();
  const bool index_a = NeedsBroadcastIndex(a.dims(), out.dims());
  const bool index_b = NeedsBroadcastIndex(b.dims(), out.dims());
  const auto ia = index_a ? BroadcastIndex(a.dims(), out.dims()) : std::vector<int64_t>();
  const auto ib = index_b ? BroadcastIndex(b.dims(), out.dims()) : std::vector<int64_t>();
  const size_t step_a = av.size() == 1 ? 0 : 1;
  const size_t step_b = bv.size() == 1 ? 0 : 1;
  for (size_t i = 0; i < ov.size(); ++i) {
    ov[i] = fn(av[index_a ? ia[i] : i * step_a], bv[index_b ? ib[i] : i * step_b]);
  }
}

// Folds an element-wise binary op when both inputs are constant. `fn` is a
// generic lambda; for kBoolResult ops (comparisons, logic) the output dtype
// is bool, and only they accept bool inputs.
template <bool kBoolResult, typename Fn>
absl::Status FoldBinary(InferContext& ctx, Fn fn) {
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  const Tensor& a = *ctx.input_value(0);
  const Tensor& b = *ctx.input_value(1);
  auto shape = BroadcastShapes(Shape::Of(a.dims()), Shape::Of(b.dims()));
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  TFLCONV_ASSIGN_OR_RETURN(
      auto out, ctx.NewTensor(kBoolResult ? tensorflow::DT_BOOL : a.dtype(), shape->dims));
  const int tables = NeedsBroadcastIndex(a.dims(), shape->dims) +
                     NeedsBroadcastIndex(b.dims(), shape->dims);
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(tables * out.num_elements(), sizeof(int64_t)));
  bool folded = false;
  DispatchNumeric(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (kBoolResult) {
      BinaryKernel<bool, T>(a, b, out, fn);
      folded = true;
    } else if constexpr (!std::is_same_v<T, bool>) {
      BinaryKernel<T, T>(a, b, out, fn);
      folded = true;
    }
  });
  if (!folded) return absl::OkStatus();  // left to run time
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

// Folds an element-wise unary op on a constant input.
template <typename Fn>
absl::Status FoldUnary(InferContext& ctx, Fn fn) {
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  const Tensor& a = *ctx.input_value(0);
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(a.dtype(), a.dims()));
  bool folded = false;
  DispatchNumeric(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      auto in = a.flat<T>();
      auto o = out.mutable_flat<T>();
      for (size_t i = 0; i < in.size(); ++i) o[i] = ConvertValue<T>(fn(in[i]));
      folded = true;
    }
  });
  if (folded) ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

// Output 0 gets input 0's dtype and shape (element-wise unary ops).
absl::Status InferSameAsInput(InferContext& ctx);

// An OpRule's infer function for an element-wise unary op: the input's
// dtype and shape, and when it is constant the value, EXPR of each element x.
#define TFLCONV_FOLD_UNARY(EXPR)                        \
  [](InferContext& ctx) -> absl::Status {               \
    TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));     \
    return FoldUnary(ctx, [](auto x) { return EXPR; }); \
  }

// The constant int list in input i (axes, shapes, paddings...), or an error
// naming the node when the input is not constant.
absl::StatusOr<std::vector<int64_t>> ConstantInts(const InferContext& ctx, int i,
                                                  absl::string_view what);
absl::StatusOr<std::vector<int64_t>> ConstantInts(const LegalizeContext& ctx, int i,
                                                  absl::string_view what);

// An int32 constant tensor (TFLite's shape and axis inputs are int32).
Tensor Int32Tensor(const std::vector<int64_t>& values, bool as_scalar = false);

// The tensor with dimensions permuted: out.dims[i] = in.dims[perm[i]].
Tensor TransposeTensor(const Tensor& in, const std::vector<int>& perm);

// Emits `op` over all the node's inputs and its first `num_outputs` outputs
// as they are, with `options`.
absl::Status EmitSimple(LegalizeContext& ctx, tflite::BuiltinOperator op,
                        tflite::BuiltinOptionsUnion options, int num_outputs = 1);

// The options table each binary builtin carries (empty tables included: the
// official converter writes them); empty for other builtins.
tflite::BuiltinOptionsUnion BinaryOptions(tflite::BuiltinOperator op);

// The options table each unary element-wise builtin carries (NEG, ABS,
// COS, SIGN...); empty for builtins without one (SIN, LOG, FLOOR...).
tflite::BuiltinOptionsUnion UnaryOptions(tflite::BuiltinOperator op);

// Emits element-wise `op` over `inputs` into tensor `out`, with the options
// table the builtin carries (UnaryOptions, BinaryOptions, SELECT_V2's).
void EmitElementwise(LegalizeContext& ctx, tflite::BuiltinOperator op, std::vector<int> inputs,
                     int out);
// EmitElementwise into a new intermediate "<node>/<suffix>" of `dtype` and
// `shape`, which it returns: a step of a decomposition into element-wise
// builtins.
int EmitStep(LegalizeContext& ctx, tflite::BuiltinOperator op, std::vector<int> inputs,
             DataType dtype, const Shape& shape, absl::string_view suffix);

// A scalar of a numeric dtype (those DispatchNumeric knows) holding `value`
// converted to it; nullopt for other dtypes (half, strings...).
std::optional<Tensor> NumericScalar(DataType dtype, double value);

// A constant "<node>/<suffix>" holding `value` in the dtype of the node's
// input 0, an operand of a decomposition; UNIMPLEMENTED (so Flex) for
// dtypes NumericScalar cannot hold.
absl::StatusOr<int> ScalarOperand(LegalizeContext& ctx, double value, absl::string_view suffix);

// FILL of scalar `value` into `out`, shaped as x (of `shape`): the shape a
// constant when fully known, else SHAPE(x) at run time.
void EmitFillLike(LegalizeContext& ctx, int x, const Shape& shape, int value, int out);

// Emits CAST(x) from `from` to `to` into a new intermediate "<node>/<suffix>".
int EmitCast(LegalizeContext& ctx, int x, DataType from, DataType to, const Shape& shape,
             absl::string_view suffix);

// Constant folding of data movement (shape, slicing, gather and fill ops).

// True for dtypes the folding kernels can copy (fixed element size).
bool Foldable(DataType dtype);
// True for numeric and bool dtypes (what Tensor::CastTo converts).
bool IsNumeric(DataType dtype);
std::vector<int64_t> RowMajorStrides(const Dims& dims);
// The bytes of a tensor made by NewTensor, to fill in.
char* MutableBytes(Tensor& t);
// out[c] = in[begin + c * stride] for every coordinate c of `out` (same rank
// as `in`): slices, strided slices, splits and unpacks.
void StridedCopy(const Tensor& in, const std::vector<int64_t>& begin,
                 const std::vector<int64_t>& stride, Tensor& out);
// out[i] = in[index[i]], element by element.
void GatherElements(const Tensor& in, const std::vector<int64_t>& index, Tensor& out);

// The single int of a constant scalar or one-element input.
absl::StatusOr<int64_t> ConstantScalar(const InferContext& ctx, int i, absl::string_view what);
absl::StatusOr<int64_t> ConstantScalar(const LegalizeContext& ctx, int i, absl::string_view what);

// Input i (a shape, axes, paddings, block shape...; named `what`) as the
// int32 TFLite tensor the kernels read: an int32 input as it is, an int64
// constant as a new int32 constant (values outside int32 clamped when
// `clamp`, else the node is declined), a computed int64 input through a
// CAST. Other dtypes are an error naming the node and the input.
absl::StatusOr<int> Int32Input(LegalizeContext& ctx, int i, absl::string_view what,
                               bool clamp = false);

// `op`(x, operand) where the operand (perm, multiples, shape) is made int32,
// with the op's empty options table: TRANSPOSE, TILE, BROADCAST_TO.
template <typename Options>
absl::Status EmitWithInt32Operand(LegalizeContext& ctx, tflite::BuiltinOperator op,
                                  absl::string_view operand) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto value, Int32Input(ctx, 1, operand));
  ctx.Emit(op, {x, value}, {ctx.Output(0)}, MakeOptions(Options{}));
  return absl::OkStatus();
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_SHAPE_UTIL_H_
