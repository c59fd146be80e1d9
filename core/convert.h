// The converter's one entry point: a frozen TensorFlow GraphDef (binary or
// text) in, verified TFLite flatbuffers and reports out. The CLI's local
// mode, the server's workers and the tests all call Convert().
#ifndef TFLCONV_CORE_CONVERT_H_
#define TFLCONV_CORE_CONVERT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/artifact.h"
#include "tflconv/v1/options.pb.h"
#include "tflconv/v1/report.pb.h"

namespace tflconv {

// Stages reported to ConvertHooks::progress, in order.
inline constexpr char kStageParse[] = "parse";
inline constexpr char kStageOptimize[] = "optimize";
inline constexpr char kStageLegalize[] = "legalize";
inline constexpr char kStageExportFp32[] = "export_fp32";
inline constexpr char kStageExportFp16[] = "export_fp16";

struct ConvertHooks {
  // Called when a stage starts (fraction 0) and ends (fraction 1).
  std::function<void(absl::string_view stage, double fraction)> progress;
  // Polled between stages and while artifacts are written; returning true
  // stops the conversion with CANCELLED.
  std::function<bool()> cancelled;
  // When set, each artifact is handed over as soon as it is exported and
  // verified (fp32 first) instead of being returned in
  // ConversionResult::artifacts: a caller streams or writes one while the
  // next is built, and memory holds one artifact at a time. A later error
  // still fails the conversion, so callers treat what they were handed as
  // valid only once Convert() returns OK. An error returned here stops the
  // conversion with it.
  std::function<absl::Status(Artifact artifact)> artifact_ready;
  // When set, the memory artifacts are built in (see ArtifactAllocator).
  ArtifactAllocator artifact_memory;
};

struct ConversionResult {
  // OK, or INVALID_ARGUMENT (bad graph or options; names the node, field or
  // array), RESOURCE_EXHAUSTED (over a limit; names it), FAILED_PRECONDITION
  // (ops unsupported under the chosen op sets; lists them all), CANCELLED.
  absl::Status status;
  // Empty unless status is OK and no artifact_ready hook took them.
  std::vector<Artifact> artifacts;
  // Filled as far as the conversion got, also on failure.
  v1::ConversionReport report;
};

ConversionResult Convert(absl::string_view graph_bytes,
                         const v1::ConversionOptions& options,
                         const ConvertHooks& hooks = {});

}  // namespace tflconv

#endif  // TFLCONV_CORE_CONVERT_H_
