#include "proto/rpc/pem.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace tflconv {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tflconv
