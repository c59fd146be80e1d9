// Short names for TFLite tensor types, for the op tables (versioning.cc,
// kernel_contract.cc) where the full enum names would drown the facts.
#ifndef TFLCONV_CORE_LITE_TENSOR_TYPES_H_
#define TFLCONV_CORE_LITE_TENSOR_TYPES_H_

#include "core/lite/schema/tflite_schema_generated.h"

namespace tflconv::tensor_types {

constexpr tflite::TensorType kF32 = tflite::TensorType_FLOAT32;
constexpr tflite::TensorType kF16 = tflite::TensorType_FLOAT16;
constexpr tflite::TensorType kF64 = tflite::TensorType_FLOAT64;
constexpr tflite::TensorType kBf16 = tflite::TensorType_BFLOAT16;
constexpr tflite::TensorType kI2 = tflite::TensorType_INT2;
constexpr tflite::TensorType kI4 = tflite::TensorType_INT4;
constexpr tflite::TensorType kU4 = tflite::TensorType_UINT4;
constexpr tflite::TensorType kI8 = tflite::TensorType_INT8;
constexpr tflite::TensorType kU8 = tflite::TensorType_UINT8;
constexpr tflite::TensorType kI16 = tflite::TensorType_INT16;
constexpr tflite::TensorType kU16 = tflite::TensorType_UINT16;
constexpr tflite::TensorType kI32 = tflite::TensorType_INT32;
constexpr tflite::TensorType kU32 = tflite::TensorType_UINT32;
constexpr tflite::TensorType kI64 = tflite::TensorType_INT64;
constexpr tflite::TensorType kBool = tflite::TensorType_BOOL;
constexpr tflite::TensorType kString = tflite::TensorType_STRING;
constexpr tflite::TensorType kC64 = tflite::TensorType_COMPLEX64;

}  // namespace tflconv::tensor_types

#endif  // TFLCONV_CORE_LITE_TENSOR_TYPES_H_
