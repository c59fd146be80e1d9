#include "core/legalize/rule.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace tflconv {

const OutputInfo& InputInfo(const Graph& graph, const Node& node, int i) {
  static const OutputInfo* const kMissing = new OutputInfo();
  if (i < 0 || i >= static_cast<int>(node.inputs.size())) return *kMissing;
  return graph.info(node.inputs[i]);
}

bool InferContext::all_inputs_constant() const {
  for (int i = 0; i < num_inputs(); ++i) {
    if (!input(i).value) return false;
  }
  return true;
}

void InferContext::SetOutput(int i, DataType dtype, Shape shape) {
  if (static_cast<int>(node_.outputs.size()) <= i) node_.outputs.resize(i + 1);
  node_.outputs[i].dtype = dtype;
  node_.outputs[i].shape = std::move(shape);
}

void InferContext::SetValue(int i, Tensor value) {
  SetOutput(i, value.dtype(), Shape::Of(value.dims()));
  node_.outputs[i].value = std::move(value);
}

bool FoldBudget::Take(uint64_t bytes) {
  if (bytes > left()) return false;
  used_ += bytes;
  return true;
}

absl::StatusOr<Tensor> InferContext::NewTensor(DataType dtype, const Dims& dims) {
  for (int64_t d : dims) {
    if (d < 0) return Invalid(absl::StrCat("negative dimension in ", DimsToString(dims)));
  }
  const std::optional<int64_t> elements = BoundedNumElements(dims, limits_.max_tensor_elements);
  if (!elements) {
    return NodeError(absl::StatusCode::kResourceExhausted, node_,
                     absl::StrCat("result of shape ", DimsToString(dims),
                                  " exceeds the limit of ", limits_.max_tensor_elements,
                                  " elements (limits.max_tensor_elements)"));
  }
  TFLCONV_RETURN_IF_ERROR(Reserve(*elements, DataTypeSize(dtype)));
  return Tensor::Zeros(dtype, dims);
}

absl::Status InferContext::Reserve(uint64_t bytes) {
  if (budget_.Take(bytes)) return absl::OkStatus();
  fold_declined_ = true;
  return NodeError(absl::StatusCode::kResourceExhausted, node_,
                   absl::StrCat("folding needs ", bytes, " bytes, over the ", budget_.left(),
                                " left of limits.max_folded_bytes=", budget_.limit()));
}

absl::StatusOr<Tensor> InferContext::NewConstantFromProto(const tensorflow::TensorProto& proto) {
  const absl::string_view content = graph_.parsed->TensorContent(proto);
  // Values the graph stores are paid for by its size; only an expansion
  // beyond them (a short *_val list over a large shape) takes the budget.
  const uint64_t stored = content.empty() ? proto.ByteSizeLong() : 0;
  auto tensor = Tensor::FromProto(proto, content, graph_.parsed, limits_.max_tensor_elements,
                                  budget_.left() + stored);
  if (!tensor.ok()) return NodeError(tensor.status().code(), node_, tensor.status().message());
  if (content.empty()) {
    const uint64_t decoded = tensor->bytes().size();
    budget_.Take(decoded > stored ? decoded - stored : 0);
  }
  return tensor;
}

absl::Status InferContext::ExpectInputs(int min, int max) const {
  if (max < 0) max = min;
  if (num_inputs() < min || num_inputs() > max) {
    return Invalid(absl::StrCat("expects ", min == max ? absl::StrCat(min)
                                                       : absl::StrCat(min, " to ", max),
                                " inputs, has ", num_inputs()));
  }
  return absl::OkStatus();
}

absl::StatusOr<tflite::TensorType> ToLiteType(DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: return tflite::TensorType_FLOAT32;
    case tensorflow::DT_HALF: return tflite::TensorType_FLOAT16;
    case tensorflow::DT_DOUBLE: return tflite::TensorType_FLOAT64;
    case tensorflow::DT_INT32: return tflite::TensorType_INT32;
    case tensorflow::DT_INT64: return tflite::TensorType_INT64;
    case tensorflow::DT_INT16: return tflite::TensorType_INT16;
    case tensorflow::DT_INT8: return tflite::TensorType_INT8;
    case tensorflow::DT_UINT8: return tflite::TensorType_UINT8;
    case tensorflow::DT_UINT16: return tflite::TensorType_UINT16;
    case tensorflow::DT_UINT32: return tflite::TensorType_UINT32;
    case tensorflow::DT_UINT64: return tflite::TensorType_UINT64;
    case tensorflow::DT_BOOL: return tflite::TensorType_BOOL;
    case tensorflow::DT_STRING: return tflite::TensorType_STRING;
    case tensorflow::DT_COMPLEX64: return tflite::TensorType_COMPLEX64;
    case tensorflow::DT_COMPLEX128: return tflite::TensorType_COMPLEX128;
    case tensorflow::DT_RESOURCE: return tflite::TensorType_RESOURCE;
    case tensorflow::DT_VARIANT: return tflite::TensorType_VARIANT;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("dtype ", DataTypeName(dtype), " has no TFLite equivalent"));
  }
}

std::vector<int32_t> ToLiteShape(const Shape& shape) {
  return std::vector<int32_t>(shape.dims.begin(), shape.dims.end());
}

namespace {

LiteTensor MakeTensor(std::string name, DataType dtype, const Shape& shape) {
  LiteTensor tensor;
  tensor.name = std::move(name);
  tensor.type = ToLiteType(dtype).value_or(tflite::TensorType_FLOAT32);
  tensor.has_rank = shape.known_rank;
  tensor.shape = ToLiteShape(shape);
  return tensor;
}

}  // namespace

int AddWeightsTensor(LiteModel& model, std::string name, const Tensor& value, const Dims& dims,
                     WeightTransform transform) {
  LiteTensor tensor = MakeTensor(std::move(name), value.dtype(), Shape::Of(dims));
  tensor.buffer =
      model.AddBuffer({std::make_shared<Tensor>(value), value.bytes(), std::move(transform)});
  return model.AddTensor(std::move(tensor));
}

int AddConstantTensor(LiteModel& model, std::string name, const Tensor& value) {
  return AddWeightsTensor(model, std::move(name), value, value.dims(), {});
}

int LegalizeContext::Constant(const Tensor& value, absl::string_view suffix) {
  return AddConstantTensor(
      model_, suffix.empty() ? node_.name : absl::StrCat(node_.name, "/", suffix), value);
}

int LegalizeContext::Weights(const Tensor& value, const Dims& dims, WeightTransform transform,
                             absl::string_view suffix) {
  return AddWeightsTensor(model_, absl::StrCat(node_.name, "/", suffix), value, dims,
                          std::move(transform));
}

absl::StatusOr<int> LegalizeContext::Input(int i) {
  if (i < 0 || i >= num_inputs()) {
    return NodeInvalid(node_, absl::StrCat("expects input ", i, ", has ", num_inputs(),
                                           " inputs"));
  }
  const Endpoint source = node_.inputs[i];
  if (auto it = tensor_of_.find(source); it != tensor_of_.end()) return it->second;
  const OutputInfo& info = graph_.info(source);
  if (graph_.nodes[source.node].op == "NextIteration") {
    // A loop back edge: the producer comes later in the order; its tensor
    // is made now and picked up by its Output().
    const int index = model_.AddTensor(MakeTensor(graph_.TensorName(source), info.dtype, info.shape));
    tensor_of_[source] = index;
    return index;
  }
  if (!info.value) {
    return NodeError(absl::StatusCode::kInternal, node_,
                     absl::StrCat("input ", i, " ('", graph_.TensorName(source),
                                  "') was not produced before its use"));
  }
  if (absl::Status s = ToLiteType(info.dtype).status(); !s.ok()) return NodeInvalid(node_, s.message());
  const int index = AddConstantTensor(model_, graph_.TensorName(source), *info.value);
  tensor_of_[source] = index;
  return index;
}

int LegalizeContext::Output(int i) {
  const Endpoint self{node_index_, i};
  if (auto it = tensor_of_.find(self); it != tensor_of_.end()) return it->second;
  const OutputInfo& info = node_.outputs[i];
  const int index = model_.AddTensor(MakeTensor(graph_.TensorName(self), info.dtype, info.shape));
  tensor_of_[self] = index;
  return index;
}

absl::Status LegalizeContext::Forward(int output, int input) {
  TFLCONV_ASSIGN_OR_RETURN(auto tensor, Input(input));
  tensor_of_[Endpoint{node_index_, output}] = tensor;
  return absl::OkStatus();
}

int LegalizeContext::Intermediate(DataType dtype, const Shape& shape, absl::string_view suffix) {
  return model_.AddTensor(MakeTensor(absl::StrCat(node_.name, "/", suffix), dtype, shape));
}

LiteOperator& LegalizeContext::Emit(tflite::BuiltinOperator op, std::vector<int> inputs,
                                    std::vector<int> outputs,
                                    tflite::BuiltinOptionsUnion options) {
  LiteOperator lite;
  lite.builtin = op;
  lite.inputs = std::move(inputs);
  lite.outputs = std::move(outputs);
  lite.options = std::move(options);
  lite.tf_node = node_.name;
  model_.operators.push_back(std::move(lite));
  return model_.operators.back();
}

}  // namespace tflconv
