#include "tests/testing/control_flow_builder.h"

#include "absl/strings/str_cat.h"

namespace tflconv::testing {

std::string TypedOp(GraphBuilder& g, const std::string& op, const std::string& name,
                    std::vector<std::string> inputs, tensorflow::DataType dtype) {
  AttrType(g.Op(op, name, std::move(inputs)), "T", dtype);
  return name;
}

const v1::ControlFlowRegion* FindRegion(const v1::ConversionReport& report,
                                        const std::string& kind, const std::string& name) {
  for (const v1::ControlFlowRegion& region : report.control_flow()) {
    if (region.kind() == kind && region.name() == name) return &region;
  }
  return nullptr;
}

std::vector<std::string> WhileLoop(
    GraphBuilder& g, const std::string& name,
    const std::vector<std::pair<std::string, tensorflow::DataType>>& vars,
    const std::vector<std::pair<std::string, tensorflow::DataType>>& invariants,
    const LoopCondFn& cond, const LoopBodyFn& body) {
  auto enter = [&](const std::string& node, const std::string& input, tensorflow::DataType dtype,
                   bool is_constant) {
    tensorflow::NodeDef& def = g.Op("Enter", node, {input});
    AttrType(def, "T", dtype);
    AttrString(def, "frame_name", name);
    AttrBool(def, "is_constant", is_constant);
    AttrInt(def, "parallel_iterations", 10);
    return node;
  };
  FrameTensors merged, inside;
  for (size_t k = 0; k < invariants.size(); ++k) {
    const std::string node = enter(absl::StrCat(name, "/Enter_inv_", k), invariants[k].first,
                                   invariants[k].second, true);
    merged.invariants.push_back(node);
    inside.invariants.push_back(node);
  }
  for (size_t k = 0; k < vars.size(); ++k) {
    const std::string entered =
        enter(absl::StrCat(name, "/Enter_", k), vars[k].first, vars[k].second, false);
    const std::string merge = absl::StrCat(name, "/Merge_", k);
    tensorflow::NodeDef& def =
        g.Op("Merge", merge, {entered, absl::StrCat(name, "/NextIteration_", k)});
    AttrType(def, "T", vars[k].second);
    AttrInt(def, "N", 2);
    merged.vars.push_back(merge);
  }
  const std::string pred = cond(g, merged);
  g.Op("LoopCond", absl::StrCat(name, "/LoopCond"), {pred});
  std::vector<std::string> exits;
  for (size_t k = 0; k < vars.size(); ++k) {
    const std::string sw = TypedOp(g, "Switch", absl::StrCat(name, "/Switch_", k),
                                   {merged.vars[k], absl::StrCat(name, "/LoopCond")},
                                   vars[k].second);
    inside.vars.push_back(TypedOp(g, "Identity", absl::StrCat(name, "/Identity_", k),
                                  {absl::StrCat(sw, ":1")}, vars[k].second));
    exits.push_back(TypedOp(g, "Exit", absl::StrCat(name, "/Exit_", k), {sw}, vars[k].second));
  }
  const std::vector<std::string> next = body(g, inside);
  for (size_t k = 0; k < vars.size(); ++k) {
    TypedOp(g, "NextIteration", absl::StrCat(name, "/NextIteration_", k), {next[k]},
            vars[k].second);
  }
  return exits;
}

std::vector<std::string> Cond(GraphBuilder& g, const std::string& name, const std::string& pred,
                              const std::vector<std::pair<std::string, tensorflow::DataType>>& inputs,
                              const BranchFn& then_branch, const BranchFn& else_branch) {
  FrameTensors then_side, else_side;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const std::string sw = TypedOp(g, "Switch", absl::StrCat(name, "/Switch_", k),
                                   {inputs[k].first, pred}, inputs[k].second);
    then_side.vars.push_back(absl::StrCat(sw, ":1"));
    else_side.vars.push_back(sw);
  }
  const std::vector<std::string> then_out = then_branch(g, then_side);
  const std::vector<std::string> else_out = else_branch(g, else_side);
  std::vector<std::string> merges;
  for (size_t k = 0; k < then_out.size(); ++k) {
    tensorflow::NodeDef& def =
        g.Op("Merge", absl::StrCat(name, "/Merge_", k), {else_out[k], then_out[k]});
    AttrType(def, "T", inputs.empty() ? tensorflow::DT_FLOAT : inputs[0].second);
    AttrInt(def, "N", 2);
    merges.push_back(def.name());
  }
  return merges;
}

std::string CountedLoop(GraphBuilder& g, const std::string& name, const std::string& x,
                        int trip_count, const LoopBodyFn& extra) {
  using tensorflow::DT_FLOAT;
  using tensorflow::DT_INT32;
  g.ConstInt(name + "_zero", {}, {0});
  if (trip_count >= 0) {
    g.ConstInt(name + "_n", {}, {trip_count});
  } else {
    g.Placeholder(name + "_n", DT_INT32, {});
  }
  g.ConstInt(name + "_one", {}, {1});
  g.ConstFloat(name + "_two", {}, {2.0f});
  auto exits = WhileLoop(
      g, name, {{name + "_zero", DT_INT32}, {x, DT_FLOAT}}, {{name + "_n", DT_INT32}},
      [&](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", name + "/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [&](GraphBuilder& g, const FrameTensors& t) {
        std::string next_x =
            TypedOp(g, "Mul", name + "/x_next", {t.vars[1], name + "_two"}, DT_FLOAT);
        if (extra) next_x = extra(g, {{t.vars[0], next_x}, {}})[0];
        return std::vector<std::string>{
            TypedOp(g, "AddV2", name + "/i_next", {t.vars[0], name + "_one"}, DT_INT32),
            next_x};
      });
  return exits[1];
}

}  // namespace tflconv::testing
