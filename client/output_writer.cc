#include "client/output_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/report/report.h"

namespace tflconv::cli {

namespace {

constexpr char kPartialSuffix[] = ".partial";

absl::Status WriteTo(const std::string& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return absl::DataLossError(absl::StrCat("short write to ", path));
  return absl::OkStatus();
}

absl::Status RenameStaged(const std::string& path) {
  std::error_code error;
  std::filesystem::rename(path + kPartialSuffix, path, error);
  if (error) return absl::InternalError(absl::StrCat("cannot rename to ", path, ": ", error.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFile(const std::string& path, absl::string_view bytes) {
  // Written under a temporary name and renamed, so a failed write never
  // leaves a partial file under the final name.
  if (absl::Status s = WriteTo(path + kPartialSuffix, bytes); !s.ok()) return s;
  return RenameStaged(path);
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

OutputWriter::~OutputWriter() { RemoveStaged(); }

std::string OutputWriter::PathOf(const Artifact& artifact) const {
  if (!target_.output_file.empty()) return target_.output_file;
  return target_.output_dir + "/" + artifact.file_name;
}

absl::Status OutputWriter::EnsureOutputDir() const {
  if (target_.output_dir.empty()) return absl::OkStatus();
  std::error_code error;
  std::filesystem::create_directories(target_.output_dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", target_.output_dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status OutputWriter::Stage(const Artifact& artifact) {
  if (!target_.output_file.empty() && !staged_.empty()) {
    return absl::InternalError("--output_file takes exactly one artifact");
  }
  if (absl::Status s = EnsureOutputDir(); !s.ok()) return s;
  const std::string path = PathOf(artifact);
  staged_.push_back(path);
  return WriteTo(path + kPartialSuffix, artifact.bytes);
}

absl::Status OutputWriter::Finish(const absl::Status& conversion,
                                  const v1::ConversionReport& report) {
  if (conversion.ok()) {
    for (const std::string& path : staged_) {
      if (absl::Status s = RenameStaged(path); !s.ok()) return s;
    }
    staged_.clear();
  } else {
    RemoveStaged();
  }
  if (!target_.output_file.empty()) return absl::OkStatus();
  if (absl::Status s = EnsureOutputDir(); !s.ok()) return s;
  return WriteFile(target_.output_dir + "/report.json", ReportToJson(report));
}

void OutputWriter::RemoveStaged() {
  for (const std::string& path : staged_) {
    std::error_code ignored;
    std::filesystem::remove(path + kPartialSuffix, ignored);
  }
  staged_.clear();
}

}  // namespace tflconv::cli
