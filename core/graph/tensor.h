// Constant tensor values on the TensorFlow side: weights read from Const
// nodes and results of constant folding. Copies share storage, and weights
// decoded from tensor_content alias the GraphDef that holds them, so a large
// graph's weights are never copied on import.
#ifndef TFLCONV_CORE_GRAPH_TENSOR_H_
#define TFLCONV_CORE_GRAPH_TENSOR_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv {

using tensorflow::DataType;
using Dims = std::vector<int64_t>;

// Bytes per element, or 0 for types without a fixed-size encoding.
int DataTypeSize(DataType dtype);
std::string DataTypeName(DataType dtype);  // "float32", "int32", ...
int64_t NumElements(const Dims& dims);     // 1 for a scalar
// The element count of `dims` when every dim is >= 0 and the count is at
// most `max_elements`, else nullopt; never overflows, whatever the dims.
std::optional<int64_t> BoundedNumElements(const Dims& dims, uint64_t max_elements);
// Dimension arithmetic that saturates at INT64_MAX instead of overflowing
// (operands >= 0): an out-of-range result stays out of range, and the
// shape limits reject it.
int64_t SaturatingAdd(int64_t a, int64_t b);
int64_t SaturatingMul(int64_t a, int64_t b);
std::string DimsToString(const Dims& dims);  // "[1,224,224,3]"

// `value` converted to To with a defined result where C++ has none: a
// floating-point value out of an integer type's range saturates to its
// bounds and NaN becomes 0. TensorFlow's CPU Cast leaves those cases to the
// hardware (INT_MIN on x86), so only they may fold differently.
template <typename To, typename From>
To ConvertValue(From value) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> &&
                !std::is_same_v<To, bool>) {
    if (std::isnan(value)) return To{0};
    if (value <= static_cast<From>(std::numeric_limits<To>::lowest())) {
      return std::numeric_limits<To>::lowest();
    }
    if (value >= static_cast<From>(std::numeric_limits<To>::max())) {
      return std::numeric_limits<To>::max();
    }
  }
  return static_cast<To>(value);
}

class Tensor {
 public:
  Tensor() = default;

  // Zero-filled tensor owning its storage.
  static Tensor Zeros(DataType dtype, Dims dims);
  // Tensor owning storage the caller overwrites completely; skipping the
  // zero fill matters for weights of hundreds of megabytes.
  static Tensor Uninitialized(DataType dtype, Dims dims);
  // Decodes a TensorProto: `content` (its tensor_content, wherever kept)
  // or else the typed *_val fields, with TensorFlow's rule that a short list
  // repeats its last value. `owner` keeps `content` alive; the result
  // aliases it. Decoding the typed fields allocates the whole tensor:
  // RESOURCE_EXHAUSTED, before allocating, when that is over
  // `max_decoded_bytes`.
  static absl::StatusOr<Tensor> FromProto(
      const tensorflow::TensorProto& proto, absl::string_view content,
      std::shared_ptr<const void> owner, uint64_t max_elements, uint64_t max_decoded_bytes);

  template <typename T>
  static Tensor FromVector(DataType dtype, Dims dims,
                           const std::vector<T>& values) {
    Tensor t = Zeros(dtype, std::move(dims));
    std::copy(values.begin(), values.end(), t.mutable_flat<T>().begin());
    return t;
  }

  DataType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t num_elements() const { return NumElements(dims_); }
  absl::string_view bytes() const { return {data_, size_}; }
  bool valid() const { return dtype_ != tensorflow::DT_INVALID; }

  template <typename T>
  absl::Span<const T> flat() const {
    if (reinterpret_cast<uintptr_t>(data_) % alignof(T) != 0) Realign();
    // Parentheses, not braces: Span<const bool>{p, n} would pick the
    // initializer_list constructor.
    return absl::Span<const T>(reinterpret_cast<const T*>(data_), size_ / sizeof(T));
  }
  // Only for tensors made by Zeros()/FromVector() and not yet shared.
  template <typename T>
  absl::Span<T> mutable_flat() {
    return absl::Span<T>(reinterpret_cast<T*>(const_cast<char*>(data_)), size_ / sizeof(T));
  }

  // A copy with storage of its own.
  Tensor Copy() const;
  // Same bytes, other dims (element counts must match).
  Tensor Reshaped(Dims dims) const;
  // Element i converted to double / int64, whatever the dtype.
  double ScalarAsDouble(int64_t i) const;
  int64_t ScalarAsInt(int64_t i) const;
  // All values as int64 (for shape-like int32/int64 tensors).
  std::vector<int64_t> AsInt64Vector() const;
  // A copy converted to `dtype` (numeric types and bool).
  Tensor CastTo(DataType dtype) const;

 private:
  // Weights aliasing the graph's bytes may sit at any address; element
  // access makes an aligned copy, once (bytes() never needs one). Tensors
  // are not shared between threads while legalized, so this const method
  // may swap the storage.
  void Realign() const;

  DataType dtype_ = tensorflow::DT_INVALID;
  Dims dims_;
  mutable std::shared_ptr<const void> owner_;
  mutable const char* data_ = nullptr;
  size_t size_ = 0;
};

// Calls fn(T{}) with T the C++ type of a numeric or bool dtype; returns
// false for other dtypes.
template <typename Fn>
bool DispatchNumeric(DataType dtype, Fn&& fn) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: fn(float{}); return true;
    case tensorflow::DT_DOUBLE: fn(double{}); return true;
    case tensorflow::DT_INT32: fn(int32_t{}); return true;
    case tensorflow::DT_INT64: fn(int64_t{}); return true;
    case tensorflow::DT_UINT8: fn(uint8_t{}); return true;
    case tensorflow::DT_INT8: fn(int8_t{}); return true;
    case tensorflow::DT_INT16: fn(int16_t{}); return true;
    case tensorflow::DT_UINT16: fn(uint16_t{}); return true;
    case tensorflow::DT_UINT32: fn(uint32_t{}); return true;
    case tensorflow::DT_UINT64: fn(uint64_t{}); return true;
    case tensorflow::DT_BOOL: fn(bool{}); return true;
    default: return false;
  }
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_TENSOR_H_
