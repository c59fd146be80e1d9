// `tflconv inspect MODEL.tflite [--json]`: a summary (subgraphs, operator
// histogram, tensor and weight bytes per dtype, the model's inputs and
// outputs, min_runtime_version), then what tf.lite.experimental.Analyzer
// shows: every subgraph's operators with their inputs and outputs, tensors
// with dtype, shape and buffer bytes. Models come from anywhere: every index
// the flatbuffers Verifier does not check is checked before use.
#ifndef TFLCONV_CLIENT_INSPECT_H_
#define TFLCONV_CLIENT_INSPECT_H_

#include <string>

#include "absl/status/statusor.h"
#include "tflconv/v1/inspect.pb.h"

namespace tflconv::cli {

// Verifies `bytes` first; a model that fails the Verifier is an error.
absl::StatusOr<v1::InspectResult> ReadTfliteModel(absl::string_view bytes);

// The result as text, or as JSON (protobuf's JSON printer).
absl::StatusOr<std::string> InspectModel(absl::string_view bytes, bool json);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_INSPECT_H_
