// The legalization rule interface: what one TF op (or op family) knows.
// A rule infers its outputs' dtypes and shapes (computing their values when
// its inputs are constant: that is constant folding) and emits the TFLite
// operators it becomes. Rules live one family per file in core/legalize/
// and are listed in registry.cc.
#ifndef TFLCONV_CORE_LEGALIZE_RULE_H_
#define TFLCONV_CORE_LEGALIZE_RULE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/graph/graph.h"
#include "core/graph/import.h"
#include "core/lite/lite_model.h"

namespace tflconv {

class InferContext {
 public:
  InferContext(Graph& graph, int node, const ResolvedLimits& limits)
      : graph_(graph), node_(graph.nodes[node]), limits_(limits) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  const OutputInfo& input(int i) const { return graph_.info(node_.inputs[i]); }
  DataType input_dtype(int i) const { return input(i).dtype; }
  const Shape& input_shape(int i) const { return input(i).shape; }
  // The constant value of input i, or nullptr.
  const Tensor* input_value(int i) const {
    return input(i).value ? &*input(i).value : nullptr;
  }
  bool all_inputs_constant() const;

  void SetOutput(int i, DataType dtype, Shape shape);
  // A constant output: dtype and shape come from the value.
  void SetValue(int i, Tensor value);
  // A zero tensor for a folded result, within limits.max_tensor_elements.
  absl::StatusOr<Tensor> NewTensor(DataType dtype, const Dims& dims) const;
  // Decodes a constant of the graph; it aliases the GraphDef's bytes.
  absl::StatusOr<Tensor> NewConstantFromProto(const tensorflow::TensorProto& proto) const;

  // Checks the input count; errors name the node.
  absl::Status ExpectInputs(int min, int max = -1) const;
  absl::Status Invalid(absl::string_view message) const {
    return NodeInvalid(node_, message);
  }

 private:
  Graph& graph_;
  Node& node_;
  const ResolvedLimits& limits_;
};

class LegalizeContext {
 public:
  LegalizeContext(const Graph& graph, int node, LiteModel& model,
                  absl::flat_hash_map<Endpoint, int>& tensor_of)
      : graph_(graph), node_index_(node), node_(graph.nodes[node]),
        model_(model), tensor_of_(tensor_of) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  const OutputInfo& input(int i) const { return graph_.info(node_.inputs[i]); }
  const Tensor* input_value(int i) const {
    return input(i).value ? &*input(i).value : nullptr;
  }
  const OutputInfo& output(int i) const { return node_.outputs[i]; }
  const Shape& input_shape(int i) const { return input(i).shape; }

  // The Lite tensor of input i; a constant input becomes a constant tensor
  // (made once per TF tensor).
  absl::StatusOr<int> Input(int i);
  // The Lite tensor of output i.
  int Output(int i);
  // A new constant tensor named "<node>/<suffix>".
  int Constant(const Tensor& value, absl::string_view suffix);
  // A new float32 constant "<node>/<suffix>" of shape `dims` that stores
  // `transform` of `value`, applied when the model is exported.
  int Weights(const Tensor& value, const Dims& dims, WeightTransform transform,
              absl::string_view suffix);
  // A new intermediate tensor named "<node>/<suffix>".
  int Intermediate(DataType dtype, const Shape& shape, absl::string_view suffix);

  // Output `output` is input `input` itself (Identity and friends).
  absl::Status Forward(int output, int input);

  LiteOperator& Emit(tflite::BuiltinOperator op, std::vector<int> inputs,
                     std::vector<int> outputs,
                     tflite::BuiltinOptionsUnion options = {});

  // A case TFLite builtins cannot express (a computed filter, an option
  // without a builtin equivalent): UNIMPLEMENTED, so the legalizer can keep
  // the node as a Flex op when SELECT_TF_OPS allows it.
  absl::Status Unsupported(absl::string_view what) const {
    return NodeError(absl::StatusCode::kUnimplemented, node_,
                     absl::StrCat("unsupported: ", what));
  }
  LiteModel& model() { return model_; }

 private:
  const Graph& graph_;
  int node_index_;
  const Node& node_;
  LiteModel& model_;
  absl::flat_hash_map<Endpoint, int>& tensor_of_;
};

struct OpRule {
  absl::Status (*infer)(InferContext&) = nullptr;
  // Null for ops that only fold (Shape on static shapes) or vanish.
  absl::Status (*legalize)(LegalizeContext&) = nullptr;
};

// TF dtype to TFLite tensor type; INVALID_ARGUMENT for types TFLite lacks.
absl::StatusOr<tflite::TensorType> ToLiteType(DataType dtype);
// Lite shape from an inferred shape (unknown dims stay -1).
std::vector<int32_t> ToLiteShape(const Shape& shape);

// Adds a constant tensor named `name` whose buffer shares `value`'s bytes.
int AddConstantTensor(LiteModel& model, std::string name, const Tensor& value);
// Adds a float32 constant of shape `dims` whose buffer is `transform` of
// `value`'s bytes.
int AddWeightsTensor(LiteModel& model, std::string name, const Tensor& value, const Dims& dims,
                     WeightTransform transform);

// Shorthands for rules.
template <typename T>
tflite::BuiltinOptionsUnion MakeOptions(T&& options) {
  tflite::BuiltinOptionsUnion u;
  u.Set(std::forward<T>(options));
  return u;
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_RULE_H_
