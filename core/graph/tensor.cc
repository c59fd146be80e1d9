#include "core/graph/tensor.h"

#include <cstring>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tflconv {

int DataTypeSize(DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: case tensorflow::DT_INT32:
    case tensorflow::DT_UINT32: return 4;
    case tensorflow::DT_DOUBLE: case tensorflow::DT_INT64:
    case tensorflow::DT_UINT64: case tensorflow::DT_COMPLEX64: return 8;
    case tensorflow::DT_UINT8: case tensorflow::DT_INT8:
    case tensorflow::DT_BOOL: return 1;
    case tensorflow::DT_INT16: case tensorflow::DT_UINT16:
    case tensorflow::DT_HALF: case tensorflow::DT_BFLOAT16: return 2;
    case tensorflow::DT_COMPLEX128: return 16;
    default: return 0;
  }
}

std::string DataTypeName(DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: return "float32";
    case tensorflow::DT_DOUBLE: return "float64";
    case tensorflow::DT_INT32: return "int32";
    case tensorflow::DT_INT64: return "int64";
    case tensorflow::DT_UINT8: return "uint8";
    case tensorflow::DT_INT8: return "int8";
    case tensorflow::DT_INT16: return "int16";
    case tensorflow::DT_UINT16: return "uint16";
    case tensorflow::DT_UINT32: return "uint32";
    case tensorflow::DT_UINT64: return "uint64";
    case tensorflow::DT_BOOL: return "bool";
    case tensorflow::DT_HALF: return "float16";
    case tensorflow::DT_STRING: return "string";
    case tensorflow::DT_RESOURCE: return "resource";
    case tensorflow::DT_VARIANT: return "variant";
    default: return tensorflow::DataType_Name(dtype);
  }
}

int64_t NumElements(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::optional<int64_t> BoundedNumElements(const Dims& dims, uint64_t max_elements) {
  unsigned __int128 elements = 1;
  for (int64_t d : dims) {
    if (d < 0) return std::nullopt;
    elements *= static_cast<uint64_t>(d);
    if (elements > max_elements) return std::nullopt;
  }
  if (elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(elements);
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<int64_t>::max() : sum;
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t product;
  return __builtin_mul_overflow(a, b, &product) ? std::numeric_limits<int64_t>::max() : product;
}

std::string DimsToString(const Dims& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

Tensor Tensor::Uninitialized(DataType dtype, Dims dims) {
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.size_ = static_cast<size_t>(NumElements(t.dims_)) * DataTypeSize(dtype);
  std::shared_ptr<char[]> storage(new char[std::max<size_t>(t.size_, 1)]);
  t.data_ = storage.get();
  t.owner_ = std::move(storage);
  return t;
}

Tensor Tensor::Zeros(DataType dtype, Dims dims) {
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.size_ = static_cast<size_t>(NumElements(t.dims_)) * DataTypeSize(dtype);
  auto storage = std::make_shared<std::string>(t.size_, '\0');
  t.data_ = storage->data();
  t.owner_ = std::move(storage);
  return t;
}

namespace {

// Fills `out` from a typed repeated field, repeating the last value when the
// field is shorter than the tensor (TensorFlow's compact constant form).
template <typename Out, typename Field>
absl::Status FillFromRepeated(const Field& field, absl::Span<Out> out,
                              absl::string_view field_name) {
  if (out.empty()) return absl::OkStatus();
  if (field.size() == 0) return absl::OkStatus();  // all zeros
  if (static_cast<size_t>(field.size()) > out.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_name, " has ", field.size(),
                     " values but the shape holds ", out.size()));
  }
  size_t i = 0;
  for (; i < static_cast<size_t>(field.size()); ++i) out[i] = static_cast<Out>(field.Get(i));
  for (; i < out.size(); ++i) out[i] = out[field.size() - 1];
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Tensor> Tensor::FromProto(const tensorflow::TensorProto& proto,
                                         absl::string_view content,
                                         std::shared_ptr<const void> owner,
                                         uint64_t max_elements, uint64_t max_decoded_bytes) {
  Dims dims;
  for (const auto& d : proto.tensor_shape().dim()) {
    if (d.size() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor has an unknown dimension (", d.size(), ")"));
    }
    dims.push_back(d.size());
  }
  const std::optional<int64_t> elements = BoundedNumElements(dims, max_elements);
  if (!elements) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "tensor of shape ", DimsToString(dims), " exceeds the limit of ",
        max_elements, " elements (limits.max_tensor_elements)"));
  }
  const DataType dtype = proto.dtype();
  const int element_size = DataTypeSize(dtype);
  if (element_size == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "constants of dtype ", DataTypeName(dtype), " are not supported"));
  }
  const size_t bytes = static_cast<size_t>(*elements) * element_size;
  if (!content.empty()) {
    if (content.size() != bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor_content has ", content.size(),
          " bytes but shape ", DimsToString(dims), " of ",
          DataTypeName(dtype), " needs ", bytes));
    }
    Tensor t;
    t.dtype_ = dtype;
    t.dims_ = std::move(dims);
    t.owner_ = std::move(owner);
    t.data_ = content.data();
    t.size_ = bytes;
    return t;
  }
  if (bytes > max_decoded_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "decoding a tensor of shape ", DimsToString(dims), " takes ", bytes,
        " bytes, over the ", max_decoded_bytes,
        " left for constant folding (limits.max_folded_bytes)"));
  }
  Tensor t = Zeros(dtype, std::move(dims));
  absl::Status status;
  switch (dtype) {
    case tensorflow::DT_FLOAT:
      status = FillFromRepeated(proto.float_val(), t.mutable_flat<float>(), "float_val");
      break;
    case tensorflow::DT_DOUBLE:
      status = FillFromRepeated(proto.double_val(), t.mutable_flat<double>(), "double_val");
      break;
    case tensorflow::DT_INT32:
      status = FillFromRepeated(proto.int_val(), t.mutable_flat<int32_t>(), "int_val");
      break;
    case tensorflow::DT_INT16:
      status = FillFromRepeated(proto.int_val(), t.mutable_flat<int16_t>(), "int_val");
      break;
    case tensorflow::DT_INT8:
      status = FillFromRepeated(proto.int_val(), t.mutable_flat<int8_t>(), "int_val");
      break;
    case tensorflow::DT_UINT8:
      status = FillFromRepeated(proto.int_val(), t.mutable_flat<uint8_t>(), "int_val");
      break;
    case tensorflow::DT_INT64:
      status = FillFromRepeated(proto.int64_val(), t.mutable_flat<int64_t>(), "int64_val");
      break;
    case tensorflow::DT_BOOL:
      status = FillFromRepeated(proto.bool_val(), t.mutable_flat<bool>(), "bool_val");
      break;
    case tensorflow::DT_HALF:
    case tensorflow::DT_BFLOAT16:
      status = FillFromRepeated(proto.half_val(), t.mutable_flat<uint16_t>(), "half_val");
      break;
    case tensorflow::DT_UINT32:
      status = FillFromRepeated(proto.uint32_val(), t.mutable_flat<uint32_t>(), "uint32_val");
      break;
    case tensorflow::DT_UINT64:
      status = FillFromRepeated(proto.uint64_val(), t.mutable_flat<uint64_t>(), "uint64_val");
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "constants of dtype ", DataTypeName(dtype), " are not supported"));
  }
  if (!status.ok()) return status;
  return t;
}

void Tensor::Realign() const {
  Tensor aligned = Copy();  // new[] storage is aligned for every element type
  data_ = aligned.data_;
  owner_ = std::move(aligned.owner_);
}

Tensor Tensor::Copy() const {
  Tensor t = Uninitialized(dtype_, dims_);
  if (size_ > 0) std::memcpy(const_cast<char*>(t.data_), data_, size_);
  return t;
}

Tensor Tensor::Reshaped(Dims dims) const {
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

double Tensor::ScalarAsDouble(int64_t i) const {
  double v = 0;
  DispatchNumeric(dtype_, [&](auto zero) {
    v = static_cast<double>(flat<decltype(zero)>()[i]);
  });
  return v;
}

int64_t Tensor::ScalarAsInt(int64_t i) const {
  int64_t v = 0;
  DispatchNumeric(dtype_, [&](auto zero) {
    v = ConvertValue<int64_t>(flat<decltype(zero)>()[i]);
  });
  return v;
}

std::vector<int64_t> Tensor::AsInt64Vector() const {
  std::vector<int64_t> out(num_elements());
  for (int64_t i = 0; i < num_elements(); ++i) out[i] = ScalarAsInt(i);
  return out;
}

Tensor Tensor::CastTo(DataType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = Zeros(dtype, dims_);
  DispatchNumeric(dtype_, [&](auto in_zero) {
    using In = decltype(in_zero);
    auto in = flat<In>();
    DispatchNumeric(dtype, [&](auto out_zero) {
      using Out = decltype(out_zero);
      auto o = out.mutable_flat<Out>();
      for (size_t i = 0; i < in.size(); ++i) o[i] = ConvertValue<Out>(in[i]);
    });
  });
  return out;
}

}  // namespace tflconv
