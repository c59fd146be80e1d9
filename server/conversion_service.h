// The conversion service behind the ConvertModel RPC, with no gRPC in it:
// admission control (queued jobs, bytes held in memory, graph size), the
// upload buffer, worker threads running Convert() (each through a
// sandboxed worker process with --isolation=process, worker_pool.h),
// cancellation, deadlines and draining. The gRPC reactor (convert_reactor.h) is a thin adapter;
// the tests drive this class directly.
//
// A job's life: Admit() -> AddChunk()... -> (upload complete: queued) ->
// a worker converts, handing each artifact to JobListener::OnArtifact as
// soon as it is exported (the caller streams it while the next is built)
// -> JobListener::OnFinished -> Job::Release() (or dropping the last
// reference) returns its memory reservation. A job counts as "in flight"
// until released.
#ifndef TFLCONV_SERVER_CONVERSION_SERVICE_H_
#define TFLCONV_SERVER_CONVERSION_SERVICE_H_

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/convert.h"
#include "proto/rpc/sha256.h"
#include "server/worker_ipc.h"
#include "tflconv/v1/converter.pb.h"

namespace tflconv::server {

class Metrics;
class ConversionService;
class WorkerPool;

struct ArtifactOut {
  Artifact artifact;
  std::string sha256;  // lowercase hex
};

using ConvertFn = std::function<ConversionResult(
    absl::string_view graph, const v1::ConversionOptions& options, const ConvertHooks& hooks)>;

struct JobOutcome {
  absl::Status status;                 // the artifacts handed over are valid only when OK
  v1::ConversionReport report;         // filled as far as the job got
  bool has_report = false;             // false when the job never reached conversion
  std::string graph_sha256;            // empty when the upload never completed
};

// Receives a job's events. Called from worker threads (or from the thread
// that cancels an idle job); implementations must not block. OnProgress
// and OnArtifact may come from different threads at the same time;
// OnFinished comes after every other call has returned.
class JobListener {
 public:
  virtual ~JobListener() = default;
  virtual void OnProgress(absl::string_view stage, double fraction) = 0;
  // Each artifact as soon as it is exported, verified and hashed (fp32
  // first; hashed on a helper thread while the worker builds the next),
  // while the conversion goes on. A later failure still fails the job: the
  // artifacts count only if OnFinished then reports OK. Dropping
  // `artifact` frees it.
  virtual void OnArtifact(ArtifactOut artifact) = 0;
  // Exactly once per job, last.
  virtual void OnFinished(JobOutcome outcome) = 0;
};

class Job : public std::enable_shared_from_this<Job> {
 public:
  ~Job();  // Release()s.

  const std::string& id() const { return id_; }
  int queue_position() const { return queue_position_; }
  uint64_t graph_size() const { return graph_size_; }
  uint64_t received() const { return received_; }
  bool upload_complete() const { return received_ == graph_size_; }

  // Appends the next piece of the graph (INVALID_ARGUMENT past graph_size).
  // When the upload completes the job is queued for a worker. An error
  // finishes the job with it.
  absl::Status AddChunk(absl::string_view data);
  // The same for one chunk received in several pieces.
  absl::Status AddChunk(const std::vector<absl::string_view>& pieces);
  // The upload ended: INVALID_ARGUMENT (and the job finishes) unless every
  // byte arrived.
  absl::Status EndUpload();
  // Stops the job with `reason` (CANCELLED, DEADLINE_EXCEEDED, ...):
  // removed from the queue, or stopped at the next stage boundary. No-op
  // once finished.
  void Cancel(absl::Status reason);
  // Returns the job's memory reservation and leaves the in-flight count.
  // Idempotent; cancels the job if it has not finished.
  void Release();

 private:
  friend class ConversionService;
  enum class State { kUploading, kQueued, kRunning, kDone };
  Job() = default;

  ConversionService* service_ = nullptr;
  std::shared_ptr<JobListener> listener_;
  std::string id_;
  v1::ConvertStart start_;
  v1::ConversionOptions convert_options_;  // start_'s, with the server's limits
  uint64_t graph_size_ = 0;
  uint64_t received_ = 0;
  uint64_t reserved_bytes_ = 0;
  int queue_position_ = 0;
  absl::Time deadline_ = absl::InfiniteFuture();
  absl::Time queued_at_;
  // The bytes received so far.
  absl::string_view graph() const;
  void FreeGraph();

  std::mutex upload_mu_;  // guards the graph and received_ while uploading
  // The graph, reserved at admission (never moves): in an upload memfd
  // (--isolation=process; kept by the pool from job to job, so it may be
  // larger than the graph; empty once the job's worker took it as its graph
  // memfd, worker_pool.h), else on the heap.
  std::optional<SharedMemory> graph_memory_;
  std::string graph_;
  // Hashes the graph on its own thread as chunks arrive (declared after
  // it: stopped before it goes).
  Sha256Follower graph_hash_;
  // Guarded by the service's mutex.
  State state_ = State::kUploading;
  bool released_ = false;
  bool returned_ = false;  // reservation given back
  absl::Status cancel_reason_;
  std::atomic<bool> cancelled_{false};
};

class ConversionService {
 public:
  struct Options {
    int workers = 0;  // 0: one per core
    struct Admission {
      int max_queued_jobs = 64;                     // uploading or waiting for a worker
      // Reserved by admitted jobs plus what the worker pool keeps for later
      // jobs (--isolation=process: upload, graph and artifact memfds that
      // outlive their jobs, worker_pool.h). When the kept memory is all
      // that keeps a job out, the pool first drops what no running job
      // uses (the upload memfds and the idle workers' memfds); a busy
      // worker's stay counted until its job ends, less what that job
      // reserved in them: its lent artifacts, and its graph when its upload
      // memfd became the worker's graph memfd (not a copy made there).
      uint64_t max_memory_bytes = 4ull << 30;
      uint64_t max_graph_bytes = 512ull << 20;      // per graph
      // A job reserves graph_size * memory_factor bytes: the upload buffer
      // (held until Convert() returns), the converter's working set and the
      // artifacts until they are sent. Measured with `service_bench e2e`
      // (server peak RSS minus its 16 MiB idle RSS, one worker): the 141 MB
      // sample RetinaNet peaks at 2.6-2.9x its size over 12 runs (median
      // ~2.7x, ~370 MiB: upload 1x, fp32 1x held while fp16 0.5x is built,
      // gRPC buffers), also when the client stops reading
      // (--stall_reads_ms); 70 MB: 2.7x; 20 MB: 3.5x and 2 MB: 6.3x, as
      // ~10 MiB per job do not scale with the graph. 3.2 is the worst
      // measurement at 141 MB plus 10%.
      double memory_factor = 3.2;
      // The least a job reserves, however small its graph: the ~10 MiB a
      // job takes plus what constant folding may create, which is bounded
      // by the job's limits.max_folded_bytes, a quarter of its reservation
      // (the rest holds the graph, the working set and the artifacts the
      // folded values are copied into).
      uint64_t min_reservation_bytes = 64ull << 20;
    } admission;
    // Where conversions run. Empty: tflconv::Convert (or `convert`) on the
    // service's threads (--isolation=thread). Set: each conversion in a
    // sandboxed worker process started from this binary, one per thread
    // (--isolation=process, server/worker_pool.h): a crash, a runaway loop
    // or a memory blow-up then costs only its own job.
    std::string worker_binary;
    // A conversion still running this long after it started is stopped
    // with DEADLINE_EXCEEDED (in a worker process, killed if it must).
    absl::Duration max_conversion_time = absl::Minutes(10);
    // The conversion on the service's threads; tests substitute a slow or
    // blocking one. Not with worker_binary.
    ConvertFn convert = nullptr;  // null: tflconv::Convert
    Metrics* metrics = nullptr;   // optional, not owned
  };

  static absl::StatusOr<std::unique_ptr<ConversionService>> Create(Options options);
  ~ConversionService();  // Stop()s.

  // Admits a job or says why not: UNAVAILABLE (draining), INVALID_ARGUMENT
  // (start names the bad field), RESOURCE_EXHAUSTED (a limit, named with
  // its value; `*retryable` tells whether waiting can help).
  absl::StatusOr<std::shared_ptr<Job>> Admit(const v1::ConvertStart& start,
                                             std::shared_ptr<JobListener> listener,
                                             absl::Time deadline = absl::InfiniteFuture(),
                                             bool* retryable = nullptr);

  // Draining: new jobs get UNAVAILABLE; admitted ones carry on.
  void StartDraining();
  bool draining() const;
  // Waits until no job is in flight or `deadline`; true when idle.
  bool WaitIdle(absl::Time deadline);
  // Cancels every job and joins the workers. Idempotent.
  void Stop();

  struct Stats {
    int in_flight = 0;
    int queue_depth = 0;  // uploading or waiting for a worker
    int running = 0;
    uint64_t reserved_bytes = 0;
    uint64_t admitted = 0;  // jobs admitted since the start
    uint64_t kept_bytes = 0;  // kept for later jobs (WorkerPool::KeptBytes)
  };
  Stats stats() const;
  int workers() const { return static_cast<int>(threads_.size()); }
  // The worker processes' ids (--isolation=process; empty otherwise).
  std::vector<pid_t> worker_pids() const;
  // Drops the memory kept for later jobs (the worker processes' memfds,
  // server/worker_pool.h): the heap trimmer calls it when the server has
  // gone quiet.
  void ReleaseKeptMemory();

 private:
  friend class Job;
  explicit ConversionService(Options options);

  void WorkerLoop();
  void Run(const std::shared_ptr<Job>& job);
  // Finishes a job that never ran (or failed before running): `lock` held
  // on entry, released before the listener is called.
  void FinishIdle(Job* job, absl::Status status, std::unique_lock<std::mutex>& lock);
  void Enqueue(Job* job);
  void ReleaseJob(Job* job);
  void ReturnReservationLocked(Job* job);
  void CancelJob(Job* job, absl::Status reason);
  void UpdateGaugesLocked();
  // The bytes the worker pool keeps for later jobs, once it dropped what
  // no running job uses if only that keeps a job of `reservation` bytes
  // out (0 with --isolation=thread).
  uint64_t KeptBytesMakingRoomFor(uint64_t reservation);

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::weak_ptr<Job>> jobs_;  // admitted, not released
  int in_flight_ = 0;
  uint64_t admitted_ = 0;
  int pending_ = 0;  // uploading + queued
  int running_ = 0;
  uint64_t reserved_bytes_ = 0;
  uint64_t next_job_ = 0;
  std::string id_prefix_;
  bool draining_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::unique_ptr<WorkerPool> pool_;  // --isolation=process
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_CONVERSION_SERVICE_H_
