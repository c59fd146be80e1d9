#include "client/output_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/report/report.h"

namespace tflconv::cli {

absl::Status WriteFile(const std::string& path, absl::string_view bytes) {
  // Write to a temporary name and rename, so a failed write never leaves a
  // partial artifact under the final name.
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", temporary, ": ", std::strerror(errno)));
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return absl::DataLossError(absl::StrCat("short write to ", temporary));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::InternalError(absl::StrCat("cannot rename to ", path, ": ", error.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  std::string bytes;
  in.seekg(0, std::ios::end);
  bytes.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return bytes;
}

absl::Status WriteOutputs(const OutputTarget& target, const std::vector<Artifact>& artifacts,
                          const v1::ConversionReport& report) {
  if (!target.output_file.empty()) {
    if (artifacts.size() != 1) {
      return absl::InternalError("--output_file takes exactly one artifact");
    }
    return WriteFile(target.output_file, artifacts[0].bytes);
  }
  std::error_code error;
  std::filesystem::create_directories(target.output_dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", target.output_dir, ": ", error.message()));
  }
  for (const Artifact& artifact : artifacts) {
    if (absl::Status s = WriteFile(target.output_dir + "/" + artifact.file_name, artifact.bytes);
        !s.ok()) {
      return s;
    }
  }
  return WriteFile(target.output_dir + "/report.json", ReportToJson(report));
}

}  // namespace tflconv::cli
