#include "core/lite/lite_model.h"

#include <utility>

namespace tflconv {

int LiteSubgraph::AddTensor(LiteTensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size()) - 1;
}

int LiteModel::AddBuffer(LiteBuffer buffer) {
  buffers.push_back(std::move(buffer));
  return static_cast<int>(buffers.size()) - 1;
}

const LiteBuffer* LiteModel::buffer_of(const LiteSubgraph& graph, int tensor) const {
  if (tensor < 0) return nullptr;
  const int b = graph.tensors[tensor].buffer;
  return b < 0 ? nullptr : &buffers[b];
}

LiteSubgraph& LiteModel::subgraph(int index) {
  if (index == focus_) return *this;
  // The main subgraph waits in the focused one's place.
  return bodies[(index == 0 ? focus_ : index) - 1];
}

const LiteSubgraph& LiteModel::subgraph(int index) const {
  return const_cast<LiteModel*>(this)->subgraph(index);
}

size_t LiteModel::operator_count() const {
  size_t count = 0;
  for (int s = 0; s < subgraph_count(); ++s) count += subgraph(s).operators.size();
  return count;
}

int LiteModel::AddSubgraph(std::string name) {
  LiteSubgraph graph;
  graph.name = std::move(name);
  bodies.push_back(std::move(graph));
  return subgraph_count() - 1;
}

void LiteModel::Focus(int index) {
  if (index == focus_) return;
  LiteSubgraph& own = *this;
  if (focus_ != 0) std::swap(own, bodies[focus_ - 1]);
  if (index != 0) std::swap(own, bodies[index - 1]);
  focus_ = index;
}

std::string LiteSubgraph::OpName(const LiteOperator& op) const {
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
