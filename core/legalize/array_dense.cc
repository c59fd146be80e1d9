// Arrays as one tensor. An array carried through a loop that stays a WHILE
// cannot be a list of separate tensors: a WHILE's variables are tensors of
// fixed type and shape. Such an array (and any array read or written at an
// index known only at run time) becomes one tensor [size, element...],
// the representation TensorFlow's converter gives its TensorLists: a read
// is a GatherV2 of one row, a write replaces one row with a SelectV2 under
// the mask Equal(Range(size), index). Elements never written are zeros,
// as TensorList kernels read them from a list of known element shape (a
// TensorArray kernel fails on them instead; a graph that reads them is
// invalid there). Each made node is a TF op that the legalizer then lowers.
#include "absl/strings/str_cat.h"
#include "core/legalize/control_flow_eval.h"
#include "core/status_macros.h"

namespace tflconv {

std::string FreshName(const Graph& graph, const std::string& base) {
  if (!graph.by_name.contains(base)) return base;
  for (int k = 1;; ++k) {
    std::string name = absl::StrCat(base, "_", k);
    if (!graph.by_name.contains(name)) return name;
  }
}

namespace {

// Elements that are exactly the rows, in order, of one Unpack on axis 0
// (a TensorArrayScatter or TensorListFromTensor of a whole tensor): that
// tensor.
std::optional<Endpoint> UnpackedTensor(const Graph& graph,
                                       const std::vector<std::optional<Endpoint>>& elements) {
  if (elements.empty() || !elements[0]) return std::nullopt;
  const Node& unpack = graph.nodes[elements[0]->node];
  if (unpack.op != "Unpack" || unpack.inputs.size() != 1 ||
      GetIntAttr(unpack, "axis", 0).value_or(-1) != 0 ||
      unpack.outputs.size() != elements.size()) {
    return std::nullopt;
  }
  for (size_t k = 0; k < elements.size(); ++k) {
    if (!elements[k] || elements[k]->node != elements[0]->node ||
        elements[k]->index != static_cast<int>(k)) {
      return std::nullopt;
    }
  }
  return unpack.inputs[0];
}

// Whether `shape` is [size, element...]: what the reads and writes of a
// dense array index (a row count or rank known only at run time is not).
bool HasRows(const Shape& shape, int64_t size) {
  return shape.rank() >= 1 && shape.dims[0] == size;
}

}  // namespace

std::optional<Shape> ControlFlowEvaluator::WrittenElementShape(const ArrayState& state) const {
  if (state.dense) {
    Dims rows = state.graph->info(*state.dense).shape.dims;
    rows.erase(rows.begin());
    return Shape::Of(std::move(rows));
  }
  for (const std::optional<Endpoint>& element : state.elements) {
    if (!element) continue;
    const Shape& shape = state.graph->info(*element).shape;
    if (shape.fully_defined()) return shape;
  }
  return std::nullopt;
}

absl::StatusOr<Shape> ControlFlowEvaluator::KnownElementShape(int node, const ArrayState& state,
                                                              const Shape* first_write) const {
  const Array& array = arrays_[state.array];
  if (array.element_shape.fully_defined()) return array.element_shape;
  if (std::optional<Shape> written = WrittenElementShape(state)) return *written;
  // TensorFlow's rule for a TensorArray of identical_element_shapes (its
  // first write sets the element shape); other arrays may hold elements of
  // several shapes, but rows of one tensor share the first one's.
  if (first_write != nullptr && first_write->fully_defined() &&
      array.element_shape.CompatibleWith(*first_write)) {
    return *first_write;
  }
  return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                   absl::StrCat("needs ", array.kind, " '", array.node,
                                "' as one tensor, but its element shape is not known at "
                                "conversion time (declare element_shape, or write an element of "
                                "a fully defined shape before it is read, or in the body of the "
                                "WHILE it enters)"));
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::DenseOf(const Scope& scope, int node,
                                                       const ArrayState& state,
                                                       const Shape* first_write) {
  TFLCONV_RETURN_IF_ERROR(CheckTarget(scope, node, state));
  if (state.dense) return *state.dense;
  Array& array = arrays_[state.array];
  const int64_t size = static_cast<int64_t>(state.elements.size());
  if (size == 0 || array.dynamic_size) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("needs ", array.kind, " '", array.node, "' as one tensor, but ",
                                  size == 0 ? "it is empty" : "it is dynamic_size",
                                  "; an array is one tensor only at a fixed size"));
  }
  array.as_one_tensor = true;
  const Graph& graph = *scope.target->graph;
  if (std::optional<Endpoint> whole = UnpackedTensor(graph, state.elements);
      whole && HasRows(graph.info(*whole).shape, size)) {
    return *whole;
  }
  TFLCONV_ASSIGN_OR_RETURN(const Shape element_shape,
                           KnownElementShape(node, state, first_write));
  // Elements of other shapes are valid in TensorFlow (an array without
  // identical_element_shapes), but are no rows of one tensor.
  for (const std::optional<Endpoint>& element : state.elements) {
    if (!element) continue;
    const Shape& shape = graph.info(*element).shape;
    if (!element_shape.CompatibleWith(shape)) {
      return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                       absl::StrCat("needs ", array.kind, " '", array.node,
                                    "' as one tensor, but it holds elements of shapes ",
                                    element_shape.ToString(), " and ", shape.ToString()));
    }
  }
  const std::string base = absl::StrCat(graph_.nodes[node].name, scope.suffix, "/", array.node);
  // Zeros of `dims`, folded within the fold budget (a larger one is a
  // FILL at run time).
  auto zeros = [&](Dims dims) -> absl::StatusOr<Endpoint> {
    TFLCONV_ASSIGN_OR_RETURN(
        const int shape, MakeIntConst(scope, base + "/zeros_shape",
                                      tensorflow::DT_INT32, dims, false));
    TFLCONV_ASSIGN_OR_RETURN(const int zero,
                             MakeConst(scope, base + "/zero", Tensor::Zeros(array.dtype, {})));
    tensorflow::NodeDef fill = MadeNodeDef(FreshName(graph, base + "/zeros"), "Fill", array.dtype);
    (*fill.mutable_attr())["index_type"].set_type(tensorflow::DT_INT32);
    TFLCONV_ASSIGN_OR_RETURN(const int made,
                             Make(scope, std::move(fill), {{shape, 0}, {zero, 0}}, 1));
    return Endpoint{made, 0};
  };
  Dims rows = element_shape.dims;
  const bool written = std::any_of(state.elements.begin(), state.elements.end(),
                                   [](const auto& element) { return element.has_value(); });
  if (!written) {
    rows.insert(rows.begin(), size);
    return zeros(std::move(rows));
  }
  std::optional<Endpoint> zero_row;
  std::vector<Endpoint> inputs;
  for (const std::optional<Endpoint>& element : state.elements) {
    if (!element && !zero_row) {
      TFLCONV_ASSIGN_OR_RETURN(zero_row, zeros(rows));
    }
    inputs.push_back(element ? *element : *zero_row);
  }
  TFLCONV_ASSIGN_OR_RETURN(
      const Endpoint stacked,
      StackRows(scope, FreshName(graph, base + "/stacked"), array.dtype, std::move(inputs)));
  if (!HasRows(graph.info(stacked).shape, size)) {
    return NodeError(absl::StatusCode::kUnimplemented, graph_.nodes[node],
                     absl::StrCat("needs ", array.kind, " '", array.node, "' as one tensor, but "
                                  "the rank of its elements is known only at run time"));
  }
  return stacked;
}

absl::StatusOr<int> ControlFlowEvaluator::NewDenseState(const Scope& scope, int node,
                                                        const ArrayState& like, Endpoint dense) {
  ArrayState state;
  state.array = like.array;
  state.graph = scope.target->graph;
  state.elements.resize(like.elements.size());
  state.dense = dense;
  return NewState(node, std::move(state));
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::GatherRows(const Scope& scope, int node,
                                                          const ArrayState& state,
                                                          Endpoint indices) {
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint dense, DenseOf(scope, node, state));
  return RowsOf(scope, node, dense, indices);
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::RowsOf(const Scope& scope, int node, Endpoint from,
                                                      Endpoint indices) {
  const Graph& graph = *scope.target->graph;
  const DataType index_type = graph.info(indices).dtype;
  if (index_type != tensorflow::DT_INT32 && index_type != tensorflow::DT_INT64) {
    return NodeInvalid(graph_.nodes[node], absl::StrCat("its index must be int32 or int64, not ",
                                                        DataTypeName(index_type)));
  }
  const std::string name = absl::StrCat(graph_.nodes[node].name, scope.suffix);
  TFLCONV_ASSIGN_OR_RETURN(const int axis, MakeIntConst(scope, name + "/axis",
                                                        tensorflow::DT_INT32, {0}, true));
  const DataType dtype = graph.info(from).dtype;
  tensorflow::NodeDef gather = MadeNodeDef(FreshName(graph, name), "GatherV2", dtype);
  auto& attr = *gather.mutable_attr();
  attr.erase("T");
  attr["Tparams"].set_type(dtype);
  attr["Tindices"].set_type(index_type);
  attr["Taxis"].set_type(tensorflow::DT_INT32);
  attr["batch_dims"].set_i(0);
  TFLCONV_ASSIGN_OR_RETURN(const int made,
                           Make(scope, std::move(gather), {from, indices, {axis, 0}}, 1));
  return Endpoint{made, 0};
}

absl::StatusOr<Endpoint> ControlFlowEvaluator::ReshapeTo(const Scope& scope, int node,
                                                         Endpoint input, const Dims& dims,
                                                         absl::string_view suffix) {
  const Graph& graph = *scope.target->graph;
  const std::string name = absl::StrCat(graph_.nodes[node].name, scope.suffix, suffix);
  TFLCONV_ASSIGN_OR_RETURN(const int shape, MakeIntConst(scope, name + "_shape",
                                                         tensorflow::DT_INT32, dims, false));
  tensorflow::NodeDef def = MadeNodeDef(FreshName(graph, name), "Reshape", graph.info(input).dtype);
  (*def.mutable_attr())["Tshape"].set_type(tensorflow::DT_INT32);
  TFLCONV_ASSIGN_OR_RETURN(const int made, Make(scope, std::move(def), {input, {shape, 0}}, 1));
  return Endpoint{made, 0};
}

absl::StatusOr<int> ControlFlowEvaluator::WriteRow(const Scope& scope, int node,
                                                   const ArrayState& state, Endpoint index,
                                                   Endpoint value) {
  const Node& source = graph_.nodes[node];
  const Graph& graph = *scope.target->graph;
  const Array& array = arrays_[state.array];
  const OutputInfo& index_info = graph.info(index);
  if ((index_info.dtype != tensorflow::DT_INT32 && index_info.dtype != tensorflow::DT_INT64) ||
      index_info.shape.rank() > 0) {
    return NodeInvalid(source, absl::StrCat("its index must be an int32 or int64 scalar, not ",
                                            DataTypeName(index_info.dtype),
                                            index_info.shape.ToString()));
  }
  const OutputInfo& value_info = graph.info(value);
  if (value_info.dtype != array.dtype) {
    return NodeInvalid(source, absl::StrCat("writes a ", DataTypeName(value_info.dtype),
                                            " value to ", array.kind, " '", array.node, "' of ",
                                            DataTypeName(array.dtype)));
  }
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint dense,
                           DenseOf(scope, node, state, &value_info.shape));
  const Dims& rows_shape = graph.info(dense).shape.dims;
  const Dims element(rows_shape.begin() + 1, rows_shape.end());
  // Shapes that differ only where one is known at run time are valid in
  // TensorFlow, but no row of this tensor at conversion time; so is a row
  // with more than one such dim, which the row's Reshape cannot take.
  const bool compatible = value_info.shape.CompatibleWith(Shape::Of(element));
  if (!(value_info.shape == Shape::Of(element)) ||
      std::count(element.begin(), element.end(), -1) > 1) {
    return NodeError(
        compatible ? absl::StatusCode::kUnimplemented : absl::StatusCode::kInvalidArgument,
        source,
        absl::StrCat("writes a value of shape ", value_info.shape.ToString(), " to ", array.kind,
                     " '", array.node, "', whose elements are ", Shape::Of(element).ToString(),
                     compatible ? "; a row of the array as one tensor has one shape, known at "
                                  "conversion time in all dims but one"
                                : ""));
  }
  const std::string name = absl::StrCat(source.name, scope.suffix);
  std::vector<int64_t> positions(rows_shape[0]);
  for (size_t k = 0; k < positions.size(); ++k) positions[k] = static_cast<int64_t>(k);
  TFLCONV_ASSIGN_OR_RETURN(const int rows, MakeIntConst(scope, name + "/rows",
                                                        index_info.dtype, positions, false));
  TFLCONV_ASSIGN_OR_RETURN(
      const int equal, Make(scope, MadeNodeDef(FreshName(graph, name + "/is_index"), "Equal",
                                               index_info.dtype),
                            {{rows, 0}, index}, 1));
  // The mask [size, 1, ...] and the value [1, element...] broadcast
  // against the array.
  Dims mask_dims(rows_shape.size(), 1);
  mask_dims[0] = rows_shape[0];
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint mask,
                           ReshapeTo(scope, node, {equal, 0}, mask_dims, "/mask"));
  Dims row_dims = element;
  row_dims.insert(row_dims.begin(), 1);
  TFLCONV_ASSIGN_OR_RETURN(const Endpoint row, ReshapeTo(scope, node, value, row_dims, "/row"));
  TFLCONV_ASSIGN_OR_RETURN(
      const int select,
      Make(scope, MadeNodeDef(FreshName(graph, name), "SelectV2", array.dtype),
           {mask, row, dense}, 1));
  return NewDenseState(scope, node, state, {select, 0});
}

}  // namespace tflconv
