// TensorArrays (V2/V3) and TensorLists as the control-flow evaluator runs
// them: an array is the list of tensors written into it, carried through
// the program by its flow (TensorArray) or its handle (TensorList).
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"

namespace tflconv {

namespace {

// Op names without their V2/V3 suffix, so both versions share one case.
std::string BaseOp(absl::string_view op) {
  if (absl::StartsWith(op, "TensorArray") &&
      (absl::EndsWith(op, "V2") || absl::EndsWith(op, "V3"))) {
    op.remove_suffix(2);
  }
  return std::string(op);
}

const auto& ArrayOps() {
  static const auto* ops = new absl::flat_hash_set<std::string>{
      "TensorArray",          "TensorArrayRead",       "TensorArrayWrite",
      "TensorArrayScatter",   "TensorArrayGather",     "TensorArraySize",
      "TensorArrayConcat",    "TensorArraySplit",      "TensorArrayClose",
      "TensorListReserve",    "EmptyTensorList",       "TensorListFromTensor",
      "TensorListGetItem",    "TensorListSetItem",     "TensorListStack",
      "TensorListLength",     "TensorListElementShape", "TensorListPushBack",
      "TensorListGather"};
  return *ops;
}

// The attribute-only NodeDef of a node the evaluator adds.
tensorflow::NodeDef NewDef(std::string name, absl::string_view op, DataType dtype) {
  tensorflow::NodeDef def;
  def.set_name(std::move(name));
  def.set_op(std::string(op));
  (*def.mutable_attr())["T"].set_type(dtype);
  return def;
}

}  // namespace

bool IsArrayOp(absl::string_view op) {
  return ArrayOps().contains(BaseOp(op));
}

absl::StatusOr<int64_t> ControlFlowEvaluator::ConstantIndex(int node, const FlowValue& value,
                                                            absl::string_view what) {
  const OutputInfo* info =
      value.kind == FlowValue::kTensor ? &lowered_.graph.info(value.tensor) : nullptr;
  if (info == nullptr || !info->value || info->value->num_elements() != 1 ||
      (info->value->dtype() != tensorflow::DT_INT32 &&
       info->value->dtype() != tensorflow::DT_INT64)) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("the ", what, " is known only at run time; an array is "
                                  "lowered only when it is known at conversion time"));
  }
  return info->value->ScalarAsInt(0);
}

int ControlFlowEvaluator::NewState(ArrayState state) {
  Array& array = arrays_[state.array];
  array.largest_size = std::max<int64_t>(array.largest_size, state.elements.size());
  states_.push_back(std::move(state));
  return static_cast<int>(states_.size()) - 1;
}

absl::StatusOr<const ControlFlowEvaluator::ArrayState*> ControlFlowEvaluator::StateOf(
    int node, const FlowValue& handle, const FlowValue& flow) {
  if (flow.kind == FlowValue::kArrayState) return &states_[flow.state];
  // TensorArrayV2 graphs start the flow from a constant.
  if (handle.kind == FlowValue::kArrayHandle) return &states_[arrays_[handle.array].initial_state];
  return NodeInvalid(graph_.nodes[node], "its input is not a TensorArray or TensorList");
}

absl::Status ControlFlowEvaluator::SetElement(int node, ArrayState& state, int64_t index,
                                              Endpoint element) {
  Array& array = arrays_[state.array];
  if (index < 0 ||
      (index >= static_cast<int64_t>(state.elements.size()) && !array.dynamic_size)) {
    return NodeInvalid(graph_.nodes[node],
                       absl::StrCat("writes index ", index, " of ", array.kind, " '",
                                    array.node, "' of size ", state.elements.size()));
  }
  if (static_cast<uint64_t>(index) >= limits_.max_nodes) {
    return NodeError(absl::StatusCode::kResourceExhausted, graph_.nodes[node],
                     absl::StrCat("writes index ", index, " past limits.max_nodes"));
  }
  if (index >= static_cast<int64_t>(state.elements.size())) state.elements.resize(index + 1);
  const Shape& shape = lowered_.graph.info(element).shape;
  if (!array.element_shape.known_rank) array.element_shape = shape;
  state.elements[index] = element;
  return absl::OkStatus();
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::Element(int node, const ArrayState& state,
                                                       int64_t index) {
  const Array& array = arrays_[state.array];
  if (index < 0 || index >= static_cast<int64_t>(state.elements.size()) ||
      !state.elements[index]) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("reads index ", index, " of ", array.kind, " '", array.node,
                                  "', which holds nothing there at conversion time"));
  }
  return *state.elements[index];
}

absl::StatusOr<FlowValue> ControlFlowEvaluator::PackElements(
    const Scope& scope, int node, const ArrayState& state, const std::vector<int64_t>& indices) {
  if (indices.empty()) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     "stacks an empty array");
  }
  std::vector<Endpoint> inputs;
  for (int64_t index : indices) {
    auto element = Element(node, state, index);
    if (!element.ok()) return element.status();
    inputs.push_back(*element);
  }
  tensorflow::NodeDef def = NewDef(absl::StrCat(graph_.nodes[node].name, scope.suffix), "Pack",
                                   arrays_[state.array].dtype);
  (*def.mutable_attr())["N"].set_i(static_cast<int64_t>(inputs.size()));
  (*def.mutable_attr())["axis"].set_i(0);
  auto index = Make(scope, std::move(def), std::move(inputs), 1);
  if (!index.ok()) return index.status();
  return FlowValue::Of({*index, 0});
}

absl::StatusOr<std::vector<Endpoint>> ControlFlowEvaluator::UnpackRows(const Scope& scope,
                                                                       int node,
                                                                       Endpoint value,
                                                                       int64_t rows) {
  const OutputInfo& info = lowered_.graph.info(value);
  if (info.shape.rank() < 1 || info.shape.dims[0] != rows) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("needs a value of ", rows, " rows, known at conversion "
                                  "time; it has shape ", info.shape.ToString()));
  }
  if (static_cast<uint64_t>(rows) > limits_.max_nodes) {
    return NodeError(absl::StatusCode::kResourceExhausted, graph_.nodes[node],
                     absl::StrCat("splits ", rows, " rows, past limits.max_nodes"));
  }
  tensorflow::NodeDef def =
      NewDef(absl::StrCat(graph_.nodes[node].name, scope.suffix, "/unstack"), "Unpack",
             info.dtype);
  (*def.mutable_attr())["num"].set_i(rows);
  (*def.mutable_attr())["axis"].set_i(0);
  auto index = Make(scope, std::move(def), {value}, rows);
  if (!index.ok()) return index.status();
  std::vector<Endpoint> elements;
  for (int64_t k = 0; k < rows; ++k) elements.push_back({*index, static_cast<int>(k)});
  return elements;
}

absl::Status ControlFlowEvaluator::CreateArray(Scope& scope, int node, const FlowValue& size,
                                               absl::string_view kind, bool dynamic_size) {
  const Node& source = graph_.nodes[node];
  Array array;
  array.kind = std::string(kind);
  array.node = source.name;
  auto dtype = GetTypeAttr(source, kind == "TensorArray" ? "dtype" : "element_dtype");
  if (!dtype.ok()) return dtype.status();
  array.dtype = *dtype;
  array.dynamic_size = dynamic_size;
  int64_t count = 0;
  if (size.kind != FlowValue::kDead) {
    auto n = ConstantIndex(node, size, "size");
    if (!n.ok()) return n.status();
    count = *n;
  }
  if (count < 0 || static_cast<uint64_t>(count) > limits_.max_nodes) {
    return NodeInvalid(source, absl::StrCat("array size ", count, " is out of range (0 to ",
                                            limits_.max_nodes, ", limits.max_nodes)"));
  }
  arrays_.push_back(std::move(array));
  const int id = static_cast<int>(arrays_.size()) - 1;
  const int state = NewState({id, std::vector<std::optional<Endpoint>>(count)});
  arrays_[id].initial_state = state;
  std::vector<FlowValue>& out = scope.values[node];
  if (kind == "TensorArray") {
    out = {FlowValue{FlowValue::kArrayHandle, {}, id}, FlowValue{FlowValue::kArrayState, {}, -1, state}};
  } else {
    out = {FlowValue{FlowValue::kArrayState, {}, -1, state}};
  }
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunArrayOp(Scope& scope, int node,
                                              const std::vector<FlowValue>& in) {
  const Node& source = graph_.nodes[node];
  const std::string op = BaseOp(source.op);
  std::vector<FlowValue>& out = scope.values[node];
  for (const FlowValue& v : in) {
    if (v.kind == FlowValue::kDead) {
      out.assign(std::max<int64_t>(outputs_used_[node], 2), FlowValue::Dead());
      return absl::OkStatus();
    }
  }
  auto expect = [&](size_t n) -> absl::Status {
    if (in.size() == n) return absl::OkStatus();
    return NodeInvalid(source, absl::StrCat("expects ", n, " inputs, has ", in.size()));
  };
  auto state_value = [](int state) { return FlowValue{FlowValue::kArrayState, {}, -1, state}; };
  auto tensor_input = [&](size_t k) -> absl::StatusOr<Endpoint> {
    if (in[k].kind != FlowValue::kTensor) return NodeInvalid(source, absl::StrCat("input ", k, " is not a tensor"));
    return in[k].tensor;
  };
  // The array an op reads: (handle, flow) for TensorArrays, a list value
  // for TensorLists.
  auto state_at = [&](size_t handle, size_t flow) { return StateOf(node, in[handle], in[flow]); };

  if (op == "TensorArray" || op == "TensorListReserve" || op == "EmptyTensorList") {
    if (absl::Status s = expect(op == "TensorArray" ? 1 : 2); !s.ok()) return s;
    const bool dynamic = op == "EmptyTensorList" ||
                         (op == "TensorArray" && GetBoolAttr(source, "dynamic_size", false).value_or(false));
    const bool array = op == "TensorArray";
    if (absl::Status s = CreateArray(scope, node, op == "EmptyTensorList" ? FlowValue::Dead() : in[array ? 0 : 1],
                                     array ? "TensorArray" : "TensorList", dynamic);
        !s.ok()) {
      return s;
    }
    if (array && source.op == "TensorArrayV2") out.resize(1);  // V2 has no flow output
    return absl::OkStatus();
  }
  if (op == "TensorArrayClose") {
    out.clear();
    return absl::OkStatus();
  }
  // Reads: (array inputs, index input or -1)
  if (op == "TensorArrayRead" || op == "TensorListGetItem") {
    const bool list = op == "TensorListGetItem";
    if (absl::Status s = expect(3); !s.ok()) return s;
    auto state = list ? state_at(0, 0) : state_at(0, 2);
    if (!state.ok()) return state.status();
    auto index = ConstantIndex(node, in[1], "index");
    if (!index.ok()) return index.status();
    auto element = Element(node, **state, *index);
    if (!element.ok()) return element.status();
    out = {FlowValue::Of(*element)};
    return absl::OkStatus();
  }
  if (op == "TensorArrayWrite" || op == "TensorListSetItem") {
    const bool list = op == "TensorListSetItem";
    if (absl::Status s = expect(list ? 3 : 4); !s.ok()) return s;
    auto state = list ? state_at(0, 0) : state_at(0, 3);
    if (!state.ok()) return state.status();
    auto index = ConstantIndex(node, in[1], "index");
    if (!index.ok()) return index.status();
    auto value = tensor_input(2);
    if (!value.ok()) return value.status();
    ArrayState next = **state;
    if (absl::Status s = SetElement(node, next, *index, *value); !s.ok()) return s;
    out = {state_value(NewState(std::move(next)))};
    return absl::OkStatus();
  }
  if (op == "TensorListPushBack") {
    if (absl::Status s = expect(2); !s.ok()) return s;
    auto state = state_at(0, 0);
    if (!state.ok()) return state.status();
    auto value = tensor_input(1);
    if (!value.ok()) return value.status();
    ArrayState next = **state;
    arrays_[next.array].dynamic_size = true;
    if (absl::Status s = SetElement(node, next, next.elements.size(), *value); !s.ok()) return s;
    out = {state_value(NewState(std::move(next)))};
    return absl::OkStatus();
  }
  if (op == "TensorArrayScatter" || op == "TensorListFromTensor") {
    const bool list = op == "TensorListFromTensor";
    if (absl::Status s = expect(list ? 2 : 4); !s.ok()) return s;
    auto value = tensor_input(list ? 0 : 2);
    if (!value.ok()) return value.status();
    std::vector<int64_t> indices;
    if (list) {
      const Shape& shape = lowered_.graph.info(*value).shape;
      if (shape.rank() < 1 || shape.dims[0] < 0) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         absl::StrCat("makes a list from a value of shape ", shape.ToString(),
                                      ", whose row count is known only at run time"));
      }
      for (int64_t k = 0; k < shape.dims[0]; ++k) indices.push_back(k);
      if (absl::Status s = CreateArray(scope, node, FlowValue::Dead(), "TensorList", false);
          !s.ok()) {
        return s;
      }
    } else {
      const OutputInfo* info = in[1].kind == FlowValue::kTensor ? &lowered_.graph.info(in[1].tensor) : nullptr;
      if (info == nullptr || !info->value) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         "scatters to indices known only at run time");
      }
      indices = info->value->AsInt64Vector();
    }
    auto rows = UnpackRows(scope, node, *value, static_cast<int64_t>(indices.size()));
    if (!rows.ok()) return rows.status();
    ArrayState next = list ? states_[scope.values[node][0].state] : ArrayState{};
    // A list made from a tensor has one item per row (created empty above).
    if (list) next.elements.resize(indices.size());
    if (!list) {
      auto state = state_at(0, 3);
      if (!state.ok()) return state.status();
      next = **state;
    }
    for (size_t k = 0; k < indices.size(); ++k) {
      if (absl::Status s = SetElement(node, next, indices[k], (*rows)[k]); !s.ok()) return s;
    }
    out = {state_value(NewState(std::move(next)))};
    return absl::OkStatus();
  }
  if (op == "TensorArrayGather" || op == "TensorListGather" || op == "TensorListStack") {
    const bool array = op == "TensorArrayGather";
    auto state = array ? state_at(0, 2) : state_at(0, 0);
    if (!state.ok()) return state.status();
    std::vector<int64_t> indices;
    if (op == "TensorListStack") {
      for (size_t k = 0; k < (*state)->elements.size(); ++k) indices.push_back(k);
    } else {
      const OutputInfo* info = in[1].kind == FlowValue::kTensor ? &lowered_.graph.info(in[1].tensor) : nullptr;
      if (info == nullptr || !info->value) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         "gathers indices known only at run time");
      }
      indices = info->value->AsInt64Vector();
    }
    auto packed = PackElements(scope, node, **state, indices);
    if (!packed.ok()) return packed.status();
    out = {*packed};
    return absl::OkStatus();
  }
  if (op == "TensorArraySize" || op == "TensorListLength" || op == "TensorListElementShape") {
    auto state = op == "TensorArraySize" ? state_at(0, 1) : state_at(0, 0);
    if (!state.ok()) return state.status();
    std::vector<int64_t> values = {static_cast<int64_t>((*state)->elements.size())};
    DataType dtype = tensorflow::DT_INT32;
    if (op == "TensorListElementShape") {
      const Shape& shape = arrays_[(*state)->array].element_shape;
      if (!shape.fully_defined()) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         "the element shape is not known at conversion time");
      }
      values = shape.dims;
      auto type = GetTypeAttr(source, "shape_type", tensorflow::DT_INT32);
      if (!type.ok()) return type.status();
      dtype = *type;
    }
    auto index = MakeIntConst(scope, absl::StrCat(source.name, scope.suffix), dtype, values,
                              op != "TensorListElementShape");
    if (!index.ok()) return index.status();
    out = {FlowValue::Of({*index, 0})};
    return absl::OkStatus();
  }
  return NodeError(absl::StatusCode::kUnimplemented, source,
                   absl::StrCat(source.op, " is not lowered (TensorArray concat and split are "
                                "not supported yet)"));
}

void ControlFlowEvaluator::ReportArrays() {
  for (const Array& array : arrays_) {
    v1::ControlFlowRegion& region = lowered_.regions.emplace_back();
    region.set_kind(array.kind);
    region.set_name(array.node);
    region.set_disposition(absl::StrCat(
        "lowered to its elements: up to ", array.largest_size, " tensors of ",
        DataTypeName(array.dtype), array.element_shape.ToString()));
  }
}

}  // namespace tflconv
