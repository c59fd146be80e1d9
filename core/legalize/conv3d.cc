// 3-D convolutions (they used to stay Flex), as TensorFlow's converter
// legalizes them (legalize_tf.cc ConvertTFConv3DOp):
//   Conv3D(input, filter; strides, padding, dilations, data_format NDHWC)
//     -> CONV_3D(input, filter) with strides and dilations [1, d, h, w, 1]
//     as its d/h/w fields. TF's filter layout [d, h, w, in, out] is the one
//     conv3d.cc reads, so a constant or computed filter goes in as it is;
//     TF's Conv3D has no bias, and the kernel's bias input is optional.
// NCDHW (which TensorFlow's CPU kernel refuses too) and grouped convolutions
// (input channels a multiple of the filter's, which conv3d.cc refuses) are
// declined; float32 only, by conv3d.cc's contract.
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

// TensorFlow's shape rule: a 5-D input and filter, no empty filter dim, the
// input's channels a multiple of the filter's in-channels.
absl::Status InferConv3D(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2, 2));
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow3D(ctx.node()));
  const Shape& in = ctx.input_shape(0);
  const Shape& filter = ctx.input_shape(1);
  if (in.known_rank && in.rank() != 5) {
    return ctx.Invalid(absl::StrCat("input of shape ", in.ToString(), " must be 5-D"));
  }
  if (filter.known_rank && filter.rank() != 5) {
    return ctx.Invalid(absl::StrCat("filter of shape ", filter.ToString(), " must be 5-D"));
  }
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

absl::Status LegalizeConv3D(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow3D(ctx.node()));
  if (!window.ndhwc) {
    return ctx.Unsupported("Conv3D in data_format NCDHW (CONV_3D takes NDHWC, as TensorFlow's "
                           "converter requires)");
  }
  const int64_t channels = ctx.input_shape(0).known_rank ? ctx.input_shape(0).dims[4] : -1;
  const int64_t filter_channels =
      ctx.input_shape(1).known_rank ? ctx.input_shape(1).dims[3] : -1;
  if (channels < 0 || filter_channels < 0) {
    return ctx.Unsupported(absl::StrCat("Conv3D of input shape ", ctx.input_shape(0).ToString(),
                                        " and filter shape ", ctx.input_shape(1).ToString(),
                                        " (conv3d.cc needs the channels known to match them)"));
  }
  if (channels != filter_channels) {
    return ctx.Unsupported(absl::StrCat("grouped Conv3D: input channels ", channels,
                                        ", filter in-channels ", filter_channels,
                                        " (conv3d.cc takes them equal)"));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto filter, ctx.Input(1));
  tflite::Conv3DOptionsT options;
  options.padding = window.padding;
  options.stride_d = window.stride[0];
  options.stride_h = window.stride[1];
  options.stride_w = window.stride[2];
  options.dilation_d_factor = window.dilation[0];
  options.dilation_h_factor = window.dilation[1];
  options.dilation_w_factor = window.dilation[2];
  ctx.Emit(tflite::BuiltinOperator_CONV_3D, {x, filter}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

}  // namespace

void RegisterConv3DRules(RuleRegistry& registry) {
  registry.Add("Conv3D", {InferConv3D, LegalizeConv3D});
}

}  // namespace tflconv
