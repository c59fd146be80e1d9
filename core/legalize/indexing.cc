// Scan and index ops that have TFLite builtins (they used to fall back to
// Flex):
//   Cumsum(x, axis; exclusive, reverse) -> CUMSUM with the axis as an int32
//     scalar constant.
//   ReverseV2(x, axis) -> REVERSE_V2 with int32 axes, one per run of
//     adjacent axes: the kernel reverses only contiguous axes in one op
//     (reverse.cc).
//   OneHot(indices, depth, on_value, off_value; axis) -> ONE_HOT(axis).
//   SparseToDense(indices, output_shape, values, default_value;
//     validate_indices) -> SPARSE_TO_DENSE.
//   ReverseSequence(x, seq_lengths; seq_dim, batch_dim) -> REVERSE_SEQUENCE.
//   Bucketize(x; boundaries) -> BUCKETIZE.
//   Unique(x; out_idx) -> UNIQUE(idx_out_type): the distinct values in the
//     order they first occur, as TensorFlow's, in a length the kernel sets
//     in Eval; idx of x's shape.
//   ScatterNd(indices, updates, shape) -> SCATTER_ND with int32 indices and
//     shape, as the official converter casts them; a shape computed at run
//     time too (the kernel then sizes its output in Eval).
//   MatrixDiag(diagonal) -> MATRIX_DIAG and MatrixSetDiag(input, diagonal)
//     -> MATRIX_SET_DIAG; their V2/V3 forms only for the main diagonal
//     (k = 0, and for MatrixDiag the default size -1 and padding 0), the
//     only one those builtins fill, as TensorFlow's converter requires.
// Dtypes and ranks their kernels do not take are declined by the
// legalizer's kernel-contract check (then Flex). None of them folds.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

// The constant axis values of input 1 normalized to [0, rank).
template <typename Ctx>
absl::StatusOr<std::vector<int64_t>> NormalizedAxes(const Ctx& ctx, int rank) {
  TFLCONV_ASSIGN_OR_RETURN(auto axes, ConstantInts(ctx, 1, "axis"));
  for (int64_t& a : axes) {
    auto axis = NormalizeAxis(a, rank);
    if (!axis.ok()) return NodeInvalid(ctx.node(), absl::StrCat("axis: ", axis.status().message()));
    a = *axis;
  }
  return axes;
}

absl::Status InferCumsum(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  return InferSameAsInput(ctx);
}

absl::Status LegalizeCumsum(LegalizeContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank || in.rank() == 0) return ctx.Unsupported("Cumsum of unknown rank or a scalar");
  TFLCONV_ASSIGN_OR_RETURN(auto axes, NormalizedAxes(ctx, in.rank()));
  if (axes.size() != 1) {
    return NodeInvalid(ctx.node(), absl::StrCat("axis must hold one value, has ", axes.size()));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto exclusive, GetBoolAttr(ctx.node(), "exclusive", false));
  TFLCONV_ASSIGN_OR_RETURN(auto reverse, GetBoolAttr(ctx.node(), "reverse", false));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  const int axis = ctx.Constant(Int32Tensor(axes, /*as_scalar=*/true), "axis");
  tflite::CumsumOptionsT options;
  options.exclusive = exclusive;
  options.reverse = reverse;
  ctx.Emit(tflite::BuiltinOperator_CUMSUM, {x, axis}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

absl::Status InferReverseV2(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  return InferSameAsInput(ctx);
}

absl::Status LegalizeReverseV2(LegalizeContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) return ctx.Unsupported("ReverseV2 of unknown rank");
  TFLCONV_ASSIGN_OR_RETURN(auto axes, NormalizedAxes(ctx, in.rank()));
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  if (axes.empty()) return ctx.Forward(0, 0);
  std::vector<std::vector<int64_t>> runs;
  for (int64_t a : axes) {
    if (runs.empty() || runs.back().back() + 1 != a) runs.emplace_back();
    runs.back().push_back(a);
  }
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  int current = x;
  for (size_t r = 0; r < runs.size(); ++r) {
    const bool last = r + 1 == runs.size();
    const int out = last ? ctx.Output(0)
                         : ctx.Intermediate(ctx.output(0).dtype, in, absl::StrCat("reversed_", r));
    const int axis = ctx.Constant(Int32Tensor(runs[r]), absl::StrCat("axis_", r));
    ctx.Emit(tflite::BuiltinOperator_REVERSE_V2, {current, axis}, {out},
             MakeOptions(tflite::ReverseV2OptionsT{}));
    current = out;
  }
  return absl::OkStatus();
}

absl::Status InferOneHot(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(4));
  TFLCONV_ASSIGN_OR_RETURN(auto axis, GetIntAttr(ctx.node(), "axis", -1));
  const DataType dtype = ctx.input_dtype(2);
  const Shape& indices = ctx.input_shape(0);
  if (!indices.known_rank) {
    ctx.SetOutput(0, dtype, Shape::Unknown());
    return absl::OkStatus();
  }
  if (axis < -1 || axis > indices.rank()) {
    return ctx.Invalid(absl::StrCat("axis ", axis, " is outside [-1, ", indices.rank(), "]"));
  }
  int64_t depth = -1;
  if (ctx.input_value(1) != nullptr) {
    TFLCONV_ASSIGN_OR_RETURN(auto value, ConstantInts(ctx, 1, "depth"));
    if (value.size() != 1 || value[0] < 0) {
      return ctx.Invalid("depth (input 1) must be one non-negative value");
    }
    depth = value[0];
  }
  Dims out = indices.dims;
  out.insert(axis < 0 ? out.end() : out.begin() + axis, depth);
  ctx.SetOutput(0, dtype, Shape::Of(out));
  return absl::OkStatus();
}

absl::Status LegalizeOneHot(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto axis, GetIntAttr(ctx.node(), "axis", -1));
  tflite::OneHotOptionsT options;
  options.axis = static_cast<int32_t>(axis);
  return EmitSimple(ctx, tflite::BuiltinOperator_ONE_HOT, MakeOptions(options));
}

absl::Status InferSparseToDense(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(4));
  const DataType dtype = ctx.input_dtype(2);
  if (ctx.input_value(1) != nullptr) {
    TFLCONV_ASSIGN_OR_RETURN(auto dims, ConstantInts(ctx, 1, "output_shape"));
    for (int64_t d : dims) {
      if (d < 0) return ctx.Invalid(absl::StrCat("output_shape holds the negative size ", d));
    }
    ctx.SetOutput(0, dtype, Shape::Of(dims));
    return absl::OkStatus();
  }
  const Shape& shape = ctx.input_shape(1);
  ctx.SetOutput(0, dtype,
                shape.fully_defined() && shape.rank() == 1 ? Shape::Of(Dims(shape.dims[0], -1))
                                                           : Shape::Unknown());
  return absl::OkStatus();
}

absl::Status LegalizeSparseToDense(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto validate, GetBoolAttr(ctx.node(), "validate_indices", true));
  tflite::SparseToDenseOptionsT options;
  options.validate_indices = validate;
  return EmitSimple(ctx, tflite::BuiltinOperator_SPARSE_TO_DENSE, MakeOptions(options));
}

// TensorFlow's shape rule: indices [..., ix] and updates [...] agree on the
// outer dimensions, and updates' inner ones are shape[ix:]. The kernel
// checks the same, but only at run time when the shape is computed.
absl::Status InferScatterNd(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3, 3));
  const Shape& indices = ctx.input_shape(0);
  const Shape& updates = ctx.input_shape(1);
  const Tensor* shape_value = ctx.input_value(2);
  if (shape_value == nullptr) {
    const Shape& shape_shape = ctx.input_shape(2);
    const bool known = shape_shape.fully_defined() && shape_shape.rank() == 1;
    ctx.SetOutput(0, ctx.input_dtype(1),
                  known ? Shape::Of(Dims(shape_shape.dims[0], -1)) : Shape::Unknown());
    return absl::OkStatus();
  }
  const std::vector<int64_t> shape = shape_value->AsInt64Vector();
  if (indices.fully_defined() && updates.fully_defined()) {
    const int outer = indices.rank() - 1;
    const int64_t ix = outer >= 0 ? indices.dims[outer] : -1;
    bool fits = outer >= 0 && ix <= static_cast<int64_t>(shape.size()) &&
                updates.rank() - outer == static_cast<int>(shape.size() - ix);
    for (int i = 0; fits && i < outer; ++i) fits = indices.dims[i] == updates.dims[i];
    for (int i = outer; fits && i < updates.rank(); ++i) {
      fits = updates.dims[i] == shape[ix + i - outer];
    }
    if (!fits) {
      return ctx.Invalid(absl::StrCat("indices of shape ", indices.ToString(),
                                      " and updates of shape ", updates.ToString(),
                                      " do not fit shape ", DimsToString(shape)));
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(1), Shape::Of(shape));
  return absl::OkStatus();
}

// SCATTER_ND fails on an index out of bounds, as TensorFlow does by default
// (bad_indices_policy "" or "DEFAULT" or "ERROR"); "IGNORE" skips them, which
// no builtin does. A shape computed at run time leaves scatter_nd.cc to check
// the shapes and size its output in Eval (zero-filled before the updates add
// up), which the runtime does right; the generated tests judge such outputs
// through a static-shaped consumer, as LiteRT's CompiledModel cannot return
// an output sized in Eval.
absl::Status LegalizeScatterNd(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto policy, GetStringAttr(ctx.node(), "bad_indices_policy", ""));
  if (policy == "IGNORE") return ctx.Unsupported("ScatterNd with bad_indices_policy IGNORE");
  TFLCONV_ASSIGN_OR_RETURN(auto indices, Int32Input(ctx, 0, "indices"));
  TFLCONV_ASSIGN_OR_RETURN(auto updates, ctx.Input(1));
  TFLCONV_ASSIGN_OR_RETURN(auto shape, Int32Input(ctx, 2, "shape"));
  ctx.Emit(tflite::BuiltinOperator_SCATTER_ND, {indices, updates, shape}, {ctx.Output(0)},
           MakeOptions(tflite::ScatterNdOptionsT{}));
  return absl::OkStatus();
}

// Whether constant `t` holds only `value` (false when it is computed).
bool AllEqual(const Tensor* t, double value) {
  if (t == nullptr || t->num_elements() == 0) return false;
  bool all = true;
  const bool numeric = DispatchNumeric(t->dtype(), [&](auto zero) {
    using T = decltype(zero);
    for (T x : t->flat<T>()) all = all && static_cast<double>(x) == value;
  });
  return numeric && all;
}

// MatrixDiag's V2/V3 inputs (diagonal, k, num_rows, num_cols,
// padding_value) or MatrixSetDiag's (input, diagonal, k) ask for the main
// diagonal in the default layout; v1 always does. The input counts were
// checked by the infer functions.
template <typename Ctx>
bool MainDiagonal(const Ctx& ctx, bool set_diag) {
  if (ctx.num_inputs() == (set_diag ? 2 : 1)) return true;
  if (set_diag) return AllEqual(ctx.input_value(2), 0);
  return AllEqual(ctx.input_value(1), 0) && AllEqual(ctx.input_value(2), -1) &&
         AllEqual(ctx.input_value(3), -1) && AllEqual(ctx.input_value(4), 0);
}

absl::Status UnsupportedDiagonal(const LegalizeContext& ctx) {
  return ctx.Unsupported(absl::StrCat(
      ctx.node().op, ctx.node().op.rfind("MatrixSet", 0) == 0
                         ? " with k other than a constant 0"
                         : " with k, num_rows, num_cols or padding_value other than constants "
                           "0, -1, -1 and 0",
      " (MATRIX_DIAG and MATRIX_SET_DIAG fill the main diagonal only)"));
}

absl::Status InferMatrixDiag(InferContext& ctx) {
  const int inputs = ctx.node().op == "MatrixDiag" ? 1 : 5;
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(inputs, inputs));
  const Shape& in = ctx.input_shape(0);
  if (in.known_rank && in.rank() < 1) {
    return ctx.Invalid("diagonal is a scalar; it must be 1-D or more");
  }
  Shape out = Shape::Unknown();
  if (in.known_rank && MainDiagonal(ctx, /*set_diag=*/false)) {
    out = in;
    out.dims.push_back(in.dims.back());
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeMatrixDiag(LegalizeContext& ctx) {
  if (!MainDiagonal(ctx, /*set_diag=*/false)) return UnsupportedDiagonal(ctx);
  TFLCONV_ASSIGN_OR_RETURN(auto diagonal, ctx.Input(0));
  ctx.Emit(tflite::BuiltinOperator_MATRIX_DIAG, {diagonal}, {ctx.Output(0)},
           MakeOptions(tflite::MatrixDiagOptionsT{}));
  return absl::OkStatus();
}

// The diagonal of an input [..., M, N] is [..., min(M, N)]; MATRIX_SET_DIAG
// reads it without checking, so a wrong one is refused here as TensorFlow
// refuses it.
absl::Status InferMatrixSetDiag(InferContext& ctx) {
  const int inputs = ctx.node().op == "MatrixSetDiag" ? 2 : 3;
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(inputs, inputs));
  const Shape& in = ctx.input_shape(0);
  const Shape& diagonal = ctx.input_shape(1);
  if (in.known_rank && in.rank() < 2) {
    return ctx.Invalid(absl::StrCat("input of shape ", in.ToString(), " is not a matrix"));
  }
  if (in.fully_defined() && diagonal.fully_defined() && MainDiagonal(ctx, /*set_diag=*/true)) {
    Dims expected(in.dims.begin(), in.dims.end() - 2);
    expected.push_back(std::min(in.dims[in.rank() - 2], in.dims[in.rank() - 1]));
    if (diagonal.dims != expected) {
      return ctx.Invalid(absl::StrCat("diagonal of shape ", diagonal.ToString(),
                                      " does not fit input of shape ", in.ToString(),
                                      "; it must be ", DimsToString(expected)));
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), in);
  return absl::OkStatus();
}

absl::Status LegalizeMatrixSetDiag(LegalizeContext& ctx) {
  if (!MainDiagonal(ctx, /*set_diag=*/true)) return UnsupportedDiagonal(ctx);
  TFLCONV_ASSIGN_OR_RETURN(auto input, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto diagonal, ctx.Input(1));
  ctx.Emit(tflite::BuiltinOperator_MATRIX_SET_DIAG, {input, diagonal}, {ctx.Output(0)},
           MakeOptions(tflite::MatrixSetDiagOptionsT{}));
  return absl::OkStatus();
}

// TensorFlow's checks on seq_dim and batch_dim: distinct, non-negative and
// below the input's rank (REVERSE_SEQUENCE makes the same ones at run time).
absl::Status InferReverseSequence(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  TFLCONV_ASSIGN_OR_RETURN(const int64_t seq_dim, GetIntAttr(ctx.node(), "seq_dim"));
  TFLCONV_ASSIGN_OR_RETURN(const int64_t batch_dim, GetIntAttr(ctx.node(), "batch_dim", 0));
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = in.known_rank ? in.rank() : std::numeric_limits<int64_t>::max();
  if (seq_dim == batch_dim || seq_dim < 0 || batch_dim < 0 || seq_dim >= rank ||
      batch_dim >= rank) {
    return ctx.Invalid(absl::StrCat("seq_dim ", seq_dim, " and batch_dim ", batch_dim,
                                    " must be distinct dimensions of the input of shape ",
                                    in.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), in);
  return absl::OkStatus();
}

absl::Status LegalizeReverseSequence(LegalizeContext& ctx) {
  tflite::ReverseSequenceOptionsT options;
  TFLCONV_ASSIGN_OR_RETURN(const int64_t seq_dim, GetIntAttr(ctx.node(), "seq_dim"));
  TFLCONV_ASSIGN_OR_RETURN(const int64_t batch_dim, GetIntAttr(ctx.node(), "batch_dim", 0));
  options.seq_dim = static_cast<int32_t>(seq_dim);  // below the rank, checked by the infer
  options.batch_dim = static_cast<int32_t>(batch_dim);
  return EmitSimple(ctx, tflite::BuiltinOperator_REVERSE_SEQUENCE, MakeOptions(options));
}

// Bucketize's boundaries, which BUCKETIZE (as TensorFlow) needs sorted.
absl::StatusOr<std::vector<float>> Boundaries(const Node& node) {
  const tensorflow::AttrValue* attr = FindAttr(node, "boundaries");
  if (attr == nullptr) return NodeInvalid(node, "has no attribute boundaries");
  std::vector<float> boundaries(attr->list().f().begin(), attr->list().f().end());
  if (!std::is_sorted(boundaries.begin(), boundaries.end())) {
    return NodeInvalid(node, "attribute boundaries is not sorted");
  }
  return boundaries;
}

absl::Status InferBucketize(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  TFLCONV_RETURN_IF_ERROR(Boundaries(ctx.node()).status());
  ctx.SetOutput(0, tensorflow::DT_INT32, ctx.input_shape(0));
  return absl::OkStatus();
}

absl::Status LegalizeBucketize(LegalizeContext& ctx) {
  tflite::BucketizeOptionsT options;
  TFLCONV_ASSIGN_OR_RETURN(options.boundaries, Boundaries(ctx.node()));
  return EmitSimple(ctx, tflite::BuiltinOperator_BUCKETIZE, MakeOptions(options));
}

absl::Status InferUnique(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  TFLCONV_ASSIGN_OR_RETURN(const DataType out_idx,
                           GetTypeAttr(ctx.node(), "out_idx", tensorflow::DT_INT32));
  if (out_idx != tensorflow::DT_INT32 && out_idx != tensorflow::DT_INT64) {
    return ctx.Invalid(absl::StrCat("attribute out_idx is ", DataTypeName(out_idx),
                                    "; it must be int32 or int64"));
  }
  const Shape& x = ctx.input_shape(0);
  if (x.known_rank && x.rank() != 1) {
    return ctx.Invalid(absl::StrCat("x of shape ", x.ToString(), " must be 1-D"));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of({-1}));
  ctx.SetOutput(1, out_idx, x.known_rank ? x : Shape::Of({-1}));
  return absl::OkStatus();
}

absl::Status LegalizeUnique(LegalizeContext& ctx) {
  tflite::UniqueOptionsT options;
  TFLCONV_ASSIGN_OR_RETURN(options.idx_out_type, ToLiteType(ctx.output(1).dtype));
  return EmitSimple(ctx, tflite::BuiltinOperator_UNIQUE, MakeOptions(options), 2);
}

}  // namespace

void RegisterIndexingRules(RuleRegistry& registry) {
  registry.Add("Cumsum", {InferCumsum, LegalizeCumsum});
  registry.Add("ReverseV2", {InferReverseV2, LegalizeReverseV2});
  registry.Add("OneHot", {InferOneHot, LegalizeOneHot});
  registry.Add("SparseToDense", {InferSparseToDense, LegalizeSparseToDense});
  registry.Add("ReverseSequence", {InferReverseSequence, LegalizeReverseSequence});
  registry.Add("Bucketize", {InferBucketize, LegalizeBucketize});
  registry.Add("Unique", {InferUnique, LegalizeUnique});
  registry.Add("ScatterNd", {InferScatterNd, LegalizeScatterNd});
  for (const char* op : {"MatrixDiag", "MatrixDiagV2", "MatrixDiagV3"}) {
    registry.Add(op, {InferMatrixDiag, LegalizeMatrixDiag});
  }
  for (const char* op : {"MatrixSetDiag", "MatrixSetDiagV2", "MatrixSetDiagV3"}) {
    registry.Add(op, {InferMatrixSetDiag, LegalizeMatrixSetDiag});
  }
}

}  // namespace tflconv
