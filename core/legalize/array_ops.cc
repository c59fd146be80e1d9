// TensorArrays (V2/V3) and TensorLists as the control-flow evaluator runs
// them: an array is the list of tensors written into it, carried through
// the program by its flow (TensorArray) or its handle (TensorList). Sizes
// and shapes are checked as TensorFlow's kernels check them (list_kernels.cc,
// tensor_array_ops.cc): a TensorList grows only by TensorListPushBack or by a
// TensorListSetItem with resize_if_index_out_of_bounds, and every element
// written must be compatible with the element shape the array declares.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

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

// The target's tensor behind `value`, or null when it is no tensor.
const OutputInfo* TensorInfo(const Graph& graph, const FlowValue& value) {
  return value.kind == FlowValue::kTensor ? &graph.info(value.tensor) : nullptr;
}

// A TensorList's element_shape input as TensorFlow's TensorShapeFromTensor
// reads it: the scalar -1 is an unknown rank, a vector gives the dims (-1
// for an unknown one).
absl::StatusOr<Shape> ElementShapeInput(const Node& node, const OutputInfo* info) {
  if (info == nullptr || !info->value) {
    return NodeError(absl::StatusCode::kUnimplemented, node,
                     "its element_shape is known only at run time; a list is lowered only "
                     "when it is known at conversion time");
  }
  const Tensor& shape = *info->value;
  if (shape.dtype() != tensorflow::DT_INT32 && shape.dtype() != tensorflow::DT_INT64) {
    return NodeInvalid(node, absl::StrCat("element_shape must be int32 or int64, not ",
                                          DataTypeName(shape.dtype())));
  }
  if (shape.rank() == 0) {
    if (shape.ScalarAsInt(0) == -1) return Shape::Unknown();
    return NodeInvalid(node, absl::StrCat("element_shape is the scalar ", shape.ScalarAsInt(0),
                                          "; the only scalar shape is -1 (unknown)"));
  }
  if (shape.rank() != 1) {
    return NodeInvalid(node, absl::StrCat("element_shape must be a vector or -1, not of rank ",
                                          shape.rank()));
  }
  Dims dims = shape.AsInt64Vector();
  for (int64_t d : dims) {
    if (d < -1) {
      return NodeInvalid(node, absl::StrCat("element_shape has dimension ", d,
                                            "; dimensions are -1 (unknown) or more"));
    }
  }
  return Shape::Of(std::move(dims));
}

// A TensorArray's element_shape attribute (unknown when absent).
Shape ElementShapeAttr(const Node& node) {
  const tensorflow::AttrValue* attr = FindAttr(node, "element_shape");
  return attr != nullptr && attr->has_shape() ? ShapeFromProto(attr->shape()) : Shape::Unknown();
}

// Extends `elements` to hold `index`, within limits.max_nodes.
absl::Status ExtendToIndex(const Node& node, uint64_t max_nodes,
                           std::vector<std::optional<Endpoint>>& elements, int64_t index) {
  if (index < static_cast<int64_t>(elements.size())) return absl::OkStatus();
  if (static_cast<uint64_t>(index) >= max_nodes) {
    return NodeError(absl::StatusCode::kResourceExhausted, node,
                     absl::StrCat("writes index ", index, " past limits.max_nodes"));
  }
  elements.resize(index + 1);
  return absl::OkStatus();
}

}  // namespace

bool IsArrayOp(absl::string_view op) {
  return ArrayOps().contains(BaseOp(op));
}

tensorflow::NodeDef MadeNodeDef(std::string name, absl::string_view op, DataType dtype) {
  tensorflow::NodeDef def;
  def.set_name(std::move(name));
  def.set_op(std::string(op));
  (*def.mutable_attr())["T"].set_type(dtype);
  return def;
}

const Tensor* ControlFlowEvaluator::ConstantOf(const Scope& scope,
                                               const FlowValue& value) const {
  const OutputInfo* info = TensorInfo(*scope.target->graph, value);
  return info != nullptr && info->value ? &*info->value : nullptr;
}

// A constant int32/int64 vector input (gather and scatter indices).
absl::StatusOr<std::vector<int64_t>> ControlFlowEvaluator::ConstantIndices(
    const Scope& scope, int node, const FlowValue& value) {
  const Tensor* constant = ConstantOf(scope, value);
  if (constant == nullptr) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     "its indices are known only at run time");
  }
  const Tensor& indices = *constant;
  if ((indices.dtype() != tensorflow::DT_INT32 && indices.dtype() != tensorflow::DT_INT64) ||
      indices.rank() != 1) {
    return NodeInvalid(graph_.nodes[node],
                       absl::StrCat("indices must be an int32 or int64 vector, not ",
                                    DataTypeName(indices.dtype()), " of rank ", indices.rank()));
  }
  if (static_cast<uint64_t>(indices.num_elements()) > static_cast<uint64_t>(kMaxNodeOutputs)) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat(indices.num_elements(), " indices are more than the ",
                                  kMaxNodeOutputs, " elements an array is lowered to"));
  }
  return indices.AsInt64Vector();
}

absl::StatusOr<int64_t> ControlFlowEvaluator::ConstantIndex(const Scope& scope, int node,
                                                            const FlowValue& value,
                                                            absl::string_view what) {
  const Tensor* constant = ConstantOf(scope, value);
  if (constant == nullptr || constant->num_elements() != 1 ||
      (constant->dtype() != tensorflow::DT_INT32 && constant->dtype() != tensorflow::DT_INT64)) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("the ", what, " is known only at run time; an array is "
                                  "lowered only when it is known at conversion time"));
  }
  return constant->ScalarAsInt(0);
}

absl::StatusOr<int> ControlFlowEvaluator::NewState(int node, ArrayState state) {
  array_work_ += state.elements.size();
  if (array_work_ > kMaxArrayWork) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("lowering its arrays would copy more than ", kMaxArrayWork,
                                  " elements"));
  }
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
  return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                   "its array input does not come from a TensorArray or TensorList op");
}

absl::Status ControlFlowEvaluator::SetElement(int node, ArrayState& state, int64_t index,
                                              Endpoint element) {
  const Node& source = graph_.nodes[node];
  const Array& array = arrays_[state.array];
  const int64_t size = static_cast<int64_t>(state.elements.size());
  if (index < 0 || (index >= size && !array.dynamic_size)) {
    absl::string_view growth =
        index < 0                     ? ""
        : array.kind == "TensorArray" ? " (it is not dynamic_size)"
                                      : " (a TensorList grows only by TensorListPushBack or by "
                                        "TensorListSetItem with resize_if_index_out_of_bounds)";
    return NodeInvalid(source, absl::StrCat("writes index ", index, " of ", array.kind, " '",
                                            array.node, "' of size ", size, growth));
  }
  TFLCONV_RETURN_IF_ERROR(ExtendToIndex(source, limits_.max_nodes, state.elements, index));
  const DataType dtype = state.graph->info(element).dtype;
  if (dtype != array.dtype) {
    return NodeInvalid(source, absl::StrCat("writes a ", DataTypeName(dtype), " value to ",
                                            array.kind, " '", array.node, "' of ",
                                            DataTypeName(array.dtype)));
  }
  const Shape& shape = state.graph->info(element).shape;
  if (!array.element_shape.CompatibleWith(shape)) {
    return NodeInvalid(source, absl::StrCat("writes a value of shape ", shape.ToString(), " to ",
                                            array.kind, " '", array.node,
                                            "', whose element shape is ",
                                            array.element_shape.ToString()));
  }
  state.elements[index] = element;
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::CheckTarget(const Scope& scope, int node,
                                               const ArrayState& state) const {
  if (state.graph == scope.target->graph) return absl::OkStatus();
  const Array& array = arrays_[state.array];
  return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                   absl::StrCat("uses ", array.kind, " '", array.node,
                                "' inside a WHILE body or IF branch that it did not enter "
                                "through the loop's Enter (no array enters an IF branch)"));
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::Element(const Scope& scope, int node,
                                                       const ArrayState& state, int64_t index) {
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
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
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint element, Element(scope, node, state, index));
    inputs.push_back(element);
  }
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint stacked,
                           StackRows(scope, absl::StrCat(graph_.nodes[node].name, scope.suffix),
                                     arrays_[state.array].dtype, std::move(inputs)));
  return FlowValue::Of(stacked);
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::StackRows(const Scope& scope, std::string name,
                                                         DataType dtype,
                                                         std::vector<Endpoint> rows) {
  tensorflow::NodeDef def = MadeNodeDef(std::move(name), "Pack", dtype);
  (*def.mutable_attr())["N"].set_i(static_cast<int64_t>(rows.size()));
  (*def.mutable_attr())["axis"].set_i(0);
  TFLCONV_ASSIGN_OR_RETURN(const int pack, Make(scope, std::move(def), std::move(rows), 1));
  return Endpoint{pack, 0};
}

absl::StatusOr<std::vector<Endpoint>> ControlFlowEvaluator::UnpackRows(const Scope& scope,
                                                                       int node,
                                                                       Endpoint value,
                                                                       int64_t rows) {
  const OutputInfo& info = scope.target->graph->info(value);
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
      MadeNodeDef(absl::StrCat(graph_.nodes[node].name, scope.suffix, "/unstack"), "Unpack",
                  info.dtype);
  (*def.mutable_attr())["num"].set_i(rows);
  (*def.mutable_attr())["axis"].set_i(0);
  TFLCONV_ASSIGN_OR_RETURN(const int unpack, Make(scope, std::move(def), {value}, rows));
  std::vector<Endpoint> elements;
  for (int64_t k = 0; k < rows; ++k) elements.push_back({unpack, static_cast<int>(k)});
  return elements;
}

absl::Status ControlFlowEvaluator::CreateArray(Scope& scope, int node, const FlowValue& size,
                                               absl::string_view kind, bool dynamic_size) {
  const Node& source = graph_.nodes[node];
  Array array;
  array.kind = std::string(kind);
  array.node = source.name;
  TFLCONV_ASSIGN_OR_RETURN(array.dtype,
                           GetTypeAttr(source, kind == "TensorArray" ? "dtype" : "element_dtype"));
  array.dynamic_size = dynamic_size;
  int64_t count = 0;
  if (size.kind != FlowValue::kDead) {
    TFLCONV_ASSIGN_OR_RETURN(count, ConstantIndex(scope, node, size, "size"));
  }
  if (count < 0 || static_cast<uint64_t>(count) > limits_.max_nodes) {
    return NodeInvalid(source, absl::StrCat("array size ", count, " is out of range (0 to ",
                                            limits_.max_nodes, ", limits.max_nodes)"));
  }
  arrays_.push_back(std::move(array));
  const int id = static_cast<int>(arrays_.size()) - 1;
  ArrayState initial;
  initial.array = id;
  initial.graph = scope.target->graph;
  initial.elements.resize(count);
  TFLCONV_ASSIGN_OR_RETURN(const int state, NewState(node, std::move(initial)));
  arrays_[id].initial_state = state;
  std::vector<FlowValue>& out = scope.values[node];
  out = {FlowValue{FlowValue::kArrayState, {}, -1, state}};
  if (kind == "TensorArray") out.insert(out.begin(), FlowValue{FlowValue::kArrayHandle, {}, id});
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::RunArrayOp(Scope& scope, int node,
                                              const std::vector<FlowValue>& in) {
  const Node& source = graph_.nodes[node];
  const Graph& graph = *scope.target->graph;
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
  auto tensor_input = [&](size_t k) -> absl::StatusOr<Endpoint> {
    if (in[k].kind != FlowValue::kTensor) {
      return NodeInvalid(source, absl::StrCat("input ", k, " is not a tensor"));
    }
    return in[k].tensor;
  };
  // Input k, an index known only at run time, of the rank TensorFlow's
  // shape function requires (-1: any).
  auto run_time_index = [&](size_t k, int rank) -> absl::StatusOr<Endpoint> {
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint index, tensor_input(k));
    const Shape& shape = graph.info(index).shape;
    if (rank >= 0 && shape.known_rank && shape.rank() != rank) {
      return NodeInvalid(source, absl::StrCat("its index input must have rank ", rank,
                                              ", not shape ", shape.ToString()));
    }
    return index;
  };
  // The array an op reads: (handle, flow) for TensorArrays, a list value
  // for TensorLists.
  auto state_at = [&](size_t handle, size_t flow) { return StateOf(node, in[handle], in[flow]); };
  auto output = [&](int made) {
    out = {FlowValue{FlowValue::kArrayState, {}, -1, made}};
    return absl::OkStatus();
  };
  // Stores `next` as the op's one output.
  auto output_state = [&](ArrayState next) -> absl::Status {
    TFLCONV_ASSIGN_OR_RETURN(const int made, NewState(node, std::move(next)));
    return output(made);
  };
  // `state` to write into: its elements are tensors of its own target, so
  // a state of another target (an array read inside an IF branch without
  // its Switch) cannot be extended here.
  auto writable = [&](const ArrayState& state) -> absl::StatusOr<ArrayState> {
    TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
    return state;
  };
  // An index known only at run time reads and writes the array as one
  // tensor, as does every op on an array that already is one.
  auto dense_access = [&](const ArrayState& state, size_t index) {
    return state.dense.has_value() || ConstantOf(scope, in[index]) == nullptr;
  };
  auto appended_op = [&](const ArrayState& state) {
    return RunAppendedArrayOp(scope, node, op, in, state);
  };

  if (op == "TensorArray" || op == "TensorListReserve" || op == "EmptyTensorList") {
    const bool array = op == "TensorArray";
    TFLCONV_RETURN_IF_ERROR(expect(array ? 1 : 2));
    Shape element_shape = ElementShapeAttr(source);
    if (!array) {
      TFLCONV_ASSIGN_OR_RETURN(element_shape, ElementShapeInput(source, TensorInfo(graph, in[0])));
    }
    const bool dynamic =
        array && GetBoolAttr(source, "dynamic_size", false).value_or(false);
    const FlowValue& size = op == "EmptyTensorList" ? FlowValue::Dead() : in[array ? 0 : 1];
    TFLCONV_RETURN_IF_ERROR(
        CreateArray(scope, node, size, array ? "TensorArray" : "TensorList", dynamic));
    arrays_.back().element_shape = std::move(element_shape);
    // A bound known only at run time cannot be checked at conversion: the
    // list lowers as one without a bound.
    if (op == "EmptyTensorList" && ConstantOf(scope, in[1]) != nullptr) {
      TFLCONV_ASSIGN_OR_RETURN(arrays_.back().max_num_elements,
                               ConstantIndex(scope, node, in[1], "max_num_elements"));
    }
    if (array && source.op == "TensorArrayV2") out.resize(1);  // V2 has no flow output
    return absl::OkStatus();
  }
  if (op == "TensorArrayClose") {
    out.clear();
    return absl::OkStatus();
  }
  if (op == "TensorArrayRead" || op == "TensorListGetItem") {
    const bool list = op == "TensorListGetItem";
    TFLCONV_RETURN_IF_ERROR(expect(3));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, list ? state_at(0, 0) : state_at(0, 2));
    if (state->appended) return appended_op(*state);
    if (dense_access(*state, 1)) {
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint index, run_time_index(1, 0));
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint element, GatherRows(scope, node, *state, index));
      out = {FlowValue::Of(element)};
      return absl::OkStatus();
    }
    TFLCONV_ASSIGN_OR_RETURN(const int64_t index, ConstantIndex(scope, node, in[1], "index"));
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint element, Element(scope, node, *state, index));
    out = {FlowValue::Of(element)};
    return absl::OkStatus();
  }
  if (op == "TensorArrayWrite" || op == "TensorListSetItem") {
    const bool list = op == "TensorListSetItem";
    TFLCONV_RETURN_IF_ERROR(expect(list ? 3 : 4));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, list ? state_at(0, 0) : state_at(0, 3));
    if (state->appended) return appended_op(*state);
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint value, tensor_input(2));
    TFLCONV_ASSIGN_OR_RETURN(
        const bool resize,
        list ? GetBoolAttr(source, "resize_if_index_out_of_bounds", false) : false);
    if (dense_access(*state, 1)) {
      if (resize) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         "resizes its list at an index known only at run time; a list "
                         "carried through a WHILE keeps its size");
      }
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint index, tensor_input(1));
      TFLCONV_ASSIGN_OR_RETURN(const int made, WriteRow(scope, node, *state, index, value));
      return output(made);
    }
    TFLCONV_ASSIGN_OR_RETURN(const int64_t index, ConstantIndex(scope, node, in[1], "index"));
    TFLCONV_ASSIGN_OR_RETURN(ArrayState next, writable(*state));
    if (resize) {
      TFLCONV_RETURN_IF_ERROR(ExtendToIndex(source, limits_.max_nodes, next.elements, index));
    }
    TFLCONV_RETURN_IF_ERROR(SetElement(node, next, index, value));
    return output_state(std::move(next));
  }
  if (op == "TensorListPushBack") {
    TFLCONV_RETURN_IF_ERROR(expect(2));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, state_at(0, 0));
    if (state->appended) return appended_op(*state);
    if (state->dense) {
      return NodeError(absl::StatusCode::kUnimplemented, source,
                       "pushes onto a list carried through a WHILE, which keeps its size");
    }
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint value, tensor_input(1));
    TFLCONV_ASSIGN_OR_RETURN(ArrayState next, writable(*state));
    const int64_t end = static_cast<int64_t>(next.elements.size());
    if (const int64_t bound = arrays_[next.array].max_num_elements; bound >= 0 && end >= bound) {
      // TensorFlow's kernel fails the same push at run time.
      return NodeInvalid(source, absl::StrCat("pushes onto TensorList '", arrays_[next.array].node,
                                              "', which is full: its max_num_elements is ",
                                              bound));
    }
    TFLCONV_RETURN_IF_ERROR(ExtendToIndex(source, limits_.max_nodes, next.elements, end));
    TFLCONV_RETURN_IF_ERROR(SetElement(node, next, end, value));
    return output_state(std::move(next));
  }
  if (op == "TensorArrayScatter" || op == "TensorListFromTensor") {
    const bool list = op == "TensorListFromTensor";
    TFLCONV_RETURN_IF_ERROR(expect(list ? 2 : 4));
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint value, tensor_input(list ? 0 : 2));
    std::vector<int64_t> indices;
    ArrayState next;
    if (list) {
      const Shape& shape = graph.info(value).shape;
      if (shape.rank() < 1 || shape.dims[0] < 0 || shape.dims[0] > kMaxNodeOutputs) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         absl::StrCat("makes a list from a value of shape ", shape.ToString(),
                                      ", whose row count is known only at run time"));
      }
      for (int64_t k = 0; k < shape.dims[0]; ++k) indices.push_back(k);
      TFLCONV_ASSIGN_OR_RETURN(Shape element_shape,
                               ElementShapeInput(source, TensorInfo(graph, in[1])));
      TFLCONV_RETURN_IF_ERROR(CreateArray(scope, node, FlowValue::Dead(), "TensorList", false));
      arrays_.back().element_shape = std::move(element_shape);
      // One item per row, in the list created empty above.
      next = states_[arrays_.back().initial_state];
      next.elements.resize(indices.size());
    } else {
      TFLCONV_ASSIGN_OR_RETURN(indices, ConstantIndices(scope, node, in[1]));
      TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, state_at(0, 3));
      if (state->appended) return appended_op(*state);
      if (state->dense) {
        return NodeError(absl::StatusCode::kUnimplemented, source,
                         "scatters into a TensorArray carried through a WHILE");
      }
      TFLCONV_ASSIGN_OR_RETURN(next, writable(*state));
    }
    TFLCONV_ASSIGN_OR_RETURN(
        const std::vector<Endpoint> rows,
        UnpackRows(scope, node, value, static_cast<int64_t>(indices.size())));
    for (size_t k = 0; k < indices.size(); ++k) {
      TFLCONV_RETURN_IF_ERROR(SetElement(node, next, indices[k], rows[k]));
    }
    return output_state(std::move(next));
  }
  if (op == "TensorArrayGather" || op == "TensorListGather" || op == "TensorListStack") {
    const bool array = op == "TensorArrayGather";
    TFLCONV_RETURN_IF_ERROR(expect(op == "TensorListStack" ? 2 : 3));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, array ? state_at(0, 2) : state_at(0, 0));
    if (state->appended) return appended_op(*state);
    const int64_t size = static_cast<int64_t>(state->elements.size());
    std::vector<int64_t> indices;
    if (op == "TensorListStack") {
      for (int64_t k = 0; k < size; ++k) indices.push_back(k);
    } else if (ConstantOf(scope, in[1]) == nullptr) {
      // A TensorList gathers any shape of indices.
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint positions, run_time_index(1, array ? 1 : -1));
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint rows, GatherRows(scope, node, *state, positions));
      out = {FlowValue::Of(rows)};
      return absl::OkStatus();
    } else {
      TFLCONV_ASSIGN_OR_RETURN(indices, ConstantIndices(scope, node, in[1]));
    }
    bool all_rows = static_cast<int64_t>(indices.size()) == size;
    for (size_t k = 0; all_rows && k < indices.size(); ++k) all_rows = indices[k] == int64_t(k);
    if (state->dense && all_rows) {
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint whole, DenseOf(scope, node, *state));
      out = {FlowValue::Of(whole)};
      return absl::OkStatus();
    }
    if (state->dense) {
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint positions, tensor_input(1));
      TFLCONV_ASSIGN_OR_RETURN(const Endpoint rows, GatherRows(scope, node, *state, positions));
      out = {FlowValue::Of(rows)};
      return absl::OkStatus();
    }
    TFLCONV_ASSIGN_OR_RETURN(const FlowValue packed, PackElements(scope, node, *state, indices));
    out = {packed};
    return absl::OkStatus();
  }
  if (op == "TensorArraySize" || op == "TensorListLength" || op == "TensorListElementShape") {
    const bool array = op == "TensorArraySize";
    TFLCONV_RETURN_IF_ERROR(expect(array ? 2 : 1));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, array ? state_at(0, 1) : state_at(0, 0));
    if (state->appended && op != "TensorListElementShape") return appended_op(*state);
    std::vector<int64_t> values = {static_cast<int64_t>(state->elements.size())};
    bool scalar = true;
    DataType dtype = tensorflow::DT_INT32;
    if (op == "TensorListElementShape") {
      // What TensorFlow returns: the declared shape, -1 for an unknown dim,
      // the scalar -1 for an unknown rank; never the shapes written.
      const Shape& shape = arrays_[state->array].element_shape;
      scalar = !shape.known_rank;
      values = scalar ? std::vector<int64_t>{-1} : shape.dims;
      TFLCONV_ASSIGN_OR_RETURN(dtype, GetTypeAttr(source, "shape_type", tensorflow::DT_INT32));
    }
    TFLCONV_ASSIGN_OR_RETURN(
        const int made,
        MakeIntConst(scope, absl::StrCat(source.name, scope.suffix), dtype, values, scalar));
    out = {FlowValue::Of({made, 0})};
    return absl::OkStatus();
  }
  if (op == "TensorArrayConcat") {
    TFLCONV_RETURN_IF_ERROR(expect(2));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, state_at(0, 1));
    if (state->appended) return appended_op(*state);
    return ConcatElements(scope, node, *state);
  }
  if (op == "TensorArraySplit") {
    TFLCONV_RETURN_IF_ERROR(expect(4));
    TFLCONV_ASSIGN_OR_RETURN(const ArrayState* state, state_at(0, 3));
    return SplitIntoElements(scope, node, in, *state);
  }
  return NodeError(absl::StatusCode::kUnimplemented, source,
                   absl::StrCat(source.op, " is not lowered"));
}

}  // namespace tflconv
