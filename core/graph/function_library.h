// A GraphDef's function library and the inlining of one function call:
// the body's nodes are appended to the graph under the caller's scope, the
// FunctionDef reference format ("arg", "arg:i", "node:out", "node:out:i") is
// translated to GraphDef tensor names, and attribute placeholders are bound
// from the call. functional.h builds calls, conds and loops on top of this.
#ifndef TFLCONV_CORE_GRAPH_FUNCTION_LIBRARY_H_
#define TFLCONV_CORE_GRAPH_FUNCTION_LIBRARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/graph/tensor.h"
#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv {

using AttrMap = google::protobuf::Map<std::string, tensorflow::AttrValue>;

// The node names of a GraphDef, and fresh names beside them.
class NameScope {
 public:
  explicit NameScope(const tensorflow::GraphDef& graph);
  // `base` when no node has it yet, else the first free "base_<k>".
  std::string Fresh(absl::string_view base);

 private:
  absl::flat_hash_set<std::string> taken_;
  absl::flat_hash_map<std::string, int> next_suffix_;
};

// Who calls a function and with what, for inlining and for error messages.
struct FunctionCall {
  std::string caller;      // the graph node that calls (If, While, PartitionedCall, ...)
  std::string caller_op;
  std::string field;       // what names the function: "attribute 'f'", "the node's op"
  std::string function;
  const AttrMap* bindings = nullptr;  // values for the function's attr placeholders
  std::string scope;                  // body node "n" becomes "<scope>/n"
  std::vector<std::string> inputs;    // one GraphDef tensor per flat input arg
  // When set, body nodes without inputs (and nested calls) get a control
  // input from this node, which keeps them in the caller's frame or branch,
  // as TensorFlow's inliner does.
  std::string frame_control;
};

struct InlinedFunction {
  std::vector<std::string> outputs;  // one GraphDef tensor per flat output arg
  std::vector<DataType> output_dtypes;
  int first_node = 0;  // the appended nodes are [first_node, graph.node_size())
};

// An error about a call: "node 'c' (If): function 'f' (attribute
// 'then_branch'): <message>".
absl::Status CallError(const FunctionCall& call, absl::string_view message);

// The attribute `name` of `node`, or nullptr.
const tensorflow::AttrValue* FindNodeDefAttr(const tensorflow::NodeDef& node,
                                             const std::string& name);

class FunctionLibrary {
 public:
  // `library` must outlive this.
  explicit FunctionLibrary(const tensorflow::FunctionDefLibrary& library);

  const tensorflow::FunctionDef* Find(absl::string_view name) const;
  bool empty() const { return by_name_.empty(); }

  // Whether `node` calls a function: If, While, a PartitionedCall or an op
  // named after a library function.
  bool IsFunctionalOp(const tensorflow::NodeDef& node) const;

  // The dtypes of the function's flat inputs, list args expanded with the
  // call's bindings.
  absl::StatusOr<std::vector<DataType>> InputTypes(const FunctionCall& call) const;

  // Appends the body of `call.function` to `graph` (at most `max_nodes`
  // nodes in all) and returns the tensors of its outputs.
  absl::StatusOr<InlinedFunction> Inline(const FunctionCall& call, uint64_t max_nodes,
                                         tensorflow::GraphDef& graph, NameScope& names) const;

  // Whether OutputArgRange knows the op's output args (rather than taking
  // it to have one output).
  bool KnowsOutputArgs(const tensorflow::NodeDef& node) const;

  // The flat output range [first, first + count) of output arg `arg` of a
  // node: from the signature of a library function, the output args of the
  // multi-output ops TensorFlow graphs use, or one output for other ops.
  absl::StatusOr<std::pair<int, int>> OutputArgRange(const tensorflow::NodeDef& node,
                                                     absl::string_view arg) const;

 private:
  absl::flat_hash_map<std::string, const tensorflow::FunctionDef*> by_name_;
};

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_FUNCTION_LIBRARY_H_
