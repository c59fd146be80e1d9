// Convolutions, fully-connected matmuls, bias, batch norm and pooling,
// including grappler's fused forms (_FusedConv2D, FusedDepthwiseConv2dNative,
// _FusedMatMul) that TensorFlow.js exports carry.
//
// Filters are laid out as TFLite kernels want them: CONV_2D takes OHWI
// (TF's HWIO transposed), DEPTHWISE_CONV_2D takes [1, H, W, C*M] (TF's
// [H, W, C, M] reshaped), FULLY_CONNECTED takes [out, in]; a computed
// convolution filter is given that layout at run time. NCHW graphs get
// a TRANSPOSE to NHWC before the op and back after it, as the official
// converter inserts.
#include "absl/strings/str_cat.h"
#include "core/legalize/conv_util.h"
#include "core/legalize/matmul_util.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

enum class ConvKind { kConv2D, kDepthwise };

// TensorFlow's checks on a filter [H, W, in, out|multiplier]: no zero
// dims, and input depth a multiple of the filter's (equal for depthwise).
absl::Status CheckFilter(const InferContext& ctx, int64_t in_depth, const Shape& filter,
                         ConvKind kind) {
  for (int64_t d : filter.dims) {
    if (d == 0) return ctx.Invalid(absl::StrCat("filter of shape ", filter.ToString(),
                                                " has no elements"));
  }
  const int64_t filter_depth = filter.dims[2];
  if (in_depth < 0 || filter_depth < 0) return absl::OkStatus();
  const bool fits = kind == ConvKind::kDepthwise ? in_depth == filter_depth
                                                 : in_depth % filter_depth == 0;
  if (!fits) {
    return ctx.Invalid(absl::StrCat("input depth ", in_depth, " does not match the filter ",
                                    filter.ToString()));
  }
  return absl::OkStatus();
}

absl::Status InferConv(InferContext& ctx, ConvKind kind) {
  if (ctx.num_inputs() < 2) return ctx.Invalid("expects input and filter");
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow(ctx.node(), /*with_ksize=*/false));
  const Shape& in = ctx.input_shape(0);
  const Shape& filter = ctx.input_shape(1);
  if (in.known_rank && in.rank() != 4) return ctx.Invalid("input must be 4-D");
  if (filter.known_rank && filter.rank() != 4) return ctx.Invalid("filter must be 4-D");
  if (!in.known_rank || !filter.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of({-1, -1, -1, -1}));
    return absl::OkStatus();
  }
  const Shape nhwc = window.nchw ? ToNhwc(in) : in;
  TFLCONV_RETURN_IF_ERROR(CheckFilter(ctx, nhwc.dims[3], filter, kind));
  const int64_t channels = kind == ConvKind::kConv2D
                               ? filter.dims[3]
                               : (nhwc.dims[3] < 0 ? -1 : nhwc.dims[3] * filter.dims[3]);
  Shape out = Shape::Of(
      {nhwc.dims[0],
       WindowOutput(nhwc.dims[1], filter.dims[0], window.stride_h, window.dilation_h,
                    window.padding),
       WindowOutput(nhwc.dims[2], filter.dims[1], window.stride_w, window.dilation_w,
                    window.padding),
       channels});
  ctx.SetOutput(0, ctx.input_dtype(0), window.nchw ? ToNchw(out) : out);
  return absl::OkStatus();
}

absl::Status InferConv2D(InferContext& ctx) { return InferConv(ctx, ConvKind::kConv2D); }
absl::Status InferDepthwise(InferContext& ctx) { return InferConv(ctx, ConvKind::kDepthwise); }

// What follows the matmul or convolution in a fused node, read from its
// "fused_ops" attribute; plain nodes have none.
struct Epilogue {
  bool bias_add = false;
  bool batch_norm = false;
  std::string activation;  // "" or a TF activation op name
};

absl::StatusOr<Epilogue> ReadEpilogue(const Node& node) {
  Epilogue e;
  const tensorflow::AttrValue* fused = FindAttr(node, "fused_ops");
  if (fused == nullptr) return e;
  const auto& ops = fused->list().s();
  for (int i = 0; i < ops.size(); ++i) {
    const std::string& op = ops[i];
    if (i == 0 && op == "BiasAdd") {
      e.bias_add = true;
    } else if (i == 0 && (op == "FusedBatchNorm" || op == "FusedBatchNormV3")) {
      e.batch_norm = true;
    } else if (i == ops.size() - 1 && e.activation.empty() &&
               (op == "Relu" || op == "Relu6" || op == "Elu" || op == "LeakyRelu" ||
                op == "Sigmoid" || op == "Tanh" || op == "Prelu")) {
      e.activation = op;
    } else {
      return NodeInvalid(node, absl::StrCat("unsupported fused_ops entry '", op, "'"));
    }
  }
  return e;
}

// The bias and per-output-channel weight scale an epilogue contributes:
// BiasAdd gives a bias, a folded batch norm gives both.
struct EpilogueConstants {
  std::vector<float> bias;   // empty: zeros
  std::vector<float> scale;  // empty: ones
};

absl::StatusOr<EpilogueConstants> ReadEpilogueConstants(const LegalizeContext& ctx,
                                                        const Epilogue& e, int first_arg) {
  EpilogueConstants c;
  if (e.bias_add) {
    TFLCONV_ASSIGN_OR_RETURN(auto bias, ConstantFloats(ctx, first_arg, "bias"));
    c.bias = std::move(bias);
  } else if (e.batch_norm) {
    TFLCONV_ASSIGN_OR_RETURN(auto epsilon, GetFloatAttr(ctx.node(), "epsilon", 0.0001f));
    TFLCONV_ASSIGN_OR_RETURN(auto affine, FoldBatchNorm(ctx, first_arg, epsilon));
    c.bias = std::move(affine.offset);
    c.scale = std::move(affine.scale);
  }
  return c;
}

// Emits `op` producing output 0: through NHWC transposes for NCHW graphs
// and through a separate activation when it cannot be fused.
absl::Status EmitWithEpilogue(LegalizeContext& ctx, tflite::BuiltinOperator op, int x,
                              std::vector<int> weights, bool nchw, const std::string& activation,
                              tflite::BuiltinOptionsUnion options,
                              tflite::ActivationFunctionType* fused_slot) {
  const DataType dtype = ctx.output(0).dtype;
  const Shape out_shape = nchw ? ToNhwc(ctx.output(0).shape) : ctx.output(0).shape;
  if (nchw) {
    x = EmitTranspose(ctx, x, {0, 2, 3, 1}, dtype, ToNhwc(ctx.input_shape(0)), "input_nhwc");
  }
  const auto fusable = FusableActivation(activation);
  if (fusable) *fused_slot = *fusable;
  const bool separate_activation = !activation.empty() && !fusable;
  int result = (nchw || separate_activation) ? ctx.Intermediate(dtype, out_shape, "nhwc")
                                             : ctx.Output(0);
  weights.insert(weights.begin(), x);
  ctx.Emit(op, std::move(weights), {result}, std::move(options));
  if (separate_activation) {
    const int activated = nchw ? ctx.Intermediate(dtype, out_shape, "activation") : ctx.Output(0);
    // A fused Prelu's alpha is the argument after the bias.
    constexpr int kPreluAlphaInput = 3;
    TFLCONV_RETURN_IF_ERROR(EmitActivation(ctx, activation, result, activated, kPreluAlphaInput));
    result = activated;
  }
  if (nchw) EmitTransposeInto(ctx, result, {0, 3, 1, 2}, ctx.Output(0), "output_nchw");
  return absl::OkStatus();
}

// The filter's [H, W, in, out|multiplier] dims: a constant float32 filter's,
// or the known shape of a computed one (a loop's or a cond's weights that
// reach the convolution through Enter or Switch, weights a graph scales at
// run time).
absl::StatusOr<Dims> FilterDims(const LegalizeContext& ctx) {
  if (const Tensor* filter = ctx.input_value(1)) {
    if (filter->dtype() != tensorflow::DT_FLOAT) {
      return NodeInvalid(ctx.node(), absl::StrCat("filter dtype ", DataTypeName(filter->dtype()),
                                                  " is not supported (float32)"));
    }
    if (filter->rank() != 4) return NodeInvalid(ctx.node(), "filter must be 4-D");
    return filter->dims();
  }
  const OutputInfo& computed = ctx.input(1);
  if (computed.dtype != tensorflow::DT_FLOAT || !computed.shape.fully_defined() ||
      computed.shape.rank() != 4) {
    return ctx.Unsupported(absl::StrCat("a computed filter (input 1) of dtype ",
                                        DataTypeName(computed.dtype), " and shape ",
                                        computed.shape.ToString(),
                                        " (float32 of a known 4-D shape only)"));
  }
  return computed.shape.dims;
}

// A computed filter laid out as the kernel reads it at run time: TRANSPOSE
// HWIO -> OHWI for CONV_2D, RESHAPE to [1, H, W, C*M] for DEPTHWISE_CONV_2D
// (CONV_2D's kernel takes a filter that changes between runs; it then skips
// its multithreaded path, which caches the transposed weights).
absl::StatusOr<int> EmitComputedFilter(LegalizeContext& ctx, ConvKind kind,
                                       const Dims& stored_dims) {
  TFLCONV_ASSIGN_OR_RETURN(auto filter, ctx.Input(1));
  if (kind == ConvKind::kConv2D) {
    return EmitTranspose(ctx, filter, {3, 0, 1, 2}, tensorflow::DT_FLOAT,
                         Shape::Of(stored_dims), "filter_ohwi");
  }
  const int reshaped = ctx.Intermediate(tensorflow::DT_FLOAT, Shape::Of(stored_dims),
                                        "filter_1hwc");
  tflite::ReshapeOptionsT options;
  options.new_shape.assign(stored_dims.begin(), stored_dims.end());
  ctx.Emit(tflite::BuiltinOperator_RESHAPE,
           {filter, ctx.Constant(Int32Tensor(stored_dims), "filter_1hwc/shape")}, {reshaped},
           MakeOptions(options));
  return reshaped;
}

absl::Status LegalizeConv(LegalizeContext& ctx, ConvKind kind) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow(ctx.node(), /*with_ksize=*/false));
  TFLCONV_ASSIGN_OR_RETURN(auto epilogue, ReadEpilogue(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto constants, ReadEpilogueConstants(ctx, epilogue, 2));
  TFLCONV_ASSIGN_OR_RETURN(const Dims f, FilterDims(ctx));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));

  // The filter's layout change and a fused batch norm's scale are left to
  // the exporter, which applies them while writing the weights.
  Dims stored_dims;
  WeightTransform layout;
  int64_t out_channels;
  tflite::BuiltinOperator op;
  tflite::BuiltinOptionsUnion options;
  tflite::ActivationFunctionType* activation_slot;
  if (kind == ConvKind::kConv2D) {
    // HWIO -> OHWI is the transpose of the [H*W*I, O] matrix.
    out_channels = f[3];
    stored_dims = {f[3], f[0], f[1], f[2]};
    layout.transpose_rows = f[0] * f[1] * f[2];
    layout.transpose_cols = f[3];
    layout.channel_stride = layout.transpose_rows;
    tflite::Conv2DOptionsT conv;
    conv.padding = window.padding;
    conv.stride_w = window.stride_w;
    conv.stride_h = window.stride_h;
    conv.dilation_w_factor = window.dilation_w;
    conv.dilation_h_factor = window.dilation_h;
    op = tflite::BuiltinOperator_CONV_2D;
    options = MakeOptions(conv);
    activation_slot = &options.AsConv2DOptions()->fused_activation_function;
  } else {
    // [H, W, C, M] and [1, H, W, C*M] have the same memory order.
    out_channels = f[2] * f[3];
    stored_dims = {1, f[0], f[1], out_channels};
    tflite::DepthwiseConv2DOptionsT dw;
    dw.padding = window.padding;
    dw.stride_w = window.stride_w;
    dw.stride_h = window.stride_h;
    dw.depth_multiplier = static_cast<int32_t>(f[3]);
    dw.dilation_w_factor = window.dilation_w;
    dw.dilation_h_factor = window.dilation_h;
    op = tflite::BuiltinOperator_DEPTHWISE_CONV_2D;
    options = MakeOptions(dw);
    activation_slot = &options.AsDepthwiseConv2DOptions()->fused_activation_function;
  }
  if (!constants.scale.empty()) {
    if (static_cast<int64_t>(constants.scale.size()) != out_channels) {
      return NodeInvalid(ctx.node(), absl::StrCat("batch norm has ", constants.scale.size(),
                                                  " channels, the filter ", out_channels));
    }
    layout.channel_scale = constants.scale;
  }
  std::vector<float> bias = constants.bias;
  if (bias.empty()) bias.assign(out_channels, 0.0f);
  if (static_cast<int64_t>(bias.size()) != out_channels) {
    return ctx.Unsupported(absl::StrCat("bias of ", bias.size(), " values for ", out_channels,
                                        " output channels"));
  }
  int filter_tensor;
  if (const Tensor* filter = ctx.input_value(1)) {
    filter_tensor = ctx.Weights(*filter, stored_dims, std::move(layout), "filter");
  } else if (!layout.channel_scale.empty()) {
    return ctx.Unsupported("a computed filter (input 1) with a fused batch norm");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(filter_tensor, EmitComputedFilter(ctx, kind, stored_dims));
  }
  const int bias_tensor = ctx.Constant(FloatTensor(bias), "bias");
  return EmitWithEpilogue(ctx, op, x, {filter_tensor, bias_tensor}, window.nchw,
                          epilogue.activation, std::move(options), activation_slot);
}

absl::Status LegalizeConv2D(LegalizeContext& ctx) { return LegalizeConv(ctx, ConvKind::kConv2D); }
absl::Status LegalizeDepthwise(LegalizeContext& ctx) {
  return LegalizeConv(ctx, ConvKind::kDepthwise);
}

absl::Status InferMatMul(InferContext& ctx) {
  if (ctx.num_inputs() < 2) return ctx.Invalid("expects two inputs");
  TFLCONV_ASSIGN_OR_RETURN(const bool ta, GetBoolAttr(ctx.node(), "transpose_a", false));
  TFLCONV_ASSIGN_OR_RETURN(const bool tb, GetBoolAttr(ctx.node(), "transpose_b", false));
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if ((a.known_rank && a.rank() != 2) || (b.known_rank && b.rank() != 2)) {
    return ctx.Invalid("MatMul inputs must be 2-D");
  }
  const int64_t m = a.known_rank ? a.dims[ta ? 1 : 0] : -1;
  const int64_t n = b.known_rank ? b.dims[tb ? 0 : 1] : -1;
  const int64_t ka = a.known_rank ? a.dims[ta ? 0 : 1] : -1;
  const int64_t kb = b.known_rank ? b.dims[tb ? 1 : 0] : -1;
  if (ka >= 0 && kb >= 0 && ka != kb) {
    return ctx.Invalid(absl::StrCat("inner dimensions differ (", ka, " and ", kb, ") for shapes ",
                                    a.ToString(), " and ", b.ToString()));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of({m, n}));
  return absl::OkStatus();
}

// A constant float right-hand side becomes FULLY_CONNECTED (weights
// [out, in]); a computed one becomes BATCH_MATMUL; integer products become
// MUL + SUM (matmul_util.h).
absl::Status LegalizeMatMul(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(const bool ta, GetBoolAttr(ctx.node(), "transpose_a", false));
  TFLCONV_ASSIGN_OR_RETURN(const bool tb, GetBoolAttr(ctx.node(), "transpose_b", false));
  TFLCONV_ASSIGN_OR_RETURN(auto epilogue, ReadEpilogue(ctx.node()));
  if (epilogue.batch_norm) return ctx.Unsupported("batch norm fused into a matmul");
  TFLCONV_ASSIGN_OR_RETURN(auto constants, ReadEpilogueConstants(ctx, epilogue, 2));
  TFLCONV_ASSIGN_OR_RETURN(auto a, ctx.Input(0));
  const DataType dtype = ctx.output(0).dtype;
  if (!BatchMatMulComputes(dtype)) {
    if (!constants.bias.empty() || !epilogue.activation.empty()) {
      return ctx.Unsupported(absl::StrCat("a fused bias or activation on a ", DataTypeName(dtype),
                                          " matmul"));
    }
    TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
    return EmitProductSum(ctx, a, b, ta, tb);
  }
  if (ta) {
    const Shape& s = ctx.input_shape(0);
    a = EmitTranspose(ctx, a, {1, 0}, dtype,
                       s.known_rank ? Shape::Of({s.dims[1], s.dims[0]}) : Shape::Unknown(),
                       "transpose_a");
  }
  const Tensor* b_value = ctx.input_value(1);
  if (b_value == nullptr || b_value->dtype() != tensorflow::DT_FLOAT) {
    if (!constants.bias.empty() || !epilogue.activation.empty()) {
      return ctx.Unsupported("a fused bias or activation on a matmul of two computed tensors");
    }
    TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
    tflite::BatchMatMulOptionsT options;
    options.adj_y = tb;
    ctx.Emit(tflite::BuiltinOperator_BATCH_MATMUL, {a, b}, {ctx.Output(0)},
             MakeOptions(options));
    return absl::OkStatus();
  }
  // [in, out] -> [out, in] is left to the exporter, like conv filters.
  const Dims& bd = b_value->dims();
  const int64_t out_size = tb ? bd[0] : bd[1];
  WeightTransform layout;
  if (!tb) {
    layout.transpose_rows = bd[0];
    layout.transpose_cols = bd[1];
  }
  const int weights_tensor =
      ctx.Weights(*b_value, {out_size, tb ? bd[1] : bd[0]}, std::move(layout), "weights");
  int bias_tensor = -1;
  if (!constants.bias.empty()) {
    if (static_cast<int64_t>(constants.bias.size()) != out_size) {
      return ctx.Unsupported("bias length differs from the matmul's output size");
    }
    bias_tensor = ctx.Constant(FloatTensor(constants.bias), "bias");
  }
  tflite::BuiltinOptionsUnion options = MakeOptions(tflite::FullyConnectedOptionsT{});
  auto* activation_slot = &options.AsFullyConnectedOptions()->fused_activation_function;
  return EmitWithEpilogue(ctx, tflite::BuiltinOperator_FULLY_CONNECTED, a,
                          {weights_tensor, bias_tensor}, /*nchw=*/false, epilogue.activation,
                          std::move(options), activation_slot);
}

absl::Status InferBiasAdd(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

// The per-channel constant of BiasAdd / batch norm shaped to broadcast
// against the data: [C] for NHWC, [C, 1, 1] for NCHW.
Tensor ChannelConstant(const std::vector<float>& values, bool nchw, int rank) {
  Tensor t = FloatTensor(values);
  if (!nchw || rank < 3) return t;
  Dims dims = {static_cast<int64_t>(values.size())};
  for (int i = 2; i < rank; ++i) dims.push_back(1);
  return t.Reshaped(dims);
}

absl::Status LegalizeBiasAdd(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto format, GetStringAttr(ctx.node(), "data_format", "NHWC"));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  int bias;
  if (format == "NCHW" && ctx.input_value(1) != nullptr) {
    TFLCONV_ASSIGN_OR_RETURN(auto values, ConstantFloats(ctx, 1, "bias"));
    bias = ctx.Constant(ChannelConstant(values, true, ctx.input_shape(0).rank()), "bias");
  } else if (format == "NHWC") {
    TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
    bias = b;
  } else {
    return ctx.Unsupported(absl::StrCat("data_format '", format, "' with a computed bias"));
  }
  ctx.Emit(tflite::BuiltinOperator_ADD, {x, bias}, {ctx.Output(0)},
           MakeOptions(tflite::AddOptionsT{}));
  return absl::OkStatus();
}

absl::Status InferFusedBatchNorm(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(5));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  const int extra_outputs = ctx.node().op == "FusedBatchNormV3" ? 5 : 4;
  for (int i = 1; i <= extra_outputs; ++i) {
    ctx.SetOutput(i, tensorflow::DT_FLOAT, ctx.input_shape(1));
  }
  return absl::OkStatus();
}

// Inference batch norm: y = x * scale + offset, which the Lite optimizer
// then folds into the preceding convolution or matmul when there is one.
absl::Status LegalizeFusedBatchNorm(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto training, GetBoolAttr(ctx.node(), "is_training", true));
  if (training) {
    return ctx.Unsupported("is_training=true (freeze the graph for inference)");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto format, GetStringAttr(ctx.node(), "data_format", "NHWC"));
  TFLCONV_ASSIGN_OR_RETURN(auto epsilon, GetFloatAttr(ctx.node(), "epsilon", 0.0001f));
  TFLCONV_ASSIGN_OR_RETURN(auto affine, FoldBatchNorm(ctx, 1, epsilon));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  const bool nchw = format == "NCHW";
  const int rank = ctx.input_shape(0).rank();
  const int scale = ctx.Constant(ChannelConstant(affine.scale, nchw, rank), "scale");
  const int offset = ctx.Constant(ChannelConstant(affine.offset, nchw, rank), "offset");
  const int scaled = ctx.Intermediate(ctx.output(0).dtype, ctx.output(0).shape, "scaled");
  ctx.Emit(tflite::BuiltinOperator_MUL, {x, scale}, {scaled}, MakeOptions(tflite::MulOptionsT{}));
  ctx.Emit(tflite::BuiltinOperator_ADD, {scaled, offset}, {ctx.Output(0)},
           MakeOptions(tflite::AddOptionsT{}));
  return absl::OkStatus();
}

absl::Status InferPool(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow(ctx.node(), /*with_ksize=*/true));
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of({-1, -1, -1, -1}));
    return absl::OkStatus();
  }
  if (in.rank() != 4) return ctx.Invalid("input must be 4-D");
  const Shape nhwc = window.nchw ? ToNhwc(in) : in;
  Shape out = Shape::Of(
      {nhwc.dims[0],
       WindowOutput(nhwc.dims[1], window.kernel_h, window.stride_h, 1, window.padding),
       WindowOutput(nhwc.dims[2], window.kernel_w, window.stride_w, 1, window.padding),
       nhwc.dims[3]});
  ctx.SetOutput(0, ctx.input_dtype(0), window.nchw ? ToNchw(out) : out);
  return absl::OkStatus();
}

template <tflite::BuiltinOperator kOp>
absl::Status LegalizePool(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow(ctx.node(), /*with_ksize=*/true));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  tflite::Pool2DOptionsT pool;
  pool.padding = window.padding;
  pool.stride_w = window.stride_w;
  pool.stride_h = window.stride_h;
  pool.filter_width = window.kernel_w;
  pool.filter_height = window.kernel_h;
  tflite::BuiltinOptionsUnion options = MakeOptions(pool);
  auto* activation_slot = &options.AsPool2DOptions()->fused_activation_function;
  return EmitWithEpilogue(ctx, kOp, x, {}, window.nchw, "", std::move(options),
                          activation_slot);
}

}  // namespace

void RegisterNnRules(RuleRegistry& registry) {
  registry.Add("Conv2D", {InferConv2D, LegalizeConv2D});
  registry.Add("_FusedConv2D", {InferConv2D, LegalizeConv2D});
  registry.Add("DepthwiseConv2dNative", {InferDepthwise, LegalizeDepthwise});
  registry.Add("FusedDepthwiseConv2dNative", {InferDepthwise, LegalizeDepthwise});
  registry.Add("_FusedDepthwiseConv2dNative", {InferDepthwise, LegalizeDepthwise});
  registry.Add("MatMul", {InferMatMul, LegalizeMatMul});
  registry.Add("_FusedMatMul", {InferMatMul, LegalizeMatMul});
  registry.Add("BiasAdd", {InferBiasAdd, LegalizeBiasAdd});
  registry.Add("BiasAddV1", {InferBiasAdd, LegalizeBiasAdd});
  for (const char* op : {"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"}) {
    registry.Add(op, {InferFusedBatchNorm, LegalizeFusedBatchNorm});
  }
  registry.Add("MaxPool", {InferPool, LegalizePool<tflite::BuiltinOperator_MAX_POOL_2D>});
  registry.Add("AvgPool", {InferPool, LegalizePool<tflite::BuiltinOperator_AVERAGE_POOL_2D>});
}

}  // namespace tflconv
