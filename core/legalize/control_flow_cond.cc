// Conds decided at run time (see control_flow.h): the Switches on one
// predicate and the nodes they reach up to the Merges that join both sides
// form the cond. Each side is evaluated into a region graph of its own, in
// a scope where the Switches send their value to that side only, and an If
// node of the enclosing graph runs them; the Merges become its outputs. A
// nested loop lies on the side its Enters read and runs in that branch.
#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/status_macros.h"

namespace tflconv {

namespace {

enum Side : uint8_t { kOutside = 0, kElse = 1, kThen = 2, kJoin = 3, kSwitch = 4 };

}  // namespace

absl::Status ControlFlowEvaluator::RunCondAsIf(Scope& scope, int first_switch,
                                               const FlowValue& pred) {
  const Endpoint pred_at = BehindIdentities(graph_, graph_.nodes[first_switch].inputs[1]);
  const Node& pred_node = graph_.nodes[pred_at.node];
  auto refuse = [&](const Node& node, absl::string_view why) {
    return NodeError(absl::StatusCode::kUnimplemented, node,
                     absl::StrCat("the cond on '", pred_node.name,
                                  "' is decided at run time and cannot become an IF: ", why));
  };
  if (pred.kind != FlowValue::kTensor) return refuse(pred_node, "its predicate is not a tensor");
  const OutputInfo& pred_info = scope.target->graph->info(pred.tensor);
  if (pred_info.dtype != tensorflow::DT_BOOL || !pred_info.shape.fully_defined() ||
      NumElements(pred_info.shape.dims) != 1) {
    return refuse(pred_node, absl::StrCat("its predicate is ", DataTypeName(pred_info.dtype),
                                          pred_info.shape.ToString(), ", not one bool"));
  }
  // A cond inside a branch of itself (through a cycle of Identity-routed
  // predicates) would never end.
  if (!conds_in_progress_.insert(pred_at).second) {
    return refuse(pred_node, "it is nested inside itself");
  }
  absl::Cleanup done = [&] { conds_in_progress_.erase(pred_at); };
  if (conds_in_progress_.size() > static_cast<size_t>(kMaxFrameNesting)) {
    return refuse(pred_node, absl::StrCat("conds are nested more than ", kMaxFrameNesting,
                                          " deep"));
  }

  // Which side each node of the frame lies on; Merges joining both sides
  // are the cond's results.
  const int frame = scope.frame;
  const size_t n = graph_.nodes.size();
  std::vector<uint8_t> side(n, kOutside);
  std::vector<bool> after(n, false);  // reads a Merge of this cond
  std::vector<int> switches, members, merges;
  std::vector<int> loops;  // nested loops (frames) inside a branch
  auto in_branch = [&](int node) { return side[node] != kOutside && side[node] != kJoin; };
  auto is_after = [&](const std::vector<int>& sources) {
    return std::any_of(sources.begin(), sources.end(),
                       [&](int source) { return after[source] || side[source] == kJoin; });
  };
  for (int unit : frames_[frame].schedule) {
    if (unit < 0) {
      // A nested loop lies on the side its Enters read; its Exits carry
      // that side on.
      const Frame& loop = frames_[~unit];
      std::vector<int> sources;
      uint8_t sides = kOutside;
      for (int enter : loop.enters) {
        for (int source : Sources(graph_.nodes[enter])) sources.push_back(source);
        for (const Endpoint& in : graph_.nodes[enter].inputs) {
          if (side[in.node] == kSwitch) sides |= in.index == 1 ? kThen : kElse;
          else if (side[in.node] != kJoin) sides |= side[in.node];
        }
        for (int source : graph_.nodes[enter].control_inputs) {
          if (side[source] == kSwitch) {
            return refuse(graph_.nodes[enter], "a control edge from a Switch");
          }
        }
      }
      const bool later = is_after(sources);
      if (!later && sides == kJoin) {
        return refuse(graph_.nodes[loop.enters.front()], "a loop reads both of its branches");
      }
      for (int exit : loop.exits) {
        if (later) after[exit] = true;
        else side[exit] = sides;
      }
      if (!later && sides != kOutside) loops.push_back(~unit);
      continue;
    }
    const Node& node = graph_.nodes[unit];
    const std::vector<int> sources = Sources(node);
    if (is_after(sources)) {
      after[unit] = true;  // the cond's consumers, or a later cond
      continue;
    }
    // A Switch on the predicate whose value comes from outside the cond
    // opens it; one fed from inside is a member.
    if (node.op == "Switch" && node.inputs.size() == 2 &&
        BehindIdentities(graph_, node.inputs[1]) == pred_at && !in_branch(node.inputs[0].node) &&
        !in_branch(node.inputs[1].node) && ValuesOf(scope, unit) == nullptr) {
      side[unit] = kSwitch;
      switches.push_back(unit);
      continue;
    }
    uint8_t sides = kOutside;
    auto reach = [&](int source, int index) {
      if (side[source] == kJoin) return;
      sides |= side[source] == kSwitch ? static_cast<uint8_t>(index == 1 ? kThen : kElse)
                                       : side[source];
    };
    for (const Endpoint& in : node.inputs) reach(in.node, in.index);
    for (int source : node.control_inputs) {
      if (side[source] == kSwitch) return refuse(node, "a control edge from a Switch");
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
  // What a node of the cond reads: a nested loop's Exit reads what the
  // loop's Enters read.
  auto reads = [&](int node) {
    const Node& source = graph_.nodes[node];
    if (source.op != "Exit") return Sources(source);
    std::vector<int> through;
    for (int enter : frames_[frame_of_[source.inputs[0].node]].enters) {
      for (int read : Sources(graph_.nodes[enter])) through.push_back(read);
    }
    return through;
  };
  // The cond is what its Merges read; Switches and nodes on the predicate
  // that lead elsewhere belong to a later cond on the same predicate.
  std::vector<bool> kept(n, false);
  for (std::vector<int> stack = merges; !stack.empty();) {
    const int node = stack.back();
    stack.pop_back();
    for (int source : reads(node)) {
      if (!kept[source] && in_branch(source)) {
        kept[source] = true;
        stack.push_back(source);
      }
    }
  }
  auto not_kept = [&](int node) { return !kept[node]; };
  switches.erase(std::remove_if(switches.begin(), switches.end(), not_kept), switches.end());
  members.erase(std::remove_if(members.begin(), members.end(), not_kept), members.end());
  loops.erase(std::remove_if(loops.begin(), loops.end(),
                             [&](int loop) {
                               const std::vector<int>& exits = frames_[loop].exits;
                               return std::none_of(exits.begin(), exits.end(),
                                                   [&](int exit) { return kept[exit]; });
                             }),
              loops.end());

  // What the cond reads from outside may come later in the schedule than
  // its first Switch; nothing of it depends on the cond, so it runs now.
  std::vector<bool> needed(n, false);
  std::vector<int> pending;
  for (const std::vector<int>* group : {&switches, &members}) {
    for (int node : *group) pending.push_back(node);
  }
  for (int loop : loops) {
    for (int enter : frames_[loop].enters) pending.push_back(enter);
  }
  while (!pending.empty()) {
    const int node = pending.back();
    pending.pop_back();
    for (int source : Sources(graph_.nodes[node])) {
      if (side[source] != kOutside || needed[source] || frame_of_[source] != frame ||
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
    if (unit >= 0 && needed[unit] && ValuesOf(scope, unit) == nullptr) {
      TFLCONV_RETURN_IF_ERROR(RunNode(scope, unit));
    }
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
  for (int k = 1; outer.by_name.contains(name); ++k) {
    name = absl::StrCat(pred_node.name, scope.suffix, "/cond_", k);
  }
  // A constant entering a branch is copied in, as the rules want weights
  // to be; only the rest are the If's operands.
  std::vector<bool> constant(switches.size());
  for (size_t k = 0; k < switches.size(); ++k) {
    constant[k] = outer.info(values[k].tensor).value.has_value();
  }
  std::vector<bool> is_member(n, false);
  for (int member : members) is_member[member] = true;
  int regions[2] = {-1, -1};
  std::vector<OutputInfo> results;
  for (const bool then_side : {true, false}) {
    Target target;
    const std::shared_ptr<Graph> region = NewRegion(target);
    Scope branch;
    branch.parent = &scope;
    branch.frame = frame;
    branch.every_iteration = scope.every_iteration;  // a branch of a WHILE's body
    branch.target = &target;
    branch.suffix = scope.suffix;
    for (size_t k = 0; k < switches.size(); ++k) {
      const Node& s = graph_.nodes[switches[k]];
      if (constant[k]) {
        TFLCONV_ASSIGN_OR_RETURN(FlowValue copy,
                                 Import(branch, *scope.target, values[k], s.inputs[0]));
        branch.values[switches[k]] = then_side ? std::vector<FlowValue>{FlowValue::Dead(), copy}
                                               : std::vector<FlowValue>{copy, FlowValue::Dead()};
        continue;
      }
      TFLCONV_ASSIGN_OR_RETURN(Endpoint placeholder,
                               AddRegionInput(target, s.name, outer.info(values[k].tensor)));
      const FlowValue taken = FlowValue::Of(placeholder);
      branch.values[switches[k]] = then_side ? std::vector<FlowValue>{FlowValue::Dead(), taken}
                                             : std::vector<FlowValue>{taken, FlowValue::Dead()};
    }
    // The members and nested loops in schedule order; an inner cond's
    // Switch has already settled its own members.
    for (int unit : frames_[frame].schedule) {
      if (unit < 0) {
        if (std::find(loops.begin(), loops.end(), ~unit) != loops.end()) {
          TFLCONV_RETURN_IF_ERROR(RunLoop(branch, ~unit));
        }
      } else if (is_member[unit] && !branch.values.contains(unit)) {
        TFLCONV_RETURN_IF_ERROR(RunNode(branch, unit));
      }
    }
    std::vector<Endpoint> outputs;
    std::vector<std::string> output_names;
    for (size_t k = 0; k < merges.size(); ++k) {
      TFLCONV_RETURN_IF_ERROR(RunMerge(branch, merges[k]));
      const FlowValue value = SettledValue(branch, {merges[k], 0});
      const Node& merge = graph_.nodes[merges[k]];
      if (value.kind != FlowValue::kTensor) {
        return refuse(merge, absl::StrCat("the ", then_side ? "true" : "false",
                                          " branch gives it no tensor"));
      }
      const OutputInfo& info = region->info(value.tensor);
      if (then_side) {
        results.push_back(info);
        results.back().value.reset();
      } else if (info.dtype != results[k].dtype || !info.shape.known_rank ||
                 info.shape.rank() != results[k].shape.rank()) {
        return refuse(merge, absl::StrCat("its branches give ", DataTypeName(results[k].dtype),
                                          results[k].shape.ToString(), " and ",
                                          DataTypeName(info.dtype), info.shape.ToString(),
                                          "; an IF's outputs have one type and rank"));
      } else {
        // Dims the branches disagree on are known only at run time; the
        // runtime's IF resizes its outputs to the branch taken.
        for (int d = 0; d < info.shape.rank(); ++d) {
          if (info.shape.dims[d] != results[k].shape.dims[d]) results[k].shape.dims[d] = -1;
        }
      }
      outputs.push_back(value.tensor);
      output_names.push_back(absl::StrCat(merge.name, then_side ? "/then" : "/else"));
    }
    CountConsumers(*region);
    regions[then_side ? 0 : 1] = static_cast<int>(outer.regions.size());
    outer.regions.push_back({absl::StrCat(name, then_side ? "/then" : "/else"), region,
                             std::move(outputs), std::move(output_names)});
  }
  for (size_t k = 0; k < values.size(); ++k) {
    if (!constant[k]) operands.push_back(values[k].tensor);
  }

  tensorflow::NodeDef def;
  def.set_name(name);
  def.set_op("If");
  (*def.mutable_attr())["_then_region"].set_i(regions[0]);
  (*def.mutable_attr())["_else_region"].set_i(regions[1]);
  TFLCONV_ASSIGN_OR_RETURN(int node, Place(*scope.target, std::move(def), operands, results));
  outer.nodes[node].runs_regions = true;
  for (int s : switches) scope.values[s].assign(2, FlowValue::Dead());
  for (int member : members) {
    scope.values[member].assign(std::max<int64_t>(outputs_used_[member], 1), FlowValue::Dead());
  }
  for (int loop : loops) {
    for (int exit : frames_[loop].exits) scope.values[exit] = {FlowValue::Dead()};
  }
  for (size_t k = 0; k < merges.size(); ++k) {
    scope.values[merges[k]] = {FlowValue::Of({node, static_cast<int>(k)}), FlowValue::Dead()};
  }
  if_conds_.insert(pred_at.node);
  return absl::OkStatus();
}

}  // namespace tflconv
