// Ops that make a tensor from a shape, a value or another tensor: Tile,
// Fill, Range, BroadcastTo, ZerosLike and OnesLike (ONES_LIKE does not
// exist: FILL of the input's shape), Cast and Bitcast; and BroadcastArgs,
// the shape two shapes broadcast to. All but Bitcast fold when their inputs
// are constant.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/legalize/fold_arith.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tensorflow::DT_INT32;

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

// Bitcast(x; T, type) reinterprets the bytes: to a narrower type the shape
// gains a last dimension of the width ratio, to a wider one it loses a last
// dimension that must be that ratio (TensorFlow's rule and bitcast.cc's).
absl::Status InferBitcast(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  TFLCONV_ASSIGN_OR_RETURN(const DataType to, GetTypeAttr(ctx.node(), "type"));
  const DataType from = ctx.input_dtype(0);
  const int from_size = DataTypeSize(from), to_size = DataTypeSize(to);
  if (from_size <= 0 || to_size <= 0 || from == tensorflow::DT_BOOL || to == tensorflow::DT_BOOL) {
    return ctx.Invalid(absl::StrCat("cannot bitcast from ", DataTypeName(from), " to ",
                                    DataTypeName(to)));
  }
  const Shape& in = ctx.input_shape(0);
  Shape out = in;
  if (in.known_rank && from_size > to_size) {
    out.dims.push_back(from_size / to_size);
  } else if (in.known_rank && from_size < to_size) {
    if (in.rank() == 0 || (in.dims.back() >= 0 && in.dims.back() != to_size / from_size)) {
      return ctx.Invalid(absl::StrCat("cannot bitcast ", DataTypeName(from), " of shape ",
                                      in.ToString(), " to ", DataTypeName(to),
                                      ": the last dimension must be ", to_size / from_size));
    }
    out.dims.pop_back();
  }
  ctx.SetOutput(0, to, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeBitcast(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_BITCAST, {});
}

// BroadcastArgs(s0, s1): the broadcast of two int32 or int64 shapes, a vector
// as long as the longer one.
absl::Status InferBroadcastArgs(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  const DataType dtype = ctx.input_dtype(0);
  const Shape& s0 = ctx.input_shape(0);
  const Shape& s1 = ctx.input_shape(1);
  const bool sized = s0.fully_defined() && s1.fully_defined() && s0.rank() == 1 && s1.rank() == 1;
  ctx.SetOutput(0, dtype, Shape::Of({sized ? std::max(s0.dims[0], s1.dims[0]) : -1}));
  if (!ctx.all_inputs_constant()) return absl::OkStatus();
  auto shape = BroadcastShapes(Shape::Of(ctx.input_value(0)->AsInt64Vector()),
                               Shape::Of(ctx.input_value(1)->AsInt64Vector()));
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  ctx.SetValue(0, Int32Tensor(shape->dims).CastTo(dtype));
  return absl::OkStatus();
}

absl::Status LegalizeBroadcastArgs(LegalizeContext& ctx) {
  return EmitSimple(ctx, tflite::BuiltinOperator_BROADCAST_ARGS, {});
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
  TFLCONV_ASSIGN_OR_RETURN(auto one, ScalarOperand(ctx, 1, "one"));
  EmitFillLike(ctx, x, ctx.input_shape(0), one, ctx.Output(0));
  return absl::OkStatus();
}

}  // namespace

void RegisterFillRules(RuleRegistry& registry) {
  registry.Add("Tile", {InferTile, LegalizeTile});
  registry.Add("Fill", {InferFill, LegalizeFill});
  registry.Add("Range", {InferRange, EmitRange});
  registry.Add("Cast", {InferCast, LegalizeCast});
  registry.Add("Bitcast", {InferBitcast, LegalizeBitcast});
  registry.Add("ZerosLike", {InferFillLike<false>, LegalizeZerosLike});
  registry.Add("OnesLike", {InferFillLike<true>, LegalizeOnesLike});
  registry.Add("BroadcastTo", {InferBroadcastTo, LegalizeBroadcastTo});
  registry.Add("BroadcastArgs", {InferBroadcastArgs, LegalizeBroadcastArgs});
}

}  // namespace tflconv
