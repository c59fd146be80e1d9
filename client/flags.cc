#include "client/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tflconv::cli {

absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, int first,
                                     const std::set<std::string>& known) {
  ParsedArgs args;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--")) {
      args.positional.push_back(arg);
      continue;
    }
    arg = arg.substr(2);
    const size_t eq = arg.find('=');
    std::string name = eq == std::string::npos ? arg : arg.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (known.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    args.values[name] = value;
  }
  return args;
}

}  // namespace tflconv::cli
