#include "core/legalize/legalizer.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/legalize/coverage.h"
#include "core/legalize/flex.h"
#include "core/legalize/flex_allowlist.h"
#include "core/legalize/registry.h"
#include "core/lite/control_flow.h"
#include "core/lite/kernel_contract.h"
#include "core/status_macros.h"

namespace tflconv {

namespace {

// Shapes become int32 in the flatbuffer and size every runtime buffer, so
// each inferred shape must stay within limits.max_tensor_elements.
absl::Status CheckShapeLimits(const Node& node, const ResolvedLimits& limits) {
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    const Shape& shape = node.outputs[k].shape;
    if (!shape.known_rank) continue;
    __int128 elements = 1;
    for (int64_t d : shape.dims) {
      if (d < 0) continue;
      elements *= d;
      if (d > INT32_MAX || elements > static_cast<__int128>(limits.max_tensor_elements)) {
        return NodeError(absl::StatusCode::kResourceExhausted, node,
                         absl::StrCat("output ", k, " of shape ", shape.ToString(),
                                      " exceeds the limit of ", limits.max_tensor_elements,
                                      " elements (limits.max_tensor_elements)"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

NodeInferrer::NodeInferrer(Graph& graph, const ResolvedLimits& limits, InferStats* stats,
                           FoldBudget* shared_budget)
    : graph_(graph), limits_(limits), stats_(stats), own_budget_(limits.max_folded_bytes),
      budget_(shared_budget != nullptr ? *shared_budget : own_budget_) {}

absl::Status NodeInferrer::Infer(int i, int64_t outputs_used) {
  const RuleRegistry& rules = RuleRegistry::Global();
  if (outputs_used > kMaxNodeOutputs) {
    return NodeInvalid(graph_.nodes[i], absl::StrCat("output ", outputs_used - 1,
                                                     " is used; a node has at most ",
                                                     kMaxNodeOutputs, " outputs"));
  }
  const OpRule* rule = rules.Find(graph_.nodes[i].op);
  // Ops without a rule learn their output count from their consumers.
  if (graph_.nodes[i].outputs.size() < static_cast<size_t>(outputs_used) && rule == nullptr) {
    graph_.nodes[i].outputs.resize(outputs_used);
  }
  InferContext ctx(graph_, i, limits_, budget_);
  absl::Status status = rule ? rule->infer(ctx) : InferWithoutRule(ctx);
  if (!status.ok() && ctx.fold_declined()) {
    // Over the fold budget: the outputs' dtypes and shapes stand, their
    // values are computed at run time.
    for (OutputInfo& output : graph_.nodes[i].outputs) output.value.reset();
    ++stats_->folds_declined;
    status = absl::OkStatus();
  }
  // A rule that needs a constant it does not get infers what any op
  // would; legalization then keeps the node as Flex or reports it.
  if (status.code() == absl::StatusCode::kUnimplemented) status = InferWithoutRule(ctx);
  if (!status.ok()) return status;
  Node& node = graph_.nodes[i];
  if (node.outputs.empty()) node.outputs.resize(1);
  if (absl::Status s = CheckShapeLimits(node, limits_); !s.ok()) return s;
  if (node.outputs.size() < static_cast<size_t>(outputs_used)) {
    return NodeInvalid(node, absl::StrCat("has ", node.outputs.size(), " outputs but output ",
                                          outputs_used - 1, " is used"));
  }
  if (node.op != "Const" && !node.is_model_input &&
      std::all_of(node.outputs.begin(), node.outputs.end(),
                  [](const OutputInfo& o) { return o.value.has_value(); })) {
    ++stats_->nodes_folded;
  }
  stats_->folded_bytes = budget_.used();
  return absl::OkStatus();
}

std::vector<int64_t> OutputsUsed(const Graph& graph) {
  std::vector<int64_t> used(graph.nodes.size(), 1);
  for (const Node& node : graph.nodes) {
    for (const Endpoint& in : node.inputs) {
      used[in.node] = std::max<int64_t>(used[in.node], int64_t{in.index} + 1);
    }
  }
  for (const Endpoint& out : graph.outputs) {
    used[out.node] = std::max<int64_t>(used[out.node], int64_t{out.index} + 1);
  }
  return used;
}

absl::Status InferGraph(Graph& graph, const ResolvedLimits& limits, InferStats* stats) {
  NodeInferrer inferrer(graph, limits, stats);
  const std::vector<int64_t> outputs_used = OutputsUsed(graph);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (absl::Status s = inferrer.Infer(static_cast<int>(i), outputs_used[i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace {

bool IsFolded(const Node& node) {
  return !node.is_model_input &&
         std::all_of(node.outputs.begin(), node.outputs.end(),
                     [](const OutputInfo& o) { return o.value.has_value(); });
}

// Nodes whose results reach an output through computation that stays in
// the model; inputs of folded nodes are needed only at conversion time.
std::vector<bool> LiveNodes(const Graph& graph, const std::vector<Endpoint>& outputs) {
  std::vector<bool> live(graph.nodes.size(), false);
  for (const Endpoint& e : outputs) live[e.node] = true;
  for (const Endpoint& e : graph.inputs) live[e.node] = true;
  // One backward sweep covers the DAG; loop back edges (NextIteration feeds
  // an earlier Merge) need another sweep until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = static_cast<int>(graph.nodes.size()) - 1; i >= 0; --i) {
      if (!live[i] || IsFolded(graph.nodes[i])) continue;
      for (const Endpoint& in : graph.nodes[i].inputs) {
        if (!live[in.node]) {
          live[in.node] = true;
          changed = true;
        }
      }
    }
  }
  return live;
}

enum class Route { kFlex, kCustom, kUnsupported };

Route RouteWithoutRule(const Node& node, const v1::ConversionOptions& options) {
  bool select_tf_ops = false;
  for (int op_set : options.target_ops()) select_tf_ops |= op_set == v1::SELECT_TF_OPS;
  if (select_tf_ops && IsFlexAllowlisted(node.op)) return Route::kFlex;
  if (options.allow_custom_ops()) return Route::kCustom;
  return Route::kUnsupported;
}

std::string UnsupportedMessage(const v1::OpCoverageReport& coverage,
                               const v1::ConversionOptions& options) {
  std::vector<std::string> parts;
  for (const v1::OpCoverage& entry : coverage.ops()) {
    if (entry.disposition() != v1::UNSUPPORTED) continue;
    std::string part = absl::StrCat(entry.tf_op(), " (", absl::StrJoin(entry.node_names(), ", "),
                                    ")");
    if (!entry.warnings().empty()) {
      absl::StrAppend(&part, " [", absl::StrJoin(entry.warnings(), "; "), "]");
    }
    parts.push_back(std::move(part));
  }
  bool select_tf_ops = false;
  for (int op_set : options.target_ops()) select_tf_ops |= op_set == v1::SELECT_TF_OPS;
  return absl::StrCat(
      "ops not supported with target_ops ",
      select_tf_ops ? "TFLITE_BUILTINS,SELECT_TF_OPS" : "TFLITE_BUILTINS",
      options.allow_custom_ops() ? " and allow_custom_ops" : "", ": ",
      absl::StrJoin(parts, "; "),
      select_tf_ops ? "; enable allow_custom_ops to keep them as custom ops"
                    : "; enable SELECT_TF_OPS (Flex) or allow_custom_ops");
}

// Names each output tensor of the focused subgraph after its output array,
// as TensorFlow's converter does. A tensor that must carry two names (an
// output that is also an input or another output) gets a copy through
// RESHAPE, except a WHILE body's variable that passes through unchanged:
// the runtime's kernel lets the body return its own input at that index.
void NameOutputs(const std::vector<std::string>& output_names, bool while_body,
                 LiteModel& model) {
  for (size_t i = 0; i < model.outputs.size(); ++i) {
    const std::string& name = output_names[i];
    int tensor = model.outputs[i];
    if (while_body && i < model.inputs.size() && model.inputs[i] == tensor) continue;
    const bool taken =
        std::find(model.inputs.begin(), model.inputs.end(), tensor) != model.inputs.end() ||
        std::find(model.outputs.begin(), model.outputs.begin() + i, tensor) !=
            model.outputs.begin() + i;
    if (taken) {
      LiteTensor copy = model.tensors[tensor];
      copy.buffer = -1;
      const int copy_index = model.AddTensor(copy);
      std::vector<int64_t> dims(copy.shape.begin(), copy.shape.end());
      LiteTensor shape;
      shape.name = absl::StrCat(name, "/shape");
      shape.type = tflite::TensorType_INT32;
      shape.shape = {static_cast<int32_t>(dims.size())};
      shape.buffer = model.AddBuffer(OwnedBuffer(copy.shape));
      const int shape_index = model.AddTensor(shape);
      LiteOperator op;
      op.builtin = tflite::BuiltinOperator_RESHAPE;
      op.inputs = {tensor, shape_index};
      op.outputs = {copy_index};
      tflite::ReshapeOptionsT options;
      options.new_shape = copy.shape;
      op.options.Set(options);
      op.tf_node = name;
      model.operators.push_back(std::move(op));
      tensor = copy_index;
      model.outputs[i] = tensor;
    }
    model.tensors[tensor].name = name;
  }
}

// Legalizes a graph and the regions its While nodes run into one model.
class Legalizer {
 public:
  Legalizer(const v1::ConversionOptions& options, LiteModel& model, CoverageBuilder& coverage)
      : options_(options), model_(model), coverage_(coverage) {}

  // What a legalized graph becomes: the model's main subgraph, or one a
  // WHILE or IF runs. A WHILE's cond and body share one graph, whose nodes
  // the report counts once (with the body).
  enum class Role { kMain, kWhileCond, kWhileBody, kBranch };
  // Legalizes `graph` into the model's focused subgraph: the graph's
  // inputs become its inputs, `outputs` (named `output_names`) its outputs.
  absl::Status Legalize(const Graph& graph, const std::vector<Endpoint>& outputs,
                        const std::vector<std::string>& output_names, Role role);
  // Whether some node had no route (Legalize then lists them all).
  bool unsupported() const { return unsupported_; }

 private:
  absl::Status LegalizeNode(const Graph& graph, int i,
                            absl::flat_hash_map<Endpoint, int>& tensor_of, bool report);
  // A While or If of control-flow lowering: its regions (cond and body,
  // then and else) become subgraphs, run by a WHILE or an IF.
  absl::Status LegalizeRegionOp(const Graph& graph, int i,
                                absl::flat_hash_map<Endpoint, int>& tensor_of);

  const v1::ConversionOptions& options_;
  LiteModel& model_;
  CoverageBuilder& coverage_;
  bool unsupported_ = false;
};

absl::Status Legalizer::Legalize(const Graph& graph, const std::vector<Endpoint>& outputs,
                                 const std::vector<std::string>& output_names, Role role) {
  const bool main = role == Role::kMain;
  const bool report = role != Role::kWhileCond;
  absl::flat_hash_map<Endpoint, int> tensor_of;
  const std::vector<bool> live = LiveNodes(graph, outputs);
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const Endpoint e = graph.inputs[i];
    const OutputInfo& info = graph.info(e);
    auto type = ToLiteType(info.dtype);
    if (!type.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input array '", graph.input_names[i], "': ", type.status().message()));
    }
    LiteTensor tensor;
    tensor.name = graph.input_names[i];
    tensor.type = *type;
    tensor.shape = ToLiteShape(info.shape);
    const int index = model_.AddTensor(std::move(tensor));
    tensor_of[e] = index;
    model_.inputs.push_back(index);
    if (main) model_.input_names.push_back(graph.input_names[i]);
  }

  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (node.is_model_input) {
      if (main) coverage_.Add(node, v1::BUILTIN, {"(model input)"}, "");
      continue;
    }
    if (IsFolded(node)) {
      if (report) coverage_.Add(node, v1::FOLDED, {}, "");
      continue;
    }
    if (!live[i]) {
      if (report) coverage_.Add(node, v1::REMOVED, {}, "");
      continue;
    }
    TFLCONV_RETURN_IF_ERROR(LegalizeNode(graph, static_cast<int>(i), tensor_of, report));
  }
  if (unsupported_) return absl::OkStatus();

  for (size_t i = 0; i < outputs.size(); ++i) {
    const Endpoint e = outputs[i];
    auto it = tensor_of.find(e);
    int tensor;
    if (it != tensor_of.end()) {
      tensor = it->second;
    } else if (graph.info(e).value) {
      // Renamed after its output array by NameOutputs().
      tensor = AddConstantTensor(model_, graph.TensorName(e), *graph.info(e).value);
      tensor_of[e] = tensor;
    } else {
      return absl::InternalError(
          absl::StrCat("output array '", output_names[i], "' was not produced"));
    }
    model_.outputs.push_back(tensor);
    if (main) model_.output_names.push_back(output_names[i]);
  }
  NameOutputs(output_names, role == Role::kWhileBody, model_);
  return absl::OkStatus();
}

absl::Status Legalizer::LegalizeNode(const Graph& graph, int i,
                                     absl::flat_hash_map<Endpoint, int>& tensor_of, bool report) {
  const Node& node = graph.nodes[i];
  if (node.runs_regions) return LegalizeRegionOp(graph, i, tensor_of);
  LegalizeContext ctx(graph, i, model_, tensor_of);
  const size_t ops_before = model_.operators.size();
  const OpRule* rule = RuleRegistry::Global().Find(node.op);
  absl::Status status;
  v1::Disposition disposition = v1::BUILTIN;
  std::string declined;  // why the builtin rule did not apply
  if (rule != nullptr && rule->legalize != nullptr) {
    status = rule->legalize(ctx);
    if (status.ok() && model_.operators.size() == ops_before) disposition = v1::REMOVED;
    // A form the runtime's kernels would refuse is no builtin form.
    for (size_t k = ops_before; status.ok() && k < model_.operators.size(); ++k) {
      if (absl::Status s = CheckKernelContract(model_, model_.operators[k]); !s.ok()) {
        status = ctx.Unsupported(s.message());
      }
    }
    // What builtins cannot express takes the route of an op without a
    // rule (Flex, custom or unsupported), as TensorFlow's converter
    // falls back when a legalization pattern does not apply.
    if (status.code() == absl::StatusCode::kUnimplemented) {
      model_.operators.resize(ops_before);
      declined = std::string(status.message());
      status = absl::OkStatus();
    }
  }
  if (rule == nullptr || rule->legalize == nullptr || !declined.empty()) {
    switch (RouteWithoutRule(node, options_)) {
      case Route::kFlex:
        disposition = v1::FLEX;
        status = EmitFlexOp(ctx);
        break;
      case Route::kCustom:
        disposition = v1::CUSTOM;
        status = EmitCustomOp(ctx);
        break;
      case Route::kUnsupported:
        // Stand-in outputs let its consumers legalize, so the report
        // lists every unsupported op, not just the first.
        unsupported_ = true;
        for (size_t k = 0; k < node.outputs.size(); ++k) ctx.Output(static_cast<int>(k));
        coverage_.Add(node, v1::UNSUPPORTED, {},
                      declined.empty() ? RuntimeWarning(node) : declined);
        return absl::OkStatus();
    }
  }
  TFLCONV_RETURN_IF_ERROR(status);
  std::vector<std::string> lite_ops;
  for (size_t k = ops_before; k < model_.operators.size(); ++k) {
    lite_ops.push_back(model_.OpName(model_.operators[k]));
  }
  std::string warning = declined.empty() ? "" : absl::StrCat("no builtin form: ", declined);
  if (disposition != v1::BUILTIN && disposition != v1::REMOVED && warning.empty()) {
    warning = RuntimeWarning(node);
  }
  if (report) coverage_.Add(node, disposition, lite_ops, warning);
  return absl::OkStatus();
}

absl::Status Legalizer::LegalizeRegionOp(const Graph& graph, int i,
                                         absl::flat_hash_map<Endpoint, int>& tensor_of) {
  const Node& node = graph.nodes[i];
  const int in = model_.focused_subgraph();
  LegalizeContext ctx(graph, i, model_, tensor_of);
  std::vector<int> operands, results;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    TFLCONV_ASSIGN_OR_RETURN(int operand, ctx.Input(k));
    operands.push_back(operand);
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    results.push_back(ctx.Output(static_cast<int>(k)));
  }
  const bool is_while = node.op == "While";
  int subgraphs[2];
  const char* roles[2] = {is_while ? "_cond_region" : "_then_region",
                          is_while ? "_body_region" : "_else_region"};
  for (int r = 0; r < 2; ++r) {
    TFLCONV_ASSIGN_OR_RETURN(int64_t index, GetIntAttr(node, roles[r]));
    if (index < 0 || index >= static_cast<int64_t>(graph.regions.size())) {
      return absl::InternalError(
          absl::StrCat(node.op, " '", node.name, "' names region ", index));
    }
    const Region& region = graph.regions[index];
    subgraphs[r] = model_.AddSubgraph(region.name);
    SubgraphFocus focus(model_, subgraphs[r]);
    const Role role = !is_while ? Role::kBranch : r == 0 ? Role::kWhileCond : Role::kWhileBody;
    TFLCONV_RETURN_IF_ERROR(Legalize(*region.graph, region.outputs, region.output_names, role));
  }
  if (unsupported_) return absl::OkStatus();
  if (is_while) {
    return AddWhile(model_, in, subgraphs[0], subgraphs[1], operands, results, node.name);
  }
  const int condition = operands.front();
  operands.erase(operands.begin());
  return AddIf(model_, in, subgraphs[0], subgraphs[1], condition, operands, results, node.name);
}

}  // namespace

LegalizeResult LegalizeGraph(const Graph& graph, const v1::ConversionOptions& options) {
  LegalizeResult result;
  Legalizer legalizer(options, result.model, result.coverage);
  result.status =
      legalizer.Legalize(graph, graph.outputs, graph.output_names, Legalizer::Role::kMain);
  if (result.status.ok() && legalizer.unsupported()) {
    result.status =
        absl::FailedPreconditionError(UnsupportedMessage(result.coverage.Build(), options));
  }
  return result;
}

}  // namespace tflconv
