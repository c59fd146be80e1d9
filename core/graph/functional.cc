#include "core/graph/functional.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/graph/function_library.h"
#include "core/graph/graph.h"

namespace tflconv {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;

// The functions a node was reached through, outermost first.
using Chain = std::vector<std::string>;

// TensorFlow's default for While.parallel_iterations.
constexpr int64_t kDefaultParallelIterations = 10;

struct NodeInputs {
  std::vector<std::string> data;
  std::vector<std::string> control;  // with the leading '^'
};

NodeInputs SplitInputs(const NodeDef& node) {
  NodeInputs inputs;
  for (const std::string& input : node.input()) {
    (absl::StartsWith(input, "^") ? inputs.control : inputs.data).push_back(input);
  }
  return inputs;
}

absl::Status NodeDefInvalid(const NodeDef& node, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("node '", node.name(), "' (", node.op(), "): ", message));
}

// The dtypes of a list(type) attribute, or nullopt when it is absent.
std::optional<std::vector<DataType>> TypeList(const NodeDef& node, const std::string& name) {
  const AttrValue* value = FindNodeDefAttr(node, name);
  if (value == nullptr) return std::nullopt;
  std::vector<DataType> types;
  for (int t : value->list().type()) types.push_back(static_cast<DataType>(t));
  return types;
}

FunctionCall NewCall(const NodeDef& node, std::string field, std::string function,
                     const AttrMap* bindings, std::string scope) {
  FunctionCall call;
  call.caller = node.name();
  call.caller_op = node.op();
  call.field = std::move(field);
  call.function = std::move(function);
  call.bindings = bindings;
  call.scope = std::move(scope);
  return call;
}

class Lowering {
 public:
  Lowering(tensorflow::GraphDef& graph, const FunctionLibrary& library, uint64_t max_nodes)
      : graph_(graph), library_(library), names_(graph), max_nodes_(max_nodes) {}

  absl::StatusOr<FunctionalStats> Run() {
    // Nodes appended by a lowering are visited by this same loop, which
    // lowers the calls nested in bodies.
    for (int i = 0; i < graph_.node_size(); ++i) {
      NodeDef& node = *graph_.mutable_node(i);
      if (!library_.IsFunctionalOp(node)) continue;
      Chain chain;
      if (auto it = chains_.find(i); it != chains_.end()) chain = std::move(it->second);
      absl::Status status;
      if (node.op() == "If" || node.op() == "StatelessIf") {
        status = LowerIf(node, chain);
        ++stats_.conds_lowered;
      } else if (node.op() == "While" || node.op() == "StatelessWhile") {
        status = LowerWhile(node, chain);
        ++stats_.loops_lowered;
      } else {
        status = LowerCall(node, chain);
        ++stats_.calls_inlined;
      }
      if (!status.ok()) return status;
      if (static_cast<uint64_t>(graph_.node_size()) > max_nodes_) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "lowering node '", node.name(), "' makes the graph ", graph_.node_size(),
            " nodes, over the limit of ", max_nodes_, " (limits.max_nodes)"));
      }
    }
    if (absl::Status s = CheckOutputReads(); !s.ok()) return s;
    return stats_;
  }

 private:
  // What a lowered node declared about its outputs, when it differs from
  // what its function returns.
  struct DeclaredOutputs {
    int count;
    std::string description;
  };

  absl::StatusOr<FunctionCall> MakeCall(const NodeDef& node, const std::string& field,
                                        const std::string& scope) const {
    const AttrValue* func = FindNodeDefAttr(node, field);
    if (func == nullptr || !func->has_func()) {
      return NodeDefInvalid(node, absl::StrCat("attribute '", field,
                                               "' is missing or does not name a function"));
    }
    return NewCall(node, absl::StrCat("attribute '", field, "'"), func->func().name(),
                   &func->func().attr(), scope);
  }

  NodeDef& AddNode(absl::string_view base, absl::string_view op,
                   std::vector<std::string> inputs, DataType type) {
    NodeDef* node = graph_.add_node();
    node->set_name(names_.Fresh(base));
    node->set_op(std::string(op));
    for (std::string& input : inputs) node->add_input(std::move(input));
    if (type != tensorflow::DT_INVALID) (*node->mutable_attr())["T"].set_type(type);
    return *node;
  }

  absl::StatusOr<InlinedFunction> Inline(const FunctionCall& call, const Chain& chain) {
    Chain inner = chain;
    inner.push_back(call.function);
    if (std::find(chain.begin(), chain.end(), call.function) != chain.end()) {
      return CallError(call, absl::StrCat("calls itself (", absl::StrJoin(inner, " -> "),
                                          "); recursive functions cannot be lowered"));
    }
    if (inner.size() > static_cast<size_t>(kMaxFunctionNesting)) {
      return CallError(call, absl::StrCat("functions nest deeper than ", kMaxFunctionNesting,
                                          " (", absl::StrJoin(inner, " -> "), ")"));
    }
    auto inlined = library_.Inline(call, max_nodes_, graph_, names_);
    if (!inlined.ok()) return inlined.status();
    for (int j = inlined->first_node; j < graph_.node_size(); ++j) {
      if (library_.IsFunctionalOp(graph_.node(j))) chains_[j] = inner;
    }
    return inlined;
  }

  // The function's input dtypes, checked against the inputs the node passes.
  absl::StatusOr<std::vector<DataType>> CheckedInputTypes(const FunctionCall& call,
                                                          const NodeDef& node, size_t passed,
                                                          const char* declared_attr) const {
    auto types = library_.InputTypes(call);
    if (!types.ok()) return types.status();
    if (types->size() != passed) {
      return CallError(call, absl::StrCat("the signature takes ", types->size(),
                                          " inputs (input_arg) but the node passes ", passed));
    }
    if (auto declared = TypeList(node, declared_attr); declared && declared->size() != passed) {
      return NodeDefInvalid(node, absl::StrCat("attribute '", declared_attr, "' lists ",
                                               declared->size(), " types but the node passes ",
                                               passed, " inputs"));
    }
    return types;
  }

  // Makes `node` forward `outputs`, so that "node:k" keeps naming output k.
  // The declared output types must agree with the function's; a longer list
  // is allowed as long as nothing reads past the function's outputs.
  absl::Status ForwardOutputs(NodeDef& node, const std::string& function,
                              const char* declared_attr, std::vector<std::string> outputs,
                              const std::vector<DataType>& dtypes) {
    if (auto declared = TypeList(node, declared_attr)) {
      for (size_t k = 0; k < std::min(declared->size(), dtypes.size()); ++k) {
        if (dtypes[k] != tensorflow::DT_INVALID && (*declared)[k] != dtypes[k]) {
          return NodeDefInvalid(node, absl::StrCat(
              "attribute '", declared_attr, "' gives output ", k, " dtype ",
              DataTypeName((*declared)[k]), " but function '", function, "' returns ",
              DataTypeName(dtypes[k])));
        }
      }
      if (declared->size() != outputs.size()) {
        declared_[node.name()] = {static_cast<int>(outputs.size()),
                                  absl::StrCat("function '", function, "' of node '", node.name(),
                                               "' (", node.op(), ") returns ", outputs.size(),
                                               " outputs (attribute '", declared_attr, "' lists ",
                                               declared->size(), ")")};
      }
    }
    AttrValue output_shapes;
    if (const AttrValue* shapes = FindNodeDefAttr(node, "_output_shapes")) output_shapes = *shapes;
    node.clear_input();
    node.clear_attr();
    if (output_shapes.has_list()) (*node.mutable_attr())["_output_shapes"] = output_shapes;
    node.set_op(outputs.empty() ? "NoOp" : outputs.size() == 1 ? "Identity" : "IdentityN");
    for (std::string& output : outputs) node.add_input(std::move(output));
    if (outputs.size() == 1 && dtypes[0] != tensorflow::DT_INVALID) {
      (*node.mutable_attr())["T"].set_type(dtypes[0]);
    } else if (outputs.size() > 1) {
      for (DataType dtype : dtypes) (*node.mutable_attr())["T"].mutable_list()->add_type(dtype);
    }
    return absl::OkStatus();
  }

  absl::Status LowerCall(NodeDef& node, const Chain& chain) {
    const bool partitioned = node.op() == "PartitionedCall" || node.op() == "StatefulPartitionedCall";
    FunctionCall call = NewCall(node, "the node's op", node.op(), &node.attr(), node.name());
    if (partitioned) {
      auto made = MakeCall(node, "f", node.name());
      if (!made.ok()) return made.status();
      call = *std::move(made);
    }
    NodeInputs inputs = SplitInputs(node);
    if (auto types = CheckedInputTypes(call, node, inputs.data.size(), "Tin"); !types.ok()) {
      return types.status();
    }
    call.inputs = inputs.data;
    if (!inputs.control.empty()) {
      call.frame_control =
          AddNode(node.name() + "/input_control_node", "NoOp", inputs.control, tensorflow::DT_INVALID)
              .name();
    }
    auto inlined = Inline(call, chain);
    if (!inlined.ok()) return inlined.status();
    return ForwardOutputs(node, call.function, "Tout", std::move(inlined->outputs),
                          inlined->output_dtypes);
  }

  absl::Status LowerIf(NodeDef& node, const Chain& chain) {
    const std::string& name = node.name();
    NodeInputs inputs = SplitInputs(node);
    if (inputs.data.empty()) return NodeDefInvalid(node, "has no predicate input");
    if (const AttrValue* tcond = FindNodeDefAttr(node, "Tcond");
        tcond != nullptr && tcond->type() != tensorflow::DT_BOOL) {
      return absl::UnimplementedError(absl::StrCat(
          "node '", name, "' (", node.op(), "): attribute 'Tcond' is ",
          DataTypeName(tcond->type()), "; only bool predicates are lowered"));
    }
    auto then_call = MakeCall(node, "then_branch", name + "/then");
    if (!then_call.ok()) return then_call.status();
    auto else_call = MakeCall(node, "else_branch", name + "/else");
    if (!else_call.ok()) return else_call.status();
    const std::string pred = inputs.data[0];
    const size_t num_args = inputs.data.size() - 1;
    auto types = CheckedInputTypes(*then_call, node, num_args, "Tin");
    if (!types.ok()) return types.status();
    if (auto else_types = CheckedInputTypes(*else_call, node, num_args, "Tin"); !else_types.ok()) {
      return else_types.status();
    }
    std::vector<std::string> switch_pred_inputs = {pred, pred};
    switch_pred_inputs.insert(switch_pred_inputs.end(), inputs.control.begin(), inputs.control.end());
    const std::string switch_pred =
        AddNode(name + "/switch_pred", "Switch", switch_pred_inputs, tensorflow::DT_BOOL).name();
    then_call->frame_control =
        AddNode(name + "/pivot_t", "Identity", {switch_pred + ":1"}, tensorflow::DT_BOOL).name();
    else_call->frame_control =
        AddNode(name + "/pivot_f", "Identity", {switch_pred}, tensorflow::DT_BOOL).name();
    for (size_t i = 0; i < num_args; ++i) {
      const std::string sw = AddNode(absl::StrCat(name, "/switch_", i), "Switch",
                                     {inputs.data[i + 1], pred}, (*types)[i])
                                 .name();
      then_call->inputs.push_back(sw + ":1");
      else_call->inputs.push_back(sw);
    }
    auto then_body = Inline(*then_call, chain);
    if (!then_body.ok()) return then_body.status();
    auto else_body = Inline(*else_call, chain);
    if (!else_body.ok()) return else_body.status();
    if (then_body->outputs.size() != else_body->outputs.size()) {
      return NodeDefInvalid(node, absl::StrCat(
          "then_branch '", then_call->function, "' returns ", then_body->outputs.size(),
          " outputs but else_branch '", else_call->function, "' returns ",
          else_body->outputs.size()));
    }
    std::vector<std::string> merges;
    for (size_t k = 0; k < then_body->outputs.size(); ++k) {
      const DataType then_type = then_body->output_dtypes[k];
      const DataType else_type = else_body->output_dtypes[k];
      if (then_type != else_type && then_type != tensorflow::DT_INVALID &&
          else_type != tensorflow::DT_INVALID) {
        return NodeDefInvalid(node, absl::StrCat(
            "output ", k, " is ", DataTypeName(then_type), " in then_branch '",
            then_call->function, "' but ", DataTypeName(else_type), " in else_branch '",
            else_call->function, "'"));
      }
      NodeDef& merge = AddNode(absl::StrCat(name, "/output_", k), "Merge",
                               {then_body->outputs[k], else_body->outputs[k]},
                               then_type != tensorflow::DT_INVALID ? then_type : else_type);
      (*merge.mutable_attr())["N"].set_i(2);
      merges.push_back(merge.name());
    }
    return ForwardOutputs(node, then_call->function, "Tout", std::move(merges),
                          then_body->output_dtypes);
  }

  absl::Status LowerWhile(NodeDef& node, const Chain& chain) {
    const std::string& name = node.name();
    NodeInputs inputs = SplitInputs(node);
    const size_t n = inputs.data.size();
    if (n == 0) return NodeDefInvalid(node, "has no loop variables");
    auto cond_call = MakeCall(node, "cond", name + "/cond");
    if (!cond_call.ok()) return cond_call.status();
    auto body_call = MakeCall(node, "body", name + "/body");
    if (!body_call.ok()) return body_call.status();
    auto types = CheckedInputTypes(*body_call, node, n, "T");
    if (!types.ok()) return types.status();
    if (auto cond_types = CheckedInputTypes(*cond_call, node, n, "T"); !cond_types.ok()) {
      return cond_types.status();
    }
    const AttrValue* parallel = FindNodeDefAttr(node, "parallel_iterations");
    const int64_t parallel_iterations = parallel ? parallel->i() : kDefaultParallelIterations;
    std::vector<std::string> merges, next_iterations;
    for (size_t i = 0; i < n; ++i) {
      std::vector<std::string> enter_inputs = {inputs.data[i]};
      enter_inputs.insert(enter_inputs.end(), inputs.control.begin(), inputs.control.end());
      NodeDef& enter = AddNode(absl::StrCat(name, "/enter_", i), "Enter", enter_inputs, (*types)[i]);
      (*enter.mutable_attr())["frame_name"].set_s(name);
      (*enter.mutable_attr())["is_constant"].set_b(false);
      (*enter.mutable_attr())["parallel_iterations"].set_i(parallel_iterations);
      next_iterations.push_back(names_.Fresh(absl::StrCat(name, "/next_iteration_", i)));
      NodeDef& merge = AddNode(absl::StrCat(name, "/merge_", i), "Merge",
                               {enter.name(), next_iterations.back()}, (*types)[i]);
      (*merge.mutable_attr())["N"].set_i(2);
      merges.push_back(merge.name());
    }
    cond_call->inputs = merges;
    cond_call->frame_control = merges[0];
    auto cond = Inline(*cond_call, chain);
    if (!cond.ok()) return cond.status();
    if (cond->outputs.size() != 1) {
      return CallError(*cond_call, absl::StrCat("returns ", cond->outputs.size(),
                                                " outputs; a loop condition returns one bool"));
    }
    const std::string loop_cond =
        AddNode(name + "/loop_cond", "LoopCond", {cond->outputs[0]}, tensorflow::DT_INVALID).name();
    std::vector<std::string> switches;
    for (size_t i = 0; i < n; ++i) {
      switches.push_back(AddNode(absl::StrCat(name, "/switch_", i), "Switch",
                                 {merges[i], loop_cond}, (*types)[i])
                             .name());
      body_call->inputs.push_back(switches[i] + ":1");
    }
    body_call->frame_control =
        AddNode(name + "/loop_body_control", "Identity", {switches[0] + ":1"}, (*types)[0]).name();
    auto body = Inline(*body_call, chain);
    if (!body.ok()) return body.status();
    if (body->outputs.size() != n) {
      return CallError(*body_call, absl::StrCat("returns ", body->outputs.size(),
                                                " outputs for the loop's ", n, " variables"));
    }
    std::vector<std::string> exits;
    for (size_t i = 0; i < n; ++i) {
      NodeDef* next = graph_.add_node();
      next->set_name(next_iterations[i]);
      next->set_op("NextIteration");
      next->add_input(body->outputs[i]);
      if ((*types)[i] != tensorflow::DT_INVALID) (*next->mutable_attr())["T"].set_type((*types)[i]);
      exits.push_back(
          AddNode(absl::StrCat(name, "/exit_", i), "Exit", {switches[i]}, (*types)[i]).name());
    }
    return ForwardOutputs(node, body_call->function, "T", std::move(exits), *types);
  }

  // A node whose declared outputs outnumber its function's may not be read
  // past them.
  absl::Status CheckOutputReads() const {
    if (declared_.empty()) return absl::OkStatus();
    for (const NodeDef& node : graph_.node()) {
      for (const std::string& input : node.input()) {
        if (absl::StartsWith(input, "^")) continue;
        auto tensor = ParseTensorName(input);
        if (!tensor.ok()) continue;  // import reports it
        auto it = declared_.find(tensor->first);
        if (it != declared_.end() && tensor->second >= it->second.count) {
          return NodeDefInvalid(node, absl::StrCat("reads '", input, "', but ",
                                                   it->second.description));
        }
      }
    }
    return absl::OkStatus();
  }

  tensorflow::GraphDef& graph_;
  const FunctionLibrary& library_;
  NameScope names_;
  const uint64_t max_nodes_;
  absl::flat_hash_map<int, Chain> chains_;  // appended functional node -> its chain
  absl::flat_hash_map<std::string, DeclaredOutputs> declared_;
  FunctionalStats stats_;
};

}  // namespace

absl::StatusOr<FunctionalStats> LowerFunctionalOps(tensorflow::GraphDef& graph,
                                                   uint64_t max_nodes) {
  const FunctionLibrary library(graph.library());
  // Most graphs call no function: they pay one lookup per node, not the
  // name index the lowering needs.
  if (std::none_of(graph.node().begin(), graph.node().end(),
                   [&](const NodeDef& node) { return library.IsFunctionalOp(node); })) {
    return FunctionalStats{};
  }
  return Lowering(graph, library, max_nodes).Run();
}

}  // namespace tflconv
