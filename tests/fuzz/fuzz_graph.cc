#include "tests/fuzz/fuzz_graph.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace tflconv::fuzz {
namespace {

constexpr int kMaxOutputs = 4;

// The node an input string names ("^name", "name:k", "name").
absl::string_view InputNode(absl::string_view input) {
  if (!input.empty() && input[0] == '^') input.remove_prefix(1);
  return input.substr(0, input.find(':'));
}

}  // namespace

v1::Limits FuzzLimits() {
  v1::Limits limits;
  limits.set_max_graph_bytes(1 << 20);
  limits.set_max_nodes(4096);
  limits.set_max_tensor_elements(1 << 16);
  return limits;
}

v1::ConversionOptions FuzzOptions(const tensorflow::GraphDef& graph) {
  v1::ConversionOptions options;
  absl::flat_hash_set<absl::string_view> consumed;
  for (const tensorflow::NodeDef& node : graph.node()) {
    for (const std::string& input : node.input()) consumed.insert(InputNode(input));
  }
  for (const tensorflow::NodeDef& node : graph.node()) {
    if (node.op() == "Placeholder" && !node.name().empty()) {
      options.add_input_arrays()->set_name(node.name());
    }
  }
  for (const tensorflow::NodeDef& node : graph.node()) {
    if (options.output_arrays_size() == kMaxOutputs) break;
    if (!node.name().empty() && !consumed.contains(node.name())) {
      options.add_output_arrays(node.name());
    }
  }
  if (options.output_arrays().empty() && graph.node_size() > 0) {
    options.add_output_arrays(graph.node(graph.node_size() - 1).name());
  }
  options.add_target_ops(v1::TFLITE_BUILTINS);
  options.add_target_ops(v1::SELECT_TF_OPS);
  options.set_allow_custom_ops(true);
  // The fp16 artifact is built from the fp32 model and goes through the
  // same exporter: one export per execution covers both.
  options.add_artifacts(v1::FP16);
  *options.mutable_limits() = FuzzLimits();
  return options;
}

}  // namespace tflconv::fuzz
