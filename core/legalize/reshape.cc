// Reshapes and shape queries: Reshape, Squeeze, ExpandDims, Shape and
// Transpose. All fold when their input is constant, which is how shape
// arithmetic over static shapes disappears from the model; Squeeze and
// ExpandDims become a RESHAPE when the output has a known rank and at most
// one unknown dimension.
#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tensorflow::DT_INT32;
using tensorflow::DT_INT64;

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

// Rank folds whenever the input's rank is known; RANK serves an unknown one.
absl::Status InferRank(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  const Shape& in = ctx.input_shape(0);
  ctx.SetOutput(0, tensorflow::DT_INT32, Shape::Of({}));
  if (in.known_rank) ctx.SetValue(0, Int32Tensor({in.rank()}, /*as_scalar=*/true));
  return absl::OkStatus();
}

absl::Status LegalizeRank(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_RANK, MakeOptions(tflite::RankOptionsT{}));
}

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

absl::Status LegalizeTranspose(LegalizeContext& ctx) {
  return EmitWithInt32Operand<tflite::TransposeOptionsT>(ctx, tflite::BuiltinOperator_TRANSPOSE, "perm");
}

}  // namespace

void RegisterReshapeRules(RuleRegistry& registry) {
  registry.Add("Reshape", {InferReshape, LegalizeReshape});
  registry.Add("Squeeze", {InferSqueeze, LegalizeSqueeze});
  registry.Add("ExpandDims", {InferExpandDims, LegalizeExpandDims});
  registry.Add("Shape", {InferShape, LegalizeShape});
  registry.Add("Rank", {InferRank, LegalizeRank});
  registry.Add("Transpose", {InferTranspose, LegalizeTranspose});
}

}  // namespace tflconv
