#include "server/convert_reactor.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "server/grpc_status.h"
#include "server/metrics.h"
#include "server/wire.h"

namespace tflconv::server {
namespace {

using Reactor = grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>;

// Upload progress is reported every 1/kUploadSteps of the graph.
constexpr int kUploadSteps = 20;

bool TokenMatches(grpc::CallbackServerContext* context, const std::string& token) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return false;
  const std::string expected = "Bearer " + token;
  const grpc::string_ref& got = it->second;
  return got.size() == expected.size() &&
         CRYPTO_memcmp(got.data(), expected.data(), expected.size()) == 0;
}

absl::Time DeadlineOf(grpc::CallbackServerContext* context) {
  const auto deadline = context->deadline();
  const auto now = std::chrono::system_clock::now();
  if (deadline > now + std::chrono::hours(24 * 365)) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

// The call's write side, shared with the job (whose listener it is) so that
// worker threads can outlive the reactor safely. Every decision to write,
// read or finish is taken under mu_, and the gRPC call made after it is
// released: Finish happens once, with no write or read in flight, and
// nothing touches the reactor after that.
class Stream final : public JobListener {
 public:
  Stream(Reactor* reactor, grpc::CallbackServerContext* context, size_t chunk_bytes)
      : reactor_(reactor), context_(context), chunk_bytes_(chunk_bytes) {}

  void OnProgress(absl::string_view stage, double fraction) override {
    v1::ConvertResponse response;
    response.mutable_progress()->set_stage(std::string(stage));
    response.mutable_progress()->set_fraction(fraction);
    Push(std::move(response));
  }

  // Streamed at once (after any pending progress), while the job goes on.
  void OnArtifact(ArtifactOut artifact) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_called_ || cancelled_) return;  // dropped: freed here
      artifacts_.push_back(std::move(artifact));
    }
    Pump();
  }

  void OnFinished(JobOutcome outcome) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!final_status_) final_status_ = outcome.status;
      // A failed job's artifacts are not valid: stop streaming them (the
      // client drops what it got) and free them.
      if (!outcome.status.ok()) {
        artifacts_.clear();
        offset_ = 0;
      }
      graph_sha256_ = outcome.graph_sha256;
      outcome_ = std::move(outcome);
    }
    Pump();
  }

  void Push(v1::ConvertResponse response) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_called_) return;
      // A progress message replaces a pending one of the same stage.
      if (response.has_progress() && !pending_.empty() && pending_.back().has_progress() &&
          pending_.back().progress().stage() == response.progress().stage()) {
        pending_.back() = std::move(response);
      } else {
        pending_.push_back(std::move(response));
      }
    }
    Pump();
  }

  // Ends the call with `status` once the pending messages are out (no
  // report: for errors before a job exists).
  void Fail(absl::Status status, std::optional<bool> retryable = std::nullopt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!final_status_) {
        final_status_ = std::move(status);
        retryable_ = retryable;
      }
    }
    Pump();
  }

  void Cancelled(absl::Status reason) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      cancel_reason_ = std::move(reason);
      artifacts_.clear();  // nobody to send them to
      offset_ = 0;
    }
    Pump();
  }

  // The reactor asks before each StartRead; false once finishing.
  bool BeginRead() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_called_ || final_status_ || cancelled_) return false;
    reading_ = true;
    return true;
  }
  // After a read reaction, which may have started the next read.
  void EndRead() { Pump(); }
  void ReadDone() {
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
  }

  void WriteDone(bool ok) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (!ok && !cancelled_) {
        cancelled_ = true;
        cancel_reason_ = absl::CancelledError("the client went away");
        artifacts_.clear();
        offset_ = 0;
      }
      if (ok) bytes_out_ += current_artifact_bytes_;
      current_artifact_bytes_ = 0;
      current_.Clear();  // drops the in-flight chunk's hold on its artifact
    }
    Pump();
  }

  void Pump() {
    const grpc::ByteBuffer* write = nullptr;
    std::optional<grpc::Status> finish;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (writing_ || finish_called_) return;
      if (cancelled_) {
        if (reading_) return;
        finish_status_ = cancel_reason_;
        finish = ToGrpcStatus(cancel_reason_);
      } else if (!pending_.empty()) {
        current_ = wire::Serialize(pending_.front());
        pending_.pop_front();
        write = &current_;
      } else if (NextResultLocked()) {
        write = &current_;
      } else if (final_status_ && !reading_) {
        finish_status_ = *final_status_;
        finish = ToGrpcStatus(*final_status_);
        if (retryable_) {
          context_->AddTrailingMetadata(kRetryableTrailer, *retryable_ ? "true" : "false");
        }
      }
      if (write) writing_ = true;
      if (finish) finish_called_ = true;
    }
    if (write) reactor_->StartWrite(write);
    if (finish) reactor_->Finish(*finish);
  }

  // For the log line, after OnDone.
  absl::Status finish_status() const { return finish_status_; }
  uint64_t bytes_out() const { return bytes_out_; }
  std::string graph_sha256() const { return graph_sha256_; }

 private:
  // Into current_: the next artifact chunk, or once the job is over and
  // every artifact is out, the report. A chunk's data is a slice of the
  // artifact (no copy) that holds it until gRPC has sent it; the artifact
  // itself is let go with its last chunk, so its memory goes when that is
  // sent.
  bool NextResultLocked() {
    if (!artifacts_.empty()) {
      ArtifactOut& out = artifacts_.front();
      const absl::string_view bytes = out.artifact.bytes;
      const size_t size = std::min(chunk_bytes_, bytes.size() - offset_);
      const bool last = offset_ + size == bytes.size();
      v1::ArtifactChunk header;
      header.set_kind(out.artifact.kind);
      header.set_file_name(out.artifact.file_name);
      header.set_total_size(bytes.size());
      header.set_sha256(out.sha256);
      header.set_offset(offset_);
      header.set_last(last);
      current_ = wire::ArtifactChunkMessage(header, bytes.substr(offset_, size),
                                            out.artifact.storage);
      current_artifact_bytes_ = size;
      offset_ += size;
      if (header.last()) {
        artifacts_.pop_front();
        offset_ = 0;
      }
      return true;
    }
    if (outcome_ && outcome_->has_report && !report_sent_) {
      report_sent_ = true;
      v1::ConvertResponse response;
      *response.mutable_report() = std::move(outcome_->report);
      current_ = wire::Serialize(response);
      return true;
    }
    return false;
  }

  Reactor* const reactor_;
  grpc::CallbackServerContext* const context_;
  const size_t chunk_bytes_;
  std::mutex mu_;
  std::deque<v1::ConvertResponse> pending_;  // small messages, sent first
  grpc::ByteBuffer current_;                 // the write in flight
  size_t current_artifact_bytes_ = 0;        // artifact data in it
  std::deque<ArtifactOut> artifacts_;        // handed over, not yet sent
  size_t offset_ = 0;                        // into artifacts_.front()
  std::optional<JobOutcome> outcome_;
  bool report_sent_ = false;
  bool writing_ = false;
  bool reading_ = false;
  bool cancelled_ = false;
  absl::Status cancel_reason_;
  bool finish_called_ = false;
  std::optional<absl::Status> final_status_;
  std::optional<bool> retryable_;
  absl::Status finish_status_;
  uint64_t bytes_out_ = 0;
  std::string graph_sha256_;
};

class ConvertCall final : public Reactor {
 public:
  ConvertCall(grpc::CallbackServerContext* context, ConversionService* service, Metrics* metrics,
              const ConverterCallbackService::Options& options)
      : context_(context),
        service_(service),
        metrics_(metrics),
        stream_(std::make_shared<Stream>(this, context, options.response_chunk_bytes)),
        started_(absl::Now()),
        peer_(context->peer()) {
    if (!options.auth_token.empty() && !TokenMatches(context, options.auth_token)) {
      stream_->Fail(absl::UnauthenticatedError("missing or wrong bearer token"));
      return;
    }
    Read();
  }

  void OnReadDone(bool ok) override {
    HandleRead(ok);
    stream_->EndRead();  // finishes the call if nothing else is left to do
  }

  void HandleRead(bool ok) {
    stream_->ReadDone();
    if (!ok) {  // the client half-closed (or the call is over)
      if (job_) {
        (void)job_->EndUpload();  // an incomplete upload finishes the job with an error
      } else {
        stream_->Fail(absl::InvalidArgumentError("the request stream ended before a start"));
      }
      return;
    }
    if (!received_.Reset(request_)) {
      Abort(absl::InternalError("cannot read the request's bytes"));
      return;
    }
    if (!job_) return Admit();
    // The common case without protobuf: a graph chunk, appended from the
    // receive slices.
    std::vector<absl::string_view> pieces;
    if (!received_.GraphChunk(&pieces)) {
      v1::ConvertRequest request;
      if (!received_.Parse(&request)) {
        job_->Cancel(absl::InvalidArgumentError("cannot parse a ConvertRequest"));
        return;
      }
      if (!request.has_graph_chunk()) {
        job_->Cancel(absl::InvalidArgumentError("only the first request may carry start"));
        return;
      }
      received_chunk_ = std::move(*request.mutable_graph_chunk());
      pieces = {received_chunk_};
    }
    const uint64_t before = job_->received();
    const absl::Status added = job_->AddChunk(pieces);
    received_.Clear();
    received_chunk_.clear();
    if (!added.ok()) return;  // the job finished with it
    const uint64_t size = job_->graph_size();
    const uint64_t step = std::max<uint64_t>(1, size / kUploadSteps);
    if (job_->upload_complete() || before / step != job_->received() / step) {
      v1::ConvertResponse progress;
      progress.mutable_progress()->set_stage("upload");
      progress.mutable_progress()->set_fraction(static_cast<double>(job_->received()) / size);
      stream_->Push(std::move(progress));
    }
    if (!job_->upload_complete()) Read();
  }

  void OnWriteDone(bool ok) override { stream_->WriteDone(ok); }

  void OnCancel() override {
    std::shared_ptr<Job> job;
    {
      std::lock_guard<std::mutex> lock(job_mu_);
      job = job_;
    }
    absl::Status reason = absl::Now() >= DeadlineOf(context_)
                              ? absl::DeadlineExceededError("the call's deadline passed")
                              : absl::CancelledError("cancelled by the client");
    if (job) job->Cancel(reason);
    stream_->Cancelled(reason);
  }

  void OnDone() override {
    absl::Status status = stream_->finish_status();
    if (metrics_) {
      metrics_->RequestFinished(status.code());
      metrics_->AddBytesOut(stream_->bytes_out());
    }
    LogLine(status);
    if (job_) job_->Release();
    delete this;
  }

 private:
  void Read() {
    if (stream_->BeginRead()) StartRead(&request_);
  }

  void Abort(absl::Status status) {
    if (job_) {
      job_->Cancel(std::move(status));
    } else {
      stream_->Fail(std::move(status));
    }
  }

  void Admit() {
    v1::ConvertRequest request;
    if (!received_.Parse(&request)) {
      stream_->Fail(absl::InvalidArgumentError("cannot parse the first ConvertRequest"));
      return;
    }
    if (!request.has_start()) {
      stream_->Fail(absl::InvalidArgumentError("the first request must carry start"));
      return;
    }
    start_ = std::move(*request.mutable_start());
    bool retryable = false;
    auto job = service_->Admit(start_, stream_, DeadlineOf(context_), &retryable);
    if (!job.ok()) {
      stream_->Fail(job.status(), absl::IsResourceExhausted(job.status())
                                      ? std::optional<bool>(retryable)
                                      : std::nullopt);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(job_mu_);
      job_ = *std::move(job);
    }
    v1::ConvertResponse accepted;
    accepted.mutable_accepted()->set_job_id(job_->id());
    accepted.mutable_accepted()->set_queue_position(job_->queue_position());
    stream_->Push(std::move(accepted));
    Read();
  }

  // One structured line per call on stderr.
  void LogLine(const absl::Status& status) {
    std::string options;
    google::protobuf::util::JsonPrintOptions json;
    (void)google::protobuf::util::MessageToJsonString(start_.options(), &options, json);
    std::string line = absl::StrCat(
        "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
        "\",\"event\":\"convert\",\"job_id\":\"", job_ ? job_->id() : "",
        "\",\"peer\":\"", peer_, "\",\"graph_name\":", JsonString(start_.graph_name()),
        ",\"graph_sha256\":\"", stream_->graph_sha256(), "\",\"graph_size\":", start_.graph_size(),
        ",\"options\":", options.empty() ? "{}" : options, ",\"duration_ms\":",
        absl::ToInt64Milliseconds(absl::Now() - started_), ",\"bytes_out\":",
        stream_->bytes_out(), ",\"result\":\"", absl::StatusCodeToString(status.code()),
        "\",\"message\":", JsonString(std::string(status.message()).substr(0, 512)), "}\n");
    std::cerr << line << std::flush;
  }

  static std::string JsonString(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        absl::StrAppend(&out, " ");
      } else {
        out.push_back(c);
      }
    }
    return out + "\"";
  }

  grpc::CallbackServerContext* const context_;
  ConversionService* const service_;
  Metrics* const metrics_;
  std::shared_ptr<Stream> stream_;
  const absl::Time started_;
  const std::string peer_;
  grpc::ByteBuffer request_;  // the read in flight
  wire::Received received_;   // the last one read
  std::string received_chunk_;  // a chunk that needed protobuf to parse
  v1::ConvertStart start_;
  std::mutex job_mu_;  // job_ is set by a read reaction and read by OnCancel
  std::shared_ptr<Job> job_;
};

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
ConverterCallbackService::ConvertModel(grpc::CallbackServerContext* context) {
  return new ConvertCall(context, service_, metrics_, options_);
}

}  // namespace tflconv::server
