// A small "--name=value" / "--name" command-line parser for the tflconv
// subcommands; unknown flags are usage errors.
#ifndef TFLCONV_CLIENT_FLAGS_H_
#define TFLCONV_CLIENT_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tflconv::cli {

struct ParsedArgs {
  std::map<std::string, std::string> values;  // "--a=b" -> a:b, "--a" -> a:""
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return values.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, int first,
                                     const std::set<std::string>& known);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_FLAGS_H_
