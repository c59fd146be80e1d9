// The TensorFlow-side IR: the nodes of a frozen GraphDef with resolved data
// edges and, once inferred, each output's dtype, shape and constant value.
// Node attributes stay in the NodeDef, which the Graph keeps alive.
#ifndef TFLCONV_CORE_GRAPH_GRAPH_H_
#define TFLCONV_CORE_GRAPH_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/graph/tensor.h"
#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv {

// A static or partly static shape: dims of -1 are unknown.
struct Shape {
  bool known_rank = false;
  Dims dims;

  static Shape Unknown() { return {}; }
  static Shape Of(Dims d) { return {true, std::move(d)}; }
  int rank() const { return known_rank ? static_cast<int>(dims.size()) : -1; }
  bool fully_defined() const;
  // True when both can describe one tensor: an unknown rank or dim matches
  // anything (TensorFlow's PartialTensorShape::IsCompatibleWith).
  bool CompatibleWith(const Shape& other) const;
  std::string ToString() const;  // "[1,?,3]" or "<unknown rank>"
  bool operator==(const Shape& o) const {
    return known_rank == o.known_rank && dims == o.dims;
  }
};

// Output `index` of node `node` (an index into Graph::nodes).
struct Endpoint {
  int node = -1;
  int index = 0;
  bool operator==(const Endpoint& o) const {
    return node == o.node && index == o.index;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Endpoint& e) {
    return H::combine(std::move(h), e.node, e.index);
  }
};

struct OutputInfo {
  DataType dtype = tensorflow::DT_INVALID;
  Shape shape;
  std::optional<Tensor> value;  // set when the output is a known constant
};

struct Node {
  std::string name;
  std::string op;
  const tensorflow::NodeDef* def = nullptr;  // attributes
  std::vector<Endpoint> inputs;              // data inputs, in order
  std::vector<OutputInfo> outputs;           // filled by inference
  // Sources of control edges ("^node"), kept only in graphs with v1 control
  // flow: there they tie constants to a loop frame or a cond branch, which
  // decides whether the node runs.
  std::vector<int> control_inputs;
  bool is_model_input = false;               // cut here by input_arrays
  bool runs_regions = false;  // a While or If of control-flow lowering
  int num_consumers = 0;                     // data edges, after pruning
};

// A GraphDef as parsed from the caller's bytes. Large Const tensor_content
// is not copied into `def`: `tensor_contents` points into the parsed bytes,
// which must outlive this and everything made from it (a conversion's Graph
// and LiteModel).
struct ParsedGraphDef {
  tensorflow::GraphDef def;
  absl::flat_hash_map<const tensorflow::TensorProto*, absl::string_view> tensor_contents;
  // If, While and function calls lowered to v1 control flow (functional.h).
  int functional_ops_lowered = 0;

  // The proto's tensor_content, wherever it is kept.
  absl::string_view TensorContent(const tensorflow::TensorProto& proto) const;
};

struct Graph;

// A graph a lowered WHILE or IF runs (control-flow lowering): its inputs
// are the operator's operands, `outputs` what it returns. A WHILE's cond
// and body share one graph and differ in their outputs.
struct Region {
  std::string name;  // the Lite subgraph's name
  std::shared_ptr<const Graph> graph;
  std::vector<Endpoint> outputs;
  std::vector<std::string> output_names;
};

struct Graph {
  // Owns the NodeDefs the nodes point into and the tensor_content the
  // constants alias.
  std::shared_ptr<const ParsedGraphDef> parsed;
  std::vector<Node> nodes;
  absl::flat_hash_map<std::string, int> by_name;
  std::vector<Endpoint> inputs;  // one per input array, in order
  std::vector<std::string> input_names;
  std::vector<Endpoint> outputs;  // one per output array, in order
  std::vector<std::string> output_names;
  // NodeDefs of the nodes a pass made (control-flow lowering's Pack,
  // Unpack, Identity, Const), which their nodes point into.
  std::vector<std::unique_ptr<tensorflow::NodeDef>> made_defs;
  // What the While and If nodes control-flow lowering made (runs_regions)
  // run, by the index their "_*_region" attributes hold.
  std::vector<Region> regions;

  const OutputInfo& info(Endpoint e) const {
    return nodes[e.node].outputs[e.index];
  }
  OutputInfo& info(Endpoint e) { return nodes[e.node].outputs[e.index]; }
  // TensorFlow's tensor name: "node" for output 0, "node:k" otherwise.
  std::string TensorName(Endpoint e) const;
};

// Splits "node:k" into ("node", k); "node" is ("node", 0).
absl::StatusOr<std::pair<std::string, int>> ParseTensorName(
    absl::string_view name);

// A shape from its proto form (unknown_rank and -1 dims stay unknown).
Shape ShapeFromProto(const tensorflow::TensorShapeProto& proto);

// The dtype a node declares for its output in its own type attribute, or
// DT_INVALID. "dtype" comes first: ops that have both (RandomUniform) type
// an input with "T".
DataType DtypeFromAttrs(const Node& node);

// Attribute access with errors that name the node and attribute.
const tensorflow::AttrValue* FindAttr(const Node& node, absl::string_view name);
absl::StatusOr<int64_t> GetIntAttr(const Node& node, absl::string_view name,
                                   std::optional<int64_t> fallback = {});
absl::StatusOr<float> GetFloatAttr(const Node& node, absl::string_view name,
                                   std::optional<float> fallback = {});
absl::StatusOr<bool> GetBoolAttr(const Node& node, absl::string_view name,
                                 std::optional<bool> fallback = {});
absl::StatusOr<std::string> GetStringAttr(
    const Node& node, absl::string_view name,
    std::optional<std::string> fallback = {});
absl::StatusOr<DataType> GetTypeAttr(const Node& node, absl::string_view name,
                                     std::optional<DataType> fallback = {});
absl::StatusOr<std::vector<int64_t>> GetIntListAttr(
    const Node& node, absl::string_view name,
    std::optional<std::vector<int64_t>> fallback = {});

// An error about `node`, prefixed with its name and op so the user can find
// it: "node 'conv1/Conv2D' (Conv2D): <message>".
absl::Status NodeError(absl::StatusCode code, const Node& node,
                       absl::string_view message);
inline absl::Status NodeInvalid(const Node& node, absl::string_view message) {
  return NodeError(absl::StatusCode::kInvalidArgument, node, message);
}

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_GRAPH_H_
