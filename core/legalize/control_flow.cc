#include "core/legalize/control_flow.h"

#include <map>
#include <queue>

#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"

namespace tflconv {

namespace {

bool IsFrameOp(absl::string_view op) {
  return op == "Enter" || op == "Exit" || op == "Switch" || op == "Merge" ||
         op == "NextIteration" || op == "LoopCond";
}

}  // namespace

bool HasControlFlow(const Graph& graph) {
  for (const Node& node : graph.nodes) {
    if (IsFrameOp(node.op) || IsArrayOp(node.op)) return true;
  }
  return false;
}

ControlFlowEvaluator::ControlFlowEvaluator(const Graph& graph, const ResolvedLimits& limits,
                                           uint64_t unroll_limit, InferStats* stats)
    : graph_(graph), limits_(limits), unroll_limit_(unroll_limit), stats_(stats),
      fold_budget_(limits.max_folded_bytes), outputs_used_(OutputsUsed(graph)) {
  lowered_.graph.parsed = graph.parsed;
  main_.graph = &lowered_.graph;
  main_.inferrer = std::make_unique<NodeInferrer>(lowered_.graph, limits, stats, &fold_budget_);
}

const Scope* ControlFlowEvaluator::ScopeOf(const Scope& scope, int node) const {
  const Scope* s = &scope;
  while (s != nullptr && s->frame != frame_of_[node]) s = s->parent;
  // Within a frame, the innermost scope that computed it (a cond branch).
  for (const Scope* b = s; b != nullptr && b->frame == s->frame; b = b->parent) {
    if (b->values.contains(node)) return b;
  }
  return s;
}

const std::vector<FlowValue>* ControlFlowEvaluator::ValuesOf(const Scope& scope,
                                                            int node) const {
  const Scope* s = ScopeOf(scope, node);
  if (s == nullptr) return nullptr;
  auto it = s->values.find(node);
  return it == s->values.end() ? nullptr : &it->second;
}

bool ControlFlowEvaluator::IsDead(const Scope& scope, int node) const {
  const std::vector<FlowValue>* values = ValuesOf(scope, node);
  if (values == nullptr || values->empty()) return false;
  return std::all_of(values->begin(), values->end(),
                     [](const FlowValue& v) { return v.kind == FlowValue::kDead; });
}

const FlowValue* ControlFlowEvaluator::Lookup(const Scope& scope, Endpoint e) const {
  const std::vector<FlowValue>* values = ValuesOf(scope, e.node);
  if (values == nullptr || e.index >= static_cast<int>(values->size())) return nullptr;
  return &(*values)[e.index];
}

absl::StatusOr<FlowValue> ControlFlowEvaluator::Read(Scope& scope, int reader, Endpoint e) {
  const FlowValue* v = Lookup(scope, e);
  if (v == nullptr) {
    return absl::InternalError(absl::StrCat("node '", graph_.nodes[reader].name, "' reads '",
                                            graph_.TensorName(e), "' before it is computed"));
  }
  const Target* home = ScopeOf(scope, e.node)->target;
  if (v->kind != FlowValue::kTensor || home == scope.target) return *v;
  return Import(scope, *home, *v, e);
}

absl::StatusOr<int> ControlFlowEvaluator::Clone(const Scope& scope, int i,
                                                std::vector<Endpoint> inputs) {
  const Node& source = graph_.nodes[i];
  Graph& lowered = *scope.target->graph;
  if (++nodes_made_ > limits_.max_nodes) {
    return NodeError(absl::StatusCode::kResourceExhausted, source,
                     absl::StrCat("unrolling loops makes more than ", limits_.max_nodes,
                                  " nodes (limits.max_nodes)"));
  }
  Node node;
  node.name = absl::StrCat(source.name, scope.suffix);
  node.op = source.op;
  node.def = source.def;
  node.inputs = std::move(inputs);
  node.is_model_input = source.is_model_input;
  node.outputs = source.outputs;  // set on import for model inputs
  const int index = static_cast<int>(lowered.nodes.size());
  if (!lowered.by_name.emplace(node.name, index).second) {
    return NodeInvalid(source, absl::StrCat("lowering control flow names a copy '", node.name,
                                            "', which another node of the graph has"));
  }
  lowered.nodes.push_back(std::move(node));
  if (absl::Status s = scope.target->inferrer->Infer(index, outputs_used_[i]); !s.ok()) {
    return s;
  }
  // Nodes only control edges read (asserts, no-ops) never reach the model.
  if (absl::Status s = CountUnrolled(scope, index, source.num_consumers > 0); !s.ok()) return s;
  return index;
}

absl::StatusOr<int> ControlFlowEvaluator::Make(const Scope& scope, tensorflow::NodeDef def,
                                               std::vector<Endpoint> inputs,
                                               int64_t outputs_used) {
  auto placed = Place(*scope.target, std::move(def), std::move(inputs), {});
  if (!placed.ok()) return placed.status();
  const int index = *placed;
  if (absl::Status s = scope.target->inferrer->Infer(index, outputs_used); !s.ok()) return s;
  if (absl::Status s = CountUnrolled(scope, index, true); !s.ok()) return s;
  return index;
}

absl::StatusOr<int> ControlFlowEvaluator::MakeConst(const Scope& scope, const std::string& name,
                                                    Tensor value) {
  tensorflow::NodeDef def;
  def.set_name(FreshName(*scope.target->graph, name));
  def.set_op("Const");
  OutputInfo info;
  info.dtype = value.dtype();
  info.shape = Shape::Of(value.dims());
  info.value = std::move(value);
  return Place(*scope.target, std::move(def), {}, {std::move(info)});
}

absl::StatusOr<int> ControlFlowEvaluator::MakeIntConst(const Scope& scope,
                                                       const std::string& name, DataType dtype,
                                                       const std::vector<int64_t>& values,
                                                       bool scalar) {
  Dims dims;
  if (!scalar) dims.push_back(static_cast<int64_t>(values.size()));
  if (dtype == tensorflow::DT_INT64) {
    return MakeConst(scope, name, Tensor::FromVector(dtype, std::move(dims), values));
  }
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("constant ", name, " holds ", v, ", outside int32"));
    }
  }
  return MakeConst(scope, name,
                   Tensor::FromVector(dtype, std::move(dims),
                                      std::vector<int32_t>(values.begin(), values.end())));
}

absl::Status ControlFlowEvaluator::CountUnrolled(const Scope& scope, int lowered_node,
                                                 bool feeds_data) {
  if (scope.frame == 0 || scope.every_iteration || !feeds_data) return absl::OkStatus();
  const Node& node = scope.target->graph->nodes[lowered_node];
  const bool folded = std::all_of(node.outputs.begin(), node.outputs.end(),
                                  [](const OutputInfo& o) { return o.value.has_value(); });
  if (folded || node.op == "Identity") return absl::OkStatus();
  if (++unrolled_ops_ > unroll_limit_) {
    return NodeError(absl::StatusCode::kUnimplemented, node,
                     absl::StrCat("unrolling loop '", frames_[scope.frame].name,
                                  "' would add more than unroll_limit=", unroll_limit_,
                                  " operators"));
  }
  return absl::OkStatus();
}

const Tensor* ControlFlowEvaluator::ConstantBool(const Scope& scope,
                                                const FlowValue& value) const {
  if (value.kind != FlowValue::kTensor) return nullptr;
  const OutputInfo& info = scope.target->graph->info(value.tensor);
  if (!info.value || info.value->dtype() != tensorflow::DT_BOOL ||
      info.value->num_elements() != 1) {
    return nullptr;
  }
  return &*info.value;
}

absl::Status ControlFlowEvaluator::UnknownLoopCondition(int loop_cond) const {
  return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[loop_cond],
                   absl::StrCat("the condition of loop '", frames_[frame_of_[loop_cond]].name,
                                "' is known only at run time, so the loop cannot be unrolled"));
}

absl::Status ControlFlowEvaluator::RunSwitch(Scope& scope, int i,
                                             const std::vector<FlowValue>& in) {
  const Node& node = graph_.nodes[i];
  if (in.size() != 2) return FrameError(node, "Switch takes a value and a predicate");
  const Node& pred_node = graph_.nodes[node.inputs[1].node];
  if (in[0].kind != FlowValue::kDead && in[1].kind != FlowValue::kDead &&
      pred_node.op != "LoopCond" && ConstantBool(scope, in[1]) == nullptr) {
    // Conds on one predicate come one after the other; this Switch may
    // open a later one.
    do {
      if (absl::Status s = RunCondAsIf(scope, i, in[1]); !s.ok()) return s;
    } while (!scope.values.contains(i));
    return absl::OkStatus();
  }
  std::vector<FlowValue>& out = scope.values[i];
  if (in[0].kind == FlowValue::kDead || in[1].kind == FlowValue::kDead) {
    out.assign(2, FlowValue::Dead());
    return absl::OkStatus();
  }
  if (scope.every_iteration && node.inputs[1].node == frames_[scope.frame].loop_cond) {
    // Standing for every iteration: the value goes on into the body and
    // leaves through Exit once the loop ends.
    out = {in[0], in[0]};
    return absl::OkStatus();
  }
  const Tensor* pred = ConstantBool(scope, in[1]);
  if (pred == nullptr) return UnknownLoopCondition(node.inputs[1].node);
  const bool taken = pred->flat<bool>()[0];
  if (pred_node.op != "LoopCond") {
    auto& seen = conds_[node.inputs[1].node];
    (taken ? seen.first : seen.second) = true;
  }
  out = taken ? std::vector<FlowValue>{FlowValue::Dead(), in[0]}
              : std::vector<FlowValue>{in[0], FlowValue::Dead()};
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunMerge(Scope& scope, int i) {
  const Node& node = graph_.nodes[i];
  FlowValue live;
  int live_index = -1;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    const Endpoint in = node.inputs[k];
    const bool back = graph_.nodes[in.node].op == "NextIteration";
    if (feeds_back_[i] && back != (scope.iteration > 0)) continue;
    if (back) {
      const FlowValue* v = Lookup(*scope.previous, in);
      if (v == nullptr) {
        return absl::InternalError(absl::StrCat("merge '", node.name, "' input '",
                                                graph_.TensorName(in), "' was not computed"));
      }
      live = *v;
    } else {
      auto v = Read(scope, i, in);
      if (!v.ok()) return v.status();
      live = *v;
    }
    if (live.kind == FlowValue::kDead) continue;
    // Several live inputs: TensorFlow's executor forwards whichever
    // arrives first; with everything known at once that is the first.
    live_index = static_cast<int>(k);
    break;
  }
  std::vector<FlowValue>& out = scope.values[i];
  out.assign(2, FlowValue::Dead());
  if (live_index < 0) return absl::OkStatus();
  out[0] = live;
  if (outputs_used_[i] > 1) {
    auto index = MakeIntConst(scope, absl::StrCat(node.name, scope.suffix, "/value_index"),
                              tensorflow::DT_INT32, {live_index}, true);
    if (!index.ok()) return index.status();
    out[1] = FlowValue::Of({*index, 0});
  }
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunNode(Scope& scope, int i) {
  const Node& node = graph_.nodes[i];
  if (node.op == "Merge") return RunMerge(scope, i);
  std::vector<FlowValue> in;
  in.reserve(node.inputs.size());
  for (const Endpoint& e : node.inputs) {
    auto v = Read(scope, i, e);
    if (!v.ok()) return v.status();
    in.push_back(*v);
  }
  for (int source : node.control_inputs) {
    if (IsDead(scope, source)) {
      scope.values[i].assign(std::max<int64_t>(outputs_used_[i], 2), FlowValue::Dead());
      return absl::OkStatus();
    }
  }
  if (node.op == "Switch") return RunSwitch(scope, i, in);
  if (IsArrayOp(node.op)) return RunArrayOp(scope, i, in);
  std::vector<FlowValue>& out = scope.values[i];
  if (node.op == "Enter" || node.op == "NextIteration" || node.op == "LoopCond" ||
      node.op == "Identity") {
    if (in.empty()) return FrameError(node, "expects an input");
    out = {in[0]};
    return absl::OkStatus();
  }
  std::vector<Endpoint> inputs;
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k].kind == FlowValue::kDead) {
      out.assign(outputs_used_[i], FlowValue::Dead());
      return absl::OkStatus();
    }
    if (in[k].kind != FlowValue::kTensor) {
      return NodeError(absl::StatusCode::kUnimplemented, node,
                       absl::StrCat("input ", k, " is a TensorArray or TensorList, which only "
                                    "the array ops themselves can take"));
    }
    inputs.push_back(in[k].tensor);
  }
  auto index = Clone(scope, i, std::move(inputs));
  if (!index.ok()) return index.status();
  const size_t count =
      std::max<size_t>(outputs_used_[i], scope.target->graph->nodes[*index].outputs.size());
  out.clear();
  for (size_t k = 0; k < count; ++k) out.push_back(FlowValue::Of({*index, static_cast<int>(k)}));
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunFrame(Scope& scope) {
  for (int unit : frames_[scope.frame].schedule) {
    if (unit >= 0 && scope.values.contains(unit)) continue;  // a WHILE's variable
    absl::Status s = unit >= 0 ? RunNode(scope, unit) : RunLoop(scope, ~unit);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunLoop(Scope& parent, int frame) {
  const Frame& loop = frames_[frame];
  // A loop on the side of a cond that is not taken does not run.
  for (int enter : loop.enters) {
    const FlowValue* v = Lookup(parent, graph_.nodes[enter].inputs[0]);
    if (v == nullptr || v->kind == FlowValue::kDead) {
      for (int exit : loop.exits) parent.values[exit] = {FlowValue::Dead()};
      return absl::OkStatus();
    }
  }
  if (unroll_limit_ == 0) return RunLoopAsWhile(parent, frame, "unroll_limit=0");
  // A loop that did not unroll in an earlier iteration of an outer loop
  // would not now either.
  if (auto kept = while_loops_.find(frame); kept != while_loops_.end()) {
    return RunLoopAsWhile(parent, frame, std::string(kept->second));
  }
  Checkpoint checkpoint = Save(parent);
  absl::Status unrolled = UnrollLoop(parent, frame);
  if (unrolled.code() != absl::StatusCode::kUnimplemented) return unrolled;
  Restore(parent, std::move(checkpoint));
  absl::Status as_while = RunLoopAsWhile(parent, frame, unrolled.message());
  if (as_while.code() != absl::StatusCode::kUnimplemented) return as_while;
  return absl::UnimplementedError(
      absl::StrCat(unrolled.message(), "; nor can it stay a WHILE: ", as_while.message()));
}

absl::Status ControlFlowEvaluator::UnrollLoop(Scope& parent, int frame) {
  const Frame& loop = frames_[frame];
  std::unique_ptr<Scope> previous;
  for (int64_t k = 0;; ++k) {
    if (static_cast<uint64_t>(k) > limits_.max_nodes) {
      return NodeInvalid(graph_.nodes[loop.loop_cond],
                         absl::StrCat("loop '", loop.name, "' does not end after ", k,
                                      " iterations"));
    }
    auto scope = std::make_unique<Scope>();
    scope->parent = &parent;
    scope->previous = previous.get();
    scope->frame = frame;
    scope->target = parent.target;
    scope->iteration = k;
    scope->suffix = absl::StrCat(parent.suffix, "@", k);
    if (absl::Status s = RunFrame(*scope); !s.ok()) return s;
    const FlowValue& cond = scope->values[loop.loop_cond][0];
    bool again = false;
    if (cond.kind == FlowValue::kTensor) {
      const Tensor* value = ConstantBool(*scope, cond);
      if (value == nullptr) return UnknownLoopCondition(loop.loop_cond);
      again = value->flat<bool>()[0];
    }
    if (!again) {
      // The Exits took their values in this last iteration (dead when the
      // whole loop sits in a cond branch that is not taken).
      for (int exit : loop.exits) {
        const FlowValue* v = Lookup(*scope, graph_.nodes[exit].inputs[0]);
        parent.values[exit] = {v == nullptr ? FlowValue::Dead() : *v};
      }
      if (cond.kind != FlowValue::kDead) loop_iterations_[frame] += k;
      return absl::OkStatus();
    }
    scope->previous = nullptr;
    previous = std::move(scope);
  }
}

void ControlFlowEvaluator::ReportArrays() {
  // The declared element shape, or when it is not fully defined the shape
  // of the first element written (states are made in program order).
  std::vector<Shape> shown;
  std::vector<bool> settled;
  for (const Array& array : arrays_) {
    shown.push_back(array.element_shape);
    settled.push_back(array.element_shape.fully_defined());
  }
  for (const ArrayState& state : states_) {
    if (settled[state.array]) continue;
    if (std::optional<Shape> written = WrittenElementShape(state)) {
      shown[state.array] = *std::move(written);
      settled[state.array] = true;
    }
  }
  for (size_t k = 0; k < arrays_.size(); ++k) {
    const Array& array = arrays_[k];
    v1::ControlFlowRegion& region = lowered_.regions.emplace_back();
    region.set_kind(array.kind);
    region.set_name(array.node);
    if (!array.as_one_tensor) {
      region.set_disposition(absl::StrCat("lowered to its elements: up to ",
                                          array.largest_size, " tensors of ",
                                          DataTypeName(array.dtype), shown[k].ToString()));
      continue;
    }
    if (array.appended) {
      region.set_disposition(absl::StrCat(
          "one tensor grown in WHILE '", array.carried_by, "': its elements of ",
          DataTypeName(array.dtype), shown[k].ToString(),
          " appended on axis 0 (CONCATENATION appends)"));
      continue;
    }
    region.set_disposition(absl::StrCat(
        "one tensor of ", array.largest_size, " rows of ", DataTypeName(array.dtype),
        shown[k].ToString(),
        array.carried_by.empty() ? "" : absl::StrCat(" carried through WHILE '", array.carried_by, "'"),
        " (GATHER reads rows, SELECT_V2 writes them)"));
  }
}

absl::Status ControlFlowEvaluator::Finish(const Scope& root) {
  Graph& lowered = lowered_.graph;
  lowered.input_names = graph_.input_names;
  lowered.output_names = graph_.output_names;
  for (const Endpoint& e : graph_.inputs) {
    const FlowValue* v = Lookup(root, e);
    if (v == nullptr || v->kind != FlowValue::kTensor) {
      return absl::InternalError(absl::StrCat("input '", graph_.TensorName(e), "' was lost"));
    }
    lowered.inputs.push_back(v->tensor);
  }
  for (size_t j = 0; j < graph_.outputs.size(); ++j) {
    const Endpoint e = graph_.outputs[j];
    const Node& source = graph_.nodes[e.node];
    if (frame_of_[e.node] != 0) {
      return NodeInvalid(source, absl::StrCat("output '", graph_.output_names[j],
                                              "' is computed inside loop frame '",
                                              frames_[frame_of_[e.node]].name,
                                              "'; a loop's results leave it through Exit"));
    }
    const FlowValue* v = Lookup(root, e);
    if (v == nullptr || v->kind == FlowValue::kDead) {
      return NodeInvalid(source, absl::StrCat("output '", graph_.output_names[j],
                                              "' is never computed: it lies on the side of a "
                                              "cond that is not taken"));
    }
    if (v->kind != FlowValue::kTensor) {
      return NodeError(absl::StatusCode::kUnimplemented, source,
                       absl::StrCat("output '", graph_.output_names[j],
                                    "' is a TensorArray or TensorList, not a tensor"));
    }
    if (lowered.nodes[v->tensor.node].name == source.name) {
      lowered.outputs.push_back(v->tensor);
      continue;
    }
    // The output was a forwarded node (Merge, Exit, an array read): an
    // Identity keeps its name (one, when the output is listed twice).
    if (auto it = lowered.by_name.find(source.name); it != lowered.by_name.end() &&
        lowered.nodes[it->second].op == "Identity" &&
        lowered.nodes[it->second].inputs == std::vector<Endpoint>{v->tensor}) {
      lowered.outputs.push_back({it->second, 0});
      continue;
    }
    tensorflow::NodeDef def;
    def.set_name(source.name);
    def.set_op("Identity");
    (*def.mutable_attr())["T"].set_type(lowered.info(v->tensor).dtype);
    auto index = Make(root, std::move(def), {v->tensor}, 1);
    if (!index.ok()) return index.status();
    lowered.outputs.push_back({*index, 0});
  }
  CountConsumers(lowered);
  for (const Node& node : graph_.nodes) {
    if (IsFrameOp(node.op) || IsArrayOp(node.op)) {
      lowered_.lowered_nodes.push_back({node.op, node.name});
    }
  }
  for (size_t f = 1; f < frames_.size(); ++f) {
    auto it = loop_iterations_.find(static_cast<int>(f));
    v1::ControlFlowRegion& region = lowered_.regions.emplace_back();
    region.set_kind("while loop");
    region.set_name(frames_[f].name);
    if (auto kept = while_loops_.find(static_cast<int>(f)); kept != while_loops_.end()) {
      region.set_disposition(absl::StrCat("WHILE (", kept->second, ")"));
      continue;
    }
    region.set_disposition(it == loop_iterations_.end()
                               ? "removed: it lies on the side of a cond that is not taken"
                               : absl::StrCat("unrolled: ", it->second,
                                              it->second == 1 ? " iteration" : " iterations"));
  }
  std::map<std::string, std::string> conds;
  for (int pred : if_conds_) {
    conds[graph_.nodes[pred].name] = "IF: the predicate is known only at run time";
  }
  for (const auto& [pred, seen] : conds_) {
    if (if_conds_.contains(pred)) continue;
    conds[graph_.nodes[pred].name] =
        seen.first && seen.second
            ? "folded: true in some iterations, false in others"
            : absl::StrCat("folded: the predicate is ", seen.first ? "true" : "false");
  }
  for (const auto& [name, disposition] : conds) {
    v1::ControlFlowRegion region;
    region.set_kind("cond");
    region.set_name(name);
    region.set_disposition(disposition);
    lowered_.regions.push_back(std::move(region));
  }
  ReportArrays();
  return absl::OkStatus();
}

absl::StatusOr<LoweredGraph> ControlFlowEvaluator::Run() {
  if (absl::Status s = FindFrames(); !s.ok()) return s;
  Scope root;
  root.target = &main_;
  if (absl::Status s = RunFrame(root); !s.ok()) return s;
  if (absl::Status s = Finish(root); !s.ok()) return s;
  return std::move(lowered_);
}

absl::StatusOr<LoweredGraph> LowerControlFlow(const Graph& graph, const ResolvedLimits& limits,
                                              uint64_t unroll_limit, InferStats* stats) {
  return ControlFlowEvaluator(graph, limits, unroll_limit, stats).Run();
}

void AddLoweredCoverage(const LoweredGraph& lowered, CoverageBuilder& coverage) {
  for (const auto& [op, name] : lowered.lowered_nodes) {
    Node node;
    node.op = op;
    node.name = name;
    coverage.Add(node, v1::LOWERED, {}, "");
  }
}

}  // namespace tflconv
