// Constant data of the TFLite model. Large float32 weights are not copied
// while the model is built: a buffer names its source bytes (usually a view
// into the uploaded graph) and the layout change, batch-norm scale and
// float16 rounding still to apply, and the exporter applies them while it
// writes the bytes straight into the flatbuffer. Each weight is then read
// once and written once per artifact.
#ifndef TFLCONV_CORE_LITE_LITE_BUFFER_H_
#define TFLCONV_CORE_LITE_LITE_BUFFER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"

namespace tflconv {

// Pending work on a float32 source; the identity when default-constructed.
struct WeightTransform {
  // When non-zero: the source is a row-major [transpose_rows,
  // transpose_cols] matrix and the buffer holds its transpose. Every filter
  // layout change the rules need (HWIO -> OHWI, [in, out] -> [out, in]) is
  // one.
  int64_t transpose_rows = 0;
  int64_t transpose_cols = 0;
  // When non-empty: element i of the (transposed) result is multiplied by
  // channel_scale[(i / channel_stride) % channel_scale.size()] (a folded
  // batch norm or Mul, per output channel).
  std::vector<float> channel_scale;
  int64_t channel_stride = 1;
  // Stored as IEEE binary16, rounded to nearest even.
  bool to_float16 = false;

  bool is_identity() const {
    return transpose_rows == 0 && channel_scale.empty() && !to_float16;
  }
  bool operator==(const WeightTransform& other) const;
};

struct LiteBuffer {
  // Keeps `source` alive: a TF tensor, a folded constant, or nothing when
  // the bytes are the caller's graph (alive for the whole conversion).
  std::shared_ptr<const void> owner;
  // Not necessarily aligned: graph bytes are read with memcpy.
  absl::string_view source;
  WeightTransform transform;  // only on float32 sources

  // Bytes stored in the flatbuffer.
  size_t size() const;
  // Writes the stored bytes, size() of them, to `out`.
  void WriteTo(char* out) const;
  // Multiplies result element i by scale[(i / stride) % scale.size()],
  // composed with any scale already pending (float32 buffers only).
  void ScaleChannels(const std::vector<float>& scale, int64_t stride);
  // Reads the stored values as float32; only for float32 buffers without
  // to_float16.
  std::vector<float> ReadFloats() const;
};

// A buffer owning `values`.
template <typename T>
LiteBuffer OwnedBuffer(std::vector<T> values) {
  auto owned = std::make_shared<std::vector<T>>(std::move(values));
  const absl::string_view bytes(reinterpret_cast<const char*>(owned->data()),
                                owned->size() * sizeof(T));
  return {std::move(owned), bytes, {}};
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_LITE_BUFFER_H_
