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
#include "proto/rpc/grpc_status.h"
#include "proto/rpc/wire.h"
#include "server/idle_watchdog.h"
#include "server/metrics.h"

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

// The call's write side, shared with the job (whose listener it is) and
// the idle watchdog so that worker threads and the watchdog can outlive
// the reactor safely. Every decision to write, read or finish is taken
// under mu_, and the gRPC call made after it is released: Finish happens
// once, with no write in flight (a read may be: gRPC then fails it), and
// nothing touches the reactor after that.
class Stream final : public JobListener, public IdleWatchdog::Watched {
 public:
  Stream(Reactor* reactor, grpc::CallbackServerContext* context,
         const ConverterCallbackService::Options& options)
      : reactor_(reactor),
        context_(context),
        chunk_bytes_(options.response_chunk_bytes),
        upload_idle_timeout_(options.upload_idle_timeout),
        download_idle_timeout_(options.download_idle_timeout) {}

  // The job admitted for this call, which a protocol violation or an idle
  // timeout stops.
  void Attach(const std::shared_ptr<Job>& job) {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = job;
  }

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
  // report: for errors before a job exists); `retryable` goes into the
  // trailer.
  void Fail(absl::Status status, bool retryable = false) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!final_status_) {
        final_status_ = std::move(status);
        retryable_ = retryable;
      }
    }
    Pump();
  }

  // The client broke the protocol: the call fails with `status` even when
  // the job is already over (its artifacts are not sent).
  void Violation(absl::Status status) {
    std::shared_ptr<Job> job;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_called_) return;
      final_status_ = status;
      retryable_.reset();
      artifacts_.clear();
      offset_ = 0;
      job = job_.lock();
    }
    if (job) job->Cancel(status);
    Pump();
  }

  // A stalled upload (no request message while one is awaited) fails the
  // call with the read in flight; a stalled download (a response that the
  // client does not take) cancels it, as its status could not get past
  // the unsent data. Either way the job stops and its reservation goes.
  void CheckIdle(absl::Time now) override {
    std::shared_ptr<Job> job;
    absl::Status reason;
    bool download = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_called_ || cancelled_) return;
      // After a stalled upload, its error status may still wait behind a
      // response the client does not take either: then the download rule.
      if (idle_status_.ok() && reading_ && read_is_upload_ &&
          now - read_started_ >= upload_idle_timeout_) {
        idle_direction_ = "upload";
        reason = absl::DeadlineExceededError(absl::StrCat(
            "no request message for ", absl::FormatDuration(upload_idle_timeout_),
            " while the server waited for the upload (--upload_idle_timeout_seconds)"));
        final_status_ = reason;
        retryable_.reset();
      } else if (writing_ && now - write_started_ >= download_idle_timeout_) {
        idle_direction_ = "download";
        download = true;
        reason = absl::DeadlineExceededError(absl::StrCat(
            "the client took no response data for ", absl::FormatDuration(download_idle_timeout_),
            " (--download_idle_timeout_seconds)"));
        cancelled_ = true;
        cancel_reason_ = reason;
        artifacts_.clear();
        offset_ = 0;
        cancelling_ = true;  // no Finish (so context_ stays) until TryCancel returns
      } else {
        return;
      }
      idle_status_ = reason;
      job = job_.lock();
    }
    if (job) {
      job->Cancel(reason);
      job->Release();
    }
    if (download) {
      context_->TryCancel();
      std::lock_guard<std::mutex> lock(mu_);
      cancelling_ = false;
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

  // The reactor asks before each StartRead; false once finishing. An
  // upload read (the start or graph data awaited) is subject to the
  // upload idle timeout; the read for the client's half-close is not.
  bool BeginRead(bool upload) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finish_called_ || final_status_ || cancelled_) return false;
    reading_ = true;
    read_is_upload_ = upload;
    read_started_ = absl::Now();
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
    std::optional<absl::Status> finish;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (writing_ || finish_called_ || cancelling_) return;
      if (cancelled_) {
        if (reading_) return;
        finish = cancel_reason_;
      } else if (!pending_.empty()) {
        current_ = wire::Serialize(pending_.front());
        pending_.pop_front();
        write = &current_;
      } else if (NextResultLocked()) {
        write = &current_;
      } else if (final_status_) {
        finish = *final_status_;
      }
      if (write) {
        writing_ = true;
        write_started_ = absl::Now();
      }
      if (finish) {
        finish_called_ = true;
        finish_status_ = *finish;
        // Every error says whether another attempt (on this server or
        // another) can succeed. The service refuses or stops a job with
        // UNAVAILABLE only for its own reasons (draining, shutting down).
        if (!finish->ok()) {
          const bool retryable = retryable_.value_or(absl::IsUnavailable(*finish));
          context_->AddTrailingMetadata(kRetryableTrailer, retryable ? "true" : "false");
        }
      }
    }
    if (write) reactor_->StartWrite(write);
    if (finish) reactor_->Finish(ToGrpcStatus(*finish));
  }

  // For the log line, after OnDone.
  absl::Status finish_status() const { return finish_status_; }
  // Not OK when an idle timeout ended the call ("upload" or "download").
  absl::Status idle_status() const { return idle_status_; }
  absl::string_view idle_direction() const { return idle_direction_; }
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
  const absl::Duration upload_idle_timeout_;
  const absl::Duration download_idle_timeout_;
  std::mutex mu_;
  std::weak_ptr<Job> job_;
  std::deque<v1::ConvertResponse> pending_;  // small messages, sent first
  grpc::ByteBuffer current_;                 // the write in flight
  size_t current_artifact_bytes_ = 0;        // artifact data in it
  std::deque<ArtifactOut> artifacts_;        // handed over, not yet sent
  size_t offset_ = 0;                        // into artifacts_.front()
  std::optional<JobOutcome> outcome_;
  bool report_sent_ = false;
  bool writing_ = false;
  absl::Time write_started_;
  bool reading_ = false;
  bool read_is_upload_ = false;
  absl::Time read_started_;
  bool cancelled_ = false;
  bool cancelling_ = false;  // the watchdog is cancelling the call
  absl::Status cancel_reason_;
  absl::Status idle_status_;
  absl::string_view idle_direction_;
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
              IdleWatchdog* watchdog, const ConverterCallbackService::Options& options)
      : context_(context),
        service_(service),
        metrics_(metrics),
        stream_(std::make_shared<Stream>(this, context, options)),
        started_(absl::Now()),
        peer_(context->peer()) {
    watchdog->Watch(stream_);
    if (!options.auth_token.empty() && !TokenMatches(context, options.auth_token)) {
      stream_->Fail(absl::UnauthenticatedError("missing or wrong bearer token"));
      return;
    }
    Read(/*upload=*/true);
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
      stream_->Violation(absl::InternalError("cannot read the request's bytes"));
      return;
    }
    if (!job_) return Admit();
    if (job_->upload_complete()) {
      stream_->Violation(absl::InvalidArgumentError(absl::StrCat(
          "a request after the graph's last byte (start.graph_size=", job_->graph_size(),
          "): the stream must end there")));
      return;
    }
    // The common case without protobuf: a graph chunk, appended from the
    // receive slices.
    std::vector<absl::string_view> pieces;
    if (!received_.GraphChunk(&pieces)) {
      v1::ConvertRequest request;
      if (!received_.Parse(&request)) {
        stream_->Violation(absl::InvalidArgumentError("cannot parse a ConvertRequest"));
        return;
      }
      if (!request.has_graph_chunk()) {
        stream_->Violation(absl::InvalidArgumentError("only the first request may carry start"));
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
    // Once the graph is complete, the next read waits for the client's
    // half-close: anything else is a violation.
    Read(/*upload=*/!job_->upload_complete());
  }

  void OnWriteDone(bool ok) override { stream_->WriteDone(ok); }

  void OnCancel() override {
    std::shared_ptr<Job> job;
    {
      std::lock_guard<std::mutex> lock(job_mu_);
      job = job_;
    }
    const absl::Status reason = CancelReason();
    if (job) job->Cancel(reason);
    stream_->Cancelled(reason);
  }

  // Counted and logged as what ended the call: an idle timeout, else a
  // cancellation or the deadline whatever the stage (a cancelled call's
  // read may fail before OnCancel, and the failed upload finish the job
  // with another error first), else the status sent.
  void OnDone() override {
    absl::Status status = stream_->idle_status();
    if (status.ok()) status = context_->IsCancelled() ? CancelReason() : stream_->finish_status();
    if (metrics_) {
      metrics_->RequestFinished(status.code());
      metrics_->AddBytesOut(stream_->bytes_out());
      if (!stream_->idle_status().ok()) metrics_->IdleTimeout(stream_->idle_direction());
    }
    LogLine(status);
    if (job_) job_->Release();
    delete this;
  }

 private:
  void Read(bool upload) {
    if (stream_->BeginRead(upload)) StartRead(&request_);
  }

  absl::Status CancelReason() const {
    if (absl::Now() >= DeadlineOf(context_)) {
      return absl::DeadlineExceededError("the call's deadline passed");
    }
    return absl::CancelledError("the call was cancelled (by the client, or its connection broke)");
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
      stream_->Fail(job.status(), retryable);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(job_mu_);
      job_ = *std::move(job);
    }
    stream_->Attach(job_);
    v1::ConvertResponse accepted;
    accepted.mutable_accepted()->set_job_id(job_->id());
    accepted.mutable_accepted()->set_queue_position(job_->queue_position());
    stream_->Push(std::move(accepted));
    Read(/*upload=*/true);
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

ConverterCallbackService::ConverterCallbackService(ConversionService* service, Metrics* metrics,
                                                   Options options)
    : service_(service),
      metrics_(metrics),
      options_(std::move(options)),
      // Checked a few times per timeout, so that a call overstays it by a
      // quarter at most.
      watchdog_(std::clamp(std::min(options_.upload_idle_timeout, options_.download_idle_timeout) / 4,
                           absl::Milliseconds(10), absl::Seconds(1))),
      heap_trimmer_(std::make_shared<HeapTrimmer>(service)) {
  watchdog_.Watch(heap_trimmer_);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
ConverterCallbackService::ConvertModel(grpc::CallbackServerContext* context) {
  return new ConvertCall(context, service_, metrics_, &watchdog_, options_);
}

}  // namespace tflconv::server
