#include "core/legalize/conv_util.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {

absl::StatusOr<tflite::Padding> ReadPadding(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto padding, GetStringAttr(node, "padding"));
  if (padding == "SAME") return tflite::Padding_SAME;
  if (padding == "VALID") return tflite::Padding_VALID;
  return NodeInvalid(node, absl::StrCat("padding '", padding,
                                        "' is not supported (SAME or VALID)"));
}

absl::StatusOr<bool> ReadChannelsFirst(const Node& node, const char* channels_last,
                                       const char* channels_first) {
  TFLCONV_ASSIGN_OR_RETURN(auto format, GetStringAttr(node, "data_format", channels_last));
  if (format != channels_last && format != channels_first) {
    return NodeInvalid(node, absl::StrCat("data_format '", format, "' is not supported (",
                                          channels_last, " or ", channels_first, ")"));
  }
  return format == channels_first;
}

absl::Status ReadSpatialAttr(const Node& node, const char* name, bool channels_first,
                             bool defaults_to_ones, absl::Span<int> spatial) {
  const size_t rank = spatial.size() + 2;
  std::optional<std::vector<int64_t>> fallback;
  if (defaults_to_ones) fallback = std::vector<int64_t>(rank, 1);
  TFLCONV_ASSIGN_OR_RETURN(auto values, GetIntListAttr(node, name, fallback));
  if (values.size() != rank) {
    return NodeInvalid(node, absl::StrCat("attribute '", name, "' must have ", rank,
                                          " values, has ", DimsToString(values)));
  }
  const size_t channel = channels_first ? 1 : rank - 1;
  if (values[0] != 1 || values[channel] != 1) {
    return NodeInvalid(node, absl::StrCat("attribute '", name,
                                          "' must be 1 in the batch and channel dims, is ",
                                          DimsToString(values)));
  }
  // TFLite keeps these in int32 option fields and divides by them.
  const size_t first = channels_first ? 2 : 1;
  for (size_t k = 0; k < spatial.size(); ++k) {
    const int64_t v = values[first + k];
    if (v < 1 || v > std::numeric_limits<int32_t>::max()) {
      return NodeInvalid(node, absl::StrCat("attribute '", name, "' value ", v, " at index ",
                                            first + k, " is out of range [1, ",
                                            std::numeric_limits<int32_t>::max(), "]"));
    }
    spatial[k] = static_cast<int>(v);
  }
  return absl::OkStatus();
}

absl::StatusOr<Window> ReadWindow(const Node& node, bool with_ksize) {
  Window w;
  TFLCONV_ASSIGN_OR_RETURN(w.nchw, ReadChannelsFirst(node, "NHWC", "NCHW"));
  TFLCONV_ASSIGN_OR_RETURN(w.padding, ReadPadding(node));
  int hw[2];
  TFLCONV_RETURN_IF_ERROR(ReadSpatialAttr(node, "strides", w.nchw, true, hw));
  w.stride_h = hw[0];
  w.stride_w = hw[1];
  TFLCONV_RETURN_IF_ERROR(ReadSpatialAttr(node, "dilations", w.nchw, true, hw));
  w.dilation_h = hw[0];
  w.dilation_w = hw[1];
  if (with_ksize) {
    TFLCONV_RETURN_IF_ERROR(ReadSpatialAttr(node, "ksize", w.nchw, false, hw));
    w.kernel_h = hw[0];
    w.kernel_w = hw[1];
  }
  return w;
}

int64_t WindowOutput(int64_t in, int64_t kernel, int stride, int dilation,
                     tflite::Padding padding) {
  if (in < 0 || kernel < 0) return -1;
  if (padding == tflite::Padding_SAME) return (in + stride - 1) / stride;
  const int64_t effective = (kernel - 1) * dilation + 1;
  return std::max<int64_t>(0, (in - effective + stride) / stride);
}

Shape ToNhwc(const Shape& s) {
  if (s.rank() != 4) return s;
  return Shape::Of({s.dims[0], s.dims[2], s.dims[3], s.dims[1]});
}

Shape ToNchw(const Shape& s) {
  if (s.rank() != 4) return s;
  return Shape::Of({s.dims[0], s.dims[3], s.dims[1], s.dims[2]});
}

void EmitTransposeInto(LegalizeContext& ctx, int x, const std::vector<int>& perm, int out,
                       absl::string_view suffix) {
  std::vector<int64_t> perm64(perm.begin(), perm.end());
  const int perm_tensor = ctx.Constant(Int32Tensor(perm64), absl::StrCat(suffix, "/perm"));
  ctx.Emit(tflite::BuiltinOperator_TRANSPOSE, {x, perm_tensor}, {out},
           MakeOptions(tflite::TransposeOptionsT{}));
}

int EmitTranspose(LegalizeContext& ctx, int x, const std::vector<int>& perm,
                  DataType dtype, const Shape& out_shape, absl::string_view suffix) {
  const int out = ctx.Intermediate(dtype, out_shape, suffix);
  EmitTransposeInto(ctx, x, perm, out, suffix);
  return out;
}

std::optional<tflite::ActivationFunctionType> FusableActivation(absl::string_view tf_op) {
  if (tf_op == "Relu") return tflite::ActivationFunctionType_RELU;
  if (tf_op == "Relu6") return tflite::ActivationFunctionType_RELU6;
  if (tf_op == "ReluN1To1") return tflite::ActivationFunctionType_RELU_N1_TO_1;
  return std::nullopt;
}

absl::Status EmitActivation(LegalizeContext& ctx, absl::string_view tf_op, int x, int out,
                            int alpha_input) {
  tflite::BuiltinOptionsUnion options;
  if (tf_op == "Prelu") {
    TFLCONV_ASSIGN_OR_RETURN(auto alpha, ctx.Input(alpha_input));
    ctx.Emit(tflite::BuiltinOperator_PRELU, {x, alpha}, {out});
    return absl::OkStatus();
  }
  tflite::BuiltinOperator op;
  if (tf_op == "Relu") {
    op = tflite::BuiltinOperator_RELU;
  } else if (tf_op == "Relu6") {
    op = tflite::BuiltinOperator_RELU6;
  } else if (tf_op == "Elu") {
    op = tflite::BuiltinOperator_ELU;
  } else if (tf_op == "Sigmoid") {
    op = tflite::BuiltinOperator_LOGISTIC;
  } else if (tf_op == "Tanh") {
    op = tflite::BuiltinOperator_TANH;
  } else if (tf_op == "LeakyRelu") {
    op = tflite::BuiltinOperator_LEAKY_RELU;
    TFLCONV_ASSIGN_OR_RETURN(auto alpha, GetFloatAttr(ctx.node(), "leakyrelu_alpha", 0.2f));
    tflite::LeakyReluOptionsT leaky;
    leaky.alpha = alpha;
    options = MakeOptions(leaky);
  } else {
    return ctx.Unsupported(absl::StrCat("fused activation '", tf_op, "'"));
  }
  ctx.Emit(op, {x}, {out}, std::move(options));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> ConstantFloats(const LegalizeContext& ctx, int input,
                                                  absl::string_view what) {
  const Tensor* value = ctx.input_value(input);
  if (value == nullptr) {
    return NodeError(absl::StatusCode::kUnimplemented, ctx.node(),
                     absl::StrCat(what, " (input ", input, ") must be a constant for TFLite"));
  }
  std::vector<float> out(value->num_elements());
  for (int64_t i = 0; i < value->num_elements(); ++i) {
    out[i] = static_cast<float>(value->ScalarAsDouble(i));
  }
  return out;
}

absl::StatusOr<BatchNormAffine> FoldBatchNorm(const LegalizeContext& ctx, int scale_input,
                                              float epsilon) {
  TFLCONV_ASSIGN_OR_RETURN(auto gamma, ConstantFloats(ctx, scale_input, "scale"));
  TFLCONV_ASSIGN_OR_RETURN(auto beta, ConstantFloats(ctx, scale_input + 1, "offset"));
  TFLCONV_ASSIGN_OR_RETURN(auto mean, ConstantFloats(ctx, scale_input + 2, "mean"));
  TFLCONV_ASSIGN_OR_RETURN(auto variance, ConstantFloats(ctx, scale_input + 3, "variance"));
  const size_t c = gamma.size();
  if (beta.size() != c || mean.size() != c || variance.size() != c) {
    return NodeInvalid(ctx.node(), "scale, offset, mean and variance differ in length");
  }
  BatchNormAffine affine{std::vector<float>(c), std::vector<float>(c)};
  for (size_t i = 0; i < c; ++i) {
    affine.scale[i] = gamma[i] / std::sqrt(variance[i] + epsilon);
    affine.offset[i] = beta[i] - mean[i] * affine.scale[i];
  }
  return affine;
}

Tensor FloatTensor(const std::vector<float>& values) {
  return Tensor::FromVector(tensorflow::DT_FLOAT, {static_cast<int64_t>(values.size())}, values);
}

}  // namespace tflconv
