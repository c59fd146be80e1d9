// Pieces shared by the convolution, pooling and matmul rules: TF padding,
// data_format and window attributes, NCHW transposes and fused epilogues.
#ifndef TFLCONV_CORE_LEGALIZE_CONV_UTIL_H_
#define TFLCONV_CORE_LEGALIZE_CONV_UTIL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/legalize/rule.h"

namespace tflconv {

struct Window {
  bool nchw = false;
  tflite::Padding padding = tflite::Padding_SAME;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int kernel_h = 1, kernel_w = 1;  // pooling ksize
};

// The padding attribute, SAME or VALID (TFLite has no EXPLICIT padding).
absl::StatusOr<tflite::Padding> ReadPadding(const Node& node);

// Whether attribute data_format names the channels-first layout of the two
// (absent: channels last); another value is an error naming it.
absl::StatusOr<bool> ReadChannelsFirst(const Node& node, const char* channels_last,
                                       const char* channels_first);

// Reads list attribute `name` (strides, dilations, ksize) of one value per
// dim of a (spatial.size() + 2)-D layout: 1 in the batch and channel dims,
// the spatial values, in order, into `spatial`, each in [1, int32 max].
// Absent, it is all ones when `defaults_to_ones`, else an error.
absl::Status ReadSpatialAttr(const Node& node, const char* name, bool channels_first,
                             bool defaults_to_ones, absl::Span<int> spatial);

// Reads data_format, padding, strides, dilations and (when `with_ksize`)
// ksize; rejects values TFLite cannot express, naming the attribute.
absl::StatusOr<Window> ReadWindow(const Node& node, bool with_ksize);

// Output size of a windowed op along one spatial dim (-1 when unknown).
int64_t WindowOutput(int64_t in, int64_t kernel, int stride, int dilation,
                     tflite::Padding padding);

// The NHWC shape of an NCHW shape and back.
Shape ToNhwc(const Shape& nchw);
Shape ToNchw(const Shape& nhwc);

// Emits TRANSPOSE(x, perm) into tensor `out` (its perm constant is named
// "<node>/<suffix>/perm").
void EmitTransposeInto(LegalizeContext& ctx, int x, const std::vector<int>& perm, int out,
                       absl::string_view suffix);
// Emits TRANSPOSE(x, perm) into a new intermediate tensor; returns it.
int EmitTranspose(LegalizeContext& ctx, int x, const std::vector<int>& perm,
                  DataType dtype, const Shape& out_shape, absl::string_view suffix);

// An activation TFLite can fuse into its producer, or nullopt.
std::optional<tflite::ActivationFunctionType> FusableActivation(absl::string_view tf_op);

// Emits `tf_op` (an activation) from `x` into `out` as its own builtin.
// Prelu reads its alpha from node input `alpha_input`.
absl::Status EmitActivation(LegalizeContext& ctx, absl::string_view tf_op, int x, int out,
                            int alpha_input = -1);

// A per-channel float vector from a constant input, or an error naming it.
absl::StatusOr<std::vector<float>> ConstantFloats(const LegalizeContext& ctx, int input,
                                                  absl::string_view what);

// Inference batch norm as y = x * scale + offset per channel.
struct BatchNormAffine {
  std::vector<float> scale;
  std::vector<float> offset;
};
absl::StatusOr<BatchNormAffine> FoldBatchNorm(const LegalizeContext& ctx, int scale_input,
                                              float epsilon);

Tensor FloatTensor(const std::vector<float>& values);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_CONV_UTIL_H_
