// Arrays whose size changes in a WHILE, and TensorArray concat and split.
// A WHILE's variables keep their type, so an array that grows in one (a
// dynamic_size TensorArray written at the loop's counter, a TensorList
// pushed onto) is carried as the elements appended so far: the rows of one
// tensor [size, element...] when every element has one shape known at
// conversion time, else (TensorArrayConcat's case: boxes found per image
// scale) the concatenation of the elements on axis 0, whose first dim may
// differ between elements. The variable's first dim is then -1 and the
// runtime's WHILE resizes it in each iteration. In the loop the tensor
// starts with a filler row of zeros: the runtime's WHILE, preparing a body
// whose shapes are static, takes a variable of 0 rows that comes out with
// 1 for a scalar that comes out as [1] (while.cc counts their first dims
// together), keeps the variable static and fails at invoke.
//
// TensorFlow indexes TensorArray writes; appending is the same only when
// each iteration writes one element at the index that equals the array's
// size, i.e. at a counter that starts there and steps by one. That is
// checked once the body has run (CheckAppendCounter), and anything else
// is refused.
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {

namespace {

// Whether `e` is the int scalar constant `value`.
bool IsIntScalar(const Graph& graph, Endpoint e, int64_t value) {
  const OutputInfo& info = graph.info(e);
  return info.value && info.value->num_elements() == 1 &&
         (info.dtype == tensorflow::DT_INT32 || info.dtype == tensorflow::DT_INT64) &&
         info.value->ScalarAsInt(0) == value;
}

Dims Tail(const Dims& dims) { return Dims(dims.begin() + 1, dims.end()); }

}  // namespace

Endpoint BehindIdentities(const Graph& graph, Endpoint e) {
  for (int hops = 0; hops < kMaxFrameNesting; ++hops) {
    const Node& node = graph.nodes[e.node];
    if (node.op != "Identity" || node.inputs.size() != 1) break;
    e = node.inputs[0];
  }
  return e;
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::ConcatRows(const Scope& scope, int node,
                                                          DataType dtype,
                                                          std::vector<Endpoint> values) {
  const Graph& graph = *scope.target->graph;
  const std::string name = absl::StrCat(graph_.nodes[node].name, scope.suffix);
  TFLCONV_ASSIGN_OR_RETURN(const int axis, MakeIntConst(scope, name + "/axis",
                                                        tensorflow::DT_INT32, {0}, true));
  tensorflow::NodeDef def = MadeNodeDef(FreshName(graph, name), "ConcatV2", dtype);
  (*def.mutable_attr())["N"].set_i(static_cast<int64_t>(values.size()));
  (*def.mutable_attr())["Tidx"].set_type(tensorflow::DT_INT32);
  values.push_back({axis, 0});
  TFLCONV_ASSIGN_OR_RETURN(const int made, Make(scope, std::move(def), std::move(values), 1));
  return Endpoint{made, 0};
}

bool ControlFlowEvaluator::GrowsInLoop(const ArrayState& state) const {
  if (state.appended) return true;
  if (state.dense) return false;
  // A dynamic_size TensorArray sized ahead of its writes is rows of that
  // size (array_dense.cc), which refuses it.
  const Array& array = arrays_[state.array];
  const bool all_written = std::all_of(state.elements.begin(), state.elements.end(),
                                       [](const auto& element) { return element.has_value(); });
  return array.kind == "TensorArray" ? array.dynamic_size && all_written
                                     : state.elements.empty();
}

absl::StatusOr<ControlFlowEvaluator::AppendedCarry> ControlFlowEvaluator::AppendedEntry(
    const Scope& scope, int node, const ArrayState& state) {
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
  const Array& array = arrays_[state.array];
  auto refuse = [&](absl::string_view why) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("carries ", array.kind, " '", array.node,
                                  "', which may grow in the loop, but ", why));
  };
  const std::string base = absl::StrCat(graph_.nodes[node].name, scope.suffix, "/", array.node);
  // The filler row, then `rows` of shape `dims` ([0, ...]).
  auto filled = [&](std::vector<Endpoint> rows, Dims dims) -> absl::StatusOr<Endpoint> {
    dims[0] = 1;
    TFLCONV_ASSIGN_OR_RETURN(const int filler,
                             MakeConst(scope, base + "/filler", Tensor::Zeros(array.dtype, dims)));
    if (rows.empty()) return Endpoint{filler, 0};
    rows.insert(rows.begin(), Endpoint{filler, 0});
    return ConcatRows(scope, node, array.dtype, std::move(rows));
  };
  if (state.appended) {
    Dims dims = state.graph->info(*state.appended).shape.dims;
    // In an enclosing WHILE's body the tensor already starts with its row.
    Endpoint entry = *state.appended;
    if (!state.filler_row) {
      TFLCONV_ASSIGN_OR_RETURN(entry, filled({entry}, dims));
    }
    dims[0] = -1;
    return AppendedCarry{entry, Shape::Of(std::move(dims)), state.appended_rows};
  }
  std::vector<Endpoint> elements;
  for (size_t k = 0; k < state.elements.size(); ++k) {
    if (!state.elements[k]) return refuse(absl::StrCat("its element ", k, " is never written"));
    elements.push_back(*state.elements[k]);
  }
  // Rows when every element has one shape known at conversion time.
  std::optional<Shape> element;
  if (array.element_shape.fully_defined()) element = array.element_shape;
  for (const Endpoint& e : elements) {
    const Shape& shape = state.graph->info(e).shape;
    if (!element && shape.fully_defined()) element = shape;
    if (element && !(shape == *element)) element.reset();
    if (!element) break;
  }
  const bool rows = element.has_value() || array.kind == "TensorList";
  Dims carried;
  if (rows) {
    if (!element) return refuse("its element shape is not known at conversion time");
    carried = element->dims;
    carried.insert(carried.begin(), 0);
  } else {
    // Elements concatenated on axis 0 agree in every other dim.
    Shape known = array.element_shape;
    if (!elements.empty()) known = state.graph->info(elements[0]).shape;
    if (known.rank() < 1 || !Shape::Of(Tail(known.dims)).fully_defined()) {
      return refuse(absl::StrCat("its element shape ", known.ToString(),
                                 " is not known beyond the first dim (declare element_shape)"));
    }
    for (const Endpoint& e : elements) {
      const Shape& shape = state.graph->info(e).shape;
      if (shape.rank() != known.rank() ||
          !(Shape::Of(Tail(shape.dims)) == Shape::Of(Tail(known.dims)))) {
        return refuse(absl::StrCat("it holds elements of shapes ", known.ToString(), " and ",
                                   shape.ToString()));
      }
    }
    carried = known.dims;
    carried[0] = 0;
  }
  std::vector<Endpoint> rows_in = std::move(elements);
  if (rows && !rows_in.empty()) {
    // Each element as one row [1, element...].
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint stacked,
                             StackRows(scope, FreshName(*scope.target->graph, base),
                                       array.dtype, std::move(rows_in)));
    rows_in = {stacked};
  }
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint entry, filled(std::move(rows_in), carried));
  carried[0] = -1;
  return AppendedCarry{entry, Shape::Of(std::move(carried)), rows};
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::DropFillerRow(const Scope& scope, int node,
                                                             Endpoint appended) {
  const Graph& graph = *scope.target->graph;
  const OutputInfo& info = graph.info(appended);
  const std::string name = absl::StrCat(graph_.nodes[node].name, scope.suffix, "/elements");
  Dims begin(info.shape.rank(), 0), size(info.shape.rank(), -1);
  begin[0] = 1;
  const DataType dtype = info.dtype;
  TFLCONV_ASSIGN_OR_RETURN(
      const int begin_at,
      MakeIntConst(scope, name + "/begin", tensorflow::DT_INT32, begin, false));
  TFLCONV_ASSIGN_OR_RETURN(const int size_of, MakeIntConst(scope, name + "/size",
                                                           tensorflow::DT_INT32, size, false));
  tensorflow::NodeDef def = MadeNodeDef(FreshName(graph, name), "Slice", dtype);
  (*def.mutable_attr())["Index"].set_type(tensorflow::DT_INT32);
  TFLCONV_ASSIGN_OR_RETURN(const int slice,
                           Make(scope, std::move(def), {appended, {begin_at, 0}, {size_of, 0}}, 1));
  return Endpoint{slice, 0};
}

absl::StatusOr<int> ControlFlowEvaluator::NewAppendedState(const Scope& scope, int node,
                                                           const ArrayState& like,
                                                           Endpoint appended, bool rows,
                                                           bool filler_row) {
  Array& array = arrays_[like.array];
  array.as_one_tensor = true;
  array.appended = true;
  ArrayState state;
  state.array = like.array;
  state.graph = scope.target->graph;
  state.appended = appended;
  state.appended_rows = rows;
  state.filler_row = filler_row;
  return NewState(node, std::move(state));
}

absl::Status ControlFlowEvaluator::RunAppendedArrayOp(Scope& scope, int node,
                                                      const std::string& op,
                                                      const std::vector<FlowValue>& in,
                                                      ArrayState state) {
  const Node& source = graph_.nodes[node];
  const Array& array = arrays_[state.array];
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
  const Graph& graph = *scope.target->graph;
  const Endpoint appended = *state.appended;
  const Dims appended_dims = graph.info(appended).shape.dims;
  std::vector<FlowValue>& out = scope.values[node];
  // What the readers see: the elements, without the filler row.
  auto elements = [&]() -> absl::StatusOr<Endpoint> {
    if (!state.filler_row) return appended;
    return DropFillerRow(scope, node, appended);
  };
  auto refuse = [&](absl::string_view why) {
    return NodeError(absl::StatusCode::kUnimplemented, source,
                     absl::StrCat(why, " ", array.kind, " '", array.node,
                                  "', which grows in a WHILE (carried as the concatenation of "
                                  "its elements)"));
  };
  auto tensor = [&](size_t k) -> absl::StatusOr<Endpoint> {
    if (k >= in.size() || in[k].kind != FlowValue::kTensor) {
      return NodeInvalid(source, absl::StrCat("input ", k, " is not a tensor"));
    }
    return in[k].tensor;
  };
  // Appends `value` (an element) and outputs the new state.
  auto append = [&](Endpoint value, std::optional<Endpoint> at) -> absl::Status {
    const OutputInfo& info = graph.info(value);
    if (info.dtype != array.dtype) {
      return NodeInvalid(source, absl::StrCat("writes a ", DataTypeName(info.dtype), " value to ",
                                              array.kind, " '", array.node, "' of ",
                                              DataTypeName(array.dtype)));
    }
    // A value known at conversion time only in part (a Reshape to a shape
    // computed at run time) is valid when TensorFlow's write accepts it:
    // its rank must be the element's, and the Reshape below gives it the
    // element's known dims, which its run-time dims then are.
    const Dims tail = Tail(appended_dims);
    Dims element = state.appended_rows ? tail : appended_dims;
    if (!state.appended_rows) element[0] = -1;
    const bool fits = info.shape.known_rank && info.shape.CompatibleWith(Shape::Of(element));
    if (!fits) {
      return NodeError(absl::StatusCode::kUnimplemented, source,
                       absl::StrCat("writes a value of shape ", info.shape.ToString(), " to ",
                                    array.kind, " '", array.node, "', which grows in a WHILE as ",
                                    state.appended_rows ? "rows of shape " : "elements of shape ",
                                    state.appended_rows ? Shape::Of(tail).ToString()
                                                        : Shape::Of(appended_dims).ToString()));
    }
    if (state.appended_rows) {
      Dims row = tail;
      row.insert(row.begin(), 1);
      TFLCONV_ASSIGN_OR_RETURN(value, ReshapeTo(scope, node, value, row, "/row"));
    } else if (Tail(graph.info(value).shape.dims) != Tail(element)) {
      TFLCONV_ASSIGN_OR_RETURN(value, ReshapeTo(scope, node, value, element, "/element"));
    }
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint grown,
                             ConcatRows(scope, node, array.dtype, {appended, value}));
    TFLCONV_ASSIGN_OR_RETURN(
        const int next,
        NewAppendedState(scope, node, state, grown, state.appended_rows, state.filler_row));
    states_[next].size_on_entry = at ? at : state.size_on_entry;
    states_[next].appended_in_iteration = state.appended_in_iteration + 1;
    out = {FlowValue{FlowValue::kArrayState, {}, -1, next}};
    return absl::OkStatus();
  };

  if (op == "TensorArrayWrite") {
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint index, tensor(1));
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint value, tensor(2));
    const Endpoint counter = BehindIdentities(graph, index);
    const bool loop_variable = scope.every_iteration &&
                               std::find(graph.inputs.begin(), graph.inputs.end(), counter) !=
                                   graph.inputs.end();
    if (!loop_variable || state.appended_in_iteration > 0) {
      return refuse(state.appended_in_iteration > 0
                        ? "writes a second element in one iteration to"
                        : "writes at an index other than its WHILE's loop counter to");
    }
    return append(value, counter);
  }
  if (op == "TensorListPushBack") {
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint value, tensor(1));
    return append(value, std::nullopt);
  }
  if (op == "TensorArrayConcat") {
    if (outputs_used_[node] > 1) return refuse("reads the lengths of the elements of");
    TFLCONV_ASSIGN_OR_RETURN(Endpoint value, elements());
    if (state.appended_rows) {
      if (appended_dims.size() < 2) {
        return NodeInvalid(source, absl::StrCat("concatenates the scalar elements of ",
                                                array.kind, " '", array.node, "'"));
      }
      Dims dims = Tail(appended_dims);
      dims[0] = -1;
      TFLCONV_ASSIGN_OR_RETURN(value, ReshapeTo(scope, node, value, dims, "/concatenated"));
    }
    out = {FlowValue::Of(value)};
    return absl::OkStatus();
  }
  if (!state.appended_rows) {
    return refuse(absl::StrCat(source.op, " is not lowered on"));
  }
  if (op == "TensorListStack") {
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint stacked, elements());
    out = {FlowValue::Of(stacked)};
    return absl::OkStatus();
  }
  if (op == "TensorArrayGather" || op == "TensorListGather" || op == "TensorArrayRead" ||
      op == "TensorListGetItem") {
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint indices, tensor(1));
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint all_rows, elements());
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint rows, RowsOf(scope, node, all_rows, indices));
    out = {FlowValue::Of(rows)};
    return absl::OkStatus();
  }
  if (op == "TensorArraySize" || op == "TensorListLength") {
    const std::string name = absl::StrCat(source.name, scope.suffix, "/shape");
    tensorflow::NodeDef def = MadeNodeDef(FreshName(graph, name), "Shape", array.dtype);
    (*def.mutable_attr())["out_type"].set_type(tensorflow::DT_INT32);
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint all_rows, elements());
    TFLCONV_ASSIGN_OR_RETURN(const int shape, Make(scope, std::move(def), {all_rows}, 1));
    TFLCONV_ASSIGN_OR_RETURN(const int first,
                             MakeIntConst(scope, name + "/first",
                                          tensorflow::DT_INT32, {0}, true));
    TFLCONV_ASSIGN_OR_RETURN(const Endpoint size, RowsOf(scope, node, {shape, 0}, {first, 0}));
    out = {FlowValue::Of(size)};
    return absl::OkStatus();
  }
  return refuse(absl::StrCat(source.op, " is not lowered on"));
}

absl::Status ControlFlowEvaluator::CheckAppendCounter(
    int node, const ArrayState& next, int64_t entry_size, const Graph& region, const Graph& outer,
    const std::vector<Endpoint>& entry,
    const std::vector<std::optional<Endpoint>>& results) const {
  const Array& array = arrays_[next.array];
  if (array.kind != "TensorArray" || next.appended_in_iteration == 0) return absl::OkStatus();
  auto refuse = [&](absl::string_view why) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("TensorArray '", array.node, "' grows in a WHILE, which is "
                                  "lowered only when each iteration appends one element at a "
                                  "counter that starts at the array's size (",
                                  entry_size, ") and steps by 1; ", why));
  };
  if (entry_size < 0) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("TensorArray '", array.node, "' enters this WHILE holding a "
                                  "number of elements known only at run time, and is written "
                                  "in it"));
  }
  if (next.appended_in_iteration != 1 || !next.size_on_entry) {
    return refuse("an iteration may skip its write");
  }
  const auto at = std::find(region.inputs.begin(), region.inputs.end(), *next.size_on_entry);
  const size_t k = static_cast<size_t>(at - region.inputs.begin());
  if (at == region.inputs.end() || k >= results.size() || !results[k]) {
    return refuse("its index is no loop variable");
  }
  if (!IsIntScalar(outer, entry[k], entry_size)) {
    return refuse(absl::StrCat("its index '", region.input_names[k],
                               "' does not start there"));
  }
  const Endpoint step = BehindIdentities(region, *results[k]);
  const Node& add = region.nodes[step.node];
  const bool steps_by_one =
      (add.op == "Add" || add.op == "AddV2") && add.inputs.size() == 2 &&
      ((BehindIdentities(region, add.inputs[0]) == *at && IsIntScalar(region, add.inputs[1], 1)) ||
       (BehindIdentities(region, add.inputs[1]) == *at && IsIntScalar(region, add.inputs[0], 1)));
  if (!steps_by_one) {
    return refuse(absl::StrCat("its index '", region.input_names[k], "' does not step by 1"));
  }
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::ConcatElements(Scope& scope, int node,
                                                  const ArrayState& state) {
  const Node& source = graph_.nodes[node];
  const Array& array = arrays_[state.array];
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
  const Graph& graph = *scope.target->graph;
  std::vector<Endpoint> elements;
  std::vector<int64_t> lengths;
  bool lengths_known = true;
  if (state.dense) {
    return NodeError(absl::StatusCode::kUnimplemented, source,
                     absl::StrCat("concatenates ", array.kind, " '", array.node,
                                  "', which is carried through a WHILE as rows of a fixed size; "
                                  "concatenation is lowered for arrays that grow there"));
  }
  for (size_t k = 0; k < state.elements.size(); ++k) {
    if (!state.elements[k]) {
      return NodeInvalid(source, absl::StrCat("concatenates ", array.kind, " '", array.node,
                                              "', whose element ", k, " is never written"));
    }
    const Shape& shape = graph.info(*state.elements[k]).shape;
    if (shape.rank() == 0) {
      return NodeInvalid(source, absl::StrCat("concatenates the scalar element ", k, " of ",
                                              array.kind, " '", array.node, "'"));
    }
    lengths_known = lengths_known && shape.rank() > 0 && shape.dims[0] >= 0;
    lengths.push_back(shape.rank() > 0 ? shape.dims[0] : -1);
    elements.push_back(*state.elements[k]);
  }
  std::vector<FlowValue>& out = scope.values[node];
  Endpoint value;
  if (elements.empty()) {
    const tensorflow::AttrValue* attr = FindAttr(source, "element_shape_except0");
    const Shape rest = attr != nullptr && attr->has_shape() ? ShapeFromProto(attr->shape())
                                                            : Shape::Unknown();
    if (!rest.fully_defined()) {
      return NodeError(absl::StatusCode::kUnimplemented, source,
                       absl::StrCat("concatenates the empty ", array.kind, " '", array.node,
                                    "' without a fully defined element_shape_except0"));
    }
    Dims dims = rest.dims;
    dims.insert(dims.begin(), 0);
    TFLCONV_ASSIGN_OR_RETURN(const int empty,
                             MakeConst(scope, absl::StrCat(source.name, scope.suffix),
                                       Tensor::Zeros(array.dtype, dims)));
    value = {empty, 0};
  } else {
    TFLCONV_ASSIGN_OR_RETURN(value, ConcatRows(scope, node, array.dtype, std::move(elements)));
  }
  out = {FlowValue::Of(value)};
  if (outputs_used_[node] > 1) {
    if (!lengths_known) {
      return NodeError(absl::StatusCode::kUnimplemented, source,
                       "reads the lengths of elements whose first dim is known only at run time");
    }
    TFLCONV_ASSIGN_OR_RETURN(
        const int made, MakeIntConst(scope, absl::StrCat(source.name, scope.suffix, "/lengths"),
                                     tensorflow::DT_INT64, lengths, false));
    out.push_back(FlowValue::Of({made, 0}));
  }
  return absl::OkStatus();
}

absl::Status ControlFlowEvaluator::SplitIntoElements(Scope& scope, int node,
                                                     const std::vector<FlowValue>& in,
                                                     const ArrayState& state) {
  const Node& source = graph_.nodes[node];
  const Array& array = arrays_[state.array];
  if (state.dense || state.appended) {
    return NodeError(absl::StatusCode::kUnimplemented, source,
                     absl::StrCat("splits into ", array.kind, " '", array.node,
                                  "' inside the WHILE that carries it"));
  }
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
  if (in[1].kind != FlowValue::kTensor) {
    return NodeInvalid(source, "input 1 is not a tensor");
  }
  const Graph& graph = *scope.target->graph;
  const Endpoint value = in[1].tensor;
  TFLCONV_ASSIGN_OR_RETURN(const std::vector<int64_t> lengths, ConstantIndices(scope, node, in[2]));
  const Shape& shape = graph.info(value).shape;
  if (shape.rank() == 0) return NodeInvalid(source, "splits a scalar");
  if (lengths.size() > static_cast<size_t>(kMaxNodeOutputs)) {
    return NodeError(absl::StatusCode::kUnimplemented, source,
                     absl::StrCat("splits into ", lengths.size(), " elements, more than ",
                                  kMaxNodeOutputs));
  }
  int64_t total = 0;
  for (int64_t length : lengths) {
    if (length < 0 || length > std::numeric_limits<int64_t>::max() - total) {
      return NodeInvalid(source, absl::StrCat("has the length ", length, " among its lengths"));
    }
    total += length;
  }
  if (shape.rank() > 0 && shape.dims[0] >= 0 && shape.dims[0] != total) {
    return NodeInvalid(source, absl::StrCat("splits a value of shape ", shape.ToString(),
                                            " into lengths that sum to ", total));
  }
  ArrayState next = state;
  if (!lengths.empty()) {
    const std::string name = absl::StrCat(source.name, scope.suffix);
    TFLCONV_ASSIGN_OR_RETURN(const int axis, MakeIntConst(scope, name + "/axis",
                                                          tensorflow::DT_INT32, {0}, true));
    tensorflow::NodeDef def = MadeNodeDef(FreshName(graph, name + "/split"), "SplitV", array.dtype);
    (*def.mutable_attr())["num_split"].set_i(static_cast<int64_t>(lengths.size()));
    (*def.mutable_attr())["Tlen"].set_type(graph.info(in[2].tensor).dtype);
    TFLCONV_ASSIGN_OR_RETURN(
        const int split, Make(scope, std::move(def), {value, in[2].tensor, {axis, 0}},
                              static_cast<int64_t>(lengths.size())));
    for (size_t k = 0; k < lengths.size(); ++k) {
      TFLCONV_RETURN_IF_ERROR(
          SetElement(node, next, static_cast<int64_t>(k), {split, static_cast<int>(k)}));
    }
  }
  TFLCONV_ASSIGN_OR_RETURN(const int made, NewState(node, std::move(next)));
  scope.values[node] = {FlowValue{FlowValue::kArrayState, {}, -1, made}};
  return absl::OkStatus();
}

}  // namespace tflconv
