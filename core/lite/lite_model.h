// The TFLite-side IR: tensors, buffers and operators of one subgraph, with
// builtin options kept as the schema's object-API unions. Legalization
// builds it, the Lite passes and the fp16 transform rewrite it, and
// ExportModel() serializes it.
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

struct LiteModel {
  std::vector<LiteTensor> tensors;
  std::vector<LiteBuffer> buffers;
  std::vector<LiteOperator> operators;   // in execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  // Signature names of inputs/outputs (the TF array names without ":0").
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;

  int AddTensor(LiteTensor tensor);
  int AddBuffer(LiteBuffer buffer);
  const LiteBuffer* buffer_of(int tensor) const;
  bool is_constant(int tensor) const { return buffer_of(tensor) != nullptr; }
  std::string OpName(const LiteOperator& op) const;  // "CONV_2D", "FlexFoo"
};

int TensorTypeSize(tflite::TensorType type);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_LITE_MODEL_H_
