#include "core/lite/lite_model.h"

namespace tflconv {

int LiteModel::AddTensor(LiteTensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size()) - 1;
}

int LiteModel::AddBuffer(LiteBuffer buffer) {
  buffers.push_back(std::move(buffer));
  return static_cast<int>(buffers.size()) - 1;
}

const LiteBuffer* LiteModel::buffer_of(int tensor) const {
  if (tensor < 0) return nullptr;
  const int b = tensors[tensor].buffer;
  return b < 0 ? nullptr : &buffers[b];
}

std::string LiteModel::OpName(const LiteOperator& op) const {
  if (op.builtin == tflite::BuiltinOperator_CUSTOM) return op.custom_code;
  return tflite::EnumNameBuiltinOperator(op.builtin);
}

int TensorTypeSize(tflite::TensorType type) {
  switch (type) {
    case tflite::TensorType_FLOAT32: case tflite::TensorType_INT32:
    case tflite::TensorType_UINT32: return 4;
    case tflite::TensorType_FLOAT16: case tflite::TensorType_INT16:
    case tflite::TensorType_UINT16: return 2;
    case tflite::TensorType_INT64: case tflite::TensorType_FLOAT64:
    case tflite::TensorType_UINT64: case tflite::TensorType_COMPLEX64: return 8;
    case tflite::TensorType_COMPLEX128: return 16;
    default: return 1;
  }
}

}  // namespace tflconv
