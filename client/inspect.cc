#include "client/inspect.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/lite/export.h"
#include "core/lite/schema/tflite_schema_generated.h"

namespace tflconv::cli {
namespace {

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

template <typename T>
std::vector<T> ToVector(const flatbuffers::Vector<T>* v) {
  return v ? std::vector<T>(v->begin(), v->end()) : std::vector<T>{};
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
    return code->custom_code()->str();
  }
  return tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(builtin));
}

}  // namespace

absl::StatusOr<std::string> InspectModel(absl::string_view bytes, bool json) {
  if (absl::Status s = VerifyTfliteModel(bytes); !s.ok()) return s;
  const tflite::Model* model = tflite::GetModel(bytes.data());
  std::string text, js = "{\"version\":" + std::to_string(model->version());
  if (model->description()) {
    absl::StrAppend(&text, "description: ", model->description()->str(), "\n");
    absl::StrAppend(&js, ",\"description\":", JsonString(model->description()->str()));
  }
  absl::StrAppend(&js, ",\"subgraphs\":[");
  const auto* subgraphs = model->subgraphs();
  for (size_t s = 0; subgraphs && s < subgraphs->size(); ++s) {
    const tflite::SubGraph* subgraph = subgraphs->Get(s);
    const auto inputs = ToVector(subgraph->inputs());
    const auto outputs = ToVector(subgraph->outputs());
    absl::StrAppend(&text, "Subgraph#", s, " ", subgraph->name() ? subgraph->name()->str() : "",
                    "(T#", absl::StrJoin(inputs, ", T#"), ") -> [T#",
                    absl::StrJoin(outputs, ", T#"), "]\n");
    absl::StrAppend(&js, s ? "," : "", "{\"inputs\":[", absl::StrJoin(inputs, ","),
                    "],\"outputs\":[", absl::StrJoin(outputs, ","), "],\"operators\":[");
    const auto* ops = subgraph->operators();
    for (size_t i = 0; ops && i < ops->size(); ++i) {
      const tflite::Operator* op = ops->Get(i);
      const auto op_inputs = ToVector(op->inputs());
      const auto op_outputs = ToVector(op->outputs());
      auto name_or = OpName(model, op);
      if (!name_or.ok()) return name_or.status();
      const std::string& name = *name_or;
      absl::StrAppend(&text, "  Op#", i, " ", name, "(T#", absl::StrJoin(op_inputs, ", T#"),
                      ") -> [T#", absl::StrJoin(op_outputs, ", T#"), "]\n");
      absl::StrAppend(&js, i ? "," : "", "{\"op\":", JsonString(name), ",\"inputs\":[",
                      absl::StrJoin(op_inputs, ","), "],\"outputs\":[",
                      absl::StrJoin(op_outputs, ","), "]}");
    }
    absl::StrAppend(&text, "\nTensors of Subgraph#", s, "\n");
    absl::StrAppend(&js, "],\"tensors\":[");
    const auto* tensors = subgraph->tensors();
    for (size_t t = 0; tensors && t < tensors->size(); ++t) {
      const tflite::Tensor* tensor = tensors->Get(t);
      const auto shape = ToVector(tensor->shape());
      size_t buffer_bytes = 0;
      const auto* buffers = model->buffers();
      if (buffers && tensor->buffer() < buffers->size()) {
        const tflite::Buffer* buffer = buffers->Get(tensor->buffer());
        if (buffer->data()) buffer_bytes = buffer->data()->size();
      }
      const std::string name = tensor->name() ? tensor->name()->str() : "";
      const char* type = tflite::EnumNameTensorType(tensor->type());
      absl::StrAppend(&text, "  T#", t, "(", name, ") shape:[", absl::StrJoin(shape, ", "),
                      "], type:", type,
                      buffer_bytes ? absl::StrCat(" RO ", buffer_bytes, " bytes") : "", "\n");
      absl::StrAppend(&js, t ? "," : "", "{\"name\":", JsonString(name), ",\"type\":\"", type,
                      "\",\"shape\":[", absl::StrJoin(shape, ","), "],\"buffer_bytes\":",
                      buffer_bytes, "}");
    }
    absl::StrAppend(&js, "]}");
  }
  absl::StrAppend(&js, "]}\n");
  return json ? js : text;
}

}  // namespace tflconv::cli
