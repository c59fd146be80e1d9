// Serializes a LiteModel to a TFLite flatbuffer and verifies it.
#ifndef TFLCONV_CORE_LITE_EXPORT_H_
#define TFLCONV_CORE_LITE_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/lite/lite_model.h"

namespace tflconv {

// The flatbuffer for `model`: operator codes with the versions assigned by
// AssignOpVersions(), identical constant buffers stored once, a
// "serving_default" signature, "min_runtime_version" metadata and a
// description naming tflconv. Fails (INTERNAL) if the result does not pass
// the flatbuffers Verifier, so no unverified artifact leaves the core.
absl::StatusOr<std::string> ExportModel(const LiteModel& model);

// Runs the flatbuffers Verifier for the TFLite schema over `bytes`.
absl::Status VerifyTfliteModel(absl::string_view bytes);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_EXPORT_H_
