#include "client/remote.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "client/progress.h"
#include "grpcpp/generic/generic_stub.h"
#include "proto/rpc/grpc_status.h"
#include "proto/rpc/pem.h"
#include "proto/rpc/sha256.h"
#include "proto/rpc/wire.h"
#include "tflconv/v1/converter.pb.h"

namespace tflconv::cli {
namespace {


struct Attempt {
  absl::Status status;
  // The server's "tflconv-retryable" trailer: absent when the call ended
  // without the server's verdict (the connection broke: it may have
  // crashed on this very graph, which must not travel to the next one).
  std::optional<bool> retryable;
};

// TFLite flatbuffers stay under 2 GiB; a larger announced size is an error
// rather than an allocation.
constexpr uint64_t kMaxArtifactBytes = 2ull << 30;

// One ConvertModel call: a callback reactor on raw byte buffers
// (proto/rpc/wire.h), so that graph chunks are copied once into gRPC slices
// and artifact data once out of them, never through protobuf strings.
// Uploads chunk after chunk from write reactions while read reactions take
// the responses; each artifact is hashed by a follower thread as it
// arrives and checked against its sha256 when the call is over, so no
// reaction waits for a digest.
class Call final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Call(absl::string_view graph, const v1::ConvertStart& start, const RemoteOptions& remote,
       absl::Time deadline, RemoteResult& out, ProgressBar& bar)
      : graph_(graph), start_(start), remote_(remote), out_(out), bar_(bar) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    if (!remote.auth_token.empty()) {
      context_.AddMetadata("authorization", "Bearer " + remote.auth_token);
    }
  }

  Attempt Run(grpc::GenericStub& stub) {
    out_.result.artifacts.clear();
    out_.has_report = false;
    stub.PrepareBidiStreamingCall(&context_, wire::kConvertModelMethod, grpc::StubOptions(),
                                  this);
    v1::ConvertRequest request;
    *request.mutable_start() = start_;
    write_ = wire::Serialize(request);
    StartWrite(&write_);
    StartRead(&read_);
    StartCall();
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_cv_.wait(lock, [&] { return done_; });
    }
    bar_.Done();
    Trace("finished");
    return Conclude();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return;  // the call is ending; its status says why
    if (sent_ == graph_.size()) {  // the start went first; an empty graph has no chunk
      StartWritesDone();
      Trace("upload sent");
      return;
    }
    const size_t size = std::min(remote_.chunk_bytes, graph_.size() - sent_);
    write_ = wire::GraphChunkMessage(graph_.substr(sent_, size));
    sent_ += size;
    bar_.Bytes("upload", sent_, graph_.size());
    StartWrite(&write_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the server ended the stream
    absl::Status handled = Handle();
    if (!handled.ok()) {
      protocol_ = handled;
      context_.TryCancel();
      return;
    }
    StartRead(&read_);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    done_cv_.notify_all();
  }

 private:
  struct Download {
    size_t index = 0;  // in out_.result.artifacts
    std::string file_name;
    std::shared_ptr<std::string> bytes;
    uint64_t expected_size = 0;
    std::string expected_sha;
    std::unique_ptr<Sha256Follower> hash;
  };

  // One response; an error is a protocol violation (DATA_LOSS).
  absl::Status Handle() {
    if (!received_.Reset(read_)) return absl::DataLossError("cannot read a response");
    v1::ArtifactChunk header;
    std::vector<absl::string_view> data;
    if (received_.ArtifactChunk(&header, &data)) return OnChunk(header, data);
    v1::ConvertResponse response;
    if (!received_.Parse(&response)) return absl::DataLossError("cannot parse a ConvertResponse");
    switch (response.payload_case()) {
      case v1::ConvertResponse::kAccepted:
        out_.job_id = response.accepted().job_id();
        Trace("accepted");
        if (response.accepted().queue_position() > 0) {
          bar_.Stage(absl::StrCat("queued at position ", response.accepted().queue_position()));
        }
        break;
      case v1::ConvertResponse::kProgress:
        if (remote_.trace) {
          Trace(absl::StrCat("progress ", response.progress().stage(), " ",
                             response.progress().fraction()));
        }
        if (response.progress().stage() != "upload") {
          bar_.Stage(absl::StrCat(response.progress().stage(), " ",
                                  static_cast<int>(response.progress().fraction() * 100), "%"));
        }
        break;
      case v1::ConvertResponse::kArtifact: {  // an encoding the fast path did not take
        std::string bytes = std::move(*response.mutable_artifact()->mutable_data());
        response.mutable_artifact()->clear_data();
        return OnChunk(response.artifact(), {bytes});
      }
      case v1::ConvertResponse::kReport:
        out_.result.report = std::move(*response.mutable_report());
        out_.has_report = true;
        Trace("report");
        break;
      default:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status OnChunk(const v1::ArtifactChunk& chunk, const std::vector<absl::string_view>& data) {
    if (!current_) {
      if (chunk.total_size() > kMaxArtifactBytes) {
        return absl::DataLossError(absl::StrCat("artifact ", chunk.file_name(), ": total_size ",
                                                chunk.total_size(), " is over 2 GiB"));
      }
      current_ = std::make_unique<Download>();
      current_->bytes = std::make_shared<std::string>();
      current_->bytes->reserve(chunk.total_size());  // never moves: the follower reads it
      current_->expected_size = chunk.total_size();
      current_->expected_sha = chunk.sha256();
      current_->hash = std::make_unique<Sha256Follower>();
      current_->index = out_.result.artifacts.size();
      current_->file_name = chunk.file_name();
      out_.result.artifacts.push_back({chunk.kind(), chunk.file_name(), {}, current_->bytes});
      Trace(absl::StrCat("artifact ", chunk.file_name(), " first"));
    }
    std::string& bytes = *current_->bytes;
    size_t size = 0;
    for (absl::string_view piece : data) size += piece.size();
    if (chunk.offset() != bytes.size() || chunk.file_name() != current_->file_name ||
        bytes.size() + size > current_->expected_size) {
      return absl::DataLossError(absl::StrCat("artifact ", chunk.file_name(), ": chunk out of order"));
    }
    // Every chunk carries the whole artifact's sha256 (read from the first;
    // a client may also rely on the last alone).
    if (chunk.sha256() != current_->expected_sha) {
      return absl::DataLossError(absl::StrCat("artifact ", chunk.file_name(),
                                              ": the chunks announce different sha256s"));
    }
    for (absl::string_view piece : data) bytes.append(piece.data(), piece.size());
    current_->hash->Advance(bytes.data(), bytes.size());
    bar_.Bytes("download", bytes.size(), current_->expected_size);
    if (chunk.last()) {
      if (bytes.size() != current_->expected_size) {
        return absl::DataLossError(absl::StrCat("artifact ", chunk.file_name(), ": got ",
                                                bytes.size(), " of ", current_->expected_size,
                                                " bytes"));
      }
      out_.result.artifacts[current_->index].bytes = bytes;
      Trace(absl::StrCat("artifact ", chunk.file_name(), " done"));
      downloads_.push_back(std::move(current_));
    }
    return absl::OkStatus();
  }

  // After OnDone: the call's outcome, artifacts checked against their sha256.
  Attempt Conclude() {
    Attempt attempt;
    const auto& trailers = context_.GetServerTrailingMetadata();
    auto it = trailers.find(kRetryableTrailer);
    if (it != trailers.end()) attempt.retryable = it->second == "true";
    attempt.status = protocol_.ok() ? FromGrpcStatus(status_) : protocol_;
    if (attempt.status.ok() && current_) {
      attempt.status = absl::DataLossError("the stream ended inside an artifact");
    }
    if (attempt.status.ok() && !out_.has_report) {
      attempt.status = absl::DataLossError("the server sent no report");
    }
    for (const auto& download : downloads_) {
      if (!attempt.status.ok()) break;
      if (download->hash->Finish() != download->expected_sha) {
        attempt.status = absl::DataLossError(
            absl::StrCat("artifact ", download->file_name, ": sha256 mismatch"));
      }
    }
    if (!attempt.status.ok()) out_.result.artifacts.clear();
    return attempt;
  }

  void Trace(absl::string_view event) {
    if (!remote_.trace) return;
    std::lock_guard<std::mutex> lock(trace_mu_);
    remote_.trace(event);
  }

  const absl::string_view graph_;
  const v1::ConvertStart& start_;
  const RemoteOptions& remote_;
  RemoteResult& out_;
  ProgressBar& bar_;
  grpc::ClientContext context_;
  // Write side (one write in flight).
  grpc::ByteBuffer write_;
  size_t sent_ = 0;  // graph bytes written
  // Read side (one read in flight).
  grpc::ByteBuffer read_;
  wire::Received received_;
  std::unique_ptr<Download> current_;  // the artifact being received
  std::vector<std::unique_ptr<Download>> downloads_;  // received in full
  absl::Status protocol_;
  // The end.
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  grpc::Status status_;
  std::mutex trace_mu_;
};

// The addresses of a gRPC target, for messages: "ipv4:a:1,b:2" -> "a:1, b:2".
std::string TargetList(absl::string_view target) {
  for (absl::string_view scheme : {"ipv4:", "ipv6:", "dns:///", "dns:", "unix:"}) {
    if (absl::ConsumePrefix(&target, scheme)) break;
  }
  return absl::StrJoin(absl::StrSplit(target, ','), ", ");
}

// After waiting `waited`, which `limit` ("--connect_timeout" or "what
// --timeout left") set.
absl::Status Unreachable(grpc::Channel& channel, const RemoteOptions& remote,
                         absl::Duration waited, absl::string_view limit) {
  const bool failing = channel.GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE;
  return absl::UnavailableError(absl::StrCat(
      "cannot reach the server (tried ", TargetList(remote.target), "): no connection within ",
      absl::FormatDuration(absl::Trunc(waited, absl::Milliseconds(1))), " (", limit, "); ",
      failing ? "connecting fails (refused, reset or no route)"
              : "connecting has not completed (no answer)"));
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
  grpc::GenericStub stub(channel);
  v1::ConvertStart start;
  *start.mutable_options() = options;
  start.set_graph_name(graph_name);
  start.set_graph_size(graph.size());
  start.set_graph_sha256(Sha256Hex(graph));
  if (remote.trace) remote.trace("hashed");
  ProgressBar bar(remote.show_progress);
  const absl::Time deadline = absl::Now() + remote.timeout;
  std::mt19937 random(std::random_device{}());
  absl::Duration backoff = absl::Milliseconds(100);
  for (;;) {
    ++out.attempts;
    const absl::Time now = absl::Now();
    const bool timeout_first = deadline < now + remote.connect_timeout;
    const absl::Time connect_by = timeout_first ? deadline : now + remote.connect_timeout;
    if (!channel->WaitForConnected(absl::ToChronoTime(connect_by))) {
      out.result.status =
          Unreachable(*channel, remote, connect_by - now,
                      timeout_first ? "what --timeout left" : "--connect_timeout");
      break;
    }
    Attempt attempt = Call(graph, start, remote, deadline, out, bar).Run(stub);
    out.result.status = attempt.status;
    if (!attempt.retryable && absl::IsUnavailable(attempt.status)) {
      out.result.status = absl::UnavailableError(absl::StrCat(
          attempt.status.message(), " (the call broke off without the server's verdict; the "
          "server may have crashed on this graph, so it is not retried on another)"));
    }
    // Only what the server marks retryable (busy, draining) is tried again.
    if (!attempt.retryable.value_or(false)) break;
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
