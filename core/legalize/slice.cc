// Slicing: Slice -> SLICE and StridedSlice -> STRIDED_SLICE, with
// TensorFlow's begin/end/ellipsis/new-axis/shrink-axis mask semantics
// resolved at conversion time where the shape is known. Both fold when their
// input is constant.
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

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

}  // namespace

void RegisterSliceRules(RuleRegistry& registry) {
  registry.Add("Slice", {InferSlice, LegalizeSlice});
  registry.Add("StridedSlice", {InferStridedSlice, LegalizeStridedSlice});
}

}  // namespace tflconv
