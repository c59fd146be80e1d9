// One conversion worker process as WorkerPool (worker_pool.h) drives it:
// its start, its channel, the memfds it keeps (its graph's and its
// artifacts') and the artifacts it lends the server.
#ifndef TFLCONV_SERVER_WORKER_PROCESS_H_
#define TFLCONV_SERVER_WORKER_PROCESS_H_

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/convert.h"
#include "server/worker_ipc.h"
#include "tflconv/internal/worker.pb.h"

namespace tflconv::server {

// What /proc/PID/maps shows of an upload or a worker's graph memfd.
inline constexpr char kGraphMemfdName[] = "tflconv-graph";

// The process's virtual size (what RLIMIT_AS bounds); 0 when unknown.
uint64_t AddressSpaceBytes(pid_t pid);

// The artifacts a worker lent the server: built in memfds the worker keeps
// and can still write, streamed from there, returned when the server drops
// them (they may outlive the pool). While lent they are their job's, which
// reserved memory for them.
class Loans {
 public:
  void Lend(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    ++out_;
    bytes_out_ += bytes;
  }
  void Return(uint64_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --out_;
      bytes_out_ -= bytes;
    }
    returned_.notify_all();
  }
  // True once none is out; false when some still is after `limit`.
  bool WaitReturned(absl::Duration limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return returned_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return out_ == 0; });
  }
  bool all_returned() {
    std::lock_guard<std::mutex> lock(mu_);
    return out_ == 0;
  }
  uint64_t bytes_out() {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_out_;
  }

 private:
  std::mutex mu_;
  std::condition_variable returned_;
  int out_ = 0;
  uint64_t bytes_out_ = 0;
};

// One worker process and the server's end of its channel; killed and
// reaped when dropped.
class WorkerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(const std::string& binary);
  ~WorkerProcess() { Kill(); }

  pid_t pid() const { return pid_; }
  int channel() const { return channel_.get(); }
  uint64_t first_idle_size() const { return first_idle_size_; }
  bool reaped() const { return reaped_; }
  const std::shared_ptr<Loans>& loans() const { return loans_; }

  // Puts the graph of a job, the first `size` bytes of the memfd `upload`
  // it was uploaded into, in this worker's graph memfd; that memfd's fd, to
  // pass on with the job. When the worker has none that holds it and
  // `upload` holds nothing else (older graphs' bytes past `size`), the
  // upload memfd itself becomes the worker's (taken from the job, sealed):
  // no copy, and nothing allocated. Otherwise the graph is copied into the
  // worker's (a new one when it is too small; a small graph takes a larger
  // one, so that the next large one finds its pages there). Only this
  // worker ever sees its graph memfd (worker_pool.h).
  absl::StatusOr<int> TakeGraph(SharedMemory& upload, size_t size);

  // The artifact the worker announced, mapped from the memfd passed with
  // it; lent (see Loans) when the worker keeps that memfd.
  absl::StatusOr<Artifact> ReceiveArtifact(const internal::WorkerArtifact& header,
                                           std::vector<UniqueFd>& fds);
  // The size of the memfds the worker keeps mapped (its graph's and its
  // artifacts', as far as the server has seen them).
  uint64_t kept_bytes() const;
  // Tells the worker to drop them, and drops them here.
  void ReleaseKept();

  // The wait status once the worker has ended (its channel said so); one
  // that lingers is killed after a moment.
  int Reap();
  void Kill();
  // True when the worker ended while idle (reaped then).
  bool Ended();

 private:
  pid_t pid_ = -1;
  UniqueFd channel_;
  uint64_t first_idle_size_ = 0;
  bool reaped_ = false;
  int status_ = 0;
  std::shared_ptr<Loans> loans_ = std::make_shared<Loans>();
  // The memfd this worker receives its graphs in, mapped read-write here.
  std::optional<SharedMemory> graph_;
  // The server's mappings of the memfds the worker keeps, by inode.
  std::map<ino_t, std::shared_ptr<SharedMemory>> kept_;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_WORKER_PROCESS_H_
