#include "core/graph/function_library.h"

#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tflconv {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;
using ArgDef = tensorflow::OpDef::ArgDef;
using AttrLookup = absl::FunctionRef<const AttrValue*(const std::string&)>;

// A list arg longer than this is refused (the legalizer's cap on a node's
// outputs), so an attribute cannot make the pass allocate without bound.
constexpr int64_t kMaxArgTensors = 1 << 16;

// An output arg of an op: one tensor, `number_attr` of them, or one per
// type in `type_list_attr`.
struct OutputArg {
  const char* name;
  const char* number_attr = "";
  const char* type_list_attr = "";
};

// The output args of the ops with more than one output (names from
// TensorFlow's op definitions) that TensorFlow graphs commonly hold. Other
// ops are taken to have a single output.
const absl::flat_hash_map<std::string, std::vector<OutputArg>>& MultiOutputOps() {
  static const auto* ops = [] {
    const std::vector<OutputArg> batch_norm = {
        {"y"}, {"batch_mean"}, {"batch_variance"}, {"reserve_space_1"}, {"reserve_space_2"}};
    std::vector<OutputArg> batch_norm_v3 = batch_norm;
    batch_norm_v3.push_back({"reserve_space_3"});
    return new absl::flat_hash_map<std::string, std::vector<OutputArg>>{
        {"Switch", {{"output_false"}, {"output_true"}}},
        {"RefSwitch", {{"output_false"}, {"output_true"}}},
        {"Merge", {{"output"}, {"value_index"}}},
        {"RefMerge", {{"output"}, {"value_index"}}},
        {"IdentityN", {{"output", "", "T"}}},
        {"ShapeN", {{"output", "N"}}},
        {"Split", {{"output", "num_split"}}},
        {"SplitV", {{"output", "num_split"}}},
        {"Unpack", {{"output", "num"}}},
        {"DynamicPartition", {{"outputs", "num_partitions"}}},
        {"Unique", {{"y"}, {"idx"}}},
        {"UniqueV2", {{"y"}, {"idx"}}},
        {"UniqueWithCounts", {{"y"}, {"idx"}, {"count"}}},
        {"TopK", {{"values"}, {"indices"}}},
        {"TopKV2", {{"values"}, {"indices"}}},
        {"FusedBatchNorm", batch_norm},
        {"FusedBatchNormV2", batch_norm},
        {"FusedBatchNormV3", batch_norm_v3},
        {"MaxPoolWithArgmax", {{"output"}, {"argmax"}}},
        {"BroadcastGradientArgs", {{"r0"}, {"r1"}}},
        {"NonMaxSuppressionV4", {{"selected_indices"}, {"valid_outputs"}}},
        {"NonMaxSuppressionV5", {{"selected_indices"}, {"selected_scores"}, {"valid_outputs"}}},
        {"CombinedNonMaxSuppression",
         {{"nmsed_boxes"}, {"nmsed_scores"}, {"nmsed_classes"}, {"valid_detections"}}},
        {"QuantizeV2", {{"output"}, {"output_min"}, {"output_max"}}},
        {"TensorArrayV3", {{"handle"}, {"flow"}}},
        {"TensorArrayGradV3", {{"grad_handle"}, {"flow_out"}}},
        {"TensorArrayConcatV3", {{"value"}, {"lengths"}}},
        {"TensorListPopBack", {{"output_handle"}, {"tensor"}}},
        {"LSTMBlockCell", {{"i"}, {"cs"}, {"f"}, {"o"}, {"ci"}, {"co"}, {"h"}}},
        {"GRUBlockCell", {{"r"}, {"u"}, {"c"}, {"h"}}},
        {"Svd", {{"s"}, {"u"}, {"v"}}},
        {"Qr", {{"q"}, {"r"}}},
        {"If", {{"output", "", "Tout"}}},
        {"StatelessIf", {{"output", "", "Tout"}}},
        {"While", {{"output", "", "T"}}},
        {"StatelessWhile", {{"output", "", "T"}}},
        {"PartitionedCall", {{"output", "", "Tout"}}},
        {"StatefulPartitionedCall", {{"output", "", "Tout"}}},
    };
  }();
  return *ops;
}

absl::StatusOr<int> ArgCount(absl::string_view arg, const std::string& number_attr,
                             const std::string& type_list_attr, AttrLookup lookup) {
  if (number_attr.empty() && type_list_attr.empty()) return 1;
  const std::string& attr = number_attr.empty() ? type_list_attr : number_attr;
  const AttrValue* value = lookup(attr);
  int64_t count = -1;
  if (value != nullptr && !number_attr.empty() && value->value_case() == AttrValue::kI) {
    count = value->i();
  } else if (value != nullptr && number_attr.empty() && value->has_list()) {
    count = value->list().type_size();
  }
  if (count < 0 || count > kMaxArgTensors) {
    const std::string expected = number_attr.empty()
                                     ? std::string("a list of types")
                                     : absl::StrCat("an int from 0 to ", kMaxArgTensors);
    return absl::InvalidArgumentError(
        absl::StrCat("arg '", arg, "' is a list sized by attribute '", attr, "', which ",
                     value == nullptr ? "is not set" : absl::StrCat("is not ", expected)));
  }
  return static_cast<int>(count);
}

absl::StatusOr<std::vector<DataType>> ArgTypes(const ArgDef& arg, AttrLookup lookup) {
  auto count = ArgCount(arg.name(), arg.number_attr(), arg.type_list_attr(), lookup);
  if (!count.ok()) return count.status();
  if (!arg.type_list_attr().empty()) {
    const auto& types = lookup(arg.type_list_attr())->list().type();
    std::vector<DataType> dtypes;
    for (int t : types) dtypes.push_back(static_cast<DataType>(t));
    return dtypes;
  }
  DataType type = arg.type();
  if (!arg.type_attr().empty()) {
    const AttrValue* value = lookup(arg.type_attr());
    if (value == nullptr || value->value_case() != AttrValue::kType) {
      return absl::InvalidArgumentError(absl::StrCat("arg '", arg.name(), "' is typed by attribute '",
                                                     arg.type_attr(), "', which is not set"));
    }
    type = value->type();
  }
  return std::vector<DataType>(*count, type);
}

// The dtypes of each arg of `args`, with attributes from `lookup`.
absl::StatusOr<std::vector<std::vector<DataType>>> ArgListTypes(
    const google::protobuf::RepeatedPtrField<ArgDef>& args, AttrLookup lookup) {
  std::vector<std::vector<DataType>> all;
  for (const ArgDef& arg : args) {
    auto types = ArgTypes(arg, lookup);
    if (!types.ok()) return types.status();
    all.push_back(*std::move(types));
  }
  return all;
}

std::vector<DataType> Flatten(const std::vector<std::vector<DataType>>& lists) {
  std::vector<DataType> flat;
  for (const auto& list : lists) flat.insert(flat.end(), list.begin(), list.end());
  return flat;
}

// The call's binding for an attribute, or the signature's default.
const AttrValue* Bound(const AttrMap* bindings, const tensorflow::FunctionDef& function,
                       const std::string& name) {
  if (bindings != nullptr) {
    if (auto it = bindings->find(name); it != bindings->end()) return &it->second;
  }
  for (const auto& attr : function.signature().attr()) {
    if (attr.name() == name && attr.has_default_value()) return &attr.default_value();
  }
  return nullptr;
}

std::string TensorRef(absl::string_view node, int index) {
  return index == 0 ? std::string(node) : absl::StrCat(node, ":", index);
}

// Replaces attribute placeholders (also inside function-valued attributes)
// with the call's bindings.
absl::Status BindPlaceholders(AttrValue& value, AttrLookup lookup, absl::string_view path) {
  if (value.value_case() == AttrValue::kPlaceholder) {
    const AttrValue* bound = lookup(value.placeholder());
    if (bound == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is placeholder '", value.placeholder(),
                                                     "', which the call does not bind"));
    }
    value = *bound;
    return absl::OkStatus();
  }
  std::vector<tensorflow::NameAttrList*> funcs;
  if (value.has_func()) funcs.push_back(value.mutable_func());
  if (value.has_list()) {
    for (auto& func : *value.mutable_list()->mutable_func()) funcs.push_back(&func);
  }
  for (tensorflow::NameAttrList* func : funcs) {
    for (auto& [name, nested] : *func->mutable_attr()) {
      if (absl::Status s = BindPlaceholders(nested, lookup, absl::StrCat(path, ".", name));
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// Appends one function body to the graph.
class BodyInliner {
 public:
  BodyInliner(const FunctionLibrary& library, const FunctionCall& call,
              const tensorflow::FunctionDef& function, tensorflow::GraphDef& graph,
              NameScope& names)
      : library_(library), call_(call), function_(function), graph_(graph), names_(names) {}

  absl::StatusOr<InlinedFunction> Run(uint64_t max_nodes) {
    const auto lookup = [&](const std::string& name) { return Bound(call_.bindings, function_, name); };
    auto inputs = ArgListTypes(function_.signature().input_arg(), lookup);
    if (!inputs.ok()) return Error(absl::StrCat("signature input ", inputs.status().message()));
    auto outputs = ArgListTypes(function_.signature().output_arg(), lookup);
    if (!outputs.ok()) return Error(absl::StrCat("signature output ", outputs.status().message()));
    const std::vector<DataType> input_types = Flatten(*inputs);
    if (input_types.size() != call_.inputs.size()) {
      return Error(absl::StrCat("the signature takes ", input_types.size(),
                                " inputs (input_arg) but the call passes ", call_.inputs.size()));
    }
    const uint64_t total = static_cast<uint64_t>(graph_.node_size()) +
                           function_.node_def_size() + input_types.size();
    if (total > max_nodes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "node '", call_.caller, "' (", call_.caller_op, "): inlining function '",
          call_.function, "' makes the graph ", total, " nodes, over the limit of ", max_nodes,
          " (limits.max_nodes)"));
    }
    InlinedFunction result;
    result.first_node = graph_.node_size();
    if (absl::Status s = NameBody(); !s.ok()) return s;
    AddInputIdentities(input_types);
    int flat = 0;
    for (int a = 0; a < function_.signature().input_arg_size(); ++a) {
      args_[function_.signature().input_arg(a).name()] = {flat, static_cast<int>((*inputs)[a].size())};
      flat += static_cast<int>((*inputs)[a].size());
    }
    if (absl::Status s = AppendBody(); !s.ok()) return s;
    for (int a = 0; a < function_.signature().output_arg_size(); ++a) {
      const ArgDef& arg = function_.signature().output_arg(a);
      auto tensors = ReturnedTensors(arg, static_cast<int>(result.outputs.size()),
                                     static_cast<int>((*outputs)[a].size()));
      if (!tensors.ok()) return tensors.status();
      result.outputs.insert(result.outputs.end(), tensors->begin(), tensors->end());
    }
    result.output_dtypes = Flatten(*outputs);
    return result;
  }

 private:
  absl::Status Error(absl::string_view message) const { return CallError(call_, message); }

  // Gives each body node its graph name; _Arg and _Retval nodes (graph-style
  // bodies) become the inputs and outputs instead.
  absl::Status NameBody() {
    for (const NodeDef& node : function_.node_def()) {
      if (node.op() == "_Retval") {
        const AttrValue* index = FindNodeDefAttr(node, "index");
        if (index == nullptr || node.input_size() < 1) {
          return Error(absl::StrCat("body node '", node.name(), "' (_Retval) needs attribute ",
                                    "'index' and an input"));
        }
        retvals_[index->i()] = node.input(0);
        continue;
      }
      if (node.op() == "_Arg") {
        const AttrValue* index = FindNodeDefAttr(node, "index");
        if (index == nullptr || index->i() < 0 ||
            index->i() >= static_cast<int64_t>(call_.inputs.size())) {
          return Error(absl::StrCat("body node '", node.name(), "' (_Arg) has no attribute ",
                                    "'index' below the call's ", call_.inputs.size(), " inputs"));
        }
        arg_nodes_[node.name()] = static_cast<int>(index->i());
        continue;
      }
      if (!graph_names_.emplace(node.name(), names_.Fresh(call_.scope + "/" + node.name())).second) {
        return Error(absl::StrCat("body has two nodes named '", node.name(), "'"));
      }
    }
    return absl::OkStatus();
  }

  void AddInputIdentities(const std::vector<DataType>& types) {
    for (size_t j = 0; j < types.size(); ++j) {
      NodeDef* identity = graph_.add_node();
      identity->set_name(names_.Fresh(absl::StrCat(call_.scope, "/input_", j)));
      identity->set_op("Identity");
      identity->add_input(call_.inputs[j]);
      if (types[j] != tensorflow::DT_INVALID) (*identity->mutable_attr())["T"].set_type(types[j]);
      input_nodes_.push_back(identity->name());
    }
  }

  absl::Status AppendBody() {
    const auto lookup = [&](const std::string& name) { return Bound(call_.bindings, function_, name); };
    std::vector<std::pair<NodeDef*, const NodeDef*>> copies;
    for (const NodeDef& node : function_.node_def()) {
      auto name = graph_names_.find(node.name());
      if (name == graph_names_.end()) continue;  // _Arg, _Retval
      NodeDef* copy = graph_.add_node();
      *copy = node;
      copy->set_name(name->second);
      copy->clear_input();
      for (auto& [attr, value] : *copy->mutable_attr()) {
        if (absl::Status s = BindPlaceholders(value, lookup, absl::StrCat("attribute '", attr, "'"));
            !s.ok()) {
          return Error(absl::StrCat("body node '", node.name(), "': ", s.message()));
        }
      }
      // Frames of v1 loops in the body are per call, as TensorFlow's inliner makes them.
      if (node.op() == "Enter" || node.op() == "RefEnter") {
        AttrValue& frame = (*copy->mutable_attr())["frame_name"];
        frame.set_s(absl::StrCat(call_.scope, "/", frame.s()));
      }
      body_[node.name()] = copy;
      copies.push_back({copy, &node});
    }
    for (auto [copy, node] : copies) {
      if (absl::Status s = TranslateInputs(*node, *copy); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status TranslateInputs(const NodeDef& node, NodeDef& copy) {
    bool has_control = false;
    for (const std::string& ref : node.input()) {
      const std::string where = absl::StrCat("body node '", node.name(), "' input '", ref, "'");
      if (absl::StartsWith(ref, "^")) {
        auto source = ControlSource(ref.substr(1));
        if (!source.ok()) return Error(absl::StrCat(where, ": ", source.status().message()));
        copy.add_input(absl::StrCat("^", *source));
        has_control = true;
        continue;
      }
      auto tensors = Resolve(ref);
      if (!tensors.ok()) return Error(absl::StrCat(where, ": ", tensors.status().message()));
      for (std::string& tensor : *tensors) copy.add_input(std::move(tensor));
    }
    const bool needs_frame = copy.input_size() == 0 || (library_.IsFunctionalOp(copy) && !has_control);
    if (!call_.frame_control.empty() && needs_frame) copy.add_input("^" + call_.frame_control);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ControlSource(const std::string& name) const {
    if (auto it = args_.find(name); it != args_.end()) return input_nodes_[it->second.first];
    if (auto it = arg_nodes_.find(name); it != arg_nodes_.end()) return input_nodes_[it->second];
    if (auto it = body_.find(name); it != body_.end()) return it->second->name();
    return absl::InvalidArgumentError("names no input arg or node of the function");
  }

  // The GraphDef tensors a FunctionDef reference stands for: "arg" (all of
  // a list arg), "arg:i", "node:out" (all of a list output), "node:out:i".
  absl::StatusOr<std::vector<std::string>> Resolve(absl::string_view ref) {
    const std::vector<absl::string_view> parts = absl::StrSplit(ref, ':');
    int index = 0;
    const bool indexed = parts.size() >= 2 && absl::SimpleAtoi(parts.back(), &index) && index >= 0;
    if (parts.size() == 1 || (parts.size() == 2 && indexed)) {
      const std::string name(parts[0]);
      std::pair<int, int> range;
      if (auto it = args_.find(name); it != args_.end()) {
        range = it->second;
      } else if (auto node = arg_nodes_.find(name); node != arg_nodes_.end()) {
        range = {node->second, 1};
      } else {
        return absl::InvalidArgumentError(
            "names no input arg of the function (a node's output is 'node:out_arg:index')");
      }
      return Slice(input_nodes_, range, parts.size() == 2, index);
    }
    if (parts.size() > 3 || (parts.size() == 3 && !indexed)) {
      return absl::InvalidArgumentError("is not 'arg', 'arg:i', 'node:out' or 'node:out:i'");
    }
    const std::string name(parts[0]);
    if (auto node = arg_nodes_.find(name); node != arg_nodes_.end()) {
      return Slice(input_nodes_, {node->second, 1}, parts.size() == 3, index);
    }
    auto it = body_.find(name);
    if (it == body_.end()) return absl::InvalidArgumentError("names no node of the function");
    const NodeDef& producer = *it->second;
    if (!library_.KnowsOutputArgs(producer)) {
      auto [seen, first_use] = single_output_arg_.emplace(name, std::string(parts[1]));
      if (!first_use && seen->second != parts[1]) {
        return absl::UnimplementedError(absl::StrCat(
            "op '", producer.op(), "' is read through output args '", seen->second, "' and '",
            parts[1], "'; tflconv knows its outputs only as one tensor"));
      }
    }
    auto range = library_.OutputArgRange(producer, parts[1]);
    if (!range.ok()) return range.status();
    std::vector<std::string> tensors;
    for (int k = 0; k < range->first + range->second; ++k) tensors.push_back(TensorRef(producer.name(), k));
    return Slice(tensors, *range, parts.size() == 3, index);
  }

  static absl::StatusOr<std::vector<std::string>> Slice(const std::vector<std::string>& tensors,
                                                        std::pair<int, int> range, bool indexed,
                                                        int index) {
    if (!indexed) {
      return std::vector<std::string>(tensors.begin() + range.first,
                                      tensors.begin() + range.first + range.second);
    }
    if (index >= range.second) {
      return absl::InvalidArgumentError(
          absl::StrCat("index ", index, " is past the ", range.second, " tensors of the arg"));
    }
    return std::vector<std::string>{tensors[range.first + index]};
  }

  absl::StatusOr<std::vector<std::string>> ReturnedTensors(const ArgDef& arg, int first, int count) {
    if (auto it = function_.ret().find(arg.name()); it != function_.ret().end()) {
      auto tensors = Resolve(it->second);
      if (!tensors.ok()) {
        return Error(absl::StrCat("ret '", arg.name(), "' = '", it->second, "': ",
                                  tensors.status().message()));
      }
      if (static_cast<int>(tensors->size()) != count) {
        return Error(absl::StrCat("ret '", arg.name(), "' = '", it->second, "' gives ",
                                  tensors->size(), " tensors; output arg '", arg.name(),
                                  "' has ", count));
      }
      return tensors;
    }
    std::vector<std::string> tensors;
    for (int k = first; k < first + count; ++k) {
      auto retval = retvals_.find(k);
      if (retval == retvals_.end()) {
        return Error(absl::StrCat("output arg '", arg.name(), "' has no 'ret' entry"));
      }
      auto resolved = Resolve(retval->second);
      if (!resolved.ok() || resolved->size() != 1) {
        return Error(absl::StrCat("_Retval ", k, " input '", retval->second, "' ",
                                  resolved.ok() ? "is not one tensor" : resolved.status().message()));
      }
      tensors.push_back(resolved->front());
    }
    return tensors;
  }

  const FunctionLibrary& library_;
  const FunctionCall& call_;
  const tensorflow::FunctionDef& function_;
  tensorflow::GraphDef& graph_;
  NameScope& names_;
  absl::flat_hash_map<std::string, std::string> graph_names_;      // body node -> graph node
  absl::flat_hash_map<std::string, NodeDef*> body_;                 // body node -> its copy
  absl::flat_hash_map<std::string, std::pair<int, int>> args_;      // input arg -> flat range
  absl::flat_hash_map<std::string, int> arg_nodes_;                 // _Arg node -> flat input
  absl::flat_hash_map<int64_t, std::string> retvals_;               // _Retval index -> reference
  std::vector<std::string> input_nodes_;                            // Identity per flat input
  // Body node of an op taken to have one output -> the output arg read.
  absl::flat_hash_map<std::string, std::string> single_output_arg_;
};

}  // namespace

NameScope::NameScope(const tensorflow::GraphDef& graph) {
  taken_.reserve(graph.node_size());
  for (const NodeDef& node : graph.node()) taken_.insert(node.name());
}

std::string NameScope::Fresh(absl::string_view base) {
  std::string name(base);
  if (taken_.insert(name).second) return name;
  int& suffix = next_suffix_[name];
  do {
    name = absl::StrCat(base, "_", ++suffix);
  } while (!taken_.insert(name).second);
  return name;
}

const AttrValue* FindNodeDefAttr(const NodeDef& node, const std::string& name) {
  auto it = node.attr().find(name);
  return it == node.attr().end() ? nullptr : &it->second;
}

absl::Status CallError(const FunctionCall& call, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("node '", call.caller, "' (", call.caller_op,
                                                 "): function '", call.function,
                                                 "' (", call.field, "): ", message));
}

FunctionLibrary::FunctionLibrary(const tensorflow::FunctionDefLibrary& library) {
  for (const tensorflow::FunctionDef& function : library.function()) {
    by_name_.emplace(function.signature().name(), &function);
  }
}

const tensorflow::FunctionDef* FunctionLibrary::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

bool FunctionLibrary::IsFunctionalOp(const NodeDef& node) const {
  static const auto* ops = new absl::flat_hash_set<std::string>{
      "If", "StatelessIf", "While", "StatelessWhile", "PartitionedCall", "StatefulPartitionedCall"};
  return ops->contains(node.op()) || Find(node.op()) != nullptr;
}

absl::StatusOr<std::vector<DataType>> FunctionLibrary::InputTypes(const FunctionCall& call) const {
  const tensorflow::FunctionDef* function = Find(call.function);
  if (function == nullptr) return CallError(call, "is not in the graph's function library");
  auto types = ArgListTypes(function->signature().input_arg(),
                            [&](const std::string& name) { return Bound(call.bindings, *function, name); });
  if (!types.ok()) return CallError(call, absl::StrCat("signature input ", types.status().message()));
  return Flatten(*types);
}

absl::StatusOr<InlinedFunction> FunctionLibrary::Inline(const FunctionCall& call,
                                                        uint64_t max_nodes,
                                                        tensorflow::GraphDef& graph,
                                                        NameScope& names) const {
  const tensorflow::FunctionDef* function = Find(call.function);
  if (function == nullptr) return CallError(call, "is not in the graph's function library");
  return BodyInliner(*this, call, *function, graph, names).Run(max_nodes);
}

bool FunctionLibrary::KnowsOutputArgs(const NodeDef& node) const {
  return Find(node.op()) != nullptr || MultiOutputOps().contains(node.op());
}

absl::StatusOr<std::pair<int, int>> FunctionLibrary::OutputArgRange(const NodeDef& node,
                                                                    absl::string_view arg) const {
  const auto node_attr = [&](const std::string& name) { return FindNodeDefAttr(node, name); };
  std::vector<std::pair<std::string, absl::StatusOr<int>>> counts;
  if (const tensorflow::FunctionDef* function = Find(node.op())) {
    for (const ArgDef& out : function->signature().output_arg()) {
      auto types = ArgTypes(out, [&](const std::string& name) { return Bound(&node.attr(), *function, name); });
      counts.push_back({out.name(), types.ok() ? absl::StatusOr<int>(static_cast<int>(types->size()))
                                               : absl::StatusOr<int>(types.status())});
    }
  } else if (auto it = MultiOutputOps().find(node.op()); it != MultiOutputOps().end()) {
    for (const OutputArg& out : it->second) {
      counts.push_back({out.name, ArgCount(out.name, out.number_attr, out.type_list_attr, node_attr)});
    }
  } else {
    // An op of one output; its output arg's name is not checked.
    const AttrValue* shapes = FindNodeDefAttr(node, "_output_shapes");
    if (shapes != nullptr && shapes->list().shape_size() > 1) {
      return absl::UnimplementedError(absl::StrCat(
          "op '", node.op(), "' has ", shapes->list().shape_size(),
          " outputs and tflconv does not know the names of its output args"));
    }
    return std::make_pair(0, 1);
  }
  int first = 0;
  for (auto& [name, count] : counts) {
    if (!count.ok()) return count.status();
    if (name == arg) return std::make_pair(first, *count);
    first += *count;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("op '", node.op(), "' has no output arg '", arg, "'"));
}

}  // namespace tflconv
