#include "core/graph/import.h"

#include <algorithm>
#include <deque>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/graph/functional.h"
#include "core/graph/wire_split.h"
#include "core/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace tflconv {

ResolvedLimits ResolveLimits(const v1::Limits& limits) {
  auto pick = [](uint64_t value, uint64_t fallback) {
    return value != 0 ? value : fallback;
  };
  return {pick(limits.max_graph_bytes(), kDefaultMaxGraphBytes),
          pick(limits.max_nodes(), kDefaultMaxNodes),
          std::min<uint64_t>(pick(limits.max_tensor_elements(), kDefaultMaxTensorElements),
                             std::numeric_limits<int32_t>::max()),
          pick(limits.max_folded_bytes(), kDefaultMaxFoldedBytes)};
}

namespace {

// Smaller payloads are cheaper to copy than to look up.
constexpr size_t kMinUncopiedContentBytes = 1024;

// The nesting the binary parser allows (protobuf's default); the text parser
// would otherwise recurse until the stack overflows.
constexpr int kMaxMessageNesting = 100;

// Text GraphDefs are printable; binary ones start with a field tag and hold
// raw floats, so a control byte early on means binary.
bool LooksLikeText(absl::string_view bytes) {
  const size_t probe = std::min<size_t>(bytes.size(), 4096);
  if (probe == 0) return false;
  for (size_t i = 0; i < probe; ++i) {
    const unsigned char c = bytes[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<ParsedGraphDef>> ParseGraphDef(absl::string_view bytes,
                                                              const ResolvedLimits& limits) {
  if (bytes.size() > limits.max_graph_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "graph is ", bytes.size(), " bytes, over the limit of ",
        limits.max_graph_bytes, " bytes (limits.max_graph_bytes)"));
  }
  if (bytes.empty()) return absl::InvalidArgumentError("graph is empty (0 bytes)");
  auto parsed = std::make_shared<ParsedGraphDef>();
  tensorflow::GraphDef* def = &parsed->def;
  if (LooksLikeText(bytes)) {
    google::protobuf::TextFormat::Parser parser;
    ErrorCollector errors;
    parser.RecordErrorsTo(&errors);
    // Text graphs from newer TensorFlow carry fields this subset omits
    // (debug info, function arg attributes); they do not affect conversion.
    parser.AllowUnknownField(true);
    parser.SetRecursionLimit(kMaxMessageNesting);
    if (!parser.ParseFromString(std::string(bytes), def)) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph is not a valid text GraphDef: ", errors.first()));
    }
  } else {
    std::optional<SplitGraphDef> split = SplitTensorContents(bytes, kMinUncopiedContentBytes);
    const absl::string_view wire = split ? absl::string_view(split->structure) : bytes;
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t*>(wire.data()), static_cast<int>(wire.size()));
    stream.SetTotalBytesLimit(static_cast<int>(std::min<uint64_t>(wire.size(), INT32_MAX)));
    stream.SetRecursionLimit(kMaxMessageNesting);
    if (!def->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
      return absl::InvalidArgumentError(
          "graph is neither a binary GraphDef (truncated or corrupt protobuf) "
          "nor a text GraphDef");
    }
    if (split) {
      for (const auto& [node, content] : split->contents) {
        parsed->tensor_contents[&def->node(node).attr().at("value").tensor()] = content;
      }
    }
  }
  if (static_cast<uint64_t>(def->node_size()) > limits.max_nodes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "graph has ", def->node_size(), " nodes, over the limit of ",
        limits.max_nodes, " (limits.max_nodes)"));
  }
  if (def->node_size() == 0) return absl::InvalidArgumentError("graph has no nodes");
  // Functional ops become v1 control flow before the Graph is built; this
  // only appends nodes, so the tensor_contents above stay valid.
  auto lowered = LowerFunctionalOps(*def, limits.max_nodes);
  if (!lowered.ok()) return lowered.status();
  parsed->functional_ops_lowered =
      lowered->calls_inlined + lowered->conds_lowered + lowered->loops_lowered;
  return parsed;
}

namespace {

constexpr char kNextIteration[] = "NextIteration";

// Proto3 keeps enum values it does not know; a dtype outside TensorFlow's
// DataType enum would otherwise reach the rules as if it were meaningful.
absl::Status CheckDtype(const tensorflow::NodeDef& node, absl::string_view where, int value) {
  if (tensorflow::DataType_IsValid(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("node '", node.name(), "' (", node.op(), "): ",
                                                 where, " has dtype enum value ", value,
                                                 ", which is not a TensorFlow DataType"));
}

absl::Status CheckAttrDtypes(const tensorflow::NodeDef& node, const std::string& path,
                             const tensorflow::AttrValue& value) {
  std::vector<std::pair<std::string, int>> dtypes;
  if (value.value_case() == tensorflow::AttrValue::kType) dtypes.push_back({path, value.type()});
  if (value.has_tensor()) dtypes.push_back({path + ".tensor", value.tensor().dtype()});
  const auto& list = value.list();
  for (int i = 0; i < list.type_size(); ++i) {
    dtypes.push_back({absl::StrCat(path, "[", i, "]"), list.type(i)});
  }
  for (int i = 0; i < list.tensor_size(); ++i) {
    dtypes.push_back({absl::StrCat(path, "[", i, "].tensor"), list.tensor(i).dtype()});
  }
  for (const auto& [where, dtype] : dtypes) {
    TFLCONV_RETURN_IF_ERROR(CheckDtype(node, where, dtype));
  }
  std::vector<const tensorflow::NameAttrList*> funcs;
  if (value.has_func()) funcs.push_back(&value.func());
  for (const auto& func : list.func()) funcs.push_back(&func);
  for (const tensorflow::NameAttrList* func : funcs) {
    for (const auto& [name, nested] : func->attr()) {
      TFLCONV_RETURN_IF_ERROR(CheckAttrDtypes(node, absl::StrCat(path, ".", func->name(), ".",
                              name), nested));
    }
  }
  return absl::OkStatus();
}

// The dtype a node produces at output `index`, from its own attributes or,
// for ops whose output type is implied (Mfcc), from a consumer's "T".
DataType OutputDtype(const Graph& graph, int node_index, int index) {
  const Node& node = graph.nodes[node_index];
  if (const DataType own = DtypeFromAttrs(node); own != tensorflow::DT_INVALID) return own;
  if (const auto* a = FindAttr(node, "_output_types");
      a && a->list().type_size() > index) {
    return a->list().type(index);
  }
  for (const Node& consumer : graph.nodes) {
    for (const Endpoint& in : consumer.inputs) {
      if (in.node == node_index && in.index == index) {
        if (const auto* a = FindAttr(consumer, "T"); a && a->value_case() == tensorflow::AttrValue::kType) {
          return a->type();
        }
      }
    }
  }
  return tensorflow::DT_INVALID;
}


// The graph's own shape for output `index`: the Placeholder "shape" attr or
// the "_output_shapes" annotation.
Shape GraphShape(const Node& node, int index) {
  if (index == 0) {
    if (const auto* a = FindAttr(node, "shape"); a && a->has_shape()) {
      return ShapeFromProto(a->shape());
    }
  }
  if (const auto* a = FindAttr(node, "_output_shapes"); a && a->list().shape_size() > index) {
    return ShapeFromProto(a->list().shape(index));
  }
  return Shape::Unknown();
}

absl::Status CutAtInput(Graph& graph, const v1::InputArray& array) {
  TFLCONV_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(array.name()));
  const auto& [node_name, index] = parsed;
  auto it = graph.by_name.find(node_name);
  if (it == graph.by_name.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input array '", array.name(), "' is not a node of the graph"));
  }
  const int node_index = it->second;
  const DataType dtype = OutputDtype(graph, node_index, index);
  if (dtype == tensorflow::DT_INVALID) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input array '", array.name(), "': the graph does not say its dtype"));
  }
  Shape shape = GraphShape(graph.nodes[node_index], index);
  if (array.has_shape()) {
    Shape given = Shape::Of(Dims(array.shape().begin(), array.shape().end()));
    // A placeholder's declared dims are facts; input_shapes may only fill
    // the unknown ones. Interior cut points carry no declaration to honour.
    if (graph.nodes[node_index].op == "Placeholder" && !shape.CompatibleWith(given)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input array '", array.name(), "': input_shapes gives ",
          given.ToString(), " but the graph declares ", shape.ToString()));
    }
    shape = std::move(given);
  }
  if (!shape.known_rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input array '", array.name(),
        "' has no shape in the graph; give it with input_shapes"));
  }
  int input_node = node_index;
  if (index != 0) {
    // Output k of a multi-output node becomes a placeholder of its own,
    // named as TensorFlow names the tensor.
    Node cut;
    cut.name = array.name();
    cut.op = "Placeholder";
    input_node = static_cast<int>(graph.nodes.size());
    graph.nodes.push_back(std::move(cut));
    graph.by_name[array.name()] = input_node;
    for (Node& consumer : graph.nodes) {
      for (Endpoint& in : consumer.inputs) {
        if (in.node == node_index && in.index == index) in = {input_node, 0};
      }
    }
  }
  Node& node = graph.nodes[input_node];
  if (node.is_model_input) {
    return absl::InvalidArgumentError(
        absl::StrCat("input array '", array.name(), "' is listed twice"));
  }
  node.op = "Placeholder";
  node.inputs.clear();
  node.control_inputs.clear();
  node.is_model_input = true;
  node.outputs.assign(1, OutputInfo{dtype, std::move(shape), std::nullopt});
  graph.inputs.push_back({input_node, 0});
  graph.input_names.push_back(array.name());
  return absl::OkStatus();
}

// Keeps the nodes the outputs need, in topological order. NextIteration
// edges close v1 while loops; they are the only cycles allowed.
// The nodes the outputs and inputs need, through data edges and, when
// `control` is set, control edges too.
std::vector<bool> NeededNodes(const Graph& graph, bool control) {
  std::vector<bool> needed(graph.nodes.size(), false);
  std::vector<int> stack;
  for (const Endpoint& out : graph.outputs) stack.push_back(out.node);
  for (const Endpoint& in : graph.inputs) stack.push_back(in.node);
  while (!stack.empty()) {
    const int i = stack.back();
    stack.pop_back();
    if (needed[i]) continue;
    needed[i] = true;
    for (const Endpoint& in : graph.nodes[i].inputs) stack.push_back(in.node);
    if (control) {
      for (int source : graph.nodes[i].control_inputs) stack.push_back(source);
    }
  }
  return needed;
}

absl::Status PruneAndSort(Graph& graph, ImportStats* stats) {
  const int n = static_cast<int>(graph.nodes.size());
  std::vector<bool> needed = NeededNodes(graph, /*control=*/false);
  // Control edges matter only where v1 control flow decides which nodes
  // run; elsewhere they order side effects a frozen graph no longer has.
  bool frames = false;
  for (int i = 0; i < n; ++i) {
    frames |= needed[i] && (graph.nodes[i].op == "Switch" || graph.nodes[i].op == "Enter");
  }
  if (frames) {
    needed = NeededNodes(graph, /*control=*/true);
  } else {
    for (Node& node : graph.nodes) {
      stats->control_edges_dropped += static_cast<int>(node.control_inputs.size());
      node.control_inputs.clear();
    }
  }
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (const Endpoint& in : graph.nodes[i].inputs) {
      if (graph.nodes[in.node].op == kNextIteration) continue;
      ++pending[i];
      consumers[in.node].push_back(i);
    }
    for (int source : graph.nodes[i].control_inputs) {
      if (graph.nodes[source].op == kNextIteration) continue;
      ++pending[i];
      consumers[source].push_back(i);
    }
  }
  std::deque<int> ready;
  for (int i = 0; i < n; ++i) {
    if (needed[i] && pending[i] == 0) ready.push_back(i);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int c : consumers[i]) {
      if (--pending[c] == 0) ready.push_back(c);
    }
  }
  int kept = 0;
  for (int i = 0; i < n; ++i) kept += needed[i];
  if (static_cast<int>(order.size()) != kept) {
    for (int i = 0; i < n; ++i) {
      if (needed[i] && pending[i] > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "graph has a cycle through node '", graph.nodes[i].name,
            "' (only NextIteration may close a loop)"));
      }
    }
  }
  std::vector<int> new_index(n, -1);
  for (size_t k = 0; k < order.size(); ++k) new_index[order[k]] = static_cast<int>(k);
  std::vector<Node> sorted;
  sorted.reserve(order.size());
  for (int i : order) sorted.push_back(std::move(graph.nodes[i]));
  for (Node& node : sorted) {
    for (Endpoint& in : node.inputs) in.node = new_index[in.node];
    for (int& source : node.control_inputs) source = new_index[source];
  }
  stats->nodes_pruned = n - static_cast<int>(order.size());
  graph.nodes = std::move(sorted);
  graph.by_name.clear();
  for (size_t k = 0; k < graph.nodes.size(); ++k) graph.by_name[graph.nodes[k].name] = static_cast<int>(k);
  for (Endpoint& e : graph.inputs) e.node = new_index[e.node];
  for (Endpoint& e : graph.outputs) e.node = new_index[e.node];
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Graph> ImportGraph(std::shared_ptr<const ParsedGraphDef> parsed,
                                  const v1::ConversionOptions& options,
                                  const ResolvedLimits& limits,
                                  ImportStats* stats) {
  Graph graph;
  const tensorflow::GraphDef* def = &parsed->def;
  graph.parsed = std::move(parsed);
  stats->nodes_in_graph = def->node_size();
  stats->functional_ops_lowered = graph.parsed->functional_ops_lowered;
  graph.nodes.reserve(def->node_size());
  for (const tensorflow::NodeDef& node_def : def->node()) {
    if (node_def.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node #", graph.nodes.size(), " (", node_def.op(), ") has no name"));
    }
    if (!graph.by_name.emplace(node_def.name(), graph.nodes.size()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate node name '", node_def.name(), "'"));
    }
    for (const auto& [name, value] : node_def.attr()) {
      TFLCONV_RETURN_IF_ERROR(CheckAttrDtypes(node_def, absl::StrCat("attribute '", name, "'"),
                              value));
    }
    Node node;
    node.name = node_def.name();
    node.op = node_def.op();
    node.def = &node_def;
    graph.nodes.push_back(std::move(node));
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    for (const std::string& input : node.def->input()) {
      const bool control = absl::StartsWith(input, "^");
      auto parsed = ParseTensorName(control ? absl::string_view(input).substr(1) : input);
      if (!parsed.ok()) return NodeInvalid(node, parsed.status().message());
      auto it = graph.by_name.find(parsed->first);
      if (it == graph.by_name.end()) {
        return NodeInvalid(node, absl::StrCat("input '", input,
                                              "' names no node of the graph"));
      }
      if (control) {
        node.control_inputs.push_back(it->second);
        continue;
      }
      node.inputs.push_back({it->second, parsed->second});
    }
  }
  if (options.output_arrays().empty()) {
    return absl::InvalidArgumentError("output_arrays is empty");
  }
  for (const v1::InputArray& array : options.input_arrays()) {
    TFLCONV_RETURN_IF_ERROR(CutAtInput(graph, array));
  }
  for (const std::string& name : options.output_arrays()) {
    TFLCONV_ASSIGN_OR_RETURN(auto parsed, ParseTensorName(name));
    auto it = graph.by_name.find(name);  // a cut "node:k" input
    if (it == graph.by_name.end()) it = graph.by_name.find(parsed.first);
    if (it == graph.by_name.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("output array '", name, "' is not a node of the graph"));
    }
    const bool cut_name = it->first == name && parsed.second != 0;
    graph.outputs.push_back({it->second, cut_name ? 0 : parsed.second});
    graph.output_names.push_back(name);
  }
  TFLCONV_RETURN_IF_ERROR(PruneAndSort(graph, stats));
  for (Node& node : graph.nodes) {
    for (const Endpoint& in : node.inputs) ++graph.nodes[in.node].num_consumers;
  }
  return graph;
}

}  // namespace tflconv
