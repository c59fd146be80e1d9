// The CLI's remote mode: converts through a tflconv server's ConvertModel
// RPC and returns what a local Convert() returns (artifacts verified
// against their sha256, the report), so both modes write the same files.
// Retries, with backoff under an overall timeout, only what the server
// marks retryable (the "tflconv-retryable: true" trailer: busy, draining),
// never a call that broke off without the server's verdict (the server may
// have crashed on the graph); fails after connect_timeout when no target
// can be reached. Targets may list several servers, balanced round-robin.
#ifndef TFLCONV_CLIENT_REMOTE_H_
#define TFLCONV_CLIENT_REMOTE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/convert.h"
#include "grpcpp/grpcpp.h"

namespace tflconv::cli {

struct RemoteOptions {
  // gRPC target: "host:port", "ipv4:127.0.0.1:5001,127.0.0.1:5002",
  // "dns:///name:port".
  std::string target;
  bool plaintext = false;
  std::string tls_ca_file;      // verifies the server; empty: system roots
  std::string tls_cert_file;    // client certificate (mutual TLS)
  std::string tls_key_file;
  std::string tls_server_name;  // overrides the name checked in the server cert
  std::string auth_token;       // sent as "authorization: Bearer <token>"
  absl::Duration timeout = absl::Minutes(10);  // overall, retries included
  // How long each attempt waits for a connection to some target.
  absl::Duration connect_timeout = absl::Seconds(10);
  size_t chunk_bytes = 1 << 20;
  bool show_progress = false;
  // Called with what happens during a call ("hashed", "accepted",
  // "upload sent", "progress <stage> <fraction>", "artifact <file> first",
  // "artifact <file> done", "report", "finished"), one call at a time, from
  // gRPC's threads as well; for benchmarks' timelines and tests. Optional;
  // it must not block for long (reads wait for it).
  std::function<void(absl::string_view event)> trace;
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const RemoteOptions& options);

struct RemoteResult {
  // As from Convert(); status also carries transport errors.
  ConversionResult result;
  bool has_report = false;  // the server sent a report
  std::string job_id;
  int attempts = 0;
};

RemoteResult ConvertRemote(const std::shared_ptr<grpc::Channel>& channel,
                           absl::string_view graph, const std::string& graph_name,
                           const v1::ConversionOptions& options, const RemoteOptions& remote);

}  // namespace tflconv::cli

#endif  // TFLCONV_CLIENT_REMOTE_H_
