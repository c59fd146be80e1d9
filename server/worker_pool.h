// The server's side of --isolation=process: a pool of conversion worker
// processes (server/worker_main.h), each the server's own binary started
// with posix_spawn into a clean single-threaded process that sandboxes
// itself. One worker per service thread; each is reused job after job and
// replaced when it dies, grows, or has to be killed.
//
// A job's graph is uploaded into a memfd of the server's (an upload memfd,
// which no worker has seen), then goes to the worker the job runs on in
// that worker's own graph memfd: the upload memfd itself when the worker
// has none yet (it then leaves the uploads for good), else a copy into the
// one it has. Each artifact comes back in a memfd the worker filled,
// handed on at once (fp32 is streamed while fp16 is built). Those memfds
// are kept from job to job (refilling mapped shared memory costs a tenth
// of allocating and freeing it: ~0.2 s CPU per 141 MB job) and dropped
// when the server goes quiet (ReleaseKeptMemory) or their worker ends. A
// job's reservation covers its own lent artifacts in them, and its graph
// when its upload memfd became the worker's (a copy is beside the upload
// memfd, which the job holds), not the rest: they outlive it. The pool
// counts the rest (KeptBytes, the gauge tflconv_kept_memory_bytes) so that
// admission counts it too, and drops the memfds no job uses when a job
// needs the room (conversion_service.h, Admission). A worker keeps its
// mapping of its graph memfd, so that the copy (~15 ms for 141 MB) costs
// no more than the page faults of mapping a memfd anew (~18 ms).
//
// Threat model: a worker runs hostile graphs, so it may be taken over; it
// must then neither change nor read the graphs and artifacts of jobs that
// are not its own. A worker's graph memfd is sealed with F_SEAL_FUTURE_WRITE
// before the worker sees it: only the server's own mapping can write it, so
// a worker cannot change a later job's graph. A worker that kept a mapping
// of (or the fd to) it reads only the later graphs of its own jobs: no
// other worker's graph ever goes there, and an upload memfd goes to a
// worker only once it leaves the uploads for good (holding that worker's
// job's graph and nothing else), so no worker can watch a graph arrive
// that is bound for another worker. A large artifact is built in a memfd the worker keeps writable,
// so the pool gives that worker no other job until every artifact it lent
// has been streamed and dropped; a worker still lending when a job needs
// it (after a short wait) is replaced instead. Changing its own job's
// artifact gains a worker nothing it could not write in the first place,
// and a change after the server hashed it fails the client's sha256 check.
// A small artifact is copied out as it arrives instead (the worker is not
// held for it, and cannot change the copy).
//
// Per job the kernel enforces, on the worker: an address-space limit
// (RLIMIT_AS) of the worker's idle size plus the job's memory reservation,
// and a CPU-time backstop (RLIMIT_CPU); the pool kills the worker (SIGKILL)
// when the job's deadline has passed and it did not stop by itself. A
// worker that dies during a job fails only that job, with INTERNAL naming
// the signal and the job, and is counted in
// tflconv_worker_crashes_total{signal}.
#ifndef TFLCONV_SERVER_WORKER_POOL_H_
#define TFLCONV_SERVER_WORKER_POOL_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/convert.h"
#include "server/worker_ipc.h"

namespace tflconv::server {

class Loans;
class Metrics;
class WorkerProcess;

class WorkerPool {
 public:
  struct Options {
    int workers = 1;
    // Started as `binary --worker_fd=3` (the server's own: /proc/self/exe).
    std::string binary;
    Metrics* metrics = nullptr;  // optional, not owned
  };

  struct Conversion {
    absl::string_view id;
    // The first graph_size bytes of one of TakeGraphMemory's memfds, which
    // the job's worker may take as its graph memfd (leaving it empty).
    SharedMemory* graph = nullptr;
    uint64_t graph_size = 0;
    const v1::ConversionOptions* options = nullptr;
    uint64_t memory_limit_bytes = 0;  // the job's reservation
    absl::Time deadline = absl::InfiniteFuture();
  };

  // Starts every worker; an error when one cannot start (a missing binary,
  // a kernel without seccomp).
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(Options options);
  // Closes the workers' channels and reaps them.
  ~WorkerPool();

  // Converts `job` in an idle worker, with the same hooks and result as
  // tflconv::Convert (artifacts are always handed to artifact_ready).
  // hooks.cancelled is polled while the worker runs; a cancelled job that
  // does not stop within a grace period loses its worker. Blocks; at most
  // `workers` calls at a time.
  ConversionResult Convert(const Conversion& job, const ConvertHooks& hooks);

  // The workers' process ids (for monitoring and the tests).
  std::vector<pid_t> pids() const;

  // An upload memfd of at least `size` bytes to receive a graph in, mapped
  // read-write here (no worker ever sees it): one kept from an earlier job
  // when one fits (up to twice the size), else a new one.
  absl::StatusOr<SharedMemory> TakeGraphMemory(size_t size);
  // Keeps a graph's upload memfd for a later upload (the largest
  // `workers`); one a worker took (empty) stays that worker's.
  void ReturnGraphMemory(SharedMemory memory);
  // Drops the memfds kept for later jobs, here and in every idle worker
  // (busy ones keep theirs): the server went quiet, or a job needs the
  // room. Blocks on no job: it only tells the idle workers.
  void ReleaseKeptMemory();
  // The bytes kept for later jobs, which no job's reservation covers: the
  // upload memfds, and every worker's graph memfd and artifact memfds as
  // far as the server has seen them, less what a job still uses there
  // and reserved: the running job's graph when its upload memfd became
  // the worker's graph memfd (a copy is beside the upload memfd, which the
  // job holds and reserved), the artifacts still lent.
  uint64_t KeptBytes() const;
  // Sets the gauge tflconv_kept_memory_bytes to KeptBytes(): lent artifacts
  // come back without the pool's knowledge.
  void PublishKept();

 private:
  explicit WorkerPool(Options options);

  absl::StatusOr<std::unique_ptr<WorkerProcess>> Acquire();
  void Return(std::unique_ptr<WorkerProcess> worker);
  // Drops a worker that is dead, killed or no longer trusted, and starts
  // its replacement.
  void Retire(std::unique_ptr<WorkerProcess> worker);
  // Drops what the pool knows of a worker that is gone.
  void ForgetLocked(pid_t pid);
  // Reaps a worker that died during job `job_id`, logs and counts it; the
  // job's error.
  absl::Status Crashed(WorkerProcess& worker, absl::string_view job_id);
  // Records what `worker` keeps now (it grows during a job) and how much
  // of its graph memfd is its running job's graph, which that job's
  // reservation covers (0: none runs, or the graph was copied there).
  void NoteKept(const WorkerProcess& worker, uint64_t job_graph);
  uint64_t KeptBytesLocked() const;
  void PublishKeptLocked();  // to the metrics

  const Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<WorkerProcess>> idle_;
  std::vector<pid_t> pids_;  // idle and busy
  std::vector<SharedMemory> kept_graphs_;  // largest first
  struct WorkerKept {
    uint64_t bytes = 0;      // WorkerProcess::kept_bytes
    // The running job's graph when its upload memfd is the graph memfd.
    uint64_t job_graph = 0;
    std::shared_ptr<Loans> loans;
  };
  std::map<pid_t, WorkerKept> kept_by_worker_;  // idle and busy
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_WORKER_POOL_H_
