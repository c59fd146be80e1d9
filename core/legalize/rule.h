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

// The most outputs a node may have (Split's num_split, an "x:k" input):
// each costs memory while converting, known shape or not.
inline constexpr int kMaxNodeOutputs = 1 << 16;

// Input i of `node`, or an unknown non-constant stand-in when it has none.
const OutputInfo& InputInfo(const Graph& graph, const Node& node, int i);

// The bytes constant folding may still create in one conversion
// (limits.max_folded_bytes), shared by every rule it runs.
class FoldBudget {
 public:
  explicit FoldBudget(uint64_t limit) : limit_(limit) {}
  // Takes `bytes` when they fit; false, taking nothing, when they do not.
  bool Take(uint64_t bytes);
  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_; }
  uint64_t left() const { return limit_ - used_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
};

class InferContext {
 public:
  InferContext(Graph& graph, int node, const ResolvedLimits& limits, FoldBudget& budget)
      : graph_(graph), node_(graph.nodes[node]), limits_(limits), budget_(budget) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  // Input i; past the node's inputs, an unknown non-constant one (rules
  // that check their input count report it; the rest see nothing to fold).
  const OutputInfo& input(int i) const { return InputInfo(graph_, node_, i); }
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
  // A zero tensor for a folded result, within limits.max_tensor_elements
  // (else RESOURCE_EXHAUSTED) and taken from the fold budget (see Reserve).
  absl::StatusOr<Tensor> NewTensor(DataType dtype, const Dims& dims);
  // Takes `bytes` a fold is about to allocate (results, index tables,
  // converted copies) from the budget. When they do not fit, the fold is
  // declined: the error returned ends the rule, and the legalizer keeps the
  // node's outputs unfolded, so its op runs in the model.
  absl::Status Reserve(uint64_t bytes);
  // Reserve() of `elements` entries of `element_bytes` each.
  absl::Status Reserve(int64_t elements, size_t element_bytes) {
    return Reserve(static_cast<uint64_t>(elements) * element_bytes);
  }
  bool fold_declined() const { return fold_declined_; }
  // Decodes a constant of the graph; it aliases the GraphDef's bytes. A
  // constant expanded beyond what the graph stores takes the difference
  // from the budget, or fails with RESOURCE_EXHAUSTED (a Const cannot stay
  // unfolded).
  absl::StatusOr<Tensor> NewConstantFromProto(const tensorflow::TensorProto& proto);

  // Checks the input count; errors name the node.
  absl::Status ExpectInputs(int min, int max = -1) const;
  absl::Status Invalid(absl::string_view message) const {
    return NodeInvalid(node_, message);
  }

 private:
  Graph& graph_;
  Node& node_;
  const ResolvedLimits& limits_;
  FoldBudget& budget_;
  bool fold_declined_ = false;
};

class LegalizeContext {
 public:
  LegalizeContext(const Graph& graph, int node, LiteModel& model,
                  absl::flat_hash_map<Endpoint, int>& tensor_of)
      : graph_(graph), node_index_(node), node_(graph.nodes[node]),
        model_(model), tensor_of_(tensor_of) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  const OutputInfo& input(int i) const { return InputInfo(graph_, node_, i); }
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
