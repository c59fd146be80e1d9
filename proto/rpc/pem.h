// TLS material for the server and the client, read from PEM files named by
// flags.
#ifndef TFLCONV_PROTO_RPC_PEM_H_
#define TFLCONV_PROTO_RPC_PEM_H_

#include <string>

#include "absl/status/statusor.h"

namespace tflconv {

// The contents of `path`; INVALID_ARGUMENT naming `flag` when unreadable.
absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag);

}  // namespace tflconv

#endif  // TFLCONV_PROTO_RPC_PEM_H_
