// Builds small GraphDefs in C++ for the unit tests and converts them, so a
// test reads like the graph it checks.
#ifndef TFLCONV_TESTS_TESTING_GRAPH_BUILDER_H_
#define TFLCONV_TESTS_TESTING_GRAPH_BUILDER_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "core/convert.h"
#include "core/lite/schema/tflite_schema_generated.h"
#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv::testing {

class GraphBuilder {
 public:
  // A Placeholder with dtype and shape attributes; returns its name.
  std::string Placeholder(const std::string& name, tensorflow::DataType dtype,
                          std::vector<int64_t> shape);
  // Const nodes (tensor_content encoding).
  std::string ConstFloat(const std::string& name, std::vector<int64_t> shape,
                         std::vector<float> values);
  std::string ConstInt(const std::string& name, std::vector<int64_t> shape,
                       std::vector<int32_t> values);
  // An int64 Const node (ConstInt writes int32).
  std::string ConstInt64(const std::string& name, std::vector<int64_t> shape,
                         std::vector<int64_t> values);
  // Any op; set attributes on the returned NodeDef with the Attr* helpers.
  tensorflow::NodeDef& Op(const std::string& op, const std::string& name,
                          std::vector<std::string> inputs);

  // Adds a control edge "^source" to node `name` (as TensorFlow ties a
  // loop body's or cond branch's constants to its frame).
  void AddControlInput(const std::string& name, const std::string& source);

  const tensorflow::GraphDef& graph() const { return graph_; }
  std::string Binary() const { return graph_.SerializeAsString(); }
  std::string Text() const;

 private:
  tensorflow::GraphDef graph_;
};

void AttrType(tensorflow::NodeDef& node, const std::string& name, tensorflow::DataType type);
void AttrInt(tensorflow::NodeDef& node, const std::string& name, int64_t value);
void AttrFloat(tensorflow::NodeDef& node, const std::string& name, float value);
void AttrBool(tensorflow::NodeDef& node, const std::string& name, bool value);
void AttrString(tensorflow::NodeDef& node, const std::string& name, const std::string& value);
void AttrInts(tensorflow::NodeDef& node, const std::string& name, std::vector<int64_t> values);
void AttrStrings(tensorflow::NodeDef& node, const std::string& name,
                 std::vector<std::string> values);

// Options for the usual test: named inputs (shapes from the graph) and
// outputs, fp32 only unless `fp16`.
v1::ConversionOptions Options(std::vector<std::string> inputs, std::vector<std::string> outputs,
                              bool fp16 = false);

// Converts and returns the result (status, artifacts, report).
ConversionResult ConvertGraph(const GraphBuilder& builder, const v1::ConversionOptions& options);
// Converts into `result` and returns the fp32 model; on errors fails the test, returns nullptr.
const tflite::Model* ConvertOk(const GraphBuilder& builder, std::vector<std::string> inputs,
                               std::vector<std::string> outputs, ConversionResult& result);

// Views of an exported artifact.
const tflite::Model* ModelOf(const Artifact& artifact);
// Operator names of subgraph `subgraph` in execution order: "CONV_2D", "FlexFoo", ...
std::vector<std::string> OperatorNames(const tflite::Model* model, int subgraph = 0);
// The i-th operator of subgraph 0.
const tflite::Operator* OperatorAt(const tflite::Model* model, int i);
// Tensor `index` of subgraph 0 and the float values of its buffer.
const tflite::Tensor* TensorAt(const tflite::Model* model, int index);
std::vector<float> FloatBuffer(const tflite::Model* model, int tensor_index);
std::vector<int32_t> Int32Buffer(const tflite::Model* model, int tensor_index);
// The int64 values of tensor `tensor_index`'s buffer ({} if it has no data).
std::vector<int64_t> Int64Buffer(const tflite::Model* model, int tensor_index);
// The shape of tensor `tensor_index` of subgraph 0 ({} if it has none).
std::vector<int32_t> ShapeOf(const tflite::Model* model, int tensor_index);
// The shape_signature of tensor `tensor_index` of subgraph 0 ({} if it has none).
std::vector<int32_t> SignatureOf(const tflite::Model* model, int tensor_index);

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_GRAPH_BUILDER_H_
