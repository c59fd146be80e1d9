// Joining and splitting along an axis: ConcatV2 -> CONCATENATION, Pack ->
// PACK (bool values, which its kernel lacks, become EXPAND_DIMS of each
// value and a CONCATENATION), Split -> SPLIT, SplitV -> SPLIT_V (bool values
// become one SLICE per piece), Unpack -> UNPACK.
// Each folds when its inputs are constant.
#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/lite/kernel_contract.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

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

// What SPLIT and SPLIT_V share: the value, split_dim as an int32 scalar
// constant (made non-negative when the rank is known) and the num_split
// outputs.
struct SplitOperands {
  int value;
  int axis;
  std::vector<int> outputs;
};

absl::StatusOr<SplitOperands> ReadSplitOperands(LegalizeContext& ctx, int value_input,
                                                int axis_input) {
  TFLCONV_ASSIGN_OR_RETURN(const int64_t num, GetIntAttr(ctx.node(), "num_split"));
  TFLCONV_ASSIGN_OR_RETURN(int64_t axis, ConstantScalar(ctx, axis_input, "split_dim"));
  const int rank = ctx.input_shape(value_input).rank();
  if (axis < 0 && rank >= 0) axis += rank;
  SplitOperands split;
  TFLCONV_ASSIGN_OR_RETURN(split.value, ctx.Input(value_input));
  split.axis = ctx.Constant(Int32Tensor({axis}, /*as_scalar=*/true), "split_dim");
  for (int k = 0; k < num; ++k) split.outputs.push_back(ctx.Output(k));
  return split;
}

// SPLIT's and SPLIT_V's kernels have no bool (split.cc, split_v.cc); SLICE's
// has: a value of such a dtype becomes one SLICE per output, which needs the
// value's rank and every output's size along the axis.
absl::StatusOr<bool> SplitTakes(LegalizeContext& ctx, tflite::BuiltinOperator op, int data_input,
                                int value_input) {
  auto type = ToLiteType(ctx.input(value_input).dtype);
  if (!type.ok()) return NodeInvalid(ctx.node(), type.status().message());
  return KernelTakes(op, data_input, *type);
}

absl::Status EmitSlices(LegalizeContext& ctx, int value_input, int axis_input) {
  TFLCONV_ASSIGN_OR_RETURN(int64_t axis, ConstantScalar(ctx, axis_input, "split_dim"));
  const Shape& in = ctx.input_shape(value_input);
  const DataType dtype = ctx.input(value_input).dtype;
  if (!in.known_rank) {
    return ctx.Unsupported(absl::StrCat("split of ", DataTypeName(dtype), " of unknown rank"));
  }
  if (axis < 0) axis += in.rank();
  TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.Input(value_input));
  std::vector<int64_t> begin(in.rank(), 0), size(in.rank(), -1);
  for (int k = 0; k < static_cast<int>(ctx.node().outputs.size()); ++k) {
    size[axis] = ctx.output(k).shape.known_rank ? ctx.output(k).shape.dims[axis] : -1;
    if (size[axis] < 0) {
      return ctx.Unsupported(absl::StrCat("split of ", DataTypeName(dtype),
                                          " into pieces of unknown size"));
    }
    ctx.Emit(tflite::BuiltinOperator_SLICE,
             {value, ctx.Constant(Int32Tensor(begin), absl::StrCat("begin_", k)),
              ctx.Constant(Int32Tensor(size), absl::StrCat("size_", k))},
             {ctx.Output(k)}, MakeOptions(tflite::SliceOptionsT{}));
    begin[axis] += size[axis];
  }
  return absl::OkStatus();
}

absl::Status LegalizeSplit(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(bool takes, SplitTakes(ctx, tflite::BuiltinOperator_SPLIT, 1, 1));
  if (!takes) return EmitSlices(ctx, 1, 0);
  TFLCONV_ASSIGN_OR_RETURN(SplitOperands split, ReadSplitOperands(ctx, 1, 0));
  tflite::SplitOptionsT options;
  options.num_splits = static_cast<int32_t>(split.outputs.size());
  ctx.Emit(tflite::BuiltinOperator_SPLIT, {split.axis, split.value}, std::move(split.outputs),
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
  TFLCONV_ASSIGN_OR_RETURN(bool takes, SplitTakes(ctx, tflite::BuiltinOperator_SPLIT_V, 0, 0));
  if (!takes) return EmitSlices(ctx, 0, 2);
  TFLCONV_ASSIGN_OR_RETURN(SplitOperands split, ReadSplitOperands(ctx, 0, 2));
  TFLCONV_ASSIGN_OR_RETURN(const int sizes, Int32Input(ctx, 1, "size_splits"));
  tflite::SplitVOptionsT options;
  options.num_splits = static_cast<int32_t>(split.outputs.size());
  ctx.Emit(tflite::BuiltinOperator_SPLIT_V, {split.value, sizes, split.axis},
           std::move(split.outputs), MakeOptions(options));
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

}  // namespace

void RegisterJoinSplitRules(RuleRegistry& registry) {
  registry.Add("ConcatV2", {InferConcat, LegalizeConcat});
  registry.Add("Pack", {InferPack, LegalizePack});
  registry.Add("Unpack", {InferUnpack, LegalizeUnpack});
  registry.Add("Split", {InferSplit, LegalizeSplit});
  registry.Add("SplitV", {InferSplitV, LegalizeSplitV});
}

}  // namespace tflconv
