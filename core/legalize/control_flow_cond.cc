// Conds decided at run time (see control_flow.h): the Switches on one
// predicate and the nodes they reach up to the Merges that join both sides
// form the cond. Each side is evaluated into a region graph of its own, in
// a scope where the Switches send their value to that side only, and an If
// node of the enclosing graph runs them; the Merges become its outputs.
#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/status_macros.h"

namespace tflconv {

namespace {

enum Side : uint8_t { kOutside = 0, kElse = 1, kThen = 2, kJoin = 3 };

}  // namespace

absl::Status ControlFlowEvaluator::RunCondAsIf(Scope& scope, int first_switch,
                                               const FlowValue& pred) {
  const Endpoint pred_at = graph_.nodes[first_switch].inputs[1];
  const Node& pred_node = graph_.nodes[pred_at.node];
  auto refuse = [&](const Node& node, absl::string_view why) {
    return NodeError(absl::StatusCode::kUnimplemented, node,
                     absl::StrCat("the cond on '", pred_node.name,
                                  "' is decided at run time and cannot become an IF: ", why));
  };
  if (pred.kind != FlowValue::kTensor) return refuse(pred_node, "its predicate is not a tensor");

  // Which side each node of the frame lies on; Merges joining both sides
  // are the cond's results.
  const int frame = scope.frame;
  std::vector<uint8_t> side(graph_.nodes.size(), kOutside);
  std::vector<int> switches, members, merges;
  for (int unit : frames_[frame].schedule) {
    if (unit < 0) {
      for (int enter : frames_[~unit].enters) {
        for (int source : Sources(graph_.nodes[enter])) {
          if (side[source] != kOutside) {
            return refuse(graph_.nodes[enter], "a loop inside a branch is not lowered");
          }
        }
      }
      continue;
    }
    const Node& node = graph_.nodes[unit];
    if (node.op == "Switch" && node.inputs.size() == 2 && node.inputs[1] == pred_at) {
      switches.push_back(unit);
      continue;
    }
    uint8_t sides = kOutside;
    auto reach = [&](int source, int index) {
      if (side[source] == kJoin) return;
      const bool is_switch = std::find(switches.begin(), switches.end(), source) != switches.end();
      if (is_switch) {
        sides |= index == 1 ? kThen : kElse;
      } else {
        sides |= side[source];
      }
    };
    for (const Endpoint& in : node.inputs) reach(in.node, in.index);
    for (int source : node.control_inputs) {
      if (std::find(switches.begin(), switches.end(), source) != switches.end()) {
        return refuse(node, "a control edge from a Switch");
      }
      reach(source, 0);
    }
    if (sides == kOutside) continue;
    if (sides == kJoin) {
      if (node.op != "Merge") return refuse(node, "it reads both branches without a Merge");
      if (outputs_used_[unit] > 1) return refuse(node, "its Merge's value_index is used");
      side[unit] = kJoin;
      merges.push_back(unit);
      continue;
    }
    side[unit] = sides;
    members.push_back(unit);
  }
  if (merges.empty()) return refuse(pred_node, "no Merge joins its branches");

  // What the cond reads from outside may come later in the schedule than
  // its first Switch; nothing of it depends on the cond, so it runs now.
  std::vector<bool> needed(graph_.nodes.size(), false);
  std::vector<int> pending;
  for (const std::vector<int>* group : {&switches, &members}) {
    for (int node : *group) pending.push_back(node);
  }
  while (!pending.empty()) {
    const int node = pending.back();
    pending.pop_back();
    for (int source : Sources(graph_.nodes[node])) {
      if (side[source] != kOutside || needed[source] || frame_of_[source] != frame ||
          std::find(switches.begin(), switches.end(), source) != switches.end() ||
          ValuesOf(scope, source) != nullptr) {
        continue;
      }
      if (graph_.nodes[source].op == "Exit" || graph_.nodes[source].op == "NextIteration") {
        return refuse(graph_.nodes[source], "a branch reads a loop's result");
      }
      needed[source] = true;
      pending.push_back(source);
    }
  }
  for (int unit : frames_[frame].schedule) {
    if (unit >= 0 && needed[unit]) TFLCONV_RETURN_IF_ERROR(RunNode(scope, unit));
  }

  // The If's operands: each Switch's value, one placeholder per branch.
  std::vector<Endpoint> operands = {pred.tensor};
  std::vector<FlowValue> values;
  for (int s : switches) {
    TFLCONV_ASSIGN_OR_RETURN(FlowValue value, Read(scope, s, graph_.nodes[s].inputs[0]));
    if (value.kind != FlowValue::kTensor) {
      return refuse(graph_.nodes[s], value.kind == FlowValue::kDead
                                         ? "a value that is not computed enters a branch"
                                         : "a TensorArray or TensorList enters a branch");
    }
    values.push_back(value);
  }

  Graph& outer = *scope.target->graph;
  std::string name = absl::StrCat(pred_node.name, scope.suffix, "/cond");
  if (outer.by_name.contains(name)) absl::StrAppend(&name, "/if");
  int regions[2];
  std::vector<OutputInfo> results;
  for (const bool then_side : {true, false}) {
    auto region = std::make_shared<Graph>();
    region->parsed = graph_.parsed;
    Target target;
    target.graph = region.get();
    target.inferrer = std::make_unique<NodeInferrer>(*region, limits_, stats_);
    Scope branch;
    branch.parent = &scope;
    branch.frame = frame;
    branch.every_iteration = scope.every_iteration;  // a branch of a WHILE's body
    branch.target = &target;
    branch.suffix = scope.suffix;
    for (size_t k = 0; k < switches.size(); ++k) {
      const Node& s = graph_.nodes[switches[k]];
      OutputInfo info = outer.info(values[k].tensor);
      info.value.reset();
      tensorflow::NodeDef def;
      def.set_name(s.name);
      def.set_op("Placeholder");
      auto placeholder = Place(target, std::move(def), {}, {std::move(info)});
      if (!placeholder.ok()) return placeholder.status();
      region->inputs.push_back({*placeholder, 0});
      region->input_names.push_back(s.name);
      const FlowValue taken = FlowValue::Of({*placeholder, 0});
      branch.values[switches[k]] = then_side ? std::vector<FlowValue>{FlowValue::Dead(), taken}
                                             : std::vector<FlowValue>{taken, FlowValue::Dead()};
    }
    for (int member : members) TFLCONV_RETURN_IF_ERROR(RunNode(branch, member));
    std::vector<Endpoint> outputs;
    std::vector<std::string> output_names;
    for (size_t k = 0; k < merges.size(); ++k) {
      TFLCONV_RETURN_IF_ERROR(RunMerge(branch, merges[k]));
      const FlowValue& value = branch.values[merges[k]][0];
      const Node& merge = graph_.nodes[merges[k]];
      if (value.kind != FlowValue::kTensor) {
        return refuse(merge, absl::StrCat("the ", then_side ? "true" : "false",
                                          " branch gives it no tensor"));
      }
      const OutputInfo& info = region->info(value.tensor);
      if (then_side) {
        results.push_back(info);
        results.back().value.reset();
      } else if (info.dtype != results[k].dtype || !(info.shape == results[k].shape)) {
        return refuse(merge, absl::StrCat("its branches give ", DataTypeName(results[k].dtype),
                                          results[k].shape.ToString(), " and ",
                                          DataTypeName(info.dtype), info.shape.ToString()));
      }
      outputs.push_back(value.tensor);
      output_names.push_back(absl::StrCat(merge.name, then_side ? "/then" : "/else"));
    }
    for (const Node& node : region->nodes) {
      for (const Endpoint& in : node.inputs) ++region->nodes[in.node].num_consumers;
    }
    regions[then_side ? 0 : 1] = static_cast<int>(outer.regions.size());
    outer.regions.push_back({absl::StrCat(name, then_side ? "/then" : "/else"), region,
                             std::move(outputs), std::move(output_names)});
  }
  for (const FlowValue& value : values) operands.push_back(value.tensor);

  tensorflow::NodeDef def;
  def.set_name(name);
  def.set_op("If");
  (*def.mutable_attr())["_then_region"].set_i(regions[0]);
  (*def.mutable_attr())["_else_region"].set_i(regions[1]);
  TFLCONV_ASSIGN_OR_RETURN(int node, Place(*scope.target, std::move(def), operands, results));
  for (int s : switches) scope.values[s].assign(2, FlowValue::Dead());
  for (int member : members) {
    scope.values[member].assign(std::max<int64_t>(outputs_used_[member], 1), FlowValue::Dead());
  }
  for (size_t k = 0; k < merges.size(); ++k) {
    scope.values[merges[k]] = {FlowValue::Of({node, static_cast<int>(k)}), FlowValue::Dead()};
  }
  if_conds_.insert(pred_at.node);
  return absl::OkStatus();
}

}  // namespace tflconv
