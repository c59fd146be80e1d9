#include "server/conversion_service.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/rpc/sha256.h"
#include "server/metrics.h"
#include "server/worker_pool.h"

namespace tflconv::server {

namespace {

// Hands a job's artifacts to its listener in order, each hashed on a
// helper thread: the fp32 digest is computed while the worker builds fp16.
class ArtifactHandoff {
 public:
  explicit ArtifactHandoff(JobListener* listener) : listener_(listener) {}
  ~ArtifactHandoff() { Wait(); }

  void Hand(Artifact artifact) {
    if (listener_ == nullptr) return;
    Wait();  // the previous one goes first
    thread_ = std::thread([listener = listener_, artifact = std::move(artifact)]() mutable {
      std::string sha = Sha256Hex(artifact.bytes);
      listener->OnArtifact({std::move(artifact), std::move(sha)});
    });
  }
  // Until the last artifact handed over has reached the listener.
  void Wait() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  JobListener* const listener_;
  std::thread thread_;
};

}  // namespace

// ---------------------------------------------------------------- Job

Job::~Job() { Release(); }

absl::Status Job::AddChunk(absl::string_view data) {
  return AddChunk(std::vector<absl::string_view>{data});
}

absl::Status Job::AddChunk(const std::vector<absl::string_view>& pieces) {
  size_t size = 0;
  for (absl::string_view piece : pieces) size += piece.size();
  bool overflow = true;
  {
    std::lock_guard<std::mutex> lock(upload_mu_);
    if (cancelled_.load()) return absl::CancelledError("the job was cancelled");
    if (size <= graph_size_ - received_) {
      overflow = false;
      for (absl::string_view piece : pieces) {
        if (graph_memory_) {
          graph_memory_->PopulateForWriting(received_, piece.size());
          memcpy(graph_memory_->data() + received_, piece.data(), piece.size());
          received_ += piece.size();
        } else {
          graph_.append(piece.data(), piece.size());
          received_ = graph_.size();
        }
      }
      graph_hash_.Advance(graph().data(), received_);
      if (service_->options_.metrics) service_->options_.metrics->AddBytesIn(size);
    }
  }
  if (overflow) {
    absl::Status error = absl::InvalidArgumentError(absl::StrCat(
        "graph_chunk: the chunks carry more than start.graph_size=", graph_size_, " bytes"));
    service_->CancelJob(this, error);
    return error;
  }
  if (upload_complete()) service_->Enqueue(this);
  return absl::OkStatus();
}

absl::Status Job::EndUpload() {
  if (upload_complete()) return absl::OkStatus();
  absl::Status error = absl::InvalidArgumentError(
      absl::StrCat("the request stream ended after ", received_, " of start.graph_size=",
                   graph_size_, " graph bytes"));
  service_->CancelJob(this, error);
  return error;
}

void Job::Cancel(absl::Status reason) { service_->CancelJob(this, std::move(reason)); }

void Job::Release() {
  if (service_ != nullptr) service_->ReleaseJob(this);
}

absl::string_view Job::graph() const {
  return graph_memory_ ? absl::string_view(graph_memory_->data(), received_) : graph_;
}

void Job::FreeGraph() {
  std::string().swap(graph_);
  if (graph_memory_) service_->pool_->ReturnGraphMemory(*std::move(graph_memory_));
  graph_memory_.reset();
}

// ---------------------------------------------------------------- service

ConversionService::ConversionService(Options options) : options_(std::move(options)) {
  std::random_device random;
  id_prefix_ = absl::StrFormat("%08x", random());
}

absl::StatusOr<std::unique_ptr<ConversionService>> ConversionService::Create(Options options) {
  if (options.workers < 0) return absl::InvalidArgumentError("workers must be >= 0");
  if (options.workers == 0) {
    options.workers = std::max(1u, std::thread::hardware_concurrency());
  }
  if (options.admission.max_queued_jobs < 1) {
    return absl::InvalidArgumentError("max_queued_jobs must be >= 1");
  }
  if (options.admission.memory_factor < 1) {
    return absl::InvalidArgumentError("memory_factor must be >= 1");
  }
  if (options.max_conversion_time <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("max_conversion_time must be > 0");
  }
  if (options.convert && !options.worker_binary.empty()) {
    return absl::InvalidArgumentError("a substitute conversion runs on the service's threads only");
  }
  if (!options.convert) options.convert = [](absl::string_view graph,
                                             const v1::ConversionOptions& o,
                                             const ConvertHooks& hooks) {
    return tflconv::Convert(graph, o, hooks);
  };
  std::unique_ptr<ConversionService> service(new ConversionService(std::move(options)));
  if (!service->options_.worker_binary.empty()) {
    auto pool = WorkerPool::Create({service->options_.workers, service->options_.worker_binary,
                                    service->options_.metrics});
    if (!pool.ok()) return pool.status();
    service->pool_ = *std::move(pool);
  }
  for (int i = 0; i < service->options_.workers; ++i) {
    service->threads_.emplace_back([s = service.get()] { s->WorkerLoop(); });
  }
  return service;
}

ConversionService::~ConversionService() { Stop(); }

absl::StatusOr<std::shared_ptr<Job>> ConversionService::Admit(
    const v1::ConvertStart& start, std::shared_ptr<JobListener> listener, absl::Time deadline,
    bool* retryable) {
  if (retryable) *retryable = false;
  const auto& admission = options_.admission;
  if (start.graph_size() == 0) {
    return absl::InvalidArgumentError("start.graph_size must be > 0");
  }
  if (!start.graph_sha256().empty() && !IsSha256Hex(start.graph_sha256())) {
    return absl::InvalidArgumentError("start.graph_sha256 must be 64 lowercase hex digits");
  }
  if (start.options().output_arrays().empty()) {
    return absl::InvalidArgumentError("options.output_arrays is empty");
  }
  uint64_t max_graph = admission.max_graph_bytes;
  if (start.options().limits().max_graph_bytes() != 0) {
    max_graph = std::min<uint64_t>(max_graph, start.options().limits().max_graph_bytes());
  }
  if (start.graph_size() > max_graph) {
    return absl::ResourceExhaustedError(absl::StrCat("start.graph_size=", start.graph_size(),
                                                     " exceeds max_graph_bytes=", max_graph));
  }
  const uint64_t reservation = std::max<uint64_t>(
      admission.min_reservation_bytes,
      static_cast<uint64_t>(static_cast<double>(start.graph_size()) * admission.memory_factor));
  uint64_t fold_budget = reservation / 4;
  if (start.options().limits().max_folded_bytes() != 0) {
    fold_budget = std::min<uint64_t>(fold_budget, start.options().limits().max_folded_bytes());
  }
  if (reservation > admission.max_memory_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "a ", start.graph_size(), "-byte graph needs ", reservation,
        " bytes, over the server's max_memory_bytes=", admission.max_memory_bytes));
  }

  // The memfd the upload is received into (copied into its worker's own
  // when the job starts).
  std::optional<SharedMemory> graph_memory;
  if (pool_) {
    auto memory = pool_->TakeGraphMemory(start.graph_size());
    if (!memory.ok()) return memory.status();
    graph_memory = *std::move(memory);
  }
  const uint64_t kept = KeptBytesMakingRoomFor(reservation);
  auto job = std::shared_ptr<Job>(new Job());
  std::unique_lock<std::mutex> lock(mu_);
  if (draining_ || stopping_) {
    if (retryable) *retryable = true;
    return absl::UnavailableError("the server is draining; retry on another server");
  }
  if (pending_ >= admission.max_queued_jobs) {
    if (retryable) *retryable = true;
    return absl::ResourceExhaustedError(absl::StrCat(
        "queue full: ", pending_, " jobs uploading or waiting (max_queued_jobs=",
        admission.max_queued_jobs, ")"));
  }
  if (reserved_bytes_ + kept + reservation > admission.max_memory_bytes) {
    if (retryable) *retryable = true;
    return absl::ResourceExhaustedError(absl::StrCat(
        "memory limit: ", reserved_bytes_, " bytes reserved and ", kept,
        " kept for later jobs, this graph needs ", reservation,
        " more (max_memory_bytes=", admission.max_memory_bytes, ")"));
  }
  job->service_ = this;
  job->listener_ = std::move(listener);
  job->id_ = absl::StrCat(id_prefix_, "-", ++next_job_);
  job->start_ = start;
  // The server's graph limit also binds the parser (the report keeps the
  // options as the client sent them).
  job->convert_options_ = start.options();
  job->convert_options_.mutable_limits()->set_max_graph_bytes(max_graph);
  job->convert_options_.mutable_limits()->set_max_folded_bytes(fold_budget);
  job->graph_size_ = start.graph_size();
  job->reserved_bytes_ = reservation;
  job->deadline_ = deadline;
  const int busy = running_ + static_cast<int>(queue_.size());
  job->queue_position_ = busy < workers() ? 0 : busy - workers() + 1;
  job->graph_memory_ = std::move(graph_memory);
  if (!pool_) job->graph_.reserve(start.graph_size());
  reserved_bytes_ += reservation;
  ++pending_;
  ++in_flight_;
  ++admitted_;
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(),
                             [](const std::weak_ptr<Job>& j) { return j.expired(); }),
              jobs_.end());
  jobs_.push_back(job);
  UpdateGaugesLocked();
  return job;
}

uint64_t ConversionService::KeptBytesMakingRoomFor(uint64_t reservation) {
  if (!pool_) return 0;
  const uint64_t kept = pool_->KeptBytes();
  const uint64_t max = options_.admission.max_memory_bytes;
  uint64_t reserved;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reserved = reserved_bytes_;
  }
  if (reserved + kept + reservation <= max || reserved + reservation > max) return kept;
  // Not under mu_: it messages the idle workers.
  pool_->ReleaseKeptMemory();
  return pool_->KeptBytes();
}

void ConversionService::Enqueue(Job* job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (job->state_ != Job::State::kUploading) return;
  job->state_ = Job::State::kQueued;
  job->queued_at_ = absl::Now();
  queue_.push_back(job->shared_from_this());
  work_cv_.notify_one();
}

void ConversionService::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      job->state_ = Job::State::kRunning;
      --pending_;
      ++running_;
      UpdateGaugesLocked();
    }
    if (options_.metrics) {
      options_.metrics->ObserveQueueWait(absl::ToDoubleSeconds(absl::Now() - job->queued_at_));
    }
    Run(job);
  }
}

void ConversionService::Run(const std::shared_ptr<Job>& job) {
  JobOutcome outcome;
  outcome.graph_sha256 = job->graph_hash_.Finish();
  absl::Status status;
  if (!job->start_.graph_sha256().empty() && job->start_.graph_sha256() != outcome.graph_sha256) {
    status = absl::InvalidArgumentError(
        absl::StrCat("start.graph_sha256=", job->start_.graph_sha256(),
                     " does not match the uploaded graph's ", outcome.graph_sha256));
  }
  ConversionResult result;
  // listener_ stays put until the job is done (below).
  ArtifactHandoff handoff(job->listener_.get());
  const absl::Time deadline = std::min(job->deadline_, absl::Now() + options_.max_conversion_time);
  if (status.ok()) {
    Metrics* metrics = options_.metrics;
    absl::Time stage_start = absl::Now();
    ConvertHooks hooks;
    hooks.cancelled = [j = job.get(), deadline] {
      return j->cancelled_.load() || absl::Now() >= deadline;
    };
    hooks.progress = [&, j = job.get()](absl::string_view stage, double fraction) {
      if (fraction == 0) stage_start = absl::Now();
      if (fraction == 1 && metrics) {
        metrics->ObserveStage(stage, absl::ToDoubleSeconds(absl::Now() - stage_start));
      }
      if (j->listener_) j->listener_->OnProgress(stage, fraction);
    };
    hooks.artifact_ready = [&](Artifact artifact) {
      if (hooks.cancelled()) return absl::CancelledError("the job was cancelled");
      handoff.Hand(std::move(artifact));
      return absl::OkStatus();
    };
    if (pool_) {
      result = pool_->Convert({job->id_, &*job->graph_memory_, job->graph_size_,
                               &job->convert_options_, job->reserved_bytes_, deadline},
                              hooks);
    } else {
      result = options_.convert(job->graph(), job->convert_options_, hooks);
    }
    // A conversion that kept its artifacts (a substitute ConvertFn) hands
    // them over now.
    if (result.status.ok()) {
      for (Artifact& artifact : result.artifacts) handoff.Hand(std::move(artifact));
    }
    result.artifacts.clear();
    handoff.Wait();
    status = result.status;
    outcome.report = std::move(result.report);
    *outcome.report.mutable_options() = job->start_.options();
    outcome.has_report = true;
    if (metrics) {
      for (const auto& op : outcome.report.coverage().ops()) {
        if (op.disposition() == v1::UNSUPPORTED) metrics->UnsupportedOp(op.tf_op());
      }
    }
  }
  // The graph is no longer needed.
  job->FreeGraph();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (job->cancelled_.load() && !job->cancel_reason_.ok()) {
      status = job->cancel_reason_;
    } else if (absl::IsCancelled(status) && absl::Now() >= deadline) {
      status = absl::DeadlineExceededError(absl::StrCat(
          deadline < job->deadline_
              ? absl::StrCat("the conversion ran past its limit of ",
                             absl::FormatDuration(options_.max_conversion_time),
                             " (--max_conversion_seconds): ")
              : "deadline exceeded during the conversion: ",
          status.message()));
    }
  }
  if (!status.ok() && outcome.has_report) {
    outcome.report.set_error(std::string(status.message()));
  }
  outcome.status = status;
  std::shared_ptr<JobListener> listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job->state_ = Job::State::kDone;
    --running_;
    listener = std::move(job->listener_);
    if (job->released_) ReturnReservationLocked(job.get());
    UpdateGaugesLocked();
  }
  if (listener) listener->OnFinished(std::move(outcome));
}

void ConversionService::FinishIdle(Job* job, absl::Status status,
                                   std::unique_lock<std::mutex>& lock) {
  if (job->state_ == Job::State::kQueued) {
    queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                [&](const std::shared_ptr<Job>& j) { return j.get() == job; }),
                 queue_.end());
  }
  job->state_ = Job::State::kDone;
  --pending_;
  {
    std::lock_guard<std::mutex> upload_lock(job->upload_mu_);
    job->graph_hash_.Stop();
    job->FreeGraph();
  }
  std::shared_ptr<JobListener> listener = std::move(job->listener_);
  UpdateGaugesLocked();
  lock.unlock();
  if (listener) {
    JobOutcome outcome;
    outcome.status = std::move(status);
    outcome.report.set_converter_version(kConverterVersion);
    *outcome.report.mutable_options() = job->start_.options();
    outcome.report.set_error(std::string(outcome.status.message()));
    outcome.report.mutable_size()->set_input_graph_bytes(job->graph_size_);
    outcome.has_report = true;
    listener->OnFinished(std::move(outcome));
  }
  lock.lock();
}

void ConversionService::CancelJob(Job* job, absl::Status reason) {
  std::unique_lock<std::mutex> lock(mu_);
  if (job->state_ == Job::State::kDone || job->cancelled_.load()) return;
  job->cancel_reason_ = reason;
  job->cancelled_.store(true);
  if (job->state_ != Job::State::kRunning) FinishIdle(job, std::move(reason), lock);
}

void ConversionService::ReturnReservationLocked(Job* job) {
  if (job->returned_) return;
  job->returned_ = true;
  reserved_bytes_ -= job->reserved_bytes_;
  // What it used of the memfds its worker keeps is now kept for later jobs.
  if (pool_) pool_->PublishKept();
  --in_flight_;
  idle_cv_.notify_all();
  UpdateGaugesLocked();
}

void ConversionService::ReleaseJob(Job* job) {
  std::unique_lock<std::mutex> lock(mu_);
  if (job->released_) return;
  job->released_ = true;
  if (job->state_ != Job::State::kDone && !job->cancelled_.load()) {
    job->cancel_reason_ = absl::CancelledError("the job was released before it finished");
    job->cancelled_.store(true);
    if (job->state_ != Job::State::kRunning) FinishIdle(job, job->cancel_reason_, lock);
  }
  // A running job returns its memory when its worker is done with it.
  if (job->state_ == Job::State::kDone) ReturnReservationLocked(job);
}

void ConversionService::StartDraining() {
  std::lock_guard<std::mutex> lock(mu_);
  draining_ = true;
}

bool ConversionService::draining() const {
  std::lock_guard<std::mutex> lock(mu_);
  return draining_;
}

bool ConversionService::WaitIdle(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (in_flight_ > 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    idle_cv_.wait_for(lock, absl::ToChronoNanoseconds(std::min(left, absl::Seconds(1))));
  }
  return true;
}

void ConversionService::Stop() {
  std::vector<std::shared_ptr<Job>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    draining_ = true;
    for (auto& weak : jobs_) {
      if (auto job = weak.lock()) live.push_back(std::move(job));
    }
  }
  for (auto& job : live) job->Cancel(absl::UnavailableError("the server is shutting down"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void ConversionService::ReleaseKeptMemory() {
  if (pool_) pool_->ReleaseKeptMemory();
}

std::vector<pid_t> ConversionService::worker_pids() const {
  return pool_ ? pool_->pids() : std::vector<pid_t>();
}

ConversionService::Stats ConversionService::stats() const {
  const uint64_t kept = pool_ ? pool_->KeptBytes() : 0;
  std::lock_guard<std::mutex> lock(mu_);
  return {in_flight_, pending_, running_, reserved_bytes_, admitted_, kept};
}

void ConversionService::UpdateGaugesLocked() {
  if (!options_.metrics) return;
  options_.metrics->SetInFlight(in_flight_);
  options_.metrics->SetQueueDepth(pending_);
}

}  // namespace tflconv::server
