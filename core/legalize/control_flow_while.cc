// Loops that stay loops (see control_flow.h): a loop whose condition is
// known only at run time, or whose unrolling would pass the unroll limit,
// becomes a While node whose cond and body are one region graph. The body
// is evaluated once, in a scope standing for every iteration: each loop
// variable (a Merge fed back by NextIteration) and each invariant that is
// not a constant is a placeholder of the region, and the Switches on the
// loop's own LoopCond send their value both ways.
#include <tuple>

#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/status_macros.h"

namespace tflconv {

ControlFlowEvaluator::Checkpoint ControlFlowEvaluator::Save(const Scope& scope) const {
  const Graph& graph = *scope.target->graph;
  Checkpoint c;
  c.nodes = graph.nodes.size();
  c.made_defs = graph.made_defs.size();
  c.regions = graph.regions.size();
  c.states = states_.size();
  c.arrays = arrays_;
  c.unrolled_ops = unrolled_ops_;
  c.array_work = array_work_;
  c.nodes_made = nodes_made_;
  c.conds = conds_;
  c.loop_iterations = loop_iterations_;
  c.while_loops = while_loops_;
  c.if_conds = if_conds_;
  c.imported = scope.target->imported;
  c.stats = *stats_;
  c.fold_budget = fold_budget_;
  return c;
}

void ControlFlowEvaluator::Restore(const Scope& scope, Checkpoint c) {
  Graph& graph = *scope.target->graph;
  for (size_t i = c.nodes; i < graph.nodes.size(); ++i) graph.by_name.erase(graph.nodes[i].name);
  graph.nodes.resize(c.nodes);
  graph.made_defs.resize(c.made_defs);
  graph.regions.resize(c.regions);
  states_.resize(c.states);
  arrays_ = std::move(c.arrays);
  unrolled_ops_ = c.unrolled_ops;
  array_work_ = c.array_work;
  nodes_made_ = c.nodes_made;
  conds_ = std::move(c.conds);
  loop_iterations_ = std::move(c.loop_iterations);
  while_loops_ = std::move(c.while_loops);
  if_conds_ = std::move(c.if_conds);
  scope.target->imported = std::move(c.imported);
  *stats_ = c.stats;
  fold_budget_ = c.fold_budget;
}

absl::StatusOr<int> ControlFlowEvaluator::Place(Target& target, tensorflow::NodeDef def,
                                                std::vector<Endpoint> inputs,
                                                std::vector<OutputInfo> outputs) {
  Graph& graph = *target.graph;
  if (++nodes_made_ > limits_.max_nodes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("lowering control flow makes more than ", limits_.max_nodes,
                     " nodes (limits.max_nodes) at '", def.name(), "'"));
  }
  Node node;
  node.name = def.name();
  node.op = def.op();
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.is_model_input = node.op == "Placeholder";
  graph.made_defs.push_back(std::make_unique<tensorflow::NodeDef>(std::move(def)));
  node.def = graph.made_defs.back().get();
  const int index = static_cast<int>(graph.nodes.size());
  if (!graph.by_name.emplace(node.name, index).second) {
    return NodeInvalid(node, "lowering control flow makes a node whose name is taken");
  }
  graph.nodes.push_back(std::move(node));
  return index;
}

std::shared_ptr<Graph> ControlFlowEvaluator::NewRegion(Target& target) {
  auto region = std::make_shared<Graph>();
  region->parsed = graph_.parsed;
  target.graph = region.get();
  target.inferrer = std::make_unique<NodeInferrer>(*region, limits_, stats_, &fold_budget_);
  return region;
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::AddRegionInput(Target& target,
                                                              const std::string& name,
                                                              OutputInfo like) {
  like.value.reset();
  tensorflow::NodeDef def;
  def.set_name(name);
  def.set_op("Placeholder");
  TFLCONV_ASSIGN_OR_RETURN(int placeholder, Place(target, std::move(def), {}, {std::move(like)}));
  target.graph->inputs.push_back({placeholder, 0});
  target.graph->input_names.push_back(name);
  return Endpoint{placeholder, 0};
}

void ControlFlowEvaluator::CountConsumers(Graph& graph) {
  for (const Node& node : graph.nodes) {
    for (const Endpoint& in : node.inputs) ++graph.nodes[in.node].num_consumers;
  }
}

FlowValue ControlFlowEvaluator::SettledValue(const Scope& scope, Endpoint e) const {
  const FlowValue* value = Lookup(scope, e);
  return value != nullptr ? *value : FlowValue::Dead();
}

absl::StatusOr<FlowValue> ControlFlowEvaluator::Import(Scope& scope, const Target& from,
                                                       const FlowValue& value, Endpoint read) {
  const OutputInfo& info = from.graph->info(value.tensor);
  if (!info.value) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[read.node],
                     "is read inside a WHILE body or IF branch without passing through its "
                     "Enter or Switch");
  }
  Target& target = *scope.target;
  auto [it, inserted] = target.imported.try_emplace({from.graph, value.tensor});
  if (inserted) {
    tensorflow::NodeDef def;
    def.set_name(absl::StrCat(from.graph->TensorName(value.tensor), scope.suffix));
    def.set_op("Const");
    auto index = Place(target, std::move(def), {}, {info});
    if (!index.ok()) {
      target.imported.erase(it);
      return index.status();
    }
    it->second = {*index, 0};
  }
  return FlowValue::Of(it->second);
}

absl::Status ControlFlowEvaluator::RunLoopAsWhile(Scope& parent, int frame,
                                                  absl::string_view why) {
  Checkpoint checkpoint = Save(parent);
  ShapeProbe probe;
  absl::Status built = BuildWhile(parent, frame, why, probe);
  if (!probe.needed) return built;
  Restore(parent, std::move(checkpoint));
  probe.first_pass = false;
  return BuildWhile(parent, frame, why, probe);
}

absl::Status ControlFlowEvaluator::BuildWhile(Scope& parent, int frame, absl::string_view why,
                                              ShapeProbe& probe) {
  const Frame& loop = frames_[frame];
  const Node& loop_cond = graph_.nodes[loop.loop_cond];
  Target target;
  const std::shared_ptr<Graph> region = NewRegion(target);
  Scope body;
  body.parent = &parent;
  body.frame = frame;
  body.every_iteration = true;
  body.target = &target;
  body.suffix = parent.suffix;

  // The While's operands: each loop variable, then each invariant that is
  // not a constant (constants are copied into the region when read). An
  // array is carried as one tensor (array_dense.cc); a TensorArray's
  // handle, which only names its array, needs no operand.
  std::vector<Endpoint> operands;
  std::vector<int> next_of;      // per operand: its NextIteration, or -1
  std::vector<int> entry_state;  // per operand: the array state it carries in, or -1
  std::vector<std::pair<int, int>> probed;  // NextIteration, array
  auto add_operand = [&](int node, const FlowValue& initial, int next) -> absl::Status {
    if (initial.kind == FlowValue::kArrayHandle && next < 0) {
      body.values[node] = {initial};
      return absl::OkStatus();
    }
    if (probe.first_pass && next >= 0 && initial.kind == FlowValue::kArrayState &&
        !GrowsInLoop(states_[initial.state]) &&
        !KnownElementShape(node, states_[initial.state]).ok()) {
      // The first pass sees the array as if it were made in the body,
      // where its first write gives it a shape (WriteRow).
      probe.needed = true;
      ArrayState fresh;
      fresh.array = states_[initial.state].array;
      fresh.graph = target.graph;
      fresh.elements.resize(states_[initial.state].elements.size());
      auto state = NewState(node, std::move(fresh));
      if (!state.ok()) return state.status();
      body.values[node] = {FlowValue{FlowValue::kArrayState, {}, -1, *state}, FlowValue::Dead()};
      probed.push_back({next, states_[initial.state].array});
      return absl::OkStatus();
    }
    if (initial.kind != FlowValue::kTensor && initial.kind != FlowValue::kArrayState) {
      return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                       initial.kind == FlowValue::kDead
                           ? "enters the loop on a side of a cond that is not taken"
                           : "carries a TensorArray handle as a loop variable, which is not "
                             "lowered");
    }
    Endpoint value = initial.tensor;
    const bool array = initial.kind == FlowValue::kArrayState;
    const bool grows = array && GrowsInLoop(states_[initial.state]);
    std::optional<AppendedCarry> carry;
    if (grows) {
      auto entry = AppendedEntry(parent, node, states_[initial.state]);
      if (!entry.ok()) return entry.status();
      carry = *std::move(entry);
      value = carry->entry;
    } else if (array) {
      const Shape* learned = nullptr;
      for (const auto& [probed_array, shape] : probe.learned) {
        if (probed_array == states_[initial.state].array) learned = &shape;
      }
      auto dense = DenseOf(parent, node, states_[initial.state], learned);
      if (!dense.ok()) return dense.status();
      value = *dense;
    }
    OutputInfo like = parent.target->graph->info(value);
    if (carry) like.shape = carry->shape;
    auto placeholder = AddRegionInput(target, graph_.nodes[node].name, std::move(like));
    if (!placeholder.ok()) return placeholder.status();
    FlowValue inside = FlowValue::Of(*placeholder);
    if (array) {
      auto state = carry ? NewAppendedState(body, node, states_[initial.state], *placeholder,
                                            carry->rows, /*filler_row=*/true)
                         : NewDenseState(body, node, states_[initial.state], *placeholder);
      if (!state.ok()) return state.status();
      inside = FlowValue{FlowValue::kArrayState, {}, -1, *state};
    }
    body.values[node] = {inside, FlowValue::Dead()};
    operands.push_back(value);
    next_of.push_back(next);
    entry_state.push_back(array ? initial.state : -1);
    return absl::OkStatus();
  };
  std::vector<bool> variable_enter(graph_.nodes.size(), false);
  for (int i : loop.merges) {
    const Node& merge = graph_.nodes[i];
    int enter = -1, next = -1;
    for (const Endpoint& in : merge.inputs) {
      const std::string& op = graph_.nodes[in.node].op;
      if (op == "NextIteration") next = in.node;
      if (op == "Enter" && frame_of_[in.node] == frame) enter = in.node;
    }
    if (enter < 0 || next < 0 || merge.inputs.size() != 2) {
      return NodeError(absl::StatusCode::kUnimplemented, merge,
                       "a loop variable's Merge must join one Enter and one NextIteration for "
                       "the loop to stay a WHILE");
    }
    variable_enter[enter] = true;
    // Only the Merge, which stands for the variable, reads its Enter.
    body.values[enter] = {FlowValue::Dead()};
    auto initial = Read(parent, enter, graph_.nodes[enter].inputs[0]);
    if (!initial.ok()) return initial.status();
    if (absl::Status s = add_operand(i, *initial, next); !s.ok()) return s;
  }
  for (int enter : loop.enters) {
    if (variable_enter[enter]) continue;
    auto initial = Read(parent, enter, graph_.nodes[enter].inputs[0]);
    if (!initial.ok()) return initial.status();
    if (initial->kind == FlowValue::kTensor &&
        parent.target->graph->info(initial->tensor).value) {
      continue;  // a constant: the Enter runs in the body and copies it in
    }
    if (absl::Status s = add_operand(enter, *initial, -1); !s.ok()) return s;
  }

  absl::Status ran = RunFrame(body);
  if (probe.first_pass && probe.needed) {
    // Whatever else failed is found again, or not, on the second pass.
    for (const auto& [next, array] : probed) {
      const FlowValue value = SettledValue(body, {next, 0});
      if (value.kind != FlowValue::kArrayState || states_[value.state].array != array) continue;
      if (std::optional<Shape> shape = WrittenElementShape(states_[value.state])) {
        probe.learned.push_back({array, *std::move(shape)});
      }
    }
    return ran;
  }
  if (!ran.ok()) return ran;
  CountConsumers(*region);

  const FlowValue cond = SettledValue(body, {loop.loop_cond, 0});
  if (cond.kind != FlowValue::kTensor) {
    return NodeError(absl::StatusCode::kUnimplemented, loop_cond,
                     "the loop's condition is not a tensor in every iteration");
  }
  std::vector<Endpoint> results;
  std::vector<std::string> result_names;
  std::vector<int> grown(operands.size(), -1);  // per operand that grows: its next state
  // Per operand: its next value, none for an invariant.
  std::vector<std::optional<Endpoint>> next_values(operands.size());
  for (size_t k = 0; k < operands.size(); ++k) {
    const Endpoint input = region->inputs[k];
    if (next_of[k] < 0) {
      results.push_back(input);
      result_names.push_back(absl::StrCat(region->input_names[k], "/next"));
      continue;
    }
    const Node& next = graph_.nodes[next_of[k]];
    FlowValue value = SettledValue(body, {next_of[k], 0});
    if (entry_state[k] >= 0) {
      if (value.kind != FlowValue::kArrayState ||
          states_[value.state].array != states_[entry_state[k]].array) {
        return NodeError(absl::StatusCode::kUnimplemented, next,
                         "the next value of an array carried through a loop must be the same "
                         "array in every iteration");
      }
      const ArrayState& state = states_[value.state];
      if (state.appended) {
        grown[k] = value.state;
        value = FlowValue::Of(*state.appended);
      } else {
        auto dense = DenseOf(body, next_of[k], state);
        if (!dense.ok()) return dense.status();
        value = FlowValue::Of(*dense);
      }
    }
    if (value.kind != FlowValue::kTensor) {
      return NodeError(absl::StatusCode::kUnimplemented, next,
                       "the next value of a loop variable must be a tensor in every iteration");
    }
    const OutputInfo& before = region->info(input);
    OutputInfo after = region->info(value.tensor);
    if (grown[k] >= 0 && after.shape.rank() == before.shape.rank() && after.shape.rank() > 0) {
      after.shape.dims[0] = -1;
    }
    if (before.dtype != after.dtype || !(before.shape == after.shape)) {
      return NodeError(
          absl::StatusCode::kUnimplemented, next,
          absl::StrCat("loop variable '", region->input_names[k], "' enters as ",
                       DataTypeName(before.dtype), before.shape.ToString(),
                       " but the body makes it ", DataTypeName(after.dtype),
                       after.shape.ToString(), "; a WHILE keeps each variable's type and shape"));
    }
    results.push_back(value.tensor);
    result_names.push_back(next.name);
    next_values[k] = value.tensor;
  }
  // A TensorArray that grows must append at a counter (array_appended.cc).
  for (size_t k = 0; k < operands.size(); ++k) {
    if (grown[k] < 0) continue;
    const ArrayState& entry = states_[entry_state[k]];
    const int64_t entry_size = entry.appended ? -1 : static_cast<int64_t>(entry.elements.size());
    TFLCONV_RETURN_IF_ERROR(CheckAppendCounter(next_of[k], states_[grown[k]], entry_size, *region,
                                               *parent.target->graph, operands, next_values));
  }

  // What leaves the loop: a variable's (or invariant's) value when the
  // condition fails.
  // (Exit node, operand, the array state it leaves with or -1)
  std::vector<std::tuple<int, int, int>> exits;
  for (int exit : loop.exits) {
    const FlowValue value = SettledValue(body, graph_.nodes[exit].inputs[0]);
    std::optional<Endpoint> leaving;
    int leaving_state = -1;
    if (value.kind == FlowValue::kTensor) leaving = value.tensor;
    if (value.kind == FlowValue::kArrayState) {
      leaving_state = value.state;
      leaving = states_[value.state].dense ? states_[value.state].dense
                                           : states_[value.state].appended;
    }
    auto it = leaving ? std::find(region->inputs.begin(), region->inputs.end(), *leaving)
                      : region->inputs.end();
    if (it == region->inputs.end()) {
      return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[exit],
                       "leaves the loop with a value other than a loop variable, which a "
                       "WHILE cannot return");
    }
    exits.push_back({exit, static_cast<int>(it - region->inputs.begin()), leaving_state});
  }

  Graph& outer = *parent.target->graph;
  std::string name = absl::StrCat(loop.name, parent.suffix);
  // Functional lowering names a frame after its While, whose outputs keep
  // that name on an IdentityN.
  if (graph_.by_name.contains(loop.name) || outer.by_name.contains(name)) {
    absl::StrAppend(&name, "/while");
  }
  const int cond_region = static_cast<int>(outer.regions.size());
  outer.regions.push_back({absl::StrCat(name, "/cond"), region, {cond.tensor}, {loop_cond.name}});
  outer.regions.push_back({absl::StrCat(name, "/body"), region, results, result_names});
  tensorflow::NodeDef def;
  def.set_name(name);
  def.set_op("While");
  (*def.mutable_attr())["_cond_region"].set_i(cond_region);
  (*def.mutable_attr())["_body_region"].set_i(cond_region + 1);
  std::vector<OutputInfo> outputs;
  for (const Endpoint& input : region->inputs) outputs.push_back(region->info(input));
  auto node = Place(*parent.target, std::move(def), operands, std::move(outputs));
  if (!node.ok()) return node.status();
  outer.nodes[*node].runs_regions = true;
  for (const auto& [exit, operand, leaving_state] : exits) {
    FlowValue value = FlowValue::Of({*node, operand});
    if (const int entry = entry_state[operand]; entry >= 0) {
      int state = -1;
      if (states_[leaving_state].appended) {
        // Nested in a WHILE that grows it, the array keeps that loop's row,
        // and what the enclosing body appended before this loop still
        // counts there (one element per iteration, at its counter).
        const bool rows = states_[leaving_state].appended_rows;
        const bool outer_filler = states_[entry].filler_row;
        Endpoint elements = value.tensor;
        if (!outer_filler) {
          TFLCONV_ASSIGN_OR_RETURN(elements, DropFillerRow(parent, exit, value.tensor));
        }
        TFLCONV_ASSIGN_OR_RETURN(state, NewAppendedState(parent, exit, states_[entry], elements,
                                                         rows, outer_filler));
        if (outer_filler) {
          states_[state].size_on_entry = states_[entry].size_on_entry;
          states_[state].appended_in_iteration = states_[entry].appended_in_iteration;
        }
      } else {
        TFLCONV_ASSIGN_OR_RETURN(state,
                                 NewDenseState(parent, exit, states_[entry], value.tensor));
      }
      value = FlowValue{FlowValue::kArrayState, {}, -1, state};
    }
    parent.values[exit] = {value};
  }
  for (int entry : entry_state) {
    if (entry >= 0) arrays_[states_[entry].array].carried_by = name;
  }
  while_loops_[frame] = std::string(why);
  return absl::OkStatus();
}

}  // namespace tflconv
