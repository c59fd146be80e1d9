#include "proto/rpc/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace tflconv {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.size() > kMaxStatusMessageBytes) {
    const size_t cut = message.size() - kMaxStatusMessageBytes + 64;
    message.resize(kMaxStatusMessageBytes - 64);
    absl::StrAppend(&message, "... (", cut, " more bytes)");
  }
  // absl and gRPC share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace tflconv
