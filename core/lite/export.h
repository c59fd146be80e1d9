// Serializes a LiteModel to a TFLite flatbuffer and verifies it.
#ifndef TFLCONV_CORE_LITE_EXPORT_H_
#define TFLCONV_CORE_LITE_EXPORT_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/artifact.h"
#include "core/lite/lite_model.h"

namespace tflconv {

struct ExportOptions {
  // Threads writing the constant buffers (0: one per core, at most 4).
  int threads = 0;
  // Polled between buffers; true stops the export with CANCELLED.
  std::function<bool()> cancelled;
  // Where the flatbuffer is built (null: the heap).
  ArtifactAllocator allocate;
};

// A finished flatbuffer: `bytes` lies inside `storage`.
struct SerializedModel {
  absl::string_view bytes;
  std::shared_ptr<const void> storage;
};

// The flatbuffer for `model`: every subgraph in order (the main one first),
// operator codes with the versions assigned by AssignOpVersions(),
// identical constant buffers stored once across subgraphs, a
// "serving_default" signature of the main subgraph, "min_runtime_version" metadata and a
// description naming tflconv. The metadata is laid out first, then the
// buffers' pending transforms are written straight into their place, on
// several threads. Fails (INTERNAL) if the result does not pass the
// flatbuffers Verifier, so no unverified artifact leaves the core.
absl::StatusOr<SerializedModel> ExportModel(const LiteModel& model,
                                            const ExportOptions& options = {});

// Runs the flatbuffers Verifier for the TFLite schema over `bytes`.
absl::Status VerifyTfliteModel(absl::string_view bytes);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_EXPORT_H_
