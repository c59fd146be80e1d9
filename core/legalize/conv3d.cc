// 3-D convolutions (they used to stay Flex), as TensorFlow's converter
// legalizes them (legalize_tf.cc ConvertTFConv3DOp):
//   Conv3D(input, filter; strides, padding, dilations, data_format NDHWC)
//     -> CONV_3D(input, filter) with strides and dilations [1, d, h, w, 1]
//     as its d/h/w fields. TF's filter layout [d, h, w, in, out] is the one
//     conv3d.cc reads, so a constant or computed filter goes in as it is;
//     TF's Conv3D has no bias, and the kernel's bias input is optional.
//   Conv3DBackpropInputV2(input_sizes, filter, out_backprop; the same
//     attributes) -> CONV_3D_TRANSPOSE(input_sizes as int32, filter,
//     out_backprop), the filter [d, h, w, in, out] as TF's again (legalize_tf.cc
//     ConvertTFConv3DBackpropInputV2Op).
// NCDHW (which TensorFlow's CPU kernel refuses too) and grouped convolutions
// (channels a multiple of the filter's, which both kernels refuse) are
// declined; float32 only, by the kernels' contracts.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/legalize/conv_util.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

struct Window3D {
  bool ndhwc = true;
  tflite::Padding padding = tflite::Padding_SAME;
  int stride[3] = {1, 1, 1};    // depth, height, width
  int dilation[3] = {1, 1, 1};
};

absl::StatusOr<Window3D> ReadWindow3D(const Node& node) {
  Window3D w;
  TFLCONV_ASSIGN_OR_RETURN(const bool ncdhw, ReadChannelsFirst(node, "NDHWC", "NCDHW"));
  w.ndhwc = !ncdhw;
  TFLCONV_ASSIGN_OR_RETURN(w.padding, ReadPadding(node));
  TFLCONV_RETURN_IF_ERROR(ReadSpatialAttr(node, "strides", ncdhw, true, w.stride));
  TFLCONV_RETURN_IF_ERROR(ReadSpatialAttr(node, "dilations", ncdhw, true, w.dilation));
  return w;
}

absl::Status ExpectRank5(const InferContext& ctx, int input, absl::string_view what) {
  const Shape& shape = ctx.input_shape(input);
  if (shape.known_rank && shape.rank() != 5) {
    return ctx.Invalid(absl::StrCat(what, " of shape ", shape.ToString(), " must be 5-D"));
  }
  return absl::OkStatus();
}

// TensorFlow's shape rule: a 5-D input and filter, no empty filter dim, the
// input's channels a multiple of the filter's in-channels.
absl::Status InferConv3D(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow3D(ctx.node()));
  const Shape& in = ctx.input_shape(0);
  const Shape& filter = ctx.input_shape(1);
  TFLCONV_RETURN_IF_ERROR(ExpectRank5(ctx, 0, "input"));
  TFLCONV_RETURN_IF_ERROR(ExpectRank5(ctx, 1, "filter"));
  if (!window.ndhwc || !in.known_rank || !filter.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of({-1, -1, -1, -1, -1}));
    return absl::OkStatus();
  }
  for (int64_t d : filter.dims) {
    if (d == 0) {
      return ctx.Invalid(absl::StrCat("filter of shape ", filter.ToString(), " has no elements"));
    }
  }
  const int64_t channels = in.dims[4];
  const int64_t filter_channels = filter.dims[3];
  if (channels >= 0 && filter_channels > 0 && channels % filter_channels != 0) {
    return ctx.Invalid(absl::StrCat("input channels ", channels,
                                    " are not a multiple of the filter's ", filter_channels,
                                    " (filter of shape ", filter.ToString(), ")"));
  }
  Dims out = {in.dims[0]};
  for (int i = 0; i < 3; ++i) {
    out.push_back(WindowOutput(in.dims[1 + i], filter.dims[i], window.stride[i],
                               window.dilation[i], window.padding));
  }
  out.push_back(filter.dims[4]);
  ctx.SetOutput(0, ctx.input_dtype(0), Shape::Of(out));
  return absl::OkStatus();
}

// The window of a node CONV_3D or CONV_3D_TRANSPOSE can run: NDHWC only.
absl::StatusOr<Window3D> ReadNdhwcWindow(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow3D(ctx.node()));
  if (!window.ndhwc) {
    return ctx.Unsupported(absl::StrCat(ctx.node().op, " in data_format NCDHW (the builtin takes "
                                        "NDHWC, as TensorFlow's converter requires)"));
  }
  return window;
}

// conv3d.cc and conv3d_transpose.cc take the channels of dim `dim` of input
// `input` equal to the filter's dim `filter_dim` (no grouped convolution).
absl::Status CheckUngrouped(LegalizeContext& ctx, int input, int dim, int filter_dim) {
  const Shape& shape = ctx.input_shape(input);
  const Shape& filter = ctx.input_shape(1);
  const int64_t channels = shape.known_rank ? shape.dims[dim] : -1;
  const int64_t filter_channels = filter.known_rank ? filter.dims[filter_dim] : -1;
  if (channels < 0 || filter_channels < 0) {
    return ctx.Unsupported(absl::StrCat(ctx.node().op, " of input ", input, " shape ",
                                        shape.ToString(), " and filter shape ", filter.ToString(),
                                        " (the kernel needs the channels known to match them)"));
  }
  if (channels != filter_channels) {
    return ctx.Unsupported(absl::StrCat("grouped ", ctx.node().op, ": channels ", channels,
                                        ", filter channels ", filter_channels,
                                        " (the kernel takes them equal)"));
  }
  return absl::OkStatus();
}

tflite::BuiltinOptionsUnion Conv3DOptionsOf(const Window3D& window) {
  tflite::Conv3DOptionsT options;
  options.padding = window.padding;
  options.stride_d = window.stride[0];
  options.stride_h = window.stride[1];
  options.stride_w = window.stride[2];
  options.dilation_d_factor = window.dilation[0];
  options.dilation_h_factor = window.dilation[1];
  options.dilation_w_factor = window.dilation[2];
  return MakeOptions(options);
}

absl::Status LegalizeConv3D(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadNdhwcWindow(ctx));
  TFLCONV_RETURN_IF_ERROR(CheckUngrouped(ctx, 0, 4, 3));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto filter, ctx.Input(1));
  ctx.Emit(tflite::BuiltinOperator_CONV_3D, {x, filter}, {ctx.Output(0)},
           Conv3DOptionsOf(window));
  return absl::OkStatus();
}

// TensorFlow's shape rule for the gradient: input_sizes is the output's
// shape [batch, d, h, w, in], filter [d, h, w, in, out], out_backprop
// [batch, d', h', w', out] where d', h', w' are what Conv3D of the output's
// shape gives (conv3d_transpose.cc checks the same at run time).
absl::Status InferConv3DBackpropInput(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3, 3));
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow3D(ctx.node()));
  const Shape& filter = ctx.input_shape(1);
  const Shape& grad = ctx.input_shape(2);
  TFLCONV_RETURN_IF_ERROR(ExpectRank5(ctx, 1, "filter"));
  TFLCONV_RETURN_IF_ERROR(ExpectRank5(ctx, 2, "out_backprop"));
  const Tensor* sizes_value = ctx.input_value(0);
  if (sizes_value == nullptr || !window.ndhwc) {
    ctx.SetOutput(0, ctx.input_dtype(2), Shape::Of({-1, -1, -1, -1, -1}));
    return absl::OkStatus();
  }
  const Dims sizes = sizes_value->AsInt64Vector();
  bool fits = sizes.size() == 5;
  for (size_t i = 0; fits && i < sizes.size(); ++i) fits = sizes[i] >= 0;
  if (fits && filter.fully_defined() && grad.fully_defined()) {
    fits = filter.dims[4] == grad.dims[4] && sizes[0] == grad.dims[0] &&
           filter.dims[3] > 0 && sizes[4] % filter.dims[3] == 0;
    for (int i = 0; fits && i < 3; ++i) {
      fits = WindowOutput(sizes[1 + i], filter.dims[i], window.stride[i], window.dilation[i],
                          window.padding) == grad.dims[1 + i];
    }
  }
  if (!fits) {
    return ctx.Invalid(absl::StrCat("input_sizes ", DimsToString(sizes), ", filter of shape ",
                                    filter.ToString(), " and out_backprop of shape ",
                                    grad.ToString(), " do not fit a Conv3D with these strides, "
                                    "dilations and padding"));
  }
  ctx.SetOutput(0, ctx.input_dtype(2), Shape::Of(sizes));
  return absl::OkStatus();
}

// CONV_3D_TRANSPOSE(output_shape, filter, out_backprop): the inputs in TF's
// order, input_sizes as int32; its kernel sizes the output in Eval when the
// sizes are computed.
absl::Status LegalizeConv3DBackpropInput(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadNdhwcWindow(ctx));
  TFLCONV_RETURN_IF_ERROR(CheckUngrouped(ctx, 2, 4, 4));
  // Known only at run time, the kernel checks them there.
  const int64_t out_channels = ctx.output(0).shape.dims[4];
  const int64_t filter_channels = ctx.input_shape(1).dims[3];
  if (out_channels >= 0 && out_channels != filter_channels) {
    return ctx.Unsupported(absl::StrCat("grouped ", ctx.node().op, ": output channels ",
                                        out_channels, ", filter channels ", filter_channels,
                                        " (the kernel takes them equal)"));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto sizes, Int32Input(ctx, 0, "input_sizes"));
  TFLCONV_ASSIGN_OR_RETURN(auto filter, ctx.Input(1));
  TFLCONV_ASSIGN_OR_RETURN(auto grad, ctx.Input(2));
  ctx.Emit(tflite::BuiltinOperator_CONV_3D_TRANSPOSE, {sizes, filter, grad}, {ctx.Output(0)},
           Conv3DOptionsOf(window));
  return absl::OkStatus();
}

}  // namespace

void RegisterConv3DRules(RuleRegistry& registry) {
  registry.Add("Conv3D", {InferConv3D, LegalizeConv3D});
  registry.Add("Conv3DBackpropInputV2", {InferConv3DBackpropInput, LegalizeConv3DBackpropInput});
}

}  // namespace tflconv
