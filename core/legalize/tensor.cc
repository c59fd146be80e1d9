// Shape and data-movement ops: reshapes, concatenation, slicing, gathers,
// shape queries. Most fold when their inputs are constant, which is how
// shape arithmetic over static shapes disappears from the model.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"

namespace tflconv {
namespace {

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
      known *= out.dims[i];
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
  if (absl::Status s = ctx.ExpectInputs(2); !s.ok()) return s;
  const Tensor* target = ctx.input_value(1);
  if (target == nullptr) {
    const Shape& ts = ctx.input_shape(1);
    Shape out = Shape::Unknown();
    if (ts.fully_defined() && ts.rank() == 1) out = Shape::Of(Dims(ts.dims[0], -1));
    ctx.SetOutput(0, ctx.input_dtype(0), out);
    return absl::OkStatus();
  }
  auto shape = ReshapeTarget(ctx, target->AsInt64Vector());
  if (!shape.ok()) return shape.status();
  ctx.SetOutput(0, ctx.input_dtype(0), *shape);
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(shape->dims));
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
  auto x = ctx.Input(0);
  if (!x.ok()) return x.status();
  if (ctx.input_value(1) == nullptr) {
    auto shape = ctx.Input(1);
    if (!shape.ok()) return shape.status();
    ctx.Emit(tflite::BuiltinOperator_RESHAPE, {*x, *shape}, {ctx.Output(0)},
             MakeOptions(tflite::ReshapeOptionsT{}));
    return absl::OkStatus();
  }
  return EmitReshape(ctx, *x, ctx.output(0).shape, ctx.Output(0));
}

absl::Status InferSqueeze(InferContext& ctx) {
  if (absl::Status s = ctx.ExpectInputs(1); !s.ok()) return s;
  auto axes = GetIntListAttr(ctx.node(), "squeeze_dims", std::vector<int64_t>{});
  if (!axes.ok()) return axes.status();
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) return ctx.Invalid("input rank must be known");
  std::vector<bool> drop(in.rank(), false);
  for (int64_t a : *axes) {
    auto axis = NormalizeAxis(a, in.rank());
    if (!axis.ok()) return ctx.Invalid(axis.status().message());
    if (in.dims[*axis] != 1 && in.dims[*axis] != -1) {
      return ctx.Invalid(absl::StrCat("cannot squeeze dimension ", a, " of size ",
                                      in.dims[*axis]));
    }
    drop[*axis] = true;
  }
  Dims out;
  for (int i = 0; i < in.rank(); ++i) {
    const bool squeeze = axes->empty() ? in.dims[i] == 1 : drop[i];
    if (!squeeze) out.push_back(in.dims[i]);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(out));
  return absl::OkStatus();
}

// Squeeze and ExpandDims only move dims of size 1: a RESHAPE to the
// inferred shape, which TFLite kernels handle for every rank.
absl::Status LegalizeAsReshape(LegalizeContext& ctx) {
  auto x = ctx.Input(0);
  if (!x.ok()) return x.status();
  if (!ctx.output(0).shape.fully_defined()) {
    int unknown = 0;
    for (int64_t d : ctx.output(0).shape.dims) unknown += d < 0;
    if (!ctx.output(0).shape.known_rank || unknown > 1) {
      return ctx.Unsupported(absl::StrCat("output shape ", ctx.output(0).shape.ToString(),
                                          " has more than one unknown dimension"));
    }
  }
  return EmitReshape(ctx, *x, ctx.output(0).shape, ctx.Output(0));
}

absl::Status InferExpandDims(InferContext& ctx) {
  if (absl::Status s = ctx.ExpectInputs(2); !s.ok()) return s;
  auto axis_values = ConstantInts(ctx, 1, "axis");
  if (!axis_values.ok()) return axis_values.status();
  if (axis_values->size() != 1) return ctx.Invalid("axis must hold one value");
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) return ctx.Invalid("input rank must be known");
  auto axis = NormalizeAxis((*axis_values)[0], in.rank() + 1);
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  Dims out = in.dims;
  out.insert(out.begin() + *axis, 1);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  if (const Tensor* v = ctx.input_value(0)) ctx.SetValue(0, v->Reshaped(out));
  return absl::OkStatus();
}

absl::Status InferShape(InferContext& ctx) {
  if (absl::Status s = ctx.ExpectInputs(1); !s.ok()) return s;
  auto out_type = GetTypeAttr(ctx.node(), "out_type", tensorflow::DT_INT32);
  if (!out_type.ok()) return out_type.status();
  const Shape& in = ctx.input_shape(0);
  ctx.SetOutput(0, *out_type, Shape::Of({in.known_rank ? in.rank() : -1}));
  if (in.fully_defined()) {
    Tensor value = Int32Tensor(in.dims).CastTo(*out_type);
    ctx.SetValue(0, std::move(value));
  }
  return absl::OkStatus();
}

absl::Status LegalizeShape(LegalizeContext& ctx) {
  auto x = ctx.Input(0);
  if (!x.ok()) return x.status();
  tflite::ShapeOptionsT options;
  options.out_type = ctx.output(0).dtype == tensorflow::DT_INT64 ? tflite::TensorType_INT64
                                                                 : tflite::TensorType_INT32;
  ctx.Emit(tflite::BuiltinOperator_SHAPE, {*x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

// ConcatV2(values..., axis).
absl::Status InferConcat(InferContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  if (n < 1) return ctx.Invalid("expects values and an axis");
  auto axis_values = ConstantInts(ctx, n, "axis");
  if (!axis_values.ok()) return axis_values.status();
  Shape out = Shape::Unknown();
  for (int i = 0; i < n; ++i) {
    if (ctx.input_shape(i).known_rank) out = ctx.input_shape(i);
  }
  if (!out.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), out);
    return absl::OkStatus();
  }
  auto axis = NormalizeAxis((*axis_values)[0], out.rank());
  if (!axis.ok()) return ctx.Invalid(axis.status().message());
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (!s.known_rank || s.rank() != out.rank()) {
      return ctx.Invalid(absl::StrCat("input ", i, " has shape ", s.ToString(), ", expected rank ",
                                      out.rank()));
    }
    total = (total < 0 || s.dims[*axis] < 0) ? -1 : total + s.dims[*axis];
  }
  out.dims[*axis] = total;
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  if (!ctx.all_inputs_constant() || !out.fully_defined()) return absl::OkStatus();
  auto value = ctx.NewTensor(ctx.input_dtype(0), out.dims);
  if (!value.ok()) return value.status();
  int64_t outer = 1;
  for (int i = 0; i < *axis; ++i) outer *= out.dims[i];
  char* dst = const_cast<char*>(value->bytes().data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < n; ++i) {
      const Tensor& in = *ctx.input_value(i);
      const size_t chunk = in.bytes().size() / std::max<int64_t>(outer, 1);
      std::memcpy(dst, in.bytes().data() + o * chunk, chunk);
      dst += chunk;
    }
  }
  ctx.SetValue(0, std::move(*value));
  return absl::OkStatus();
}

absl::Status LegalizeConcat(LegalizeContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  std::vector<int> inputs;
  for (int i = 0; i < n; ++i) {
    auto t = ctx.Input(i);
    if (!t.ok()) return t.status();
    inputs.push_back(*t);
  }
  auto axis_values = ConstantInts(ctx, n, "axis");
  if (!axis_values.ok()) return axis_values.status();
  auto axis = NormalizeAxis((*axis_values)[0], ctx.output(0).shape.rank());
  if (!axis.ok()) return NodeInvalid(ctx.node(), axis.status().message());
  tflite::ConcatenationOptionsT options;
  options.axis = *axis;
  ctx.Emit(tflite::BuiltinOperator_CONCATENATION, std::move(inputs), {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

}  // namespace

void RegisterTensorRules(RuleRegistry& registry) {
  registry.Add("Reshape", {InferReshape, LegalizeReshape});
  registry.Add("Squeeze", {InferSqueeze, LegalizeAsReshape});
  registry.Add("ExpandDims", {InferExpandDims, LegalizeAsReshape});
  registry.Add("Shape", {InferShape, LegalizeShape});
  registry.Add("ConcatV2", {InferConcat, LegalizeConcat});
}

}  // namespace tflconv
