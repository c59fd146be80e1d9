// Gathers and selections: Gather / GatherV2 -> GATHER(axis, batch_dims),
// GatherNd -> GATHER_ND, Where(condition) -> WHERE, Select / SelectV2 and
// 3-input Where -> SELECT / SELECT_V2. All fold when their inputs are
// constant.
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_INT64;

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

void RegisterGatherSelectRules(RuleRegistry& registry) {
  registry.Add("Gather", {InferGather, LegalizeGather});
  registry.Add("GatherV2", {InferGather, LegalizeGather});
  registry.Add("GatherNd", {InferGatherNd, LegalizeGatherNd});
  registry.Add("Where", {InferWhere, LegalizeWhere});
  registry.Add("Select", {InferSelect, LegalizeSelect});
  registry.Add("SelectV2", {InferSelectV2, LegalizeSelect});
}

}  // namespace tflconv
