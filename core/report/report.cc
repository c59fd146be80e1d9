#include "core/report/report.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/lite/schema/tflite_schema_generated.h"
#include "google/protobuf/util/json_util.h"

namespace tflconv {

std::string HumanBytes(uint64_t bytes) {
  if (bytes >= (1ull << 20)) return absl::StrFormat("%.0fM", bytes / 1048576.0);
  if (bytes >= (1ull << 10)) return absl::StrFormat("%.0fK", bytes / 1024.0);
  return absl::StrCat(bytes, "B");
}

v1::SizeReport StartSizeReport(uint64_t input_bytes, const LiteModel& fp32) {
  v1::SizeReport report;
  report.set_input_graph_bytes(input_bytes);
  // The constants of every subgraph, each buffer once (a body may read the
  // main subgraph's weights).
  struct Constant {
    const LiteTensor* tensor;
    size_t bytes;
  };
  std::vector<Constant> constants;
  absl::flat_hash_set<int> buffers;
  for (int s = 0; s < fp32.subgraph_count(); ++s) {
    const LiteSubgraph& graph = fp32.subgraph(s);
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
      const LiteBuffer* buffer = fp32.buffer_of(graph, static_cast<int>(t));
      if (buffer != nullptr && buffers.insert(graph.tensors[t].buffer).second) {
        constants.push_back({&graph.tensors[t], buffer->size()});
      }
    }
  }
  std::stable_sort(constants.begin(), constants.end(),
                   [](const Constant& a, const Constant& b) { return a.bytes > b.bytes; });
  if (constants.size() > kLargestTensorsReported) constants.resize(kLargestTensorsReported);
  for (const Constant& constant : constants) {
    v1::TensorSize* entry = report.add_largest_tensors();
    entry->set_name(constant.tensor->name);
    entry->set_dtype(tflite::EnumNameTensorType(constant.tensor->type));
    for (int32_t d : constant.tensor->shape) entry->add_shape(d);
    entry->set_bytes(constant.bytes);
  }
  return report;
}

void AddArtifactSize(const Artifact& artifact, v1::SizeReport& report) {
  // Read back from the verified flatbuffer: the report describes what was
  // shipped, not an intermediate model.
  const tflite::Model* model = tflite::GetModel(artifact.bytes.data());
  v1::ArtifactSize* size = report.add_artifacts();
  size->set_kind(artifact.kind);
  size->set_file_name(artifact.file_name);
  size->set_bytes(artifact.bytes.size());
  uint64_t weights = 0;
  if (model->buffers()) {
    for (const tflite::Buffer* buffer : *model->buffers()) {
      if (buffer->data()) weights += buffer->data()->size();
    }
  }
  size->set_weight_bytes(weights);
  // WHILE and IF bodies are part of the model: count their operators too.
  int operators = 0, tensors = 0;
  for (const tflite::SubGraph* subgraph : *model->subgraphs()) {
    operators += subgraph->operators() ? subgraph->operators()->size() : 0;
    tensors += subgraph->tensors() ? subgraph->tensors()->size() : 0;
  }
  size->set_operators(operators);
  size->set_tensors(tensors);
  uint64_t fp32_bytes = 0, fp16_bytes = 0;
  for (const v1::ArtifactSize& a : report.artifacts()) {
    (a.kind() == v1::FP32 ? fp32_bytes : fp16_bytes) = a.bytes();
  }
  if (fp32_bytes > 0 && fp16_bytes > 0) {
    report.set_fp16_to_fp32_ratio(static_cast<double>(fp16_bytes) / fp32_bytes);
  }
}

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("printing ", message.GetTypeName(), " as JSON: ",
                                            status.message().ToString()));
  }
  return json;
}

std::string ReportToJson(const v1::ConversionReport& report) {
  return MessageToJson(report).value_or("");
}

std::string ReportSummary(const v1::ConversionReport& report) {
  std::string out;
  for (const v1::ArtifactSize& artifact : report.size().artifacts()) {
    absl::StrAppend(&out, absl::StrFormat("%6s %s\n", HumanBytes(artifact.bytes()),
                                          artifact.file_name()));
  }
  if (report.size().fp16_to_fp32_ratio() > 0) {
    absl::StrAppend(&out, absl::StrFormat("fp16/fp32 size ratio: %.3f\n",
                                          report.size().fp16_to_fp32_ratio()));
  }
  absl::StrAppend(&out, absl::StrFormat("\n%-28s %6s  %-11s %s\n", "TF op", "count",
                                        "disposition", "TFLite ops / warnings"));
  for (const v1::OpCoverage& op : report.coverage().ops()) {
    // What the model holds, then what the optimizer absorbed elsewhere.
    std::string became = absl::StrJoin(op.tflite_ops(), ",");
    if (!op.absorbed_into().empty()) {
      absl::StrAppend(&became, became.empty() ? "" : "; ", absl::StrJoin(op.absorbed_into(), ", "));
    }
    absl::StrAppend(&out, absl::StrFormat("%-28s %6d  %-11s %s\n", op.tf_op(), op.count(),
                                          v1::Disposition_Name(op.disposition()), became));
    for (const std::string& warning : op.warnings()) {
      absl::StrAppend(&out, absl::StrFormat("%-28s %6s  %-11s WARNING: %s\n", "", "", "", warning));
    }
  }
  return out;
}

}  // namespace tflconv
