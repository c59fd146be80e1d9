// Writes a conversion's files: DIR/model_fp32.tflite, DIR/model_fp16.tflite
// and DIR/report.json (or one artifact to --output_file). Local and remote
// modes both write through here, so their files are byte-identical.
#ifndef TFLCONV_CLIENT_OUTPUT_WRITER_H_
#define TFLCONV_CLIENT_OUTPUT_WRITER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/convert.h"

namespace tflconv::cli {

struct OutputTarget {
  std::string output_dir;   // --output_dir
  std::string output_file;  // --output_file (tflite_convert style, one artifact)
};

absl::Status WriteOutputs(const OutputTarget& target, const std::vector<Artifact>& artifacts,
                          const v1::ConversionReport& report);

absl::Status WriteFile(const std::string& path, absl::string_view bytes);
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_OUTPUT_WRITER_H_
