// `tflconv inspect MODEL.tflite [--json]`: what tf.lite.experimental.Analyzer
// shows: subgraphs, operators with their inputs and outputs, tensors with
// dtype, shape and buffer bytes.
#ifndef TFLCONV_CLIENT_INSPECT_H_
#define TFLCONV_CLIENT_INSPECT_H_

#include <string>

#include "absl/status/statusor.h"

namespace tflconv::cli {

// Verifies `bytes` first; a model that fails the Verifier is an error.
absl::StatusOr<std::string> InspectModel(absl::string_view bytes, bool json);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_INSPECT_H_
