// Size report and the report's text and JSON forms.
#ifndef TFLCONV_CORE_REPORT_REPORT_H_
#define TFLCONV_CORE_REPORT_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/artifact.h"
#include "core/lite/lite_model.h"
#include "tflconv/v1/report.pb.h"

namespace tflconv {

inline constexpr int kLargestTensorsReported = 10;

// The part of the size report known before export: the input's bytes and
// the largest constant tensors of the fp32 model.
v1::SizeReport StartSizeReport(uint64_t input_bytes, const LiteModel& fp32);
// Adds an artifact's bytes, weight bytes and counts, read back from its
// verified flatbuffer, and the fp16/fp32 ratio once both are in.
void AddArtifactSize(const Artifact& artifact, v1::SizeReport& report);

// `message` as indented JSON (protobuf's JSON printer, field names as in
// the proto), as the report and `tflconv inspect --json` are written.
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

// The report as JSON ("" if it cannot be printed).
std::string ReportToJson(const v1::ConversionReport& report);

// A short human summary: a size table and the op-coverage table.
std::string ReportSummary(const v1::ConversionReport& report);

// "141M", "71M", "12K", "512B".
std::string HumanBytes(uint64_t bytes);

}  // namespace tflconv

#endif  // TFLCONV_CORE_REPORT_REPORT_H_
