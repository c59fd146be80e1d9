// The one mapping between absl::Status (the service's errors) and
// grpc::Status (the wire), both ways, with message truncation.
#ifndef TFLCONV_PROTO_RPC_GRPC_STATUS_H_
#define TFLCONV_PROTO_RPC_GRPC_STATUS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace tflconv {

// Status messages travel in a trailer; longer ones (a long list of
// unsupported ops) are cut here with a note.
inline constexpr size_t kMaxStatusMessageBytes = 4096;

// Trailing-metadata key the server sets to "false" on RESOURCE_EXHAUSTED
// errors that retrying cannot fix (graph over max_graph_bytes, ...).
inline constexpr char kRetryableTrailer[] = "tflconv-retryable";

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace tflconv

#endif  // TFLCONV_PROTO_RPC_GRPC_STATUS_H_
