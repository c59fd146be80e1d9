#include "client/remote.h"

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/progress.h"
#include "server/grpc_status.h"
#include "server/pem.h"
#include "server/sha256.h"
#include "tflconv/v1/converter.grpc.pb.h"

namespace tflconv::cli {
namespace {


struct Attempt {
  absl::Status status;
  bool retryable_trailer = true;  // the server did not say "tflconv-retryable: false"
};

// One ConvertModel call: uploads on a second thread while this one reads.
Attempt Call(v1::Converter::Stub& stub, absl::string_view graph, const v1::ConvertStart& start,
             const RemoteOptions& remote, absl::Time deadline, RemoteResult& out,
             ProgressBar& bar) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  if (!remote.auth_token.empty()) {
    context.AddMetadata("authorization", "Bearer " + remote.auth_token);
  }
  auto stream = stub.ConvertModel(&context);
  std::thread writer([&] {
    v1::ConvertRequest request;
    *request.mutable_start() = start;
    if (!stream->Write(request)) return;
    for (size_t offset = 0; offset < graph.size(); offset += remote.chunk_bytes) {
      const size_t size = std::min(remote.chunk_bytes, graph.size() - offset);
      request.set_graph_chunk(graph.data() + offset, size);
      if (!stream->Write(request)) return;
      bar.Bytes("upload", offset + size, graph.size());
    }
    stream->WritesDone();
  });

  Attempt attempt;
  ConversionResult& result = out.result;
  result.artifacts.clear();
  out.has_report = false;
  v1::ConvertResponse response;
  Artifact* current = nullptr;
  std::string expected_sha;
  uint64_t expected_size = 0;
  Sha256 hash;
  std::shared_ptr<std::string> received;  // the artifact being downloaded
  absl::Status protocol;
  while (protocol.ok() && stream->Read(&response)) {
    switch (response.payload_case()) {
      case v1::ConvertResponse::kAccepted:
        out.job_id = response.accepted().job_id();
        if (response.accepted().queue_position() > 0) {
          bar.Stage(absl::StrCat("queued at position ", response.accepted().queue_position()));
        }
        break;
      case v1::ConvertResponse::kProgress:
        if (response.progress().stage() != "upload") {
          bar.Stage(absl::StrCat(response.progress().stage(), " ",
                                 static_cast<int>(response.progress().fraction() * 100), "%"));
        }
        break;
      case v1::ConvertResponse::kArtifact: {
        v1::ArtifactChunk& chunk = *response.mutable_artifact();
        if (current == nullptr) {
          received = std::make_shared<std::string>();
          received->reserve(chunk.total_size());
          result.artifacts.push_back({chunk.kind(), chunk.file_name(), {}, received});
          current = &result.artifacts.back();
          expected_sha = chunk.sha256();
          expected_size = chunk.total_size();
        }
        if (chunk.offset() != current->bytes.size() || chunk.file_name() != current->file_name ||
            current->bytes.size() + chunk.data().size() > expected_size) {
          protocol = absl::DataLossError(
              absl::StrCat("artifact ", chunk.file_name(), ": chunk out of order"));
          break;
        }
        received->append(chunk.data());
        current->bytes = *received;
        hash.Update(chunk.data());
        bar.Bytes("download", current->bytes.size(), expected_size);
        if (chunk.last()) {
          if (current->bytes.size() != expected_size) {
            protocol = absl::DataLossError(absl::StrCat("artifact ", current->file_name, ": got ",
                                                        current->bytes.size(), " of ",
                                                        expected_size, " bytes"));
          } else if (hash.HexDigest() != expected_sha) {
            protocol = absl::DataLossError(
                absl::StrCat("artifact ", current->file_name, ": sha256 mismatch"));
          }
          current = nullptr;
        }
        break;
      }
      case v1::ConvertResponse::kReport:
        result.report = std::move(*response.mutable_report());
        out.has_report = true;
        break;
      default:
        break;
    }
  }
  if (!protocol.ok()) context.TryCancel();
  writer.join();
  grpc::Status status = stream->Finish();
  bar.Done();
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kRetryableTrailer);
  if (it != trailers.end() && it->second == "false") attempt.retryable_trailer = false;
  attempt.status = protocol.ok() ? FromGrpcStatus(status) : protocol;
  if (attempt.status.ok() && current != nullptr) {
    attempt.status = absl::DataLossError("the stream ended inside an artifact");
  }
  if (attempt.status.ok() && !out.has_report) {
    attempt.status = absl::DataLossError("the server sent no report");
  }
  if (!attempt.status.ok()) result.artifacts.clear();
  return attempt;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const RemoteOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.plaintext) {
    if (!options.tls_ca_file.empty() || !options.tls_cert_file.empty()) {
      return absl::InvalidArgumentError("--plaintext contradicts the --tls_* flags");
    }
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      auto ca = ReadPem(options.tls_ca_file, "--tls_ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    }
    if (!options.tls_cert_file.empty()) {
      auto cert = ReadPem(options.tls_cert_file, "--tls_cert");
      if (!cert.ok()) return cert.status();
      auto key = ReadPem(options.tls_key_file, "--tls_key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

RemoteResult ConvertRemote(const std::shared_ptr<grpc::Channel>& channel,
                           absl::string_view graph, const std::string& graph_name,
                           const v1::ConversionOptions& options, const RemoteOptions& remote) {
  RemoteResult out;
  v1::Converter::Stub stub(channel);
  v1::ConvertStart start;
  *start.mutable_options() = options;
  start.set_graph_name(graph_name);
  start.set_graph_size(graph.size());
  start.set_graph_sha256(Sha256Hex(graph));
  ProgressBar bar(remote.show_progress);
  const absl::Time deadline = absl::Now() + remote.timeout;
  std::mt19937 random(std::random_device{}());
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    ++out.attempts;
    Attempt attempt = Call(stub, graph, start, remote, deadline, out, bar);
    out.result.status = attempt.status;
    const bool retryable =
        absl::IsUnavailable(attempt.status) ||
        (absl::IsResourceExhausted(attempt.status) && attempt.retryable_trailer);
    if (!retryable) break;
    // Full jitter: sleep a random part of the backoff, which doubles.
    const absl::Duration sleep =
        backoff * std::uniform_real_distribution<double>(0.5, 1.0)(random);
    if (absl::Now() + sleep >= deadline) break;
    absl::SleepFor(sleep);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
  return out;
}

}  // namespace tflconv::cli
