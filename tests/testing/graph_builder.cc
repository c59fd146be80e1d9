#include "tests/testing/graph_builder.h"

#include <cstring>

#include <gtest/gtest.h>

#include "google/protobuf/text_format.h"

namespace tflconv::testing {
namespace {

tensorflow::AttrValue& AttrOf(tensorflow::NodeDef& node, const std::string& name) {
  return (*node.mutable_attr())[name];
}

template <typename T>
std::string ConstNode(tensorflow::GraphDef& graph, const std::string& name,
                      tensorflow::DataType dtype, const std::vector<int64_t>& shape,
                      const std::vector<T>& values) {
  tensorflow::NodeDef* node = graph.add_node();
  node->set_name(name);
  node->set_op("Const");
  AttrType(*node, "dtype", dtype);
  tensorflow::TensorProto* tensor = AttrOf(*node, "value").mutable_tensor();
  tensor->set_dtype(dtype);
  for (int64_t d : shape) tensor->mutable_tensor_shape()->add_dim()->set_size(d);
  tensor->set_tensor_content(std::string(reinterpret_cast<const char*>(values.data()),
                                         values.size() * sizeof(T)));
  return name;
}

template <typename T>
std::vector<T> BufferValues(const tflite::Model* model, int tensor_index) {
  const tflite::Tensor* tensor = TensorAt(model, tensor_index);
  const tflite::Buffer* buffer = model->buffers()->Get(tensor->buffer());
  if (buffer->data() == nullptr) return {};
  std::vector<T> values(buffer->data()->size() / sizeof(T));
  std::memcpy(values.data(), buffer->data()->data(), values.size() * sizeof(T));
  return values;
}

}  // namespace

std::string GraphBuilder::Placeholder(const std::string& name, tensorflow::DataType dtype,
                                      std::vector<int64_t> shape) {
  tensorflow::NodeDef& node = Op("Placeholder", name, {});
  AttrType(node, "dtype", dtype);
  auto* proto = AttrOf(node, "shape").mutable_shape();
  for (int64_t d : shape) proto->add_dim()->set_size(d);
  return name;
}

std::string GraphBuilder::ConstFloat(const std::string& name, std::vector<int64_t> shape,
                                     std::vector<float> values) {
  return ConstNode(graph_, name, tensorflow::DT_FLOAT, shape, values);
}

std::string GraphBuilder::ConstInt(const std::string& name, std::vector<int64_t> shape,
                                   std::vector<int32_t> values) {
  return ConstNode(graph_, name, tensorflow::DT_INT32, shape, values);
}

std::string GraphBuilder::ConstInt64(const std::string& name, std::vector<int64_t> shape,
                                     std::vector<int64_t> values) {
  return ConstNode(graph_, name, tensorflow::DT_INT64, shape, values);
}

tensorflow::NodeDef& GraphBuilder::Op(const std::string& op, const std::string& name,
                                      std::vector<std::string> inputs) {
  tensorflow::NodeDef* node = graph_.add_node();
  node->set_name(name);
  node->set_op(op);
  for (std::string& input : inputs) node->add_input(std::move(input));
  return *node;
}

void GraphBuilder::AddControlInput(const std::string& name, const std::string& source) {
  for (tensorflow::NodeDef& node : *graph_.mutable_node()) {
    if (node.name() == name) node.add_input("^" + source);
  }
}

std::string GraphBuilder::Text() const {
  std::string text;
  google::protobuf::TextFormat::PrintToString(graph_, &text);
  return text;
}

void AttrType(tensorflow::NodeDef& node, const std::string& name, tensorflow::DataType type) {
  AttrOf(node, name).set_type(type);
}
void AttrInt(tensorflow::NodeDef& node, const std::string& name, int64_t value) {
  AttrOf(node, name).set_i(value);
}
void AttrFloat(tensorflow::NodeDef& node, const std::string& name, float value) {
  AttrOf(node, name).set_f(value);
}
void AttrBool(tensorflow::NodeDef& node, const std::string& name, bool value) {
  AttrOf(node, name).set_b(value);
}
void AttrString(tensorflow::NodeDef& node, const std::string& name, const std::string& value) {
  AttrOf(node, name).set_s(value);
}
void AttrInts(tensorflow::NodeDef& node, const std::string& name, std::vector<int64_t> values) {
  auto* list = AttrOf(node, name).mutable_list();
  for (int64_t v : values) list->add_i(v);
}
void AttrStrings(tensorflow::NodeDef& node, const std::string& name,
                 std::vector<std::string> values) {
  auto* list = AttrOf(node, name).mutable_list();
  for (std::string& v : values) list->add_s(std::move(v));
}

v1::ConversionOptions Options(std::vector<std::string> inputs, std::vector<std::string> outputs,
                              bool fp16) {
  v1::ConversionOptions options;
  for (std::string& name : inputs) options.add_input_arrays()->set_name(std::move(name));
  for (std::string& name : outputs) options.add_output_arrays(std::move(name));
  options.add_artifacts(v1::FP32);
  if (fp16) options.add_artifacts(v1::FP16);
  return options;
}

ConversionResult ConvertGraph(const GraphBuilder& builder, const v1::ConversionOptions& options) {
  return Convert(builder.Binary(), options);
}

const tflite::Model* ConvertOk(const GraphBuilder& builder, std::vector<std::string> inputs,
                               std::vector<std::string> outputs, ConversionResult& result) {
  result = ConvertGraph(builder, Options(std::move(inputs), std::move(outputs)));
  EXPECT_TRUE(result.status.ok()) << result.status;
  if (!result.status.ok() || result.artifacts.empty()) return nullptr;
  return ModelOf(result.artifacts[0]);
}

const tflite::Model* ModelOf(const Artifact& artifact) {
  return tflite::GetModel(artifact.bytes.data());
}

std::vector<std::string> OperatorNames(const tflite::Model* model, int subgraph) {
  std::vector<std::string> names;
  const auto* ops = model->subgraphs()->Get(subgraph)->operators();
  for (size_t i = 0; ops && i < ops->size(); ++i) {
    const auto* code = model->operator_codes()->Get(ops->Get(i)->opcode_index());
    if (code->builtin_code() == tflite::BuiltinOperator_CUSTOM) {
      names.push_back(code->custom_code()->str());
    } else {
      names.push_back(tflite::EnumNameBuiltinOperator(code->builtin_code()));
    }
  }
  return names;
}

const tflite::Operator* OperatorAt(const tflite::Model* model, int i) {
  return model->subgraphs()->Get(0)->operators()->Get(i);
}

const tflite::Tensor* TensorAt(const tflite::Model* model, int index) {
  return model->subgraphs()->Get(0)->tensors()->Get(index);
}

std::vector<float> FloatBuffer(const tflite::Model* model, int tensor_index) {
  return BufferValues<float>(model, tensor_index);
}

std::vector<int32_t> Int32Buffer(const tflite::Model* model, int tensor_index) {
  return BufferValues<int32_t>(model, tensor_index);
}

std::vector<int64_t> Int64Buffer(const tflite::Model* model, int tensor_index) {
  return BufferValues<int64_t>(model, tensor_index);
}

namespace {

template <typename Dims>
std::vector<int32_t> DimsOf(const Dims* dims) {
  return dims ? std::vector<int32_t>(dims->begin(), dims->end()) : std::vector<int32_t>{};
}

}  // namespace

std::vector<int32_t> ShapeOf(const tflite::Model* model, int tensor_index) {
  return DimsOf(TensorAt(model, tensor_index)->shape());
}

std::vector<int32_t> SignatureOf(const tflite::Model* model, int tensor_index) {
  return DimsOf(TensorAt(model, tensor_index)->shape_signature());
}

}  // namespace tflconv::testing
