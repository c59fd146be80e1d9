#include "core/legalize/shape_util.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tflconv {

absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  if (!a.known_rank || !b.known_rank) return Shape::Unknown();
  const int rank = std::max(a.rank(), b.rank());
  Dims dims(rank);
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank());
    const int ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dims[ia] : 1;
    const int64_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da == 1) {
      dims[i] = db;
    } else if (db == 1 || da == db) {
      dims[i] = da;
    } else if (da < 0 || db < 0) {
      dims[i] = std::max(da, db);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "shapes ", a.ToString(), " and ", b.ToString(), " do not broadcast"));
    }
  }
  return Shape::Of(std::move(dims));
}

absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank) {
  if (axis < -rank || axis >= std::max(rank, 1)) {
    return absl::OutOfRangeError(
        absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<int32_t> AxisOption(const Node& node, absl::string_view what, int64_t axis,
                                   int rank) {
  if (rank >= 0) {
    auto normalized = NormalizeAxis(axis, rank);
    if (!normalized.ok()) {
      return NodeInvalid(node, absl::StrCat(what, ": ", normalized.status().message()));
    }
    return *normalized;
  }
  if (axis < std::numeric_limits<int32_t>::min() || axis > std::numeric_limits<int32_t>::max()) {
    return NodeInvalid(node, absl::StrCat(what, " ", axis, " does not fit in int32"));
  }
  return static_cast<int32_t>(axis);
}

std::vector<int64_t> StridedIndex(const Dims& dims, const std::vector<int64_t>& strides) {
  const int rank = static_cast<int>(dims.size());
  const int64_t total = NumElements(dims);
  std::vector<int64_t> index(total);
  std::vector<int64_t> coord(rank, 0);
  int64_t flat = 0;
  for (int64_t n = 0; n < total; ++n) {
    index[n] = flat;
    for (int i = rank - 1; i >= 0; --i) {
      ++coord[i];
      flat += strides[i];
      if (coord[i] < dims[i]) break;
      flat -= strides[i] * coord[i];
      coord[i] = 0;
    }
  }
  return index;
}

std::vector<int64_t> BroadcastIndex(const Dims& in_dims, const Dims& out_dims) {
  const int rank = static_cast<int>(out_dims.size());
  const int offset = rank - static_cast<int>(in_dims.size());
  std::vector<int64_t> in_strides(rank, 0);
  int64_t stride = 1;
  for (int i = rank - 1; i >= offset; --i) {
    const int64_t d = in_dims[i - offset];
    in_strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
  return StridedIndex(out_dims, in_strides);
}

bool NeedsBroadcastIndex(const Dims& dims, const Dims& out_dims) {
  return dims != out_dims && NumElements(dims) != 1;
}

void InterleaveChunks(const std::vector<const Tensor*>& inputs, int64_t outer, char* dst) {
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor* in : inputs) {
      const size_t chunk = in->bytes().size() / std::max<int64_t>(outer, 1);
      std::memcpy(dst, in->bytes().data() + o * chunk, chunk);
      dst += chunk;
    }
  }
}

absl::StatusOr<Shape> MergeShapes(const InferContext& ctx, const Shape& a, const Shape& b) {
  if (!a.known_rank) return b;
  if (!b.known_rank) return a;
  if (!a.CompatibleWith(b)) {
    return ctx.Invalid(absl::StrCat("shapes ", a.ToString(), " and ", b.ToString(),
                                    a.rank() != b.rank() ? " have different ranks"
                                                         : " are incompatible"));
  }
  Shape out = a;
  for (int i = 0; i < a.rank(); ++i) {
    if (out.dims[i] < 0) out.dims[i] = b.dims[i];
  }
  return out;
}

absl::StatusOr<Shape> MergeInputShapes(const InferContext& ctx, int n) {
  Shape merged = Shape::Unknown();
  for (int i = 0; i < n; ++i) {
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) {
      return ctx.Invalid(absl::StrCat("input ", i, " has dtype ", DataTypeName(ctx.input_dtype(i)),
                                      ", input 0 ", DataTypeName(ctx.input_dtype(0))));
    }
    TFLCONV_ASSIGN_OR_RETURN(auto shape, MergeShapes(ctx, merged, ctx.input_shape(i)));
    merged = shape;
  }
  return merged;
}

absl::Status InferSameAsInput(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Invalid("expects an input");
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

namespace {

template <typename Ctx>
absl::StatusOr<std::vector<int64_t>> ConstantIntsImpl(const Ctx& ctx, int i,
                                                      absl::string_view what) {
  if (i >= ctx.num_inputs()) {
    return NodeInvalid(ctx.node(), absl::StrCat("missing input ", i, " (", what, ")"));
  }
  const Tensor* value = ctx.input_value(i);
  if (value == nullptr) {
    return NodeError(absl::StatusCode::kUnimplemented, ctx.node(),
                     absl::StrCat(what, " (input ", i, ") must be a constant for TFLite"));
  }
  return value->AsInt64Vector();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> ConstantInts(const InferContext& ctx, int i,
                                                  absl::string_view what) {
  return ConstantIntsImpl(ctx, i, what);
}
absl::StatusOr<std::vector<int64_t>> ConstantInts(const LegalizeContext& ctx, int i,
                                                  absl::string_view what) {
  return ConstantIntsImpl(ctx, i, what);
}

Tensor Int32Tensor(const std::vector<int64_t>& values, bool as_scalar) {
  Dims dims;
  if (!as_scalar) dims.push_back(static_cast<int64_t>(values.size()));
  Tensor t = Tensor::Zeros(tensorflow::DT_INT32, dims);
  auto out = t.mutable_flat<int32_t>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<int32_t>(values[i]);
  return t;
}

namespace {

// Walks the output in order, stepping the input offset by the permuted
// strides; Element is a trivially copyable type of the element's size.
template <typename Element>
void TransposeElements(const Element* src, Element* dst, const Dims& out_dims,
                       const std::vector<int64_t>& step) {
  const int rank = static_cast<int>(out_dims.size());
  const int64_t total = NumElements(out_dims);
  if (total == 0) return;
  const int64_t inner = out_dims[rank - 1];
  const int64_t inner_step = step[rank - 1];
  std::vector<int64_t> coord(rank, 0);
  int64_t offset = 0;
  for (int64_t n = 0; n < total; n += inner) {
    const Element* s = src + offset;
    for (int64_t k = 0; k < inner; ++k) dst[n + k] = s[k * inner_step];
    for (int i = rank - 2; i >= 0; --i) {
      ++coord[i];
      offset += step[i];
      if (coord[i] < out_dims[i]) break;
      offset -= step[i] * coord[i];
      coord[i] = 0;
    }
  }
}

struct Bytes2 { char b[2]; };
struct Bytes16 { char b[16]; };

// A [rows, cols] -> [cols, rows] transpose in cache-sized tiles: filter
// layouts (HWIO -> OHWI, [in, out] -> [out, in]) all collapse to this.
template <typename Element>
void Transpose2D(const Element* src, Element* dst, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    const int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
      }
    }
  }
}

template <typename Element>
void TransposeAs(const char* src, char* dst, const Dims& in_dims, const Dims& out_dims,
                 const std::vector<int>& perm) {
  const int rank = static_cast<int>(in_dims.size());
  // Input dims that stay adjacent and in order under perm act as one; a
  // permutation that collapses to two groups swapped is a 2-D transpose.
  std::vector<int> groups_start = {perm[0]};
  for (int i = 1; i < rank; ++i) {
    if (perm[i] != perm[i - 1] + 1) groups_start.push_back(perm[i]);
  }
  if (groups_start.size() == 2 && groups_start[1] == 0) {
    int64_t rows = 1, cols = 1;  // input viewed as [rows, cols]
    for (int i = 0; i < groups_start[0]; ++i) rows *= in_dims[i];
    for (int i = groups_start[0]; i < rank; ++i) cols *= in_dims[i];
    Transpose2D(reinterpret_cast<const Element*>(src), reinterpret_cast<Element*>(dst), rows,
                cols);
    return;
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (int i = rank - 2; i >= 0; --i) in_strides[i] = in_strides[i + 1] * in_dims[i + 1];
  // Stride in the input for a step along each output dimension.
  std::vector<int64_t> step(rank);
  for (int i = 0; i < rank; ++i) step[i] = in_strides[perm[i]];
  TransposeElements(reinterpret_cast<const Element*>(src), reinterpret_cast<Element*>(dst),
                    out_dims, step);
}

}  // namespace

Tensor TransposeTensor(const Tensor& in, const std::vector<int>& perm) {
  const int rank = in.rank();
  Dims out_dims(rank);
  for (int i = 0; i < rank; ++i) out_dims[i] = in.dims()[perm[i]];
  Tensor out = Tensor::Uninitialized(in.dtype(), out_dims);
  const char* src = in.bytes().data();
  char* dst = MutableBytes(out);
  if (rank == 0 || in.num_elements() == 0) {
    std::memcpy(dst, src, in.bytes().size());
    return out;
  }
  switch (DataTypeSize(in.dtype())) {
    case 1: TransposeAs<uint8_t>(src, dst, in.dims(), out_dims, perm); break;
    case 2: TransposeAs<Bytes2>(src, dst, in.dims(), out_dims, perm); break;
    case 4: TransposeAs<uint32_t>(src, dst, in.dims(), out_dims, perm); break;
    case 8: TransposeAs<uint64_t>(src, dst, in.dims(), out_dims, perm); break;
    default: TransposeAs<Bytes16>(src, dst, in.dims(), out_dims, perm); break;
  }
  return out;
}

absl::Status EmitSimple(LegalizeContext& ctx, tflite::BuiltinOperator op,
                        tflite::BuiltinOptionsUnion options, int num_outputs) {
  std::vector<int> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    TFLCONV_ASSIGN_OR_RETURN(auto t, ctx.Input(i));
    inputs.push_back(t);
  }
  std::vector<int> outputs;
  for (int i = 0; i < num_outputs; ++i) outputs.push_back(ctx.Output(i));
  ctx.Emit(op, std::move(inputs), std::move(outputs), std::move(options));
  return absl::OkStatus();
}

tflite::BuiltinOptionsUnion BinaryOptions(tflite::BuiltinOperator op) {
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
    case tflite::BuiltinOperator_ATAN2: return MakeOptions(tflite::ATan2OptionsT{});
    case tflite::BuiltinOperator_BITWISE_XOR: return MakeOptions(tflite::BitwiseXorOptionsT{});
    case tflite::BuiltinOperator_RIGHT_SHIFT: return MakeOptions(tflite::RightShiftOptionsT{});
    default: return {};
  }
}

tflite::BuiltinOptionsUnion UnaryOptions(tflite::BuiltinOperator op) {
  switch (op) {
    case tflite::BuiltinOperator_NEG: return MakeOptions(tflite::NegOptionsT{});
    case tflite::BuiltinOperator_ABS: return MakeOptions(tflite::AbsOptionsT{});
    case tflite::BuiltinOperator_SQUARE: return MakeOptions(tflite::SquareOptionsT{});
    case tflite::BuiltinOperator_EXP: return MakeOptions(tflite::ExpOptionsT{});
    case tflite::BuiltinOperator_COS: return MakeOptions(tflite::CosOptionsT{});
    case tflite::BuiltinOperator_SIGN: return MakeOptions(tflite::SignOptionsT{});
    case tflite::BuiltinOperator_LOGICAL_NOT: return MakeOptions(tflite::LogicalNotOptionsT{});
    default: return {};
  }
}

void EmitElementwise(LegalizeContext& ctx, tflite::BuiltinOperator op, std::vector<int> inputs,
                     int out) {
  tflite::BuiltinOptionsUnion options;
  if (op == tflite::BuiltinOperator_SELECT_V2) {
    options = MakeOptions(tflite::SelectV2OptionsT{});
  } else {
    options = inputs.size() == 1 ? UnaryOptions(op) : BinaryOptions(op);
  }
  ctx.Emit(op, std::move(inputs), {out}, std::move(options));
}

int EmitStep(LegalizeContext& ctx, tflite::BuiltinOperator op, std::vector<int> inputs,
             DataType dtype, const Shape& shape, absl::string_view suffix) {
  const int out = ctx.Intermediate(dtype, shape, suffix);
  EmitElementwise(ctx, op, std::move(inputs), out);
  return out;
}

std::optional<Tensor> NumericScalar(DataType dtype, double value) {
  Tensor scalar = Tensor::Zeros(dtype, {});
  const bool numeric = DispatchNumeric(dtype, [&](auto zero) {
    scalar.mutable_flat<decltype(zero)>()[0] = static_cast<decltype(zero)>(value);
  });
  if (!numeric) return std::nullopt;
  return scalar;
}

absl::StatusOr<int> ScalarOperand(LegalizeContext& ctx, double value, absl::string_view suffix) {
  const DataType dtype = ctx.input(0).dtype;
  std::optional<Tensor> scalar = NumericScalar(dtype, value);
  if (!scalar) return ctx.Unsupported(absl::StrCat("T ", DataTypeName(dtype)));
  return ctx.Constant(*scalar, suffix);
}

void EmitFillLike(LegalizeContext& ctx, int x, const Shape& shape, int value, int out) {
  int dims;
  if (shape.fully_defined()) {
    dims = ctx.Constant(Int32Tensor(shape.dims), "shape");
  } else {
    dims = ctx.Intermediate(tensorflow::DT_INT32, Shape::Of({shape.rank()}), "shape");
    tflite::ShapeOptionsT options;
    options.out_type = tflite::TensorType_INT32;
    ctx.Emit(tflite::BuiltinOperator_SHAPE, {x}, {dims}, MakeOptions(options));
  }
  ctx.Emit(tflite::BuiltinOperator_FILL, {dims, value}, {out}, MakeOptions(tflite::FillOptionsT{}));
}

int EmitCast(LegalizeContext& ctx, int x, DataType from, DataType to, const Shape& shape,
             absl::string_view suffix) {
  const int out = ctx.Intermediate(to, shape, suffix);
  tflite::CastOptionsT cast;
  auto from_type = ToLiteType(from);
  auto to_type = ToLiteType(to);
  if (from_type.ok()) cast.in_data_type = *from_type;
  if (to_type.ok()) cast.out_data_type = *to_type;
  ctx.Emit(tflite::BuiltinOperator_CAST, {x}, {out}, MakeOptions(cast));
  return out;
}

bool Foldable(DataType dtype) { return DataTypeSize(dtype) > 0; }

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

void GatherElements(const Tensor& in, const std::vector<int64_t>& index, Tensor& out) {
  const size_t element = DataTypeSize(in.dtype());
  const char* src = in.bytes().data();
  char* dst = MutableBytes(out);
  for (size_t i = 0; i < index.size(); ++i) {
    std::memcpy(dst + i * element, src + index[i] * element, element);
  }
}

absl::StatusOr<int> Int32Input(LegalizeContext& ctx, int i, absl::string_view what,
                               bool clamp) {
  if (i >= ctx.num_inputs()) {
    return NodeInvalid(ctx.node(), absl::StrCat("missing input ", i, " (", what, ")"));
  }
  const OutputInfo& info = ctx.input(i);
  if (info.dtype == tensorflow::DT_INT32) return ctx.Input(i);
  if (info.dtype != tensorflow::DT_INT64) {
    return NodeInvalid(ctx.node(), absl::StrCat(what, " (input ", i,
                                                ") must be int32 or int64, not ",
                                                DataTypeName(info.dtype)));
  }
  if (const Tensor* v = ctx.input_value(i)) {
    std::vector<int64_t> values = v->AsInt64Vector();
    for (int64_t& x : values) {
      if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
        if (!clamp) {
          return ctx.Unsupported(absl::StrCat(what, " (input ", i, ") value ", x,
                                              " does not fit in int32"));
        }
        x = std::clamp<int64_t>(x, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
      }
    }
    return ctx.Constant(Int32Tensor(values).Reshaped(v->dims()), what);
  }
  TFLCONV_ASSIGN_OR_RETURN(const int input, ctx.Input(i));
  return EmitCast(ctx, input, tensorflow::DT_INT64, tensorflow::DT_INT32, info.shape,
                  absl::StrCat(what, "_int32"));
}

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

}  // namespace tflconv
