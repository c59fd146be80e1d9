// The TFLite-side IR: a model of one or more subgraphs sharing its buffers,
// with builtin options kept as the schema's object-API unions.
// Legalization builds it, the Lite passes and the fp16 transform rewrite it,
// and ExportModel() serializes it.
//
// Subgraph 0 (the main graph) is the model's own LiteSubgraph fields, so
// code that knows one subgraph reads `model.tensors` and `model.operators`;
// subgraphs 1..n (WHILE conditions and bodies, IF branches: see
// control_flow.h) are `model.bodies`. Tensor indices are local to their
// subgraph; buffer indices are the model's.
#ifndef TFLCONV_CORE_LITE_LITE_MODEL_H_
#define TFLCONV_CORE_LITE_LITE_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/lite/lite_buffer.h"
#include "core/lite/schema/tflite_schema_generated.h"

namespace tflconv {

struct LiteTensor {
  std::string name;
  tflite::TensorType type = tflite::TensorType_FLOAT32;
  std::vector<int32_t> shape;            // -1 marks a dynamic dimension
  bool has_rank = true;
  int buffer = -1;                       // index into LiteModel::buffers
};

struct LiteOperator {
  tflite::BuiltinOperator builtin = tflite::BuiltinOperator_CUSTOM;
  std::string custom_code;               // for CUSTOM: "FlexConv3D", ...
  int version = 1;
  std::vector<int> inputs;               // -1 is an omitted optional input
  std::vector<int> outputs;
  tflite::BuiltinOptionsUnion options;
  std::vector<uint8_t> custom_options;   // flexbuffer for Flex/custom ops
  std::string tf_node;                   // the TF node it came from
};

struct LiteSubgraph {
  std::string name;                      // the flatbuffer SubGraph's name
  std::vector<LiteTensor> tensors;
  std::vector<LiteOperator> operators;   // in execution order
  std::vector<int> inputs;
  std::vector<int> outputs;

  int AddTensor(LiteTensor tensor);
  std::string OpName(const LiteOperator& op) const;  // "CONV_2D", "FlexFoo"
};

class SubgraphFocus;

struct LiteModel : LiteSubgraph {
  LiteModel() { name = "main"; }

  std::vector<LiteBuffer> buffers;
  // Signature names of the main subgraph's inputs/outputs (the TF array
  // names without ":0").
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
  // Subgraph i of the flatbuffer is bodies[i - 1]; WHILE and IF options
  // refer to subgraphs by that index.
  std::vector<LiteSubgraph> bodies;

  int AddBuffer(LiteBuffer buffer);
  // The constant data of `tensor` of this model's own fields, or nullptr.
  const LiteBuffer* buffer_of(int tensor) const { return buffer_of(*this, tensor); }
  const LiteBuffer* buffer_of(const LiteSubgraph& graph, int tensor) const;
  bool is_constant(int tensor) const { return buffer_of(tensor) != nullptr; }

  int subgraph_count() const { return 1 + static_cast<int>(bodies.size()); }
  // The operators of every subgraph.
  size_t operator_count() const;
  // Subgraph `index` (0 <= index < subgraph_count()), wherever a
  // SubgraphFocus has put it. References stay valid until AddSubgraph().
  LiteSubgraph& subgraph(int index);
  const LiteSubgraph& subgraph(int index) const;
  // Appends an empty subgraph named `name`; returns its flatbuffer index.
  int AddSubgraph(std::string name);
  // The subgraph this model's own fields hold (0 unless a SubgraphFocus is
  // alive).
  int focused_subgraph() const { return focus_; }

 private:
  friend class SubgraphFocus;
  // Puts subgraph `index` into this model's own fields (and the one there
  // back in its place).
  void Focus(int index);
  int focus_ = 0;  // the subgraph held by the own fields
};

// While alive, the model's own fields (`tensors`, `operators`, `inputs`,
// `outputs`, AddTensor, buffer_of) hold subgraph `index`, so legalization
// rules, which build `model.tensors` and `model.operators`, build that
// subgraph; AddBuffer still adds to the shared buffers. Scopes nest; each
// restores the subgraph that was in focus before it.
class SubgraphFocus {
 public:
  SubgraphFocus(LiteModel& model, int index) : model_(model), previous_(model.focus_) {
    model_.Focus(index);
  }
  ~SubgraphFocus() { model_.Focus(previous_); }
  SubgraphFocus(const SubgraphFocus&) = delete;
  SubgraphFocus& operator=(const SubgraphFocus&) = delete;

 private:
  LiteModel& model_;
  int previous_;
};

int TensorTypeSize(tflite::TensorType type);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_LITE_MODEL_H_
