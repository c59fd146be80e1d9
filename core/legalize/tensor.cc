// Shape and data-movement ops: reshapes, concatenation, slicing, gathers,
// shape queries. Most fold when their inputs are constant, which is how
// shape arithmetic over static shapes disappears from the model.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/legalize/fold_arith.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/lite/kernel_contract.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_INT32;
using tensorflow::DT_INT64;

// ---------------------------------------------------------------------------
// Folding helpers.

// True for dtypes the folding kernels can copy (fixed element size).
bool Foldable(DataType dtype) { return DataTypeSize(dtype) > 0; }

// True for numeric and bool dtypes (what Tensor::CastTo converts).
bool IsNumeric(DataType dtype) {
  return DispatchNumeric(dtype, [](auto) {});
}

std::vector<int64_t> RowMajorStrides(const Dims& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * dims[i + 1];
  }
  return strides;
}

char* MutableBytes(Tensor& t) { return const_cast<char*>(t.bytes().data()); }

// out[c] = in[begin + c * stride] for every coordinate c of `out` (same rank
// as `in`): slices, strided slices, splits and unpacks.
void StridedCopy(const Tensor& in, const std::vector<int64_t>& begin,
                 const std::vector<int64_t>& stride, Tensor& out) {
  const int rank = in.rank();
  const size_t element = DataTypeSize(in.dtype());
  const Dims& out_dims = out.dims();
  const int64_t total = out.num_elements();
  if (total == 0) return;
  const std::vector<int64_t> in_strides = RowMajorStrides(in.dims());
  int64_t offset = 0;
  for (int i = 0; i < rank; ++i) offset += begin[i] * in_strides[i];
  std::vector<int64_t> step(rank);
  for (int i = 0; i < rank; ++i) step[i] = stride[i] * in_strides[i];
  const char* src = in.bytes().data();
  char* dst = MutableBytes(out);
  std::vector<int64_t> coord(rank, 0);
  for (int64_t n = 0; n < total; ++n) {
    std::memcpy(dst + n * element, src + offset * element, element);
    for (int i = rank - 1; i >= 0; --i) {
      ++coord[i];
      offset += step[i];
      if (coord[i] < out_dims[i]) break;
      offset -= step[i] * coord[i];
      coord[i] = 0;
    }
  }
}

// out[i] = in[index[i]], element by element.
void GatherElements(const Tensor& in, const std::vector<int64_t>& index, Tensor& out) {
  const size_t element = DataTypeSize(in.dtype());
  const char* src = in.bytes().data();
  char* dst = MutableBytes(out);
  for (size_t i = 0; i < index.size(); ++i) {
    std::memcpy(dst + i * element, src + index[i] * element, element);
  }
}

// Input i as an int32 TFLite tensor (TFLite's shape-like inputs): constants
// are converted (clamped to int32 when `clamp`), int64 run-time tensors get
// a CAST.
absl::StatusOr<int> Int32Input(LegalizeContext& ctx, int i, absl::string_view suffix,
                               bool clamp = false) {
  if (const Tensor* v = ctx.input_value(i)) {
    if (v->dtype() == DT_INT32) return ctx.Input(i);
    if (v->dtype() != DT_INT64) {
      return ctx.Unsupported(absl::StrCat(suffix, " of dtype ", DataTypeName(v->dtype())));
    }
    std::vector<int64_t> values = v->AsInt64Vector();
    for (int64_t& x : values) {
      if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
        if (!clamp) {
          return ctx.Unsupported(absl::StrCat(suffix, " value ", x, " does not fit in int32"));
        }
        x = std::clamp<int64_t>(x, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
      }
    }
    Tensor t = Int32Tensor(values).Reshaped(v->dims());
    return ctx.Constant(t, suffix);
  }
  TFLCONV_ASSIGN_OR_RETURN(auto t, ctx.Input(i));
  const DataType dtype = ctx.input(i).dtype;
  if (dtype == DT_INT32) return t;
  if (dtype != DT_INT64) {
    return ctx.Unsupported(absl::StrCat(suffix, " of dtype ", DataTypeName(dtype)));
  }
  const int cast = ctx.Intermediate(DT_INT32, ctx.input(i).shape, absl::StrCat(suffix, "_int32"));
  tflite::CastOptionsT options;
  options.in_data_type = tflite::TensorType_INT64;
  options.out_data_type = tflite::TensorType_INT32;
  ctx.Emit(tflite::BuiltinOperator_CAST, {t}, {cast}, MakeOptions(options));
  return cast;
}

// The single int of a constant scalar or one-element input.
absl::StatusOr<int64_t> ConstantScalar(const InferContext& ctx, int i, absl::string_view what) {
  TFLCONV_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, i, what));
  if (values.size() != 1) {
    return ctx.Invalid(absl::StrCat(what, " must hold one value, has ", values.size()));
  }
  return values[0];
}
absl::StatusOr<int64_t> ConstantScalar(const LegalizeContext& ctx, int i,
                                       absl::string_view what) {
  TFLCONV_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, i, what));
  if (values.size() != 1) {
    return NodeInvalid(ctx.node(),
                       absl::StrCat(what, " must hold one value, has ", values.size()));
  }
  return values[0];
}

// ---------------------------------------------------------------------------
// Reshape, Squeeze, ExpandDims, Shape, ConcatV2.

// Reshape's target: -1 inferred from the element count when it is known.
absl::StatusOr<Shape> ReshapeTarget(const InferContext& ctx, const std::vector<int64_t>& target) {
  Shape out = Shape::Of(Dims(target.begin(), target.end()));
  int unknown = -1;
  int64_t known = 1;
  for (int i = 0; i < out.rank(); ++i) {
    if (out.dims[i] == -1) {
      if (unknown >= 0) return ctx.Invalid("shape has more than one -1");
      unknown = i;
    } else if (out.dims[i] < 0) {
      return ctx.Invalid(absl::StrCat("shape has a negative dimension ", out.dims[i]));
    } else {
      known = SaturatingMul(known, out.dims[i]);
    }
  }
  const Shape& in = ctx.input_shape(0);
  if (in.fully_defined()) {
    const int64_t elements = NumElements(in.dims);
    if (unknown >= 0) {
      if (known == 0 || elements % known != 0) {
        return ctx.Invalid(absl::StrCat("cannot reshape ", in.ToString(), " to ",
                                        DimsToString(target)));
      }
      out.dims[unknown] = elements / known;
    } else if (known != elements) {
      return ctx.Invalid(absl::StrCat("cannot reshape ", in.ToString(), " (", elements,
                                      " elements) to ", DimsToString(target)));
    }
  }
  return out;
}

absl::Status InferReshape(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const Tensor* target = ctx.input_value(1);
  if (target == nullptr) {
    const Shape& ts = ctx.input_shape(1);
    Shape out = Shape::Unknown();
    if (ts.fully_defined() && ts.rank() == 1) out = Shape::Of(Dims(ts.dims[0], -1));
    ctx.SetOutput(0, ctx.input_dtype(0), out);
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto shape, ReshapeTarget(ctx, target->AsInt64Vector()));
  ctx.SetOutput(0, ctx.input_dtype(0), shape);
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(shape.dims));
  return absl::OkStatus();
}

// TFLite's RESHAPE takes the resolved shape as an int32 input, plus the
// same values in its options.
absl::Status EmitReshape(LegalizeContext& ctx, int x, const Shape& out_shape, int out) {
  std::vector<int64_t> dims(out_shape.dims.begin(), out_shape.dims.end());
  const int shape = ctx.Constant(Int32Tensor(dims), "shape");
  tflite::ReshapeOptionsT options;
  options.new_shape.assign(dims.begin(), dims.end());
  ctx.Emit(tflite::BuiltinOperator_RESHAPE, {x, shape}, {out}, MakeOptions(options));
  return absl::OkStatus();
}

absl::Status LegalizeReshape(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  if (ctx.input_value(1) == nullptr) {
    TFLCONV_ASSIGN_OR_RETURN(auto shape, Int32Input(ctx, 1, "shape"));
    ctx.Emit(tflite::BuiltinOperator_RESHAPE, {x, shape}, {ctx.Output(0)},
             MakeOptions(tflite::ReshapeOptionsT{}));
    return absl::OkStatus();
  }
  return EmitReshape(ctx, x, ctx.output(0).shape, ctx.Output(0));
}

// A shape RESHAPE can express: known rank, at most one unknown dim.
bool ReshapeExpressible(const Shape& shape) {
  if (!shape.known_rank) return false;
  int unknown = 0;
  for (int64_t d : shape.dims) unknown += d < 0;
  return unknown <= 1;
}

absl::Status InferSqueeze(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto axes,
                           GetIntListAttr(ctx.node(), "squeeze_dims", std::vector<int64_t>{}));
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  std::vector<bool> drop(in.rank(), false);
  for (int64_t a : axes) {
    auto axis = NormalizeAxis(a, in.rank());
    if (!axis.ok()) return ctx.Invalid(axis.status().message());
    if (in.dims[*axis] != 1 && in.dims[*axis] != -1) {
      return ctx.Invalid(absl::StrCat("cannot squeeze dimension ", a, " of size ",
                                      in.dims[*axis]));
    }
    drop[*axis] = true;
  }
  if (axes.empty() && !in.fully_defined()) {
    // Which dims are 1 is known only at run time.
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  Dims out;
  for (int i = 0; i < in.rank(); ++i) {
    const bool squeeze = axes.empty() ? in.dims[i] == 1 : drop[i];
    if (!squeeze) out.push_back(in.dims[i]);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(out));
  return absl::OkStatus();
}

// Squeeze and ExpandDims only move dims of size 1: a RESHAPE to the
// inferred shape when it is known well enough, else TFLite's SQUEEZE /
// EXPAND_DIMS, which work from the run-time shape.
absl::Status LegalizeSqueeze(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  if (ReshapeExpressible(ctx.output(0).shape)) {
    return EmitReshape(ctx, x, ctx.output(0).shape, ctx.Output(0));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axes,
                           GetIntListAttr(ctx.node(), "squeeze_dims", std::vector<int64_t>{}));
  tflite::SqueezeOptionsT options;
  const int rank = ctx.input_shape(0).rank();
  for (int64_t a : axes) {
    TFLCONV_ASSIGN_OR_RETURN(auto axis, AxisOption(ctx.node(), "squeeze_dims", a, rank));
    options.squeeze_dims.push_back(axis);
  }
  ctx.Emit(tflite::BuiltinOperator_SQUEEZE, {x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

absl::Status InferExpandDims(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const Shape& in = ctx.input_shape(0);
  if (ctx.input_value(1) == nullptr) {
    // Run-time axis: only the rank is known.
    ctx.SetOutput(0, ctx.input_dtype(0),
                  in.known_rank ? Shape::Of(Dims(in.rank() + 1, -1)) : Shape::Unknown());
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 1, "axis"));
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis(axis_value, in.rank() + 1);
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  Dims out = in.dims;
  out.insert(out.begin() + *axis, 1);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(out));
  return absl::OkStatus();
}

absl::Status LegalizeExpandDims(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  if (ctx.input_value(1) != nullptr && ReshapeExpressible(ctx.output(0).shape)) {
    return EmitReshape(ctx, x, ctx.output(0).shape, ctx.Output(0));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axis, Int32Input(ctx, 1, "axis"));
  ctx.Emit(tflite::BuiltinOperator_EXPAND_DIMS, {x, axis}, {ctx.Output(0)},
           MakeOptions(tflite::ExpandDimsOptionsT{}));
  return absl::OkStatus();
}

absl::Status InferShape(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto out_type,
                           GetTypeAttr(ctx.node(), "out_type", tensorflow::DT_INT32));
  const Shape& in = ctx.input_shape(0);
  ctx.SetOutput(0, out_type, Shape::Of({in.known_rank ? in.rank() : -1}));
  if (in.fully_defined()) {
    Tensor value = Int32Tensor(in.dims).CastTo(out_type);
    ctx.SetValue(0, std::move(value));
  }
  return absl::OkStatus();
}

absl::Status LegalizeShape(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  tflite::ShapeOptionsT options;
  options.out_type = ctx.output(0).dtype == tensorflow::DT_INT64 ? tflite::TensorType_INT64
                                                                 : tflite::TensorType_INT32;
  ctx.Emit(tflite::BuiltinOperator_SHAPE, {x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

// ConcatV2(values..., axis).
// Folds ConcatV2 and Pack: the first `n` (constant) inputs joined along
// `axis` of the result's `out_dims`, each contributing one chunk per
// position of the dimensions before the axis.
absl::Status SetJoinedValue(InferContext& ctx, int n, const Dims& out_dims, int axis) {
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(ctx.input_dtype(0), out_dims));
  int64_t outer = 1;
  for (int i = 0; i < axis; ++i) outer *= out_dims[i];
  std::vector<const Tensor*> values;
  for (int i = 0; i < n; ++i) values.push_back(ctx.input_value(i));
  InterleaveChunks(values, outer, MutableBytes(value));
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status InferConcat(InferContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  if (n < 1) return ctx.Invalid("expects values and an axis");
  Shape out = Shape::Unknown();
  for (int i = 0; i < n; ++i) {
    if (ctx.input_shape(i).known_rank) out = ctx.input_shape(i);
  }
  if (ctx.input_value(n) == nullptr) {
    // A run-time axis (legalizing reports it): only the rank is known.
    if (out.known_rank) out = Shape::Of(Dims(out.rank(), -1));
    ctx.SetOutput(0, ctx.input_dtype(0), out);
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, n, "axis"));
  if (!out.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), out);
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis(axis_value, out.rank());
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) {
      return ctx.Invalid(absl::StrCat("value ", i, " has dtype ", DataTypeName(ctx.input_dtype(i)),
                                      ", value 0 ", DataTypeName(ctx.input_dtype(0))));
    }
    const Shape& s = ctx.input_shape(i);
    if (!s.known_rank) {
      total = -1;
      continue;
    }
    if (s.rank() != out.rank()) {
      return ctx.Invalid(absl::StrCat("input ", i, " has shape ", s.ToString(), ", expected rank ",
                                      out.rank()));
    }
    for (int d = 0; d < out.rank(); ++d) {
      if (d == *axis) continue;
      if (out.dims[d] < 0) {
        out.dims[d] = s.dims[d];
      } else if (s.dims[d] >= 0 && s.dims[d] != out.dims[d]) {
        return ctx.Invalid(absl::StrCat("input ", i, " has shape ", s.ToString(),
                                        ", which differs from ", out.ToString(),
                                        " outside axis ", *axis));
      }
    }
    total = (total < 0 || s.dims[*axis] < 0) ? -1 : SaturatingAdd(total, s.dims[*axis]);
  }
  out.dims[*axis] = total;
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  if (!ctx.all_inputs_constant() || !out.fully_defined() || !Foldable(ctx.input_dtype(0))) {
    return absl::OkStatus();
  }
  return SetJoinedValue(ctx, n, out.dims, *axis);
}

absl::Status LegalizeConcat(LegalizeContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, n, "axis"));
  std::vector<int> inputs;
  for (int i = 0; i < n; ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto t, ctx.Input(i));
    inputs.push_back(t);
  }
  int rank = ctx.output(0).shape.rank();
  for (int i = 0; i < n && rank < 0; ++i) rank = ctx.input_shape(i).rank();
  int64_t axis = axis_value;
  if (rank >= 0) {
    auto normalized = NormalizeAxis(axis, rank);
    if (!normalized.ok()) return NodeInvalid(ctx.node(), normalized.status().message());
    axis = *normalized;
  } else if (axis < 0) {
    return ctx.Unsupported(absl::StrCat("negative axis ", axis,
                                        " with inputs of unknown rank"));
  }
  tflite::ConcatenationOptionsT options;
  options.axis = static_cast<int32_t>(axis);
  ctx.Emit(tflite::BuiltinOperator_CONCATENATION, std::move(inputs), {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Transpose, Pack, Unpack, Split, SplitV, Slice.

absl::Status InferTranspose(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const Shape& in = ctx.input_shape(0);
  if (ctx.input_value(1) == nullptr) {
    ctx.SetOutput(0, ctx.input_dtype(0),
                  in.known_rank ? Shape::Of(Dims(in.rank(), -1)) : Shape::Unknown());
    return absl::OkStatus();
  }
  const std::vector<int64_t> perm = ctx.input_value(1)->AsInt64Vector();
  const int rank = static_cast<int>(perm.size());
  if (in.known_rank && in.rank() != rank) {
    return ctx.Invalid(absl::StrCat("perm has ", rank, " entries for an input of shape ",
                                    in.ToString()));
  }
  std::vector<bool> seen(rank, false);
  std::vector<int> p(rank);
  for (int i = 0; i < rank; ++i) {
    if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]]) {
      return ctx.Invalid(absl::StrCat("perm ", DimsToString(perm), " is not a permutation of [0, ",
                                      rank, ")"));
    }
    seen[perm[i]] = true;
    p[i] = static_cast<int>(perm[i]);
  }
  Dims out(rank, -1);
  if (in.known_rank) {
    for (int i = 0; i < rank; ++i) out[i] = in.dims[p[i]];
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (const Tensor* v = ctx.input_value(0); v != nullptr && Foldable(v->dtype())) {
    TFLCONV_RETURN_IF_ERROR(ctx.Reserve(v->bytes().size()));
    ctx.SetValue(0, TransposeTensor(*v, p));
  }
  return absl::OkStatus();
}

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

absl::Status LegalizeTranspose(LegalizeContext& ctx) {
  return EmitWithInt32Operand<tflite::TransposeOptionsT>(ctx, tflite::BuiltinOperator_TRANSPOSE, "perm");
}

// Pack(values...; N, axis): stacks N same-shaped tensors along a new axis.
absl::Status InferPack(InferContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1) return ctx.Invalid("expects at least one value");
  TFLCONV_ASSIGN_OR_RETURN(auto axis_attr, GetIntAttr(ctx.node(), "axis", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto merged, MergeInputShapes(ctx, n));
  const Shape& in = merged;
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis(axis_attr, in.rank() + 1);
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  Dims out = in.dims;
  out.insert(out.begin() + *axis, n);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (!ctx.all_inputs_constant() || !Foldable(ctx.input_dtype(0))) return absl::OkStatus();
  return SetJoinedValue(ctx, n, out, *axis);
}

absl::Status LegalizePack(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto axis_attr, GetIntAttr(ctx.node(), "axis", 0));
  tflite::PackOptionsT options;
  options.values_count = ctx.num_inputs();
  TFLCONV_ASSIGN_OR_RETURN(auto axis_option,
                           AxisOption(ctx.node(), "axis", axis_attr, ctx.output(0).shape.rank()));
  options.axis = axis_option;
  auto type = ToLiteType(ctx.output(0).dtype);
  if (!type.ok()) return NodeInvalid(ctx.node(), type.status().message());
  if (KernelTakes(tflite::BuiltinOperator_PACK, 0, *type)) {
    return EmitSimple(ctx, tflite::BuiltinOperator_PACK, MakeOptions(options));
  }
  // PACK's kernel has no bool (pack.cc); CONCATENATION's has: each value
  // gets the new axis, then they are joined along it.
  if (!KernelTakes(tflite::BuiltinOperator_CONCATENATION, 0, *type) ||
      !ctx.output(0).shape.known_rank) {
    return ctx.Unsupported(absl::StrCat("Pack of ", DataTypeName(ctx.output(0).dtype)));
  }
  const int axis = ctx.Constant(Int32Tensor({options.axis}, /*as_scalar=*/true), "axis");
  Shape expanded = ctx.output(0).shape;
  expanded.dims[options.axis] = 1;
  std::vector<int> values;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.Input(i));
    values.push_back(ctx.Intermediate(ctx.output(0).dtype, expanded, absl::StrCat("expanded_", i)));
    ctx.Emit(tflite::BuiltinOperator_EXPAND_DIMS, {value, axis}, {values.back()},
             MakeOptions(tflite::ExpandDimsOptionsT{}));
  }
  tflite::ConcatenationOptionsT concat;
  concat.axis = options.axis;
  ctx.Emit(tflite::BuiltinOperator_CONCATENATION, std::move(values), {ctx.Output(0)},
           MakeOptions(concat));
  return absl::OkStatus();
}

// Slices input 0 into pieces along `axis` of the given sizes (outputs
// 0..n-1), folding when the input is constant. sizes may hold -1 for
// unknown.
absl::Status SetSplitOutputs(InferContext& ctx, int value_input, int axis,
                             const std::vector<int64_t>& sizes) {
  const Shape& in = ctx.input_shape(value_input);
  const DataType dtype = ctx.input_dtype(value_input);
  for (size_t k = 0; k < sizes.size(); ++k) {
    Shape out = in;
    out.dims[axis] = sizes[k];
    ctx.SetOutput(static_cast<int>(k), dtype, out);
  }
  const Tensor* v = ctx.input_value(value_input);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  std::vector<int64_t> begin(in.rank(), 0);
  const std::vector<int64_t> stride(in.rank(), 1);
  for (size_t k = 0; k < sizes.size(); ++k) {
    Dims dims = v->dims();
    dims[axis] = sizes[k];
    TFLCONV_ASSIGN_OR_RETURN(auto piece, ctx.NewTensor(dtype, dims));
    StridedCopy(*v, begin, stride, piece);
    begin[axis] += sizes[k];
    ctx.SetValue(static_cast<int>(k), std::move(piece));
  }
  return absl::OkStatus();
}

// The output count in attribute `name` (Split's num_split, Unpack's num):
// every output costs memory while converting, so it is bounded.
absl::StatusOr<int> ReadOutputCount(const InferContext& ctx, const char* name, int64_t min) {
  TFLCONV_ASSIGN_OR_RETURN(auto num, GetIntAttr(ctx.node(), name));
  if (num < min || num > kMaxNodeOutputs) {
    return ctx.Invalid(absl::StrCat("attribute '", name, "' is ", num, " (must be in [", min,
                                    ", ", kMaxNodeOutputs, "])"));
  }
  return static_cast<int>(num);
}

// Output shapes of unknown rank for a split whose input rank is unknown.
void SetUnknownOutputs(InferContext& ctx, int n, DataType dtype) {
  for (int k = 0; k < n; ++k) ctx.SetOutput(k, dtype, Shape::Unknown());
}

// Split(split_dim, value; num_split).
absl::Status InferSplit(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_ASSIGN_OR_RETURN(auto num, ReadOutputCount(ctx, "num_split", 1));
  const Shape& in = ctx.input_shape(1);
  if (!in.known_rank || ctx.input_value(0) == nullptr) {  // legalizing reports the latter
    SetUnknownOutputs(ctx, static_cast<int>(num), ctx.input_dtype(1));
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 0, "split_dim"));
  auto axis = NormalizeAxis(axis_value, in.rank());
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  const int64_t dim = in.dims[*axis];
  if (dim >= 0 && dim % num != 0) {
    return ctx.Invalid(absl::StrCat("dimension ", *axis, " of size ", dim,
                                    " does not split evenly into ", num));
  }
  return SetSplitOutputs(ctx, 1, *axis, std::vector<int64_t>(num, dim < 0 ? -1 : dim / num));
}

absl::Status LegalizeSplit(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto num, GetIntAttr(ctx.node(), "num_split"));
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 0, "split_dim"));
  int64_t axis = axis_value;
  const int rank = ctx.input_shape(1).rank();
  if (axis < 0 && rank >= 0) axis += rank;
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(1));
  const int axis_tensor = ctx.Constant(Int32Tensor({axis}, /*as_scalar=*/true), "split_dim");
  std::vector<int> outputs;
  for (int k = 0; k < num; ++k) outputs.push_back(ctx.Output(k));
  tflite::SplitOptionsT options;
  options.num_splits = static_cast<int32_t>(num);
  ctx.Emit(tflite::BuiltinOperator_SPLIT, {axis_tensor, x}, std::move(outputs),
           MakeOptions(options));
  return absl::OkStatus();
}

// SplitV(value, size_splits, split_dim; num_split); one size may be -1.
absl::Status InferSplitV(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  TFLCONV_ASSIGN_OR_RETURN(auto num, ReadOutputCount(ctx, "num_split", 1));
  if (ctx.input_value(1) == nullptr || ctx.input_value(2) == nullptr) {
    SetUnknownOutputs(ctx, static_cast<int>(num), ctx.input_dtype(0));  // legalizing reports it
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto sizes, ConstantInts(ctx, 1, "size_splits"));
  if (static_cast<int64_t>(sizes.size()) != num) {
    return ctx.Invalid(absl::StrCat("size_splits has ", sizes.size(), " entries, num_split is ",
                                    num));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 2, "split_dim"));
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) {
    SetUnknownOutputs(ctx, static_cast<int>(num), ctx.input_dtype(0));
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis(axis_value, in.rank());
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  const int64_t dim = in.dims[*axis];
  int inferred = -1;
  int64_t known = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] == -1) {
      if (inferred >= 0) return ctx.Invalid("size_splits has more than one -1");
      inferred = static_cast<int>(k);
    } else if (sizes[k] < 0) {
      return ctx.Invalid(absl::StrCat("size_splits has a negative size ", sizes[k]));
    } else {
      known = SaturatingAdd(known, sizes[k]);
    }
  }
  if (dim >= 0) {
    if (inferred >= 0) {
      if (known > dim) return ctx.Invalid("size_splits exceed the split dimension");
      sizes[inferred] = dim - known;
    } else if (known != dim) {
      return ctx.Invalid(absl::StrCat("size_splits sum to ", known, ", dimension ", *axis,
                                      " has size ", dim));
    }
  }
  return SetSplitOutputs(ctx, 0, *axis, sizes);
}

absl::Status LegalizeSplitV(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto num, GetIntAttr(ctx.node(), "num_split"));
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 2, "split_dim"));
  int64_t axis = axis_value;
  const int rank = ctx.input_shape(0).rank();
  if (axis < 0 && rank >= 0) axis += rank;
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto sizes, Int32Input(ctx, 1, "size_splits"));
  const int axis_tensor = ctx.Constant(Int32Tensor({axis}, /*as_scalar=*/true), "split_dim");
  std::vector<int> outputs;
  for (int k = 0; k < num; ++k) outputs.push_back(ctx.Output(k));
  tflite::SplitVOptionsT options;
  options.num_splits = static_cast<int32_t>(num);
  ctx.Emit(tflite::BuiltinOperator_SPLIT_V, {x, sizes, axis_tensor}, std::move(outputs),
           MakeOptions(options));
  return absl::OkStatus();
}

// Unpack(value; num, axis): the slices along axis, with that axis removed.
absl::Status InferUnpack(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto num, ReadOutputCount(ctx, "num", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto axis_attr, GetIntAttr(ctx.node(), "axis", 0));
  const Shape& in = ctx.input_shape(0);
  const DataType dtype = ctx.input_dtype(0);
  if (!in.known_rank) {
    SetUnknownOutputs(ctx, static_cast<int>(num), dtype);
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis(axis_attr, in.rank());
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  if (in.dims[*axis] >= 0 && in.dims[*axis] != num) {
    return ctx.Invalid(absl::StrCat("num is ", num, " but dimension ", *axis, " has size ",
                                    in.dims[*axis]));
  }
  Dims out = in.dims;
  out.erase(out.begin() + *axis);
  for (int k = 0; k < num; ++k) ctx.SetOutput(k, dtype, Shape::Of(out));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  std::vector<int64_t> begin(in.rank(), 0);
  const std::vector<int64_t> stride(in.rank(), 1);
  Dims piece_dims = in.dims;
  piece_dims[*axis] = 1;
  for (int k = 0; k < num; ++k) {
    TFLCONV_ASSIGN_OR_RETURN(auto piece, ctx.NewTensor(dtype, piece_dims));
    begin[*axis] = k;
    StridedCopy(*v, begin, stride, piece);
    ctx.SetValue(k, piece.Reshaped(out));
  }
  return absl::OkStatus();
}

absl::Status LegalizeUnpack(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto num, GetIntAttr(ctx.node(), "num"));
  TFLCONV_ASSIGN_OR_RETURN(auto axis_attr, GetIntAttr(ctx.node(), "axis", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto axis,
                           AxisOption(ctx.node(), "axis", axis_attr, ctx.input_shape(0).rank()));
  tflite::UnpackOptionsT options;
  options.num = static_cast<int32_t>(num);
  options.axis = axis;
  return EmitSimple(ctx, tflite::BuiltinOperator_UNPACK, MakeOptions(options),
                    static_cast<int>(num));
}

// Slice(input, begin, size); size -1 means "to the end".
absl::Status InferSlice(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  const Shape& in = ctx.input_shape(0);
  const DataType dtype = ctx.input_dtype(0);
  const Tensor* begin_value = ctx.input_value(1);
  const Tensor* size_value = ctx.input_value(2);
  int rank = in.rank();
  if (rank < 0 && begin_value) rank = static_cast<int>(begin_value->num_elements());
  if (rank < 0 && size_value) rank = static_cast<int>(size_value->num_elements());
  if (begin_value == nullptr || size_value == nullptr) {
    Dims out(std::max(rank, 0), -1);
    if (size_value != nullptr) {
      const std::vector<int64_t> size = size_value->AsInt64Vector();
      if (static_cast<int>(size.size()) != rank) {
        return ctx.Invalid(absl::StrCat("size ", DimsToString(size),
                                        " does not match the input rank ", rank));
      }
      for (int i = 0; i < rank; ++i) {
        if (size[i] >= 0) out[i] = size[i];
      }
    }
    ctx.SetOutput(0, dtype, rank < 0 ? Shape::Unknown() : Shape::Of(out));
    return absl::OkStatus();
  }
  const std::vector<int64_t> begin = begin_value->AsInt64Vector();
  const std::vector<int64_t> size = size_value->AsInt64Vector();
  if (static_cast<int>(begin.size()) != rank || static_cast<int>(size.size()) != rank) {
    return ctx.Invalid(absl::StrCat("begin ", DimsToString(begin), " and size ",
                                    DimsToString(size), " do not match the input rank ", rank));
  }
  Dims out(rank);
  for (int i = 0; i < rank; ++i) {
    const int64_t dim = in.known_rank ? in.dims[i] : -1;
    if (begin[i] < 0 || (dim >= 0 && begin[i] > dim)) {
      return ctx.Invalid(absl::StrCat("begin ", DimsToString(begin), " is out of range for ",
                                      in.ToString()));
    }
    if (size[i] == -1) {
      out[i] = dim < 0 ? -1 : dim - begin[i];
    } else if (size[i] < 0 || (dim >= 0 && SaturatingAdd(begin[i], size[i]) > dim)) {
      return ctx.Invalid(absl::StrCat("size ", DimsToString(size), " is out of range for ",
                                      in.ToString(), " at begin ", DimsToString(begin)));
    } else {
      out[i] = size[i];
    }
  }
  ctx.SetOutput(0, dtype, Shape::Of(out));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, out));
  StridedCopy(*v, begin, std::vector<int64_t>(rank, 1), value);
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status LegalizeSlice(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto begin, Int32Input(ctx, 1, "begin"));
  TFLCONV_ASSIGN_OR_RETURN(auto size, Int32Input(ctx, 2, "size"));
  ctx.Emit(tflite::BuiltinOperator_SLICE, {x, begin, size}, {ctx.Output(0)},
           MakeOptions(tflite::SliceOptionsT{}));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// StridedSlice, with TensorFlow's mask semantics.

constexpr size_t kMaskBits = 32;

struct StridedSliceMasks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink_axis = 0;
};

absl::StatusOr<StridedSliceMasks> ReadMasks(const Node& node) {
  StridedSliceMasks m;
  const std::pair<const char*, int64_t*> attrs[] = {
      {"begin_mask", &m.begin},       {"end_mask", &m.end},
      {"ellipsis_mask", &m.ellipsis}, {"new_axis_mask", &m.new_axis},
      {"shrink_axis_mask", &m.shrink_axis}};
  // TensorFlow's masks are int32 bit sets; one written as a negative int32
  // (bit 31 set) keeps its bits.
  for (const auto& [name, slot] : attrs) {
    TFLCONV_ASSIGN_OR_RETURN(auto v, GetIntAttr(node, name, 0));
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<uint32_t>::max()) {
      return NodeInvalid(node, absl::StrCat("attribute '", name, "' is ", v,
                                            " (a 32-bit mask)"));
    }
    *slot = static_cast<uint32_t>(v);
  }
  if (m.ellipsis & (m.ellipsis - 1)) {
    return NodeInvalid(node, "ellipsis_mask has more than one bit set");
  }
  return m;
}

// The slice resolved against the input's dims: per input dim the first
// index, stride and element count (-1 unknown), and the output shape.
struct ResolvedSlice {
  std::vector<int64_t> begin, stride;
  Dims sizes;       // per input dim
  Dims out_shape;   // after new axes and shrinking
};

absl::StatusOr<ResolvedSlice> ResolveStridedSlice(const InferContext& ctx, const Shape& in,
                                                  const std::vector<int64_t>& begin,
                                                  const std::vector<int64_t>& end,
                                                  const std::vector<int64_t>& strides,
                                                  const StridedSliceMasks& masks) {
  if (begin.size() != end.size() || begin.size() != strides.size()) {
    return ctx.Invalid("begin, end and strides have different lengths");
  }
  if (begin.size() >= kMaskBits) {
    return ctx.Invalid(absl::StrCat("begin has ", begin.size(), " entries; the 32-bit masks "
                                    "address at most ", kMaskBits - 1));
  }
  const int rank = in.rank();
  int sparse_dims = static_cast<int>(begin.size());
  int64_t ellipsis = masks.ellipsis;
  // Without an ellipsis the spec ends with an implicit one.
  if (ellipsis == 0) {
    ellipsis = int64_t{1} << sparse_dims;
    ++sparse_dims;
  }
  // New axes after the ellipsis do not consume input dims.
  int new_axes_after_ellipsis = 0;
  int ellipsis_at = 0;
  while (!((int64_t{1} << ellipsis_at) & ellipsis)) ++ellipsis_at;
  for (int i = ellipsis_at + 1; i < sparse_dims; ++i) {
    if ((int64_t{1} << i) & masks.new_axis) ++new_axes_after_ellipsis;
  }
  constexpr int64_t kNewAxis = -1, kShrink = -2;
  ResolvedSlice r;
  r.begin.assign(rank, 0);
  r.stride.assign(rank, 1);
  r.sizes.assign(rank, -1);
  std::vector<bool> begin_masked(rank, false), end_masked(rank, false), shrink(rank, false);
  std::vector<int64_t> dense_end(rank, 0);
  std::vector<int64_t> gather;  // output dim -> input dim, kNewAxis or kShrink
  int full = 0;
  for (int i = 0; i < sparse_dims; ++i) {
    const int64_t bit = int64_t{1} << i;
    if (bit & ellipsis) {
      const int next = std::min(rank - (sparse_dims - i) + 1 + new_axes_after_ellipsis, rank);
      for (; full < next; ++full) {
        begin_masked[full] = end_masked[full] = true;
        gather.push_back(full);
      }
    } else if (bit & masks.new_axis) {
      gather.push_back(kNewAxis);
    } else {
      if (full >= rank) {
        return ctx.Invalid(absl::StrCat("slice index ", i, " is out of range for input ",
                                        in.ToString()));
      }
      r.begin[full] = begin[i];
      dense_end[full] = end[i];
      r.stride[full] = strides[i];
      begin_masked[full] = (bit & masks.begin) != 0;
      end_masked[full] = (bit & masks.end) != 0;
      shrink[full] = (bit & masks.shrink_axis) != 0;
      gather.push_back(shrink[full] ? kShrink : full);
      ++full;
    }
  }
  for (int d = 0; d < rank; ++d) {
    const int64_t stride = r.stride[d];
    if (stride == 0) return ctx.Invalid("strides must be non-zero");
    const int64_t dim = in.dims[d];
    if (shrink[d]) {
      if (stride < 0) {
        return ctx.Invalid(absl::StrCat(
            "stride ", stride, " on dimension ", d,
            ", which shrink_axis_mask removes: TensorFlow allows only positive strides there"));
      }
      int64_t b = r.begin[d];
      if (dim >= 0) {
        if (b < 0) b += dim;
        if (b < 0 || b >= dim) {
          return ctx.Invalid(absl::StrCat("index ", r.begin[d], " of dimension ", d,
                                          " is out of range for size ", dim));
        }
      } else if (b < 0) {
        b = -1;  // resolved at run time
      }
      r.begin[d] = b;
      r.stride[d] = 1;
      r.sizes[d] = 1;
      continue;
    }
    if (dim < 0) continue;  // size unknown
    const int64_t lo = stride > 0 ? 0 : -1;
    const int64_t hi = stride > 0 ? dim : dim - 1;
    auto canonical = [&](int64_t x, bool masked, bool is_begin) {
      if (masked) return stride > 0 ? (is_begin ? lo : hi) : (is_begin ? hi : lo);
      const int64_t fwd = x < 0 ? dim + x : x;
      return std::clamp(fwd, lo, hi);
    };
    const int64_t b = canonical(r.begin[d], begin_masked[d], true);
    const int64_t e = canonical(dense_end[d], end_masked[d], false);
    const int64_t interval = e - b;
    int64_t size = 0;
    if (interval != 0 && (interval < 0) == (stride < 0)) {
      size = interval / stride + (interval % stride != 0 ? 1 : 0);
    }
    r.begin[d] = b;
    r.sizes[d] = size;
  }
  for (int64_t g : gather) {
    if (g == kNewAxis) {
      r.out_shape.push_back(1);
    } else if (g >= 0) {
      r.out_shape.push_back(r.sizes[g]);
    }
  }
  return r;
}

// StridedSlice(input, begin, end, strides; masks).
absl::Status InferStridedSlice(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(4));
  TFLCONV_ASSIGN_OR_RETURN(auto masks, ReadMasks(ctx.node()));
  const Shape& in = ctx.input_shape(0);
  const DataType dtype = ctx.input_dtype(0);
  if (!in.known_rank || ctx.input_value(1) == nullptr || ctx.input_value(2) == nullptr ||
      ctx.input_value(3) == nullptr) {
    ctx.SetOutput(0, dtype, Shape::Unknown());
    return absl::OkStatus();
  }
  TFLCONV_ASSIGN_OR_RETURN(auto r,
                           ResolveStridedSlice(ctx, in, ctx.input_value(1)->AsInt64Vector(),
                                               ctx.input_value(2)->AsInt64Vector(),
                                               ctx.input_value(3)->AsInt64Vector(), masks));
  ctx.SetOutput(0, dtype, Shape::Of(r.out_shape));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, r.sizes));
  StridedCopy(*v, r.begin, r.stride, value);
  ctx.SetValue(0, value.Reshaped(r.out_shape));
  return absl::OkStatus();
}

absl::Status LegalizeStridedSlice(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto masks, ReadMasks(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  std::vector<int> inputs = {x};
  const char* names[] = {"begin", "end", "strides"};
  for (int i = 1; i <= 3; ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto t, Int32Input(ctx, i, names[i - 1], /*clamp=*/true));
    inputs.push_back(t);
  }
  tflite::StridedSliceOptionsT options;
  // TensorFlow takes a shrunk axis at `begin` whatever the masks say; the
  // runtime's kernel would start a begin-masked one at 0.
  options.begin_mask = static_cast<int32_t>(masks.begin & ~masks.shrink_axis);
  options.end_mask = static_cast<int32_t>(masks.end & ~masks.shrink_axis);
  options.ellipsis_mask = static_cast<int32_t>(masks.ellipsis);
  options.new_axis_mask = static_cast<int32_t>(masks.new_axis);
  options.shrink_axis_mask = static_cast<int32_t>(masks.shrink_axis);
  options.offset = false;
  ctx.Emit(tflite::BuiltinOperator_STRIDED_SLICE, std::move(inputs), {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Tile, Fill, Range, Cast, BroadcastTo, ZerosLike, OnesLike.

absl::Status InferTile(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const Shape& in = ctx.input_shape(0);
  const DataType dtype = ctx.input_dtype(0);
  const Tensor* multiples_value = ctx.input_value(1);
  if (multiples_value == nullptr) {
    ctx.SetOutput(0, dtype, in.known_rank ? Shape::Of(Dims(in.rank(), -1)) : Shape::Unknown());
    return absl::OkStatus();
  }
  const std::vector<int64_t> multiples = multiples_value->AsInt64Vector();
  const int rank = static_cast<int>(multiples.size());
  if (in.known_rank && in.rank() != rank) {
    return ctx.Invalid(absl::StrCat("multiples ", DimsToString(multiples),
                                    " do not match the input shape ", in.ToString()));
  }
  Dims out(rank, -1);
  for (int i = 0; i < rank; ++i) {
    if (multiples[i] < 0) {
      return ctx.Invalid(absl::StrCat("multiples ", DimsToString(multiples),
                                      " has a negative entry"));
    }
    if (in.known_rank && in.dims[i] >= 0) out[i] = SaturatingMul(in.dims[i], multiples[i]);
    if (multiples[i] == 0) out[i] = 0;
  }
  ctx.SetOutput(0, dtype, Shape::Of(out));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, out));
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(value.num_elements(), sizeof(int64_t)));
  // Output coordinate c reads input coordinate c mod in_dims.
  const std::vector<int64_t> in_strides = RowMajorStrides(v->dims());
  std::vector<int64_t> index(value.num_elements());
  std::vector<int64_t> coord(rank, 0);
  for (size_t n = 0; n < index.size(); ++n) {
    int64_t offset = 0;
    for (int i = 0; i < rank; ++i) offset += (coord[i] % v->dims()[i]) * in_strides[i];
    index[n] = offset;
    for (int i = rank - 1; i >= 0; --i) {
      if (++coord[i] < out[i]) break;
      coord[i] = 0;
    }
  }
  GatherElements(*v, index, value);
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status LegalizeTile(LegalizeContext& ctx) {
  return EmitWithInt32Operand<tflite::TileOptionsT>(ctx, tflite::BuiltinOperator_TILE, "multiples");
}

// Fill(dims, value).
absl::Status InferFill(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const DataType dtype = ctx.input_dtype(1);
  const Shape& value_shape = ctx.input_shape(1);
  if (value_shape.known_rank && value_shape.rank() != 0) {
    return ctx.Invalid(absl::StrCat("value must be a scalar, has shape ", value_shape.ToString()));
  }
  const Tensor* dims_value = ctx.input_value(0);
  if (dims_value == nullptr) {
    const Shape& ds = ctx.input_shape(0);
    ctx.SetOutput(0, dtype,
                  ds.fully_defined() && ds.rank() == 1 ? Shape::Of(Dims(ds.dims[0], -1))
                                                       : Shape::Unknown());
    return absl::OkStatus();
  }
  const std::vector<int64_t> dims = dims_value->AsInt64Vector();
  for (int64_t d : dims) {
    if (d < 0) return ctx.Invalid(absl::StrCat("dims ", DimsToString(dims), " is negative"));
  }
  ctx.SetOutput(0, dtype, Shape::Of(dims));
  const Tensor* v = ctx.input_value(1);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(dtype, dims));
  const size_t element = DataTypeSize(dtype);
  char* dst = MutableBytes(out);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    std::memcpy(dst + i * element, v->bytes().data(), element);
  }
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeFill(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto dims, Int32Input(ctx, 0, "dims"));
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.Input(1));
  ctx.Emit(tflite::BuiltinOperator_FILL, {dims, value}, {ctx.Output(0)},
           MakeOptions(tflite::FillOptionsT{}));
  return absl::OkStatus();
}

// Range(start, limit, delta).
absl::Status InferRange(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  const DataType dtype = ctx.input_dtype(0);
  for (int i = 1; i < 3; ++i) {
    if (ctx.input_dtype(i) != dtype) {
      return ctx.Invalid(absl::StrCat("input ", i, " has dtype ", DataTypeName(ctx.input_dtype(i)),
                                      ", start ", DataTypeName(dtype)));
    }
  }
  ctx.SetOutput(0, dtype, Shape::Of({-1}));
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  for (int i = 0; i < 3; ++i) {
    if (ctx.input_value(i)->num_elements() != 1) {
      return ctx.Invalid(absl::StrCat("input ", i, " must be a scalar"));
    }
  }
  const double start = ctx.input_value(0)->ScalarAsDouble(0);
  const double limit = ctx.input_value(1)->ScalarAsDouble(0);
  const double delta = ctx.input_value(2)->ScalarAsDouble(0);
  if (!std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta)) {
    return ctx.Invalid(absl::StrCat("start ", start, ", limit ", limit, " and delta ", delta,
                                    " must be finite"));
  }
  if (delta == 0) return ctx.Invalid("delta must be non-zero");
  if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
    return ctx.Invalid(absl::StrCat("start ", start, " and limit ", limit,
                                    " are inconsistent with delta ", delta));
  }
  absl::Status status = absl::OkStatus();
  const bool numeric = DispatchNumeric(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, bool>) {
      status = ctx.Invalid("dtype bool is not a range type");
    } else {
      int64_t size;
      if constexpr (std::is_integral_v<T>) {
        // Spans of int64 or uint64 values need 65 bits.
        const __int128 s = ctx.input_value(0)->flat<T>()[0];
        const __int128 l = ctx.input_value(1)->flat<T>()[0];
        const __int128 d = ctx.input_value(2)->flat<T>()[0];
        const __int128 span = l > s ? l - s : s - l;
        const __int128 step = d > 0 ? d : -d;
        const __int128 count = (span + step - 1) / step;
        size = count > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                            : static_cast<int64_t>(count);
      } else {
        size = ConvertValue<int64_t>(std::ceil(std::abs((limit - start) / delta)));
      }
      auto out = ctx.NewTensor(dtype, {size});
      if (!out.ok()) {
        status = out.status();
        return;
      }
      auto o = out->mutable_flat<T>();
      const T s = static_cast<T>(ctx.input_value(0)->flat<T>()[0]);
      const T d = static_cast<T>(ctx.input_value(2)->flat<T>()[0]);
      T x = s;
      for (int64_t i = 0; i < size; ++i) {
        o[i] = x;
        x = WrapAdd(x, d);
      }
      ctx.SetValue(0, std::move(*out));
    }
  });
  if (!numeric) return ctx.Invalid(absl::StrCat("dtype ", DataTypeName(dtype), " is not a range type"));
  return status;
}

absl::Status EmitRange(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_RANGE, MakeOptions(tflite::RangeOptionsT{}));
}

// Cast(x; SrcT, DstT).
absl::Status InferCast(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto dst, GetTypeAttr(ctx.node(), "DstT"));
  ctx.SetOutput(0, dst, ctx.input_shape(0));
  const Tensor* v = ctx.input_value(0);
  if (v != nullptr && IsNumeric(v->dtype()) && IsNumeric(dst)) {
    TFLCONV_RETURN_IF_ERROR(ctx.Reserve(v->num_elements(), DataTypeSize(dst)));
    ctx.SetValue(0, v->CastTo(dst));
  }
  return absl::OkStatus();
}

absl::Status LegalizeCast(LegalizeContext& ctx) {
  const DataType src = ctx.input(0).dtype;
  const DataType dst = ctx.output(0).dtype;
  if (src == dst) return ctx.Forward(0, 0);
  auto in_type = ToLiteType(src);
  if (!in_type.ok()) return ctx.Unsupported(absl::StrCat("SrcT ", DataTypeName(src)));
  auto out_type = ToLiteType(dst);
  if (!out_type.ok()) return ctx.Unsupported(absl::StrCat("DstT ", DataTypeName(dst)));
  tflite::CastOptionsT options;
  options.in_data_type = *in_type;
  options.out_data_type = *out_type;
  return EmitSimple(ctx, tflite::BuiltinOperator_CAST, MakeOptions(options));
}

// BroadcastTo(input, shape).
absl::Status InferBroadcastTo(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const DataType dtype = ctx.input_dtype(0);
  const Tensor* shape_value = ctx.input_value(1);
  if (shape_value == nullptr) {
    const Shape& ss = ctx.input_shape(1);
    ctx.SetOutput(0, dtype,
                  ss.fully_defined() && ss.rank() == 1 ? Shape::Of(Dims(ss.dims[0], -1))
                                                       : Shape::Unknown());
    return absl::OkStatus();
  }
  const std::vector<int64_t> target = shape_value->AsInt64Vector();
  for (int64_t d : target) {
    if (d < 0) return ctx.Invalid(absl::StrCat("shape ", DimsToString(target), " is negative"));
  }
  auto shape = BroadcastShapes(ctx.input_shape(0), Shape::Of(target));
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  if (shape->known_rank && shape->dims != target) {
    return ctx.Invalid(absl::StrCat("cannot broadcast ", ctx.input_shape(0).ToString(), " to ",
                                    DimsToString(target)));
  }
  ctx.SetOutput(0, dtype, Shape::Of(target));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(dtype, target));
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(out.num_elements(), sizeof(int64_t)));
  GatherElements(*v, BroadcastIndex(v->dims(), target), out);
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeBroadcastTo(LegalizeContext& ctx) {
  return EmitWithInt32Operand<tflite::BroadcastToOptionsT>(ctx, tflite::BuiltinOperator_BROADCAST_TO, "shape");
}

// A tensor of `dims` with every element `one ? 1 : 0`.
absl::StatusOr<Tensor> Splat(InferContext& ctx, DataType dtype, const Dims& dims,
                             bool one) {
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(dtype, dims));
  if (one) {
    DispatchNumeric(dtype, [&](auto zero) {
      using T = decltype(zero);
      for (T& x : out.mutable_flat<T>()) x = static_cast<T>(1);
    });
  }
  return out;
}

// ZerosLike folds when its input is constant; OnesLike, which TFLite lacks,
// also whenever the input's shape is static (else FILL(SHAPE(x), 1)).
template <bool kOne>
absl::Status InferFillLike(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));
  const DataType dtype = ctx.input_dtype(0);
  const Shape& in = ctx.input_shape(0);
  if (!IsNumeric(dtype)) return absl::OkStatus();
  if (ctx.input_value(0) == nullptr && !(kOne && in.fully_defined())) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto out, Splat(ctx, dtype, in.dims, kOne));
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeZerosLike(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_ZEROS_LIKE,
                    MakeOptions(tflite::ZerosLikeOptionsT{}));
}

absl::Status LegalizeOnesLike(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  const DataType dtype = ctx.output(0).dtype;
  if (!IsNumeric(dtype)) return ctx.Unsupported(absl::StrCat("T ", DataTypeName(dtype)));
  const Shape& in = ctx.input_shape(0);
  const int shape = ctx.Intermediate(DT_INT32, Shape::Of({in.known_rank ? in.rank() : -1}),
                                     "shape");
  tflite::ShapeOptionsT shape_options;
  shape_options.out_type = tflite::TensorType_INT32;
  ctx.Emit(tflite::BuiltinOperator_SHAPE, {x}, {shape}, MakeOptions(shape_options));
  Tensor one = Tensor::Zeros(dtype, {});
  DispatchNumeric(dtype, [&](auto zero) {
    one.mutable_flat<decltype(zero)>()[0] = static_cast<decltype(zero)>(1);
  });
  ctx.Emit(tflite::BuiltinOperator_FILL, {shape, ctx.Constant(one, "one")}, {ctx.Output(0)},
           MakeOptions(tflite::FillOptionsT{}));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Gather, GatherV2, GatherNd.

struct GatherSpec {
  int axis = 0;
  int batch_dims = 0;
};

// Gather(params, indices) and GatherV2(params, indices, axis; batch_dims).
absl::StatusOr<std::optional<GatherSpec>> ReadGatherSpec(const InferContext& ctx, int rank,
                                                         int indices_rank) {
  GatherSpec spec;
  if (ctx.node().op == "Gather") return std::optional<GatherSpec>(spec);
  if (ctx.input_value(2) == nullptr) return std::optional<GatherSpec>();  // legalizing reports it
  TFLCONV_ASSIGN_OR_RETURN(auto axis_value, ConstantScalar(ctx, 2, "axis"));
  TFLCONV_ASSIGN_OR_RETURN(auto batch_dims, GetIntAttr(ctx.node(), "batch_dims", 0));
  if (rank < 0 || indices_rank < 0) {
    if (axis_value < 0 || batch_dims < 0) return std::optional<GatherSpec>();
    spec.axis = static_cast<int>(axis_value);
    spec.batch_dims = static_cast<int>(batch_dims);
    return std::optional<GatherSpec>(spec);
  }
  auto axis = NormalizeAxis(axis_value, rank);
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  int64_t b = batch_dims < 0 ? batch_dims + indices_rank : batch_dims;
  if (b < 0 || b > indices_rank) {
    return ctx.Invalid(absl::StrCat("batch_dims ", batch_dims, " is out of range for indices "
                                    "of rank ", indices_rank));
  }
  if (b > *axis) {
    return ctx.Invalid(absl::StrCat("batch_dims ", batch_dims, " must not exceed axis ",
                                    axis_value));
  }
  spec.axis = *axis;
  spec.batch_dims = static_cast<int>(b);
  return std::optional<GatherSpec>(spec);
}

absl::Status InferGather(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(ctx.node().op == "Gather" ? 2 : 3));
  const Shape& params = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  const DataType dtype = ctx.input_dtype(0);
  TFLCONV_ASSIGN_OR_RETURN(auto spec, ReadGatherSpec(ctx, params.rank(), indices.rank()));
  if (!params.known_rank || !indices.known_rank || !spec.has_value()) {
    ctx.SetOutput(0, dtype, Shape::Unknown());
    return absl::OkStatus();
  }
  const int axis = spec->axis;
  const int batch = spec->batch_dims;
  for (int i = 0; i < batch; ++i) {
    if (params.dims[i] >= 0 && indices.dims[i] >= 0 && params.dims[i] != indices.dims[i]) {
      return ctx.Invalid(absl::StrCat("params ", params.ToString(), " and indices ",
                                      indices.ToString(), " differ in their first ", batch,
                                      " (batch_dims) dimensions"));
    }
  }
  Dims out(params.dims.begin(), params.dims.begin() + axis);
  out.insert(out.end(), indices.dims.begin() + batch, indices.dims.end());
  out.insert(out.end(), params.dims.begin() + axis + 1, params.dims.end());
  ctx.SetOutput(0, dtype, Shape::Of(out));
  const Tensor* p = ctx.input_value(0);
  const Tensor* idx = ctx.input_value(1);
  if (p == nullptr || idx == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, out));
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(value.num_elements() + idx->num_elements(), sizeof(int64_t)));
  const Dims& pd = p->dims();
  int64_t batches = 1, outer = 1, inner = 1;
  for (int i = 0; i < batch; ++i) batches *= pd[i];
  for (int i = batch; i < axis; ++i) outer *= pd[i];
  for (int i = axis + 1; i < p->rank(); ++i) inner *= pd[i];
  const int64_t limit = pd[axis];
  const int64_t per_batch = batches == 0 ? 0 : idx->num_elements() / batches;
  const std::vector<int64_t> positions = idx->AsInt64Vector();
  std::vector<int64_t> index;
  index.reserve(value.num_elements());
  for (int64_t b = 0; b < batches; ++b) {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < per_batch; ++k) {
        const int64_t at = positions[b * per_batch + k];
        if (at < 0 || at >= limit) {
          return ctx.Invalid(absl::StrCat("index ", at, " is out of range [0, ", limit, ")"));
        }
        const int64_t base = ((b * outer + o) * limit + at) * inner;
        for (int64_t i = 0; i < inner; ++i) index.push_back(base + i);
      }
    }
  }
  GatherElements(*p, index, value);
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status LegalizeGather(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto params, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto indices, ctx.Input(1));
  tflite::GatherOptionsT options;
  if (ctx.node().op != "Gather") {
    TFLCONV_ASSIGN_OR_RETURN(auto axis, ConstantScalar(ctx, 2, "axis"));
    TFLCONV_ASSIGN_OR_RETURN(auto batch_dims, GetIntAttr(ctx.node(), "batch_dims", 0));
    const int rank = ctx.input_shape(0).rank();
    const int indices_rank = ctx.input_shape(1).rank();
    TFLCONV_ASSIGN_OR_RETURN(auto axis_option, AxisOption(ctx.node(), "axis", axis, rank));
    options.axis = axis_option;
    options.batch_dims = static_cast<int32_t>(
        batch_dims < 0 && indices_rank >= 0 ? batch_dims + indices_rank : batch_dims);
  }
  ctx.Emit(tflite::BuiltinOperator_GATHER, {params, indices}, {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

// GatherNd(params, indices): out = indices[:-1] + params[indices[-1]:].
absl::Status InferGatherNd(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  const Shape& params = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  const DataType dtype = ctx.input_dtype(0);
  if (!params.known_rank || !indices.known_rank || indices.rank() < 1 ||
      indices.dims.back() < 0) {
    ctx.SetOutput(0, dtype, Shape::Unknown());
    return absl::OkStatus();
  }
  const int64_t depth = indices.dims.back();
  if (depth > params.rank()) {
    return ctx.Invalid(absl::StrCat("indices of shape ", indices.ToString(),
                                    " index more dims than params ", params.ToString()));
  }
  Dims out(indices.dims.begin(), indices.dims.end() - 1);
  out.insert(out.end(), params.dims.begin() + depth, params.dims.end());
  ctx.SetOutput(0, dtype, Shape::Of(out));
  const Tensor* p = ctx.input_value(0);
  const Tensor* idx = ctx.input_value(1);
  if (p == nullptr || idx == nullptr || !Foldable(dtype)) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, out));
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(value.num_elements() + idx->num_elements(), sizeof(int64_t)));
  const std::vector<int64_t> strides = RowMajorStrides(p->dims());
  int64_t slice = 1;
  for (int i = static_cast<int>(depth); i < p->rank(); ++i) slice *= p->dims()[i];
  const std::vector<int64_t> positions = idx->AsInt64Vector();
  const int64_t count = NumElements(Dims(indices.dims.begin(), indices.dims.end() - 1));
  std::vector<int64_t> index;
  index.reserve(value.num_elements());
  for (int64_t n = 0; n < count; ++n) {
    int64_t base = 0;
    for (int64_t d = 0; d < depth; ++d) {
      const int64_t at = positions[n * depth + d];
      if (at < 0 || at >= p->dims()[d]) {
        return ctx.Invalid(absl::StrCat("index ", at, " is out of range for dimension ", d,
                                        " of size ", p->dims()[d]));
      }
      base += at * strides[d];
    }
    for (int64_t i = 0; i < slice; ++i) index.push_back(base + i);
  }
  GatherElements(*p, index, value);
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status LegalizeGatherNd(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_GATHER_ND,
                    MakeOptions(tflite::GatherNdOptionsT{}));
}

// ---------------------------------------------------------------------------
// Where, Select, SelectV2.

// Where(condition): the int64 coordinates of the true (non-zero) elements.
absl::Status InferWhereIndices(InferContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  ctx.SetOutput(0, DT_INT64, Shape::Of({-1, in.known_rank ? in.rank() : -1}));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr || !IsNumeric(v->dtype())) return absl::OkStatus();
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(v->num_elements(), sizeof(bool)));
  const Tensor flags = v->CastTo(DT_BOOL);
  auto f = flags.flat<bool>();
  int64_t count = 0;
  for (bool b : f) count += b ? 1 : 0;
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(DT_INT64, {count, v->rank()}));
  auto o = out.mutable_flat<int64_t>();
  const std::vector<int64_t> strides = RowMajorStrides(v->dims());
  int64_t row = 0;
  for (size_t n = 0; n < f.size(); ++n) {
    if (!f[n]) continue;
    for (int d = 0; d < v->rank(); ++d) {
      o[row * v->rank() + d] = (static_cast<int64_t>(n) / strides[d]) % v->dims()[d];
    }
    ++row;
  }
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

// Select(cond, t, e) (cond of t's shape, or a vector over t's first dim),
// SelectV2 (NumPy broadcasting of all three) and 3-input Where.
template <bool kBroadcast>
absl::Status InferSelectImpl(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  const DataType dtype = ctx.input_dtype(1);
  if (ctx.input_dtype(2) != dtype) {
    return ctx.Invalid(absl::StrCat("branches have different dtypes (", DataTypeName(dtype), ", ",
                                    DataTypeName(ctx.input_dtype(2)), ")"));
  }
  Shape out;
  if (kBroadcast) {
    auto te = BroadcastShapes(ctx.input_shape(1), ctx.input_shape(2));
    if (!te.ok()) return ctx.Invalid(te.status().message());
    auto all = BroadcastShapes(ctx.input_shape(0), *te);
    if (!all.ok()) return ctx.Invalid(all.status().message());
    out = *all;
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto merged, MergeShapes(ctx, ctx.input_shape(1), ctx.input_shape(2)));
    out = merged;
    const Shape& c = ctx.input_shape(0);
    if (c.known_rank && out.known_rank && c.rank() != out.rank() &&
        !(c.rank() == 1 && out.rank() >= 1)) {
      return ctx.Invalid(absl::StrCat("condition of shape ", c.ToString(),
                                      " does not match the branches' ", out.ToString()));
    }
  }
  ctx.SetOutput(0, dtype, out);
  if (!ctx.all_inputs_constant() || !Foldable(dtype) || !out.fully_defined() ||
      !IsNumeric(ctx.input_dtype(0))) {
    return absl::OkStatus();
  }
  const Tensor& t = *ctx.input_value(1);
  const Tensor& e = *ctx.input_value(2);
  const Dims& cond_dims = ctx.input_value(0)->dims();
  const bool row_condition = !kBroadcast && cond_dims.size() == 1 && out.rank() > 1;
  if (!kBroadcast && (t.dims() != out.dims || e.dims() != out.dims ||
                      (row_condition ? cond_dims[0] != out.dims[0] : cond_dims != out.dims))) {
    return ctx.Invalid(absl::StrCat("condition ", DimsToString(cond_dims), " and branches ",
                                    DimsToString(t.dims()), ", ", DimsToString(e.dims()),
                                    " do not match"));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.NewTensor(dtype, out.dims));
  // The condition as bool and three index tables.
  TFLCONV_RETURN_IF_ERROR(
      ctx.Reserve(NumElements(cond_dims) + 3 * sizeof(int64_t) * value.num_elements()));
  const Tensor cond = ctx.input_value(0)->CastTo(DT_BOOL);
  std::vector<int64_t> ic;
  if (row_condition) {
    // One condition per row.
    const int64_t row = out.dims[0] == 0 ? 0 : value.num_elements() / out.dims[0];
    ic.resize(value.num_elements());
    for (size_t n = 0; n < ic.size(); ++n) ic[n] = static_cast<int64_t>(n) / row;
  } else {
    ic = BroadcastIndex(cond.dims(), out.dims);
  }
  const std::vector<int64_t> it = BroadcastIndex(t.dims(), out.dims);
  const std::vector<int64_t> ie = BroadcastIndex(e.dims(), out.dims);
  auto c = cond.flat<bool>();
  const size_t element = DataTypeSize(dtype);
  char* dst = MutableBytes(value);
  for (size_t n = 0; n < ic.size(); ++n) {
    const char* src = c[ic[n]] ? t.bytes().data() + it[n] * element
                               : e.bytes().data() + ie[n] * element;
    std::memcpy(dst + n * element, src, element);
  }
  ctx.SetValue(0, std::move(value));
  return absl::OkStatus();
}

absl::Status InferSelect(InferContext& ctx) { return InferSelectImpl<false>(ctx); }
absl::Status InferSelectV2(InferContext& ctx) { return InferSelectImpl<true>(ctx); }

absl::Status InferWhere(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1, 3));
  if (ctx.num_inputs() == 1) return InferWhereIndices(ctx);
  if (ctx.num_inputs() != 3) return ctx.Invalid("expects 1 or 3 inputs");
  return InferSelectImpl<true>(ctx);
}

// SELECT when all three shapes are the same static shape (or Select's
// row-vector condition), else SELECT_V2, which broadcasts.
absl::Status LegalizeSelect(LegalizeContext& ctx) {
  const Shape& c = ctx.input_shape(0);
  const Shape& t = ctx.input_shape(1);
  const Shape& e = ctx.input_shape(2);
  const bool same = c.fully_defined() && c == t && t == e;
  if (same || ctx.node().op == "Select") {
    return EmitSimple(ctx, tflite::BuiltinOperator_SELECT, MakeOptions(tflite::SelectOptionsT{}));
  }
  return EmitSimple(ctx, tflite::BuiltinOperator_SELECT_V2,
                    MakeOptions(tflite::SelectV2OptionsT{}));
}

absl::Status LegalizeWhere(LegalizeContext& ctx) {
  if (ctx.num_inputs() == 3) return LegalizeSelect(ctx);
  return EmitSimple(ctx, tflite::BuiltinOperator_WHERE, MakeOptions(tflite::WhereOptionsT{}));
}

}  // namespace

void RegisterTensorRules(RuleRegistry& registry) {
  registry.Add("Reshape", {InferReshape, LegalizeReshape});
  registry.Add("Squeeze", {InferSqueeze, LegalizeSqueeze});
  registry.Add("ExpandDims", {InferExpandDims, LegalizeExpandDims});
  registry.Add("Shape", {InferShape, LegalizeShape});
  registry.Add("ConcatV2", {InferConcat, LegalizeConcat});
  registry.Add("Transpose", {InferTranspose, LegalizeTranspose});
  registry.Add("Pack", {InferPack, LegalizePack});
  registry.Add("Unpack", {InferUnpack, LegalizeUnpack});
  registry.Add("Split", {InferSplit, LegalizeSplit});
  registry.Add("SplitV", {InferSplitV, LegalizeSplitV});
  registry.Add("Slice", {InferSlice, LegalizeSlice});
  registry.Add("StridedSlice", {InferStridedSlice, LegalizeStridedSlice});
  registry.Add("Tile", {InferTile, LegalizeTile});
  registry.Add("Fill", {InferFill, LegalizeFill});
  registry.Add("Range", {InferRange, EmitRange});
  registry.Add("Cast", {InferCast, LegalizeCast});
  registry.Add("Gather", {InferGather, LegalizeGather});
  registry.Add("GatherV2", {InferGather, LegalizeGather});
  registry.Add("GatherNd", {InferGatherNd, LegalizeGatherNd});
  registry.Add("Where", {InferWhere, LegalizeWhere});
  registry.Add("Select", {InferSelect, LegalizeSelect});
  registry.Add("SelectV2", {InferSelectV2, LegalizeSelect});
  registry.Add("ZerosLike", {InferFillLike<false>, LegalizeZerosLike});
  registry.Add("OnesLike", {InferFillLike<true>, LegalizeOnesLike});
  registry.Add("BroadcastTo", {InferBroadcastTo, LegalizeBroadcastTo});
}

}  // namespace tflconv
