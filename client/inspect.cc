#include "client/inspect.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/graph/tensor.h"
#include "core/lite/export.h"
#include "core/lite/lite_model.h"
#include "core/lite/schema/tflite_schema_generated.h"
#include "core/report/report.h"
#include "flatbuffers/util.h"

namespace tflconv::cli {
namespace {

// Names, descriptions and metadata come from files tflconv did not write;
// proto strings (and so the JSON form) must be UTF-8. Bytes that are not
// become U+FFFD.
std::string Utf8(const flatbuffers::String* s) {
  if (s == nullptr) return "";
  std::string out;
  // The Verifier checked the NUL terminator, which ends any sequence the
  // decoder reads, so it never reads past the end.
  const char* p = s->c_str();
  const char* end = p + s->size();
  while (p < end) {
    const char* start = p;
    if (flatbuffers::FromUTF8(&p) < 0) {
      out += "\xEF\xBF\xBD";
      p = start + 1;
    } else {
      out.append(start, p);
    }
  }
  return out;
}

template <typename T, typename Field>
void CopyInts(const flatbuffers::Vector<T>* from, Field* to) {
  if (from != nullptr) to->Add(from->begin(), from->end());
}

// The Verifier checks the flatbuffer's structure, not the indices in it.
absl::StatusOr<std::string> OpName(const tflite::Model* model, const tflite::Operator* op) {
  const auto* codes = model->operator_codes();
  if (codes == nullptr || op->opcode_index() >= codes->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid model: an operator has opcode_index ", op->opcode_index(),
                     " but the model has ", codes ? codes->size() : 0, " operator codes"));
  }
  const tflite::OperatorCode* code = codes->Get(op->opcode_index());
  const auto builtin = std::max<int>(code->builtin_code(), code->deprecated_builtin_code());
  if (builtin == tflite::BuiltinOperator_CUSTOM && code->custom_code()) {
    return Utf8(code->custom_code());
  }
  return tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(builtin));
}

// The constant data of `tensor`, or nullptr.
const flatbuffers::Vector<uint8_t>* DataOf(const tflite::Model* model,
                                            const tflite::Tensor* tensor) {
  const auto* buffers = model->buffers();
  if (buffers == nullptr || tensor->buffer() >= buffers->size()) return nullptr;
  return buffers->Get(tensor->buffer())->data();
}

v1::InspectedTensor DescribeTensor(const tflite::Model* model, const tflite::Tensor* tensor) {
  v1::InspectedTensor out;
  out.set_name(Utf8(tensor->name()));
  out.set_type(tflite::EnumNameTensorType(tensor->type()));
  CopyInts(tensor->shape(), out.mutable_shape());
  CopyInts(tensor->shape_signature(), out.mutable_shape_signature());
  if (const auto* data = DataOf(model, tensor)) out.set_buffer_bytes(data->size());
  return out;
}

absl::StatusOr<v1::InspectedSubgraph> ReadSubgraph(const tflite::Model* model,
                                                   const tflite::SubGraph* subgraph) {
  v1::InspectedSubgraph out;
  out.set_name(Utf8(subgraph->name()));
  CopyInts(subgraph->inputs(), out.mutable_inputs());
  CopyInts(subgraph->outputs(), out.mutable_outputs());
  if (const auto* ops = subgraph->operators()) {
    for (const tflite::Operator* op : *ops) {
      v1::InspectedOperator* entry = out.add_operators();
      auto name = OpName(model, op);
      if (!name.ok()) return name.status();
      entry->set_op(*std::move(name));
      CopyInts(op->inputs(), entry->mutable_inputs());
      CopyInts(op->outputs(), entry->mutable_outputs());
    }
  }
  if (const auto* tensors = subgraph->tensors()) {
    for (const tflite::Tensor* tensor : *tensors) {
      *out.add_tensors() = DescribeTensor(model, tensor);
    }
  }
  return out;
}

// The tensors of subgraph 0 that `indices` (its inputs or outputs: `what`)
// name, each index checked.
absl::Status AddModelTensors(const v1::InspectedSubgraph& main,
                             const google::protobuf::RepeatedField<int32_t>& indices,
                             absl::string_view what,
                             google::protobuf::RepeatedPtrField<v1::InspectedTensor>* to) {
  for (int index : indices) {
    if (index < 0 || index >= main.tensors_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "not a valid model: subgraph 0 names tensor ", index, " as an ", what,
          " but has ", main.tensors_size(), " tensors"));
    }
    *to->Add() = main.tensors(index);
  }
  return absl::OkStatus();
}

std::string MinRuntimeVersion(const tflite::Model* model) {
  if (model->metadata() == nullptr || model->buffers() == nullptr) return "";
  for (const tflite::Metadata* entry : *model->metadata()) {
    if (entry->name() == nullptr || entry->name()->str() != "min_runtime_version" ||
        entry->buffer() >= model->buffers()->size()) {
      continue;
    }
    const auto* data = model->buffers()->Get(entry->buffer())->data();
    if (data == nullptr) return "";
    // NUL-padded; a version is printable ASCII ("1.14.0"), anything else
    // shows as '?'.
    std::string version(data->begin(), std::find(data->begin(), data->end(), 0));
    for (char& c : version) {
      if (!absl::ascii_isprint(c)) c = '?';
    }
    return version;
  }
  return "";
}

absl::Status Summarize(const tflite::Model* model, v1::InspectResult& result) {
  v1::InspectSummary& summary = *result.mutable_summary();
  std::map<std::string, int> op_counts;
  std::map<std::string, v1::TypeBytes> by_type;
  std::set<uint32_t> counted_buffers;
  for (int s = 0; s < result.subgraphs_size(); ++s) {
    for (const v1::InspectedOperator& op : result.subgraphs(s).operators()) ++op_counts[op.op()];
    const auto* tensors = model->subgraphs()->Get(s)->tensors();
    for (int t = 0; t < result.subgraphs(s).tensors_size(); ++t) {
      const tflite::Tensor* tensor = tensors->Get(t);
      v1::TypeBytes& bytes = by_type[tflite::EnumNameTensorType(tensor->type())];
      bytes.set_tensors(bytes.tensors() + 1);
      const auto& shape = result.subgraphs(s).tensors(t).shape();
      const auto elements = BoundedNumElements(Dims(shape.begin(), shape.end()), INT64_MAX);
      if (elements) {
        bytes.set_tensor_bytes(SaturatingAdd(
            bytes.tensor_bytes(), SaturatingMul(*elements, TensorTypeSize(tensor->type()))));
      }
      const auto* data = DataOf(model, tensor);
      if (data != nullptr && counted_buffers.insert(tensor->buffer()).second) {
        bytes.set_weight_bytes(bytes.weight_bytes() + data->size());
      }
    }
  }
  std::vector<std::pair<std::string, int>> ops(op_counts.begin(), op_counts.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [op, count] : ops) {
    v1::OpCount* entry = summary.add_op_histogram();
    entry->set_op(op);
    entry->set_count(count);
  }
  for (auto& [type, bytes] : by_type) {
    bytes.set_type(type);
    *summary.add_bytes_by_type() = bytes;
  }
  std::stable_sort(summary.mutable_bytes_by_type()->begin(),
                   summary.mutable_bytes_by_type()->end(),
                   [](const v1::TypeBytes& a, const v1::TypeBytes& b) {
                     return a.tensor_bytes() > b.tensor_bytes();
                   });
  summary.set_min_runtime_version(MinRuntimeVersion(model));
  if (result.subgraphs().empty()) return absl::OkStatus();
  const v1::InspectedSubgraph& main = result.subgraphs(0);
  if (absl::Status s = AddModelTensors(main, main.inputs(), "input", summary.mutable_inputs());
      !s.ok()) {
    return s;
  }
  return AddModelTensors(main, main.outputs(), "output", summary.mutable_outputs());
}

// The shape, with -1 where a dim is known only at run time.
std::string ShapeText(const v1::InspectedTensor& tensor) {
  return absl::StrJoin(
      tensor.shape_signature_size() > 0 ? tensor.shape_signature() : tensor.shape(), ", ");
}

std::string TensorLine(const v1::InspectedTensor& tensor) {
  return absl::StrCat(tensor.name(), " ", tensor.type(), " [", ShapeText(tensor), "]");
}

std::string SummaryText(const v1::InspectResult& result) {
  const v1::InspectSummary& summary = result.summary();
  std::string out;
  if (!summary.min_runtime_version().empty()) {
    absl::StrAppend(&out, "min_runtime_version: ", summary.min_runtime_version(), "\n");
  }
  absl::StrAppend(&out, "subgraphs: ", result.subgraphs_size(), "\n");
  for (int s = 0; s < result.subgraphs_size(); ++s) {
    const v1::InspectedSubgraph& subgraph = result.subgraphs(s);
    absl::StrAppend(&out, "  #", s, " ", subgraph.name(), ": ", subgraph.tensors_size(),
                    " tensors, ", subgraph.operators_size(), " operators\n");
  }
  absl::StrAppend(&out, "inputs:\n");
  for (const v1::InspectedTensor& tensor : summary.inputs()) {
    absl::StrAppend(&out, "  ", TensorLine(tensor), "\n");
  }
  absl::StrAppend(&out, "outputs:\n");
  for (const v1::InspectedTensor& tensor : summary.outputs()) {
    absl::StrAppend(&out, "  ", TensorLine(tensor), "\n");
  }
  absl::StrAppend(&out, "operators (all subgraphs):\n");
  for (const v1::OpCount& op : summary.op_histogram()) {
    absl::StrAppend(&out, absl::StrFormat("  %-28s %6d\n", op.op(), op.count()));
  }
  absl::StrAppend(&out, absl::StrFormat("%-16s %7s %22s %22s\n", "tensors by dtype:", "count",
                                        "tensor bytes", "weight bytes"));
  auto bytes_column = [](uint64_t bytes) {
    return absl::StrCat(bytes, " (", HumanBytes(bytes), ")");
  };
  for (const v1::TypeBytes& bytes : summary.bytes_by_type()) {
    absl::StrAppend(&out, absl::StrFormat("  %-14s %7d %22s %22s\n", bytes.type(), bytes.tensors(),
                                          bytes_column(bytes.tensor_bytes()),
                                          bytes_column(bytes.weight_bytes())));
  }
  return out;
}

// As tf.lite.experimental.Analyzer lists a model.
std::string ListingText(const v1::InspectResult& result) {
  std::string out;
  for (int s = 0; s < result.subgraphs_size(); ++s) {
    const v1::InspectedSubgraph& subgraph = result.subgraphs(s);
    absl::StrAppend(&out, "\nSubgraph#", s, " ", subgraph.name(), "(T#",
                    absl::StrJoin(subgraph.inputs(), ", T#"), ") -> [T#",
                    absl::StrJoin(subgraph.outputs(), ", T#"), "]\n");
    for (int i = 0; i < subgraph.operators_size(); ++i) {
      const v1::InspectedOperator& op = subgraph.operators(i);
      absl::StrAppend(&out, "  Op#", i, " ", op.op(), "(T#", absl::StrJoin(op.inputs(), ", T#"),
                      ") -> [T#", absl::StrJoin(op.outputs(), ", T#"), "]\n");
    }
    absl::StrAppend(&out, "\nTensors of Subgraph#", s, "\n");
    for (int t = 0; t < subgraph.tensors_size(); ++t) {
      const v1::InspectedTensor& tensor = subgraph.tensors(t);
      absl::StrAppend(&out, "  T#", t, "(", tensor.name(), ") shape:[", ShapeText(tensor),
                      "], type:", tensor.type(),
                      tensor.buffer_bytes() ? absl::StrCat(" RO ", tensor.buffer_bytes(), " bytes")
                                            : "",
                      "\n");
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::InspectResult> ReadTfliteModel(absl::string_view bytes) {
  if (absl::Status s = VerifyTfliteModel(bytes); !s.ok()) return s;
  const tflite::Model* model = tflite::GetModel(bytes.data());
  v1::InspectResult result;
  result.set_version(model->version());
  result.set_description(Utf8(model->description()));
  if (const auto* subgraphs = model->subgraphs()) {
    for (const tflite::SubGraph* subgraph : *subgraphs) {
      auto read = ReadSubgraph(model, subgraph);
      if (!read.ok()) return read.status();
      *result.add_subgraphs() = *std::move(read);
    }
  }
  if (absl::Status s = Summarize(model, result); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::string> InspectModel(absl::string_view bytes, bool json) {
  auto result = ReadTfliteModel(bytes);
  if (!result.ok()) return result.status();
  if (json) return MessageToJson(*result);
  std::string text;
  if (!result->description().empty()) {
    absl::StrAppend(&text, "description: ", result->description(), "\n");
  }
  return absl::StrCat(text, SummaryText(*result), ListingText(*result));
}

}  // namespace tflconv::cli
