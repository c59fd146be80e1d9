// tflconv-server's flags: "--name=value" (or "--name" for booleans), each
// also settable from the environment as TFLCONV_<NAME> (for Kubernetes).
// Precedence: command line, then environment, then the default.
#ifndef TFLCONV_SERVER_FLAGS_H_
#define TFLCONV_SERVER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/server.h"

namespace tflconv::server {

struct ServerFlags {
  Server::Options options;
  bool help = false;
};

// Parses argv and the environment; errors name the flag (or variable).
absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv);

// The --help text: every flag, its variable, default and meaning.
std::string ServerFlagsHelp();

// "123", "64K", "512M", "4G" (binary multiples).
absl::StatusOr<uint64_t> ParseBytes(const std::string& text);

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_FLAGS_H_
