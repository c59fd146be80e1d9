// Finding the frames of a graph with v1 control flow and the order each
// frame's nodes and nested loops run in (see control_flow.h).
#include <map>
#include <queue>

#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"

namespace tflconv {

absl::Status ControlFlowEvaluator::AssignFrame(int i, bool validate) {
  const Node& node = graph_.nodes[i];
  auto input_frame = [&](int k) { return frame_of_[node.inputs[k].node]; };
  if (node.op == "Enter") {
    if (node.inputs.size() != 1) return FrameError(node, "Enter takes one input");
    auto name = GetStringAttr(node, "frame_name");
    if (!name.ok()) return name.status();
    if (name->empty()) return FrameError(node, "attribute 'frame_name' is empty");
    // Frame names are unique in a graph. A frame sits inside the deepest
    // frame any of its Enters reads from: an Enter of an outer body's
    // constant may read a root node when the graph lost its control edges.
    int outer = input_frame(0);
    for (int source : node.control_inputs) {
      if (Depth(frame_of_[source]) > Depth(outer)) outer = frame_of_[source];
    }
    if (Depth(outer) >= kMaxFrameNesting) {
      return FrameError(node, absl::StrCat("loop frame '", *name, "' is nested more than ",
                                           kMaxFrameNesting, " deep"));
    }
    auto [it, inserted] = frame_by_name_.emplace(*name, static_cast<int>(frames_.size()));
    if (inserted) {
      Frame frame;
      frame.name = *name;
      frame.parent = outer;
      frames_.push_back(std::move(frame));
    }
    Frame& frame = frames_[it->second];
    if (frame.parent != outer && Depth(outer) > Depth(frame.parent)) {
      if (IsAncestor(it->second, outer)) {
        return FrameError(node, absl::StrCat("enters loop frame '", *name, "' from inside it"));
      }
      frame.parent = outer;
      frames_changed_ = true;
    }
    if (validate) {
      for (int source : Sources(node)) {
        if (!IsAncestor(frame_of_[source], frame.parent)) {
          return FrameError(node, absl::StrCat("enters loop frame '", *name, "' from '",
                                               graph_.nodes[source].name,
                                               "', which lies in another loop"));
        }
      }
    }
    frame_of_[i] = it->second;
    frame.enters.push_back(i);
    return absl::OkStatus();
  }
  if (node.op == "Exit") {
    if (node.inputs.size() != 1) return FrameError(node, "Exit takes one input");
    const int inner = input_frame(0);
    if (inner == 0) return FrameError(node, "Exit outside of any loop frame");
    frame_of_[i] = frames_[inner].parent;
    frames_[inner].exits.push_back(i);
    return absl::OkStatus();
  }
  // The deepest frame among the inputs; every other input must come from
  // that frame or one enclosing it (a loop's values leave it through Exit).
  int frame = 0;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    const Node& source = graph_.nodes[node.inputs[k].node];
    if (source.op == "NextIteration") {
      if (node.op != "Merge") {
        return FrameError(node, absl::StrCat("reads NextIteration '", source.name,
                                             "'; only a loop's Merge may"));
      }
      feeds_back_[i] = true;
      continue;
    }
    const int f = input_frame(static_cast<int>(k));
    if (Depth(f) > Depth(frame)) frame = f;
  }
  for (int source : node.control_inputs) {
    if (Depth(frame_of_[source]) > Depth(frame)) frame = frame_of_[source];
  }
  for (int source : Sources(node)) {
    if (graph_.nodes[source].op == "NextIteration") continue;
    const int wanted = frame_of_[source];
    const Node& producer = graph_.nodes[source];
    if (validate && producer.op == "Exit" &&
        IsAncestor(frame_of_[producer.inputs[0].node], frame)) {
      return FrameError(node, absl::StrCat("reads '", producer.name, "', a result of loop '",
                                           frames_[frame_of_[producer.inputs[0].node]].name,
                                           "', from inside that loop"));
    }
    if (validate && !IsAncestor(wanted, frame)) {
      return FrameError(node, absl::StrCat("reads '", graph_.nodes[source].name,
                                           "' of loop frame '", frames_[wanted].name,
                                           "' from frame '", frames_[frame].name,
                                           "' without an Exit"));
    }
  }
  frame_of_[i] = frame;
  if (node.op == "LoopCond") {
    if (frame == 0) return FrameError(node, "LoopCond outside of any loop frame");
    if (frames_[frame].loop_cond >= 0) {
      return FrameError(node, absl::StrCat("loop frame '", frames_[frame].name,
                                           "' has a second LoopCond (first: '",
                                           graph_.nodes[frames_[frame].loop_cond].name, "')"));
    }
    frames_[frame].loop_cond = i;
  }
  if (node.op == "NextIteration" && node.inputs.size() != 1) {
    return FrameError(node, "NextIteration takes one input");
  }
  return absl::OkStatus();
}

std::vector<int> ControlFlowEvaluator::Sources(const Node& node) {
  std::vector<int> sources = node.control_inputs;
  for (const Endpoint& in : node.inputs) sources.push_back(in.node);
  return sources;
}

int ControlFlowEvaluator::Depth(int frame) const {
  int depth = 0;
  for (; frame != 0; frame = frames_[frame].parent) ++depth;
  return depth;
}

bool ControlFlowEvaluator::IsAncestor(int ancestor, int frame) const {
  for (; frame != 0; frame = frames_[frame].parent) {
    if (frame == ancestor) return true;
  }
  return ancestor == 0;
}

absl::Status ControlFlowEvaluator::FindFrames() {
  frames_.assign(1, Frame{});
  frame_of_.assign(graph_.nodes.size(), 0);
  feeds_back_.assign(graph_.nodes.size(), false);
  // Frames may move deeper as later Enters are seen; assign again until the
  // tree stands (each pass moves some frame down a level, so it ends).
  // Reads across frames are checked once the tree stands.
  for (bool validate = false;;) {
    frames_changed_ = false;
    for (Frame& frame : frames_) {
      frame.enters.clear();
      frame.exits.clear();
      frame.loop_cond = -1;
    }
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (absl::Status s = AssignFrame(static_cast<int>(i), validate); !s.ok()) return s;
    }
    if (validate) break;
    validate = !frames_changed_;
  }
  for (size_t f = 1; f < frames_.size(); ++f) {
    frames_[frames_[f].parent].children.push_back(static_cast<int>(f));
  }
  // A Merge fed back by a NextIteration must share its frame.
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (!feeds_back_[i]) continue;
    for (const Endpoint& in : graph_.nodes[i].inputs) {
      if (graph_.nodes[in.node].op == "NextIteration" &&
          frame_of_[in.node] != frame_of_[i]) {
        return FrameError(graph_.nodes[i],
                          absl::StrCat("NextIteration '", graph_.nodes[in.node].name,
                                       "' comes from another frame than this Merge"));
      }
    }
    if (frame_of_[i] == 0) {
      return FrameError(graph_.nodes[i], "a Merge fed by NextIteration outside any loop frame");
    }
    frames_[frame_of_[i]].merges.push_back(static_cast<int>(i));
  }
  for (size_t f = 1; f < frames_.size(); ++f) {
    if (frames_[f].loop_cond < 0) {
      return FrameError(graph_.nodes[frames_[f].exits.empty() ? 0 : frames_[f].exits[0]],
                        absl::StrCat("loop frame '", frames_[f].name, "' has no LoopCond"));
    }
  }
  return ScheduleFrames();
}

// Orders each frame's work: its own nodes and its nested loops as single
// units, each after what it reads.
absl::Status ControlFlowEvaluator::ScheduleFrames() {
  const int n = static_cast<int>(graph_.nodes.size());
  // A unit is a node (>= 0) or a nested loop (~frame).
  auto unit_in = [&](int frame, int node) {
    int f = frame_of_[node];
    if (graph_.nodes[node].op == "Exit") return ~frame_of_[graph_.nodes[node].inputs[0].node];
    if (f == frame) return node;
    // Validation made every reader's frame a descendant of its source's.
    while (f > 0 && frames_[f].parent != frame) f = frames_[f].parent;
    return ~f;
  };
  std::vector<std::map<int, std::vector<int>>> edges(frames_.size());  // unit -> consumers
  std::vector<std::map<int, int>> pending(frames_.size());
  std::vector<std::map<int, int>> first_node(frames_.size());  // for a stable order
  auto add_unit = [&](int frame, int unit, int node) {
    pending[frame].emplace(unit, 0);
    auto [it, inserted] = first_node[frame].emplace(unit, node);
    if (!inserted) it->second = std::min(it->second, node);
  };
  for (int i = 0; i < n; ++i) {
    for (int f = frame_of_[i], unit = i;; unit = ~f, f = frames_[f].parent) {
      if (graph_.nodes[i].op != "Exit" || unit != i) add_unit(f, unit, i);
      if (f == 0) break;
    }
  }
  for (int i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    if (node.op == "Exit") continue;  // runs as part of its loop
    for (int source : Sources(node)) {
      if (graph_.nodes[source].op == "NextIteration") continue;
      // The frame where producer and consumer are units side by side.
      const int f = frame_of_[source];
      const int consumer = unit_in(f, i);
      const int producer = unit_in(f, source);
      if (producer == consumer) continue;
      edges[f][producer].push_back(consumer);
      ++pending[f][consumer];
    }
  }
  for (size_t f = 0; f < frames_.size(); ++f) {
    std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>, std::greater<>>
        ready;
    for (const auto& [unit, count] : pending[f]) {
      if (count == 0) ready.push({first_node[f][unit], unit});
    }
    while (!ready.empty()) {
      const int unit = ready.top().second;
      ready.pop();
      frames_[f].schedule.push_back(unit);
      for (int consumer : edges[f][unit]) {
        if (--pending[f][consumer] == 0) ready.push({first_node[f][consumer], consumer});
      }
    }
    if (frames_[f].schedule.size() != pending[f].size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed control flow: the loops of frame '", frames_[f].name,
          "' and the nodes around them depend on each other in a cycle"));
    }
  }
  return absl::OkStatus();
}

}  // namespace tflconv
