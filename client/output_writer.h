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

// Writes each artifact as soon as it arrives, under a temporary name, and
// gives it its name only once the whole conversion succeeded: memory holds
// one artifact at a time (local mode takes them from
// ConvertHooks::artifact_ready), and a conversion that fails after an
// artifact was written leaves no artifact behind.
class OutputWriter {
 public:
  explicit OutputWriter(OutputTarget target) : target_(std::move(target)) {}
  ~OutputWriter();  // removes whatever was staged and not committed
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // Writes `artifact` to "<its final path>.partial".
  absl::Status Stage(const Artifact& artifact);
  // With an OK status: renames the staged artifacts to their names. In
  // every case (with --output_dir): writes report.json. A failed
  // conversion's staged artifacts are removed.
  absl::Status Finish(const absl::Status& conversion, const v1::ConversionReport& report);

 private:
  std::string PathOf(const Artifact& artifact) const;
  absl::Status EnsureOutputDir() const;
  void RemoveStaged();

  OutputTarget target_;
  std::vector<std::string> staged_;  // final paths; the files carry ".partial"
};

absl::Status WriteFile(const std::string& path, absl::string_view bytes);
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_OUTPUT_WRITER_H_
