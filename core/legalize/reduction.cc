// Reductions over constant axes: Mean, Sum, Max, Min, Prod, Any, All,
// ArgMax, ArgMin (Any/All -> REDUCE_ANY / REDUCE_ALL like the others).
//
// Mean/Sum/Max/Min/Prod become MEAN / SUM / REDUCE_MAX / REDUCE_MIN /
// REDUCE_PROD with ReducerOptions.keep_dims and an int32 axis tensor, as the
// official converter's LegalizeMean/Sum/Max/Min/Prod patterns emit them (it
// casts the axes to int32). The axes must be constant here: they fix the
// output shape. They are written normalized to [0, rank) (TFLite accepts
// negative axes too; normalized ones read the same on every delegate).
// ArgMax/ArgMin become ARG_MAX / ARG_MIN with ArgMaxOptions/ArgMinOptions
// output_type taken from the TF "output_type" attribute (default int64).
// Every rule folds when its input is constant, but for the unsorted segment
// reductions: UnsortedSegmentSum/Max/Min/Prod(data, segment_ids,
// num_segments) -> UNSORTED_SEGMENT_* with int32 ids and count, as the
// official converter casts them, and SegmentSum over constant ids.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/legalize/fold_arith.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

enum class Reducer { kMean, kSum, kMax, kMin, kProd };

// The reduction axes of input 1, normalized to [0, rank) and deduplicated
// (TensorFlow accepts repeated axes). `rank` < 0 (unknown) keeps the values.
template <typename Ctx>
absl::StatusOr<std::vector<int64_t>> ReductionAxes(const Ctx& ctx, int rank) {
  TFLCONV_ASSIGN_OR_RETURN(auto raw, ConstantInts(ctx, 1, "reduction_indices"));
  if (rank < 0) return raw;
  std::vector<int64_t> axes;
  for (int64_t a : raw) {
    auto axis = NormalizeAxis(a, rank);
    if (!axis.ok()) {
      return NodeInvalid(ctx.node(), absl::StrCat("reduction_indices: ", axis.status().message()));
    }
    if (std::find(axes.begin(), axes.end(), *axis) == axes.end()) axes.push_back(*axis);
  }
  return axes;
}

// The output dims of reducing `in` over `axes` (normalized).
Dims ReducedDims(const Dims& in, const std::vector<int64_t>& axes, bool keep_dims) {
  Dims out;
  for (int i = 0; i < static_cast<int>(in.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) {
      out.push_back(in[i]);
    } else if (keep_dims) {
      out.push_back(1);
    }
  }
  return out;
}

// For each element of a tensor of `in` dims, the flat index of the reduced
// element it contributes to (the reduced dims collapse to one).
std::vector<int64_t> ReductionIndex(const Dims& in, const std::vector<int64_t>& axes) {
  const int rank = static_cast<int>(in.size());
  std::vector<int64_t> out_strides(rank, 0);
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end()) continue;
    out_strides[i] = stride;
    stride *= in[i];
  }
  return StridedIndex(in, out_strides);
}

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double,
                                       std::conditional_t<std::is_signed_v<T>, int64_t,
                                                          uint64_t>>;

template <typename T>
void ReduceKernel(Reducer reducer, const Tensor& in, const std::vector<int64_t>& axes,
                  Tensor& out) {
  using Acc = Accumulator<T>;
  auto o = out.mutable_flat<T>();
  const int64_t n_out = static_cast<int64_t>(o.size());
  Acc init = 0;
  switch (reducer) {
    case Reducer::kMean:
    case Reducer::kSum: init = 0; break;
    case Reducer::kProd: init = 1; break;
    case Reducer::kMax: init = static_cast<Acc>(std::numeric_limits<T>::lowest()); break;
    case Reducer::kMin: init = static_cast<Acc>(std::numeric_limits<T>::max()); break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (reducer == Reducer::kMax) init = -std::numeric_limits<double>::infinity();
    if (reducer == Reducer::kMin) init = std::numeric_limits<double>::infinity();
  }
  std::vector<Acc> acc(n_out, init);
  const auto index = ReductionIndex(in.dims(), axes);
  auto v = in.flat<T>();
  for (size_t i = 0; i < v.size(); ++i) {
    Acc& a = acc[index[i]];
    const Acc x = static_cast<Acc>(v[i]);
    switch (reducer) {
      case Reducer::kMean:
      case Reducer::kSum: a = WrapAdd(a, x); break;
      case Reducer::kProd: a = WrapMul(a, x); break;
      case Reducer::kMax: a = (x > a || std::isnan(static_cast<double>(x))) ? x : a; break;
      case Reducer::kMin: a = (x < a || std::isnan(static_cast<double>(x))) ? x : a; break;
    }
  }
  const int64_t count = n_out == 0 ? 0 : static_cast<int64_t>(v.size()) / n_out;
  for (int64_t k = 0; k < n_out; ++k) {
    Acc r = acc[k];
    if (reducer == Reducer::kMean) {
      if constexpr (std::is_floating_point_v<T>) {
        r = r / static_cast<double>(count);  // NaN for an empty reduction, as in TF
      } else {
        r = count == 0 ? 0 : r / static_cast<Acc>(count);
      }
    }
    o[k] = static_cast<T>(r);
  }
}

absl::Status FoldReduce(InferContext& ctx, Reducer reducer, const std::vector<int64_t>& axes,
                        const Dims& out_dims) {
  const Tensor* in = ctx.input_value(0);
  if (in == nullptr) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(in->dtype(), out_dims));
  // ReduceKernel's index table over the input and accumulators.
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(in->num_elements() + out.num_elements(), sizeof(int64_t)));
  bool folded = false;
  DispatchNumeric(in->dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      ReduceKernel<T>(reducer, *in, axes, out);
      folded = true;
    }
  });
  if (folded) ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

template <Reducer kReducer>
absl::Status InferReduce(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_ASSIGN_OR_RETURN(auto keep_dims, GetBoolAttr(ctx.node(), "keep_dims", false));
  const Shape& in = ctx.input_shape(0);
  TFLCONV_ASSIGN_OR_RETURN(auto axes, ReductionAxes(ctx, in.rank()));
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  const Dims out = ReducedDims(in.dims, axes, keep_dims);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  return FoldReduce(ctx, kReducer, axes, out);
}

template <tflite::BuiltinOperator kOp>
absl::Status LegalizeReduce(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto keep_dims, GetBoolAttr(ctx.node(), "keep_dims", false));
  TFLCONV_ASSIGN_OR_RETURN(auto axes, ReductionAxes(ctx, ctx.input_shape(0).rank()));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  // Reducing over no axis is the identity; TFLite would need an empty
  // constant axis tensor, which a zero-byte buffer cannot tell from "no data".
  if (axes.empty()) return ctx.Forward(0, 0);
  const int axis = ctx.Constant(Int32Tensor(axes), "reduction_indices");
  tflite::ReducerOptionsT options;
  options.keep_dims = keep_dims;
  ctx.Emit(kOp, {x, axis}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

// ArgMax / ArgMin: the attribute "output_type" (int32 or int64, default
// int64 as in TensorFlow's op definition) and the constant axis of input 1.
absl::StatusOr<DataType> ArgOutputType(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto type, GetTypeAttr(node, "output_type", tensorflow::DT_INT64));
  if (type != tensorflow::DT_INT32 && type != tensorflow::DT_INT64) {
    return NodeInvalid(node, absl::StrCat("output_type ", DataTypeName(type),
                                          " is not supported (int32 or int64)"));
  }
  return type;
}

template <typename Ctx>
absl::StatusOr<int> ArgAxis(const Ctx& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto dim, ConstantInts(ctx, 1, "dimension"));
  if (dim.size() != 1) {
    return NodeInvalid(ctx.node(), absl::StrCat("dimension (input 1) must hold one value, has ",
                                                dim.size()));
  }
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) return static_cast<int>(dim[0]);
  auto axis = NormalizeAxis(dim[0], in.rank());
  if (!axis.ok()) return NodeInvalid(ctx.node(), absl::StrCat("dimension: ", axis.status().message()));
  return *axis;
}

template <bool kMax>
absl::Status InferArg(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_ASSIGN_OR_RETURN(auto out_type, ArgOutputType(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto axis, ArgAxis(ctx));
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) {
    ctx.SetOutput(0, out_type, Shape::Unknown());
    return absl::OkStatus();
  }
  if (in.rank() == 0) return ctx.Invalid("input must have rank >= 1");
  const Dims out = ReducedDims(in.dims, {axis}, /*keep_dims=*/false);
  ctx.SetOutput(0, out_type, Shape::Of(out));
  const Tensor* v = ctx.input_value(0);
  if (v == nullptr) return absl::OkStatus();
  if (v->dims()[axis] == 0) return absl::OkStatus();  // TF fails at run time
  TFLCONV_ASSIGN_OR_RETURN(auto result, ctx.NewTensor(out_type, out));
  // The index table over the input, best indices and best values.
  TFLCONV_RETURN_IF_ERROR(ctx.Reserve(v->num_elements() + 2 * result.num_elements(),
                          sizeof(int64_t)));
  const auto index = ReductionIndex(v->dims(), {axis});
  // The position along the axis of input element i: (i / inner) % size.
  int64_t inner = 1;
  for (int i = axis + 1; i < v->rank(); ++i) inner *= v->dims()[i];
  const int64_t size = v->dims()[axis];
  std::vector<int64_t> best(NumElements(out), -1);
  bool folded = false;
  DispatchNumeric(v->dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      auto x = v->flat<T>();
      std::vector<T> best_value(best.size());
      for (size_t i = 0; i < x.size(); ++i) {
        const int64_t k = index[i];
        const bool better = kMax ? x[i] > best_value[k] : x[i] < best_value[k];
        if (best[k] < 0 || better) {  // ties keep the first index
          best[k] = (static_cast<int64_t>(i) / inner) % size;
          best_value[k] = x[i];
        }
      }
      folded = true;
    }
  });
  if (!folded) return absl::OkStatus();
  for (size_t k = 0; k < best.size(); ++k) {
    if (out_type == tensorflow::DT_INT32) {
      result.mutable_flat<int32_t>()[k] = static_cast<int32_t>(best[k]);
    } else {
      result.mutable_flat<int64_t>()[k] = best[k];
    }
  }
  ctx.SetValue(0, std::move(result));
  return absl::OkStatus();
}

template <bool kMax>
absl::Status LegalizeArg(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto out_type, ArgOutputType(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto axis, ArgAxis(ctx));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  // The axis keeps the TF constant's form (a scalar, usually), as int32.
  const bool scalar = ctx.input_value(1)->rank() == 0;
  const int dim = ctx.Constant(Int32Tensor({axis}, scalar), "dimension");
  const tflite::TensorType lite_type =
      out_type == tensorflow::DT_INT32 ? tflite::TensorType_INT32 : tflite::TensorType_INT64;
  if constexpr (kMax) {
    tflite::ArgMaxOptionsT options;
    options.output_type = lite_type;
    ctx.Emit(tflite::BuiltinOperator_ARG_MAX, {x, dim}, {ctx.Output(0)}, MakeOptions(options));
  } else {
    tflite::ArgMinOptionsT options;
    options.output_type = lite_type;
    ctx.Emit(tflite::BuiltinOperator_ARG_MIN, {x, dim}, {ctx.Output(0)}, MakeOptions(options));
  }
  return absl::OkStatus();
}

// The output is [num_segments] + data's dimensions past segment_ids' rank
// (segment_ids' shape is a prefix of data's).
absl::Status InferUnsortedSegment(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3, 3));
  const Shape& data = ctx.input_shape(0);
  const Shape& ids = ctx.input_shape(1);
  int64_t segments = -1;
  if (const Tensor* count = ctx.input_value(2)) {
    if (count->num_elements() != 1 || count->AsInt64Vector()[0] < 0) {
      return ctx.Invalid(absl::StrCat("num_segments ", DimsToString(count->AsInt64Vector()),
                                      " is not one non-negative count"));
    }
    segments = count->AsInt64Vector()[0];
  }
  if (!data.known_rank || !ids.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  bool prefix = ids.rank() <= data.rank();
  for (int i = 0; prefix && i < ids.rank(); ++i) {
    prefix = ids.dims[i] < 0 || data.dims[i] < 0 || ids.dims[i] == data.dims[i];
  }
  if (!prefix) {
    return ctx.Invalid(absl::StrCat("segment_ids of shape ", ids.ToString(),
                                    " is not a prefix of data of shape ", data.ToString()));
  }
  Dims out = {segments};
  out.insert(out.end(), data.dims.begin() + ids.rank(), data.dims.end());
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  return absl::OkStatus();
}

// unsorted_segment.cc sizes its output at prepare only when segment_ids and
// num_segments are constant; otherwise it makes the output dynamic and sizes
// it in Eval, which the runtime does right (the generated tests judge such
// outputs through a static-shaped consumer: LiteRT's CompiledModel, the
// oracle's API, cannot return an output sized in Eval).
template <tflite::BuiltinOperator kOp>
absl::Status LegalizeUnsortedSegment(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto data, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto ids, Int32Input(ctx, 1, "segment_ids"));
  TFLCONV_ASSIGN_OR_RETURN(auto count, Int32Input(ctx, 2, "num_segments"));
  ctx.Emit(kOp, {data, ids, count}, {ctx.Output(0)});
  return absl::OkStatus();
}

// SegmentSum(data, segment_ids): sorted non-negative ids, one per row of
// data; the output has max(id) + 1 rows, those no id names zero.
absl::Status InferSegmentSum(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  const Shape& data = ctx.input_shape(0);
  if (!data.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  if (data.rank() < 1) return ctx.Invalid("data is a scalar; it must be 1-D or more");
  Dims out = data.dims;
  out[0] = -1;
  if (const Tensor* ids = ctx.input_value(1)) {
    const std::vector<int64_t> v = ids->AsInt64Vector();
    const bool sorted = std::is_sorted(v.begin(), v.end()) && (v.empty() || v[0] >= 0);
    if (!sorted || (data.dims[0] >= 0 && static_cast<int64_t>(v.size()) != data.dims[0])) {
      return ctx.Invalid(absl::StrCat("segment_ids ", DimsToString(v),
                                      " are not sorted non-negative ids, one per row of data of "
                                      "shape ", data.ToString()));
    }
    out[0] = v.empty() ? 0 : v.back() + 1;
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  return absl::OkStatus();
}

// UNSORTED_SEGMENT_SUM over max + 1 segments, not SEGMENT_SUM: segment_sum.cc
// refuses ids that do not start at 0 or that skip one (TensorFlow fills the
// rows no id names with zeros), and sizes its output only in Eval whenever
// data is computed, where the unsorted kernel sizes it at prepare from the
// constant ids and count. Computed ids stay Flex: the count, max(id) + 1,
// would have to be computed too.
absl::Status LegalizeSegmentSum(LegalizeContext& ctx) {
  const Tensor* ids_value = ctx.input_value(1);
  if (ids_value == nullptr) {
    return ctx.Unsupported("SegmentSum of segment_ids computed at run time");
  }
  const std::vector<int64_t> v = ids_value->AsInt64Vector();
  TFLCONV_ASSIGN_OR_RETURN(auto data, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto ids, Int32Input(ctx, 1, "segment_ids"));
  const int count =
      ctx.Constant(Int32Tensor({v.empty() ? 0 : v.back() + 1}, /*as_scalar=*/true), "num_segments");
  ctx.Emit(tflite::BuiltinOperator_UNSORTED_SEGMENT_SUM, {data, ids, count}, {ctx.Output(0)});
  return absl::OkStatus();
}

}  // namespace

void RegisterReductionRules(RuleRegistry& registry) {
  using B = tflite::BuiltinOperator;
  registry.Add("Mean", {InferReduce<Reducer::kMean>, LegalizeReduce<B::BuiltinOperator_MEAN>});
  registry.Add("Sum", {InferReduce<Reducer::kSum>, LegalizeReduce<B::BuiltinOperator_SUM>});
  registry.Add("Max",
               {InferReduce<Reducer::kMax>, LegalizeReduce<B::BuiltinOperator_REDUCE_MAX>});
  registry.Add("Min",
               {InferReduce<Reducer::kMin>, LegalizeReduce<B::BuiltinOperator_REDUCE_MIN>});
  registry.Add("Prod",
               {InferReduce<Reducer::kProd>, LegalizeReduce<B::BuiltinOperator_REDUCE_PROD>});
  // Any and All are Max and Min over bools (not folded: the fold kernels
  // skip bool).
  registry.Add("Any", {InferReduce<Reducer::kMax>, LegalizeReduce<B::BuiltinOperator_REDUCE_ANY>});
  registry.Add("All", {InferReduce<Reducer::kMin>, LegalizeReduce<B::BuiltinOperator_REDUCE_ALL>});
  registry.Add("ArgMax", {InferArg<true>, LegalizeArg<true>});
  registry.Add("ArgMin", {InferArg<false>, LegalizeArg<false>});
  registry.Add("SegmentSum", {InferSegmentSum, LegalizeSegmentSum});
  registry.Add("UnsortedSegmentSum",
               {InferUnsortedSegment,
                LegalizeUnsortedSegment<B::BuiltinOperator_UNSORTED_SEGMENT_SUM>});
  registry.Add("UnsortedSegmentMax",
               {InferUnsortedSegment,
                LegalizeUnsortedSegment<B::BuiltinOperator_UNSORTED_SEGMENT_MAX>});
  registry.Add("UnsortedSegmentMin",
               {InferUnsortedSegment,
                LegalizeUnsortedSegment<B::BuiltinOperator_UNSORTED_SEGMENT_MIN>});
  registry.Add("UnsortedSegmentProd",
               {InferUnsortedSegment,
                LegalizeUnsortedSegment<B::BuiltinOperator_UNSORTED_SEGMENT_PROD>});
}

}  // namespace tflconv
