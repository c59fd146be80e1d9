#include "core/lite/control_flow.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace tflconv {
namespace {

namespace tfl = tflite;

// Checks one operator: its tensors live in subgraph `in`.
class ControlFlowChecker {
 public:
  ControlFlowChecker(const LiteModel& model, int in, const LiteOperator& op)
      : model_(model), in_(in), graph_(model.subgraph(in)), op_(op) {}

  absl::Status CheckWhile() const {
    const tfl::WhileOptionsT* options = op_.options.AsWhileOptions();
    if (options == nullptr) return Violation("has no WhileOptions");
    const int n = static_cast<int>(op_.inputs.size());
    if (static_cast<int>(op_.outputs.size()) != n) {
      return Violation(absl::StrCat("has ", n, " inputs but ", op_.outputs.size(),
                                    " outputs; the kernel needs as many outputs as inputs"));
    }
    const int cond = options->cond_subgraph_index;
    const int body = options->body_subgraph_index;
    if (absl::Status s = CheckCallee("cond", cond); !s.ok()) return s;
    if (absl::Status s = CheckCallee("body", body); !s.ok()) return s;
    if (cond == body) {
      return Violation(
          absl::StrCat("uses subgraph ", cond, " as both cond and body; the kernel needs two"));
    }
    const LiteSubgraph& c = model_.subgraph(cond);
    const LiteSubgraph& b = model_.subgraph(body);
    if (absl::Status s = CheckSignature("cond", c, op_.inputs, 0, c.inputs, "input"); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckSignature("body", b, op_.inputs, 0, b.inputs, "input"); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckSignature("body", b, op_.outputs, 0, b.outputs, "output"); !s.ok()) {
      return s;
    }
    if (c.outputs.size() != 1) {
      return Violation(absl::StrCat("has cond subgraph \"", c.name, "\" with ", c.outputs.size(),
                                    " outputs; the kernel needs one bool"));
    }
    // CheckCondOutput of while.cc: a scalar or shape [1].
    return CheckOneBool(c, c.outputs[0], absl::StrCat("cond subgraph \"", c.name, "\" output"),
                        /*max_rank=*/1);
  }

  absl::Status CheckIf() const {
    const tfl::IfOptionsT* options = op_.options.AsIfOptions();
    if (options == nullptr) return Violation("has no IfOptions");
    if (op_.inputs.empty()) return Violation("has no condition input");
    // if.cc reads any shape of one element.
    if (absl::Status s = CheckOneBool(graph_, op_.inputs[0], "condition input 0", -1); !s.ok()) {
      return s;
    }
    for (const auto& [role, index] :
         {std::pair<const char*, int>{"then", options->then_subgraph_index},
          {"else", options->else_subgraph_index}}) {
      if (absl::Status s = CheckCallee(role, index); !s.ok()) return s;
      const LiteSubgraph& branch = model_.subgraph(index);
      if (absl::Status s = CheckSignature(role, branch, op_.inputs, 1, branch.inputs, "input");
          !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckSignature(role, branch, op_.outputs, 0, branch.outputs, "output");
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckCallee(const char* role, int index) const {
    if (index <= 0 || index >= model_.subgraph_count()) {
      return Violation(absl::StrCat("names ", role, " subgraph ", index,
                                    "; the model has subgraphs 1 to ", model_.subgraph_count() - 1,
                                    " besides the main one"));
    }
    if (index == in_) {
      return Violation(absl::StrCat("runs its own subgraph ", index, " as ", role,
                                    ", which would recurse without end"));
    }
    return absl::OkStatus();
  }

  // The operator's tensors from `first` on pair with the subgraph's
  // signature `theirs`, one for one and dtype for dtype.
  absl::Status CheckSignature(const char* role, const LiteSubgraph& callee,
                              const std::vector<int>& ours, size_t first,
                              const std::vector<int>& theirs, const char* kind) const {
    const size_t count = ours.size() - first;
    if (theirs.size() != count) {
      return Violation(absl::StrCat("passes ", count, " ", kind, "s but ", role, " subgraph \"",
                                    callee.name, "\" has ", theirs.size()));
    }
    for (size_t i = 0; i < count; ++i) {
      const int mine = ours[first + i];
      if (mine < 0) {
        return Violation(absl::StrCat("omits ", kind, " ", first + i, ", which the kernel reads"));
      }
      const LiteTensor& a = graph_.tensors[mine];
      const LiteTensor& b = callee.tensors[theirs[i]];
      if (a.type != b.type) {
        return Violation(absl::StrCat(kind, " ", first + i, " (\"", a.name, "\") has dtype ",
                                      tfl::EnumNameTensorType(a.type), " but ", role,
                                      " subgraph \"", callee.name, "\" ", kind, " ", i, " (\"",
                                      b.name, "\") has ", tfl::EnumNameTensorType(b.type)));
      }
    }
    return absl::OkStatus();
  }

  // A bool with one element, as the kernels read it (data.b[0]), of rank
  // `max_rank` at most (-1: any).
  absl::Status CheckOneBool(const LiteSubgraph& graph, int tensor, absl::string_view what,
                            int max_rank) const {
    if (tensor < 0) return Violation(absl::StrCat("omits its ", what));
    const LiteTensor& t = graph.tensors[tensor];
    if (t.type != tfl::TensorType_BOOL) {
      return Violation(absl::StrCat(what, " (\"", t.name, "\") has dtype ",
                                    tfl::EnumNameTensorType(t.type), "; the kernel takes BOOL"));
    }
    if (max_rank >= 0 && t.has_rank && static_cast<int>(t.shape.size()) > max_rank) {
      return Violation(absl::StrCat(what, " (\"", t.name, "\") has rank ", t.shape.size(),
                                    "; the kernel takes a scalar or shape [1]"));
    }
    for (int32_t d : t.shape) {
      if (d > 1 || d == 0) {
        return Violation(absl::StrCat(what, " (\"", t.name,
                                      "\") has more or fewer than one element; the kernel reads "
                                      "one bool"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Violation(absl::string_view what) const {
    return absl::FailedPreconditionError(absl::StrCat(graph_.OpName(op_), " (from TF node \"",
                                                      op_.tf_node, "\") in subgraph \"",
                                                      graph_.name, "\" ", what));
  }

  const LiteModel& model_;
  int in_;
  const LiteSubgraph& graph_;
  const LiteOperator& op_;
};

// Appends the operator to subgraph `in` once CheckControlFlow passes.
absl::Status Append(LiteModel& model, int in, tfl::BuiltinOperator builtin, std::vector<int> inputs,
                    std::vector<int> outputs, tfl::BuiltinOptionsUnion options,
                    std::string tf_node) {
  LiteOperator op;
  op.builtin = builtin;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  op.tf_node = std::move(tf_node);
  if (in < 0 || in >= model.subgraph_count()) {
    return absl::InvalidArgumentError(absl::StrCat("no subgraph ", in, " to add ", model.OpName(op),
                                                   " for TF node \"", op.tf_node, "\" to"));
  }
  if (absl::Status s = CheckControlFlow(model, in, op); !s.ok()) return s;
  model.subgraph(in).operators.push_back(std::move(op));
  return absl::OkStatus();
}

}  // namespace

absl::Status AddWhile(LiteModel& model, int in, int cond, int body, std::vector<int> loop_vars,
                      std::vector<int> results, std::string tf_node) {
  tfl::WhileOptionsT options;
  options.cond_subgraph_index = cond;
  options.body_subgraph_index = body;
  tfl::BuiltinOptionsUnion union_options;
  union_options.Set(std::move(options));
  return Append(model, in, tfl::BuiltinOperator_WHILE, std::move(loop_vars), std::move(results),
                std::move(union_options), std::move(tf_node));
}

absl::Status AddIf(LiteModel& model, int in, int then_branch, int else_branch, int condition,
                   std::vector<int> args, std::vector<int> results, std::string tf_node) {
  tfl::IfOptionsT options;
  options.then_subgraph_index = then_branch;
  options.else_subgraph_index = else_branch;
  tfl::BuiltinOptionsUnion union_options;
  union_options.Set(std::move(options));
  args.insert(args.begin(), condition);
  return Append(model, in, tfl::BuiltinOperator_IF, std::move(args), std::move(results),
                std::move(union_options), std::move(tf_node));
}

absl::Status CheckControlFlow(const LiteModel& model, int in, const LiteOperator& op) {
  switch (op.builtin) {
    case tfl::BuiltinOperator_WHILE:
      return ControlFlowChecker(model, in, op).CheckWhile();
    case tfl::BuiltinOperator_IF:
      return ControlFlowChecker(model, in, op).CheckIf();
    default:
      return absl::OkStatus();
  }
}

}  // namespace tflconv
