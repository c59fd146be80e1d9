#include "server/worker_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/metrics.h"
#include "server/worker_process.h"
#include "tflconv/internal/worker.pb.h"

namespace tflconv::server {
namespace {

// After its deadline, or once asked to stop, a job has this long to stop
// at its next stage boundary before its worker is killed.
constexpr absl::Duration kStopGrace = absl::Seconds(1);
// How often a job's cancellation is polled while its worker is silent.
constexpr absl::Duration kPollPeriod = absl::Milliseconds(20);
// A worker whose idle size grew this much past its first (a heap that
// keeps what jobs left in it) is replaced.
constexpr uint64_t kMaxGrowthBytes = 256ull << 20;
// The exporter fills buffers on up to 4 threads: the CPU-time backstop
// allows that many cores for the job's whole wall-clock budget.
constexpr double kCpuPerWallSecond = 4;
// Address space a job takes beyond the resident memory its reservation
// measures: its helper threads' stacks (8 MiB each) and allocator rounding.
// At 141 MB the worker peaks at 93% of its limit without it.
constexpr uint64_t kAddressSpaceSlack = 64ull << 20;
// How long a job waits for the worker it would get to have its artifacts
// streamed (see Loans) before that worker is replaced: about the download
// of a 141 MB job's artifacts on loopback, and less than a new worker and
// new memfds would cost.
constexpr absl::Duration kLoanWait = absl::Milliseconds(500);
// A kept graph memfd serves a graph of at least half its size.
constexpr size_t kGraphMemorySlack = 1 << 20;

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? absl::StrCat("SIG", abbrev) : absl::StrCat("signal ", signal);
}

// How a worker's wait status says it ended.
std::string ExitCause(int status) {
  if (!WIFSIGNALED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  std::string cause = SignalName(WTERMSIG(status));
  if (WTERMSIG(status) == SIGXCPU) absl::StrAppend(&cause, ": its CPU-time limit");
  return cause;
}

double CpuSeconds(pid_t pid) {
  clockid_t clock;
  timespec used{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &used) != 0) return 0;
  return static_cast<double>(used.tv_sec) + used.tv_nsec / 1e9;
}

// The limits of `job`, set on its worker from here (the worker's sandbox
// keeps it from raising them).
absl::Status LimitWorker(pid_t pid, const WorkerPool::Conversion& job) {
  const rlimit memory{AddressSpaceBytes(pid) + job.memory_limit_bytes + kAddressSpaceSlack,
                      RLIM_INFINITY};
  rlimit cpu{RLIM_INFINITY, RLIM_INFINITY};
  if (job.deadline != absl::InfiniteFuture()) {
    const double wall = std::max(0.0, absl::ToDoubleSeconds(job.deadline - absl::Now()));
    // The soft limit only (SIGXCPU, which kills it): a hard one could not
    // be raised again for the next job without CAP_SYS_RESOURCE.
    cpu.rlim_cur = static_cast<rlim_t>(std::ceil(CpuSeconds(pid) + kCpuPerWallSecond * wall + 1));
  }
  if (prlimit(pid, RLIMIT_AS, &memory, nullptr) != 0 || prlimit(pid, RLIMIT_CPU, &cpu, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("cannot limit a conversion worker: ", strerror(errno)));
  }
  return absl::OkStatus();
}

void LogEvent(const std::string& fields) {
  std::cerr << absl::StrCat("{\"ts\":\"",
                            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                             absl::UTCTimeZone()),
                            "\",", fields, "}\n")
            << std::flush;
}

}  // namespace

// ---------------------------------------------------------------- pool

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(Options options) {
  if (options.workers < 1) return absl::InvalidArgumentError("a worker pool needs workers");
  std::unique_ptr<WorkerPool> pool(new WorkerPool(std::move(options)));
  for (int i = 0; i < pool->options_.workers; ++i) {
    auto worker = WorkerProcess::Start(pool->options_.binary);
    if (!worker.ok()) return worker.status();
    pool->Return(*std::move(worker));
  }
  return pool;
}

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {}

WorkerPool::~WorkerPool() = default;

std::vector<pid_t> WorkerPool::pids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pids_;
}

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerPool::Acquire() {
  std::unique_ptr<WorkerProcess> worker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (!(*it)->Ended()) {
        ++it;
        continue;
      }
      ForgetLocked((*it)->pid());
      // Its own message, if any, is on stderr just above.
      LogEvent(absl::StrCat("\"event\":\"worker_ended_idle\",\"pid\":", (*it)->pid(),
                            ",\"cause\":\"", ExitCause((*it)->Reap()), "\""));
      it = idle_.erase(it);
    }
    // One that lent nothing still streamed, if any.
    auto chosen = std::find_if(idle_.begin(), idle_.end(),
                               [](const auto& idle) { return idle->loans()->all_returned(); });
    if (chosen == idle_.end() && !idle_.empty()) chosen = idle_.begin();
    if (chosen != idle_.end()) {
      worker = std::move(*chosen);
      idle_.erase(chosen);
    }
  }
  if (worker != nullptr) {
    if (worker->loans()->WaitReturned(kLoanWait)) return worker;
    // It can still write artifacts being streamed: it gets no other job.
    std::lock_guard<std::mutex> lock(mu_);
    ForgetLocked(worker->pid());
    worker.reset();
  }
  auto started = WorkerProcess::Start(options_.binary);
  if (started.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    pids_.push_back((*started)->pid());
  }
  return started;
}

void WorkerPool::Return(std::unique_ptr<WorkerProcess> worker) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(pids_.begin(), pids_.end(), worker->pid()) == pids_.end()) {
    pids_.push_back(worker->pid());
  }
  kept_by_worker_[worker->pid()] = {worker->kept_bytes(), 0, worker->loans()};
  PublishKeptLocked();
  idle_.push_back(std::move(worker));
}

void WorkerPool::ForgetLocked(pid_t pid) {
  pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
  kept_by_worker_.erase(pid);
  PublishKeptLocked();
}

void WorkerPool::Retire(std::unique_ptr<WorkerProcess> worker) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ForgetLocked(worker->pid());
  }
  worker.reset();
  // Replaced at once, so that the next job does not wait for a start.
  auto replacement = WorkerProcess::Start(options_.binary);
  if (replacement.ok()) {
    Return(*std::move(replacement));
  } else {
    LogEvent(absl::StrCat("\"event\":\"worker_start_failed\",\"message\":\"",
                          replacement.status().message(), "\""));
  }
}

absl::Status WorkerPool::Crashed(WorkerProcess& worker, absl::string_view job_id) {
  const int status = worker.Reap();
  const std::string label = WIFSIGNALED(status) ? SignalName(WTERMSIG(status)) : "none";
  LogEvent(absl::StrCat("\"event\":\"worker_crash\",\"job_id\":\"", job_id, "\",\"pid\":",
                        worker.pid(), ",\"signal\":\"", label, "\""));
  if (options_.metrics) options_.metrics->WorkerCrash(label);
  return absl::InternalError(absl::StrCat(
      "the converter crashed on this graph (", ExitCause(status), ", job ", job_id,
      "); the server goes on, but the same graph would crash it again: do not retry it"));
}

ConversionResult WorkerPool::Convert(const Conversion& job, const ConvertHooks& hooks) {
  ConversionResult result;
  auto acquired = Acquire();
  if (!acquired.ok()) {
    result.status = acquired.status();
    return result;
  }
  std::unique_ptr<WorkerProcess> worker = *std::move(acquired);
  const pid_t pid = worker->pid();
  if (absl::Status limited = LimitWorker(pid, job); !limited.ok()) {
    result.status = limited;
    Retire(std::move(worker));
    return result;
  }
  internal::ToWorker request;
  internal::WorkerJob* message = request.mutable_job();
  message->set_job_id(std::string(job.id));
  message->set_graph_size(job.graph_size);
  *message->mutable_options() = *job.options;
  if (job.deadline != absl::InfiniteFuture()) {
    message->set_deadline_unix_micros(absl::ToUnixMicros(job.deadline));
  }
  message->set_memory_limit_bytes(job.memory_limit_bytes);
  absl::StatusOr<int> graph_fd = worker->TakeGraph(*job.graph, job.graph_size);
  if (!graph_fd.ok()) {
    result.status = graph_fd.status();
    Return(std::move(worker));
    return result;
  }
  // The job's graph in the worker's graph memfd is what its reservation
  // covers when its upload memfd became that memfd. A copy there is not:
  // the job holds its upload memfd until it ends.
  const uint64_t job_graph = job.graph->size() == 0 ? job.graph_size : 0;
  NoteKept(*worker, job_graph);
  if (absl::Status sent = SendMessage(worker->channel(), request, {*graph_fd}); !sent.ok()) {
    result.status = Crashed(*worker, job.id);
    Retire(std::move(worker));
    return result;
  }

  absl::Time stop_by = job.deadline == absl::InfiniteFuture() ? job.deadline : job.deadline + kStopGrace;
  bool stopping = false;  // a cancel was sent
  absl::Status hook_error;
  bool usable = true;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    internal::ToWorker cancel;
    cancel.mutable_cancel();
    (void)SendMessage(worker->channel(), cancel);
    stop_by = std::min(stop_by, absl::Now() + kStopGrace);
  };
  for (;;) {
    if (hooks.cancelled && hooks.cancelled()) stop();
    const absl::Time now = absl::Now();
    if (now >= stop_by) {
      worker->Kill();
      result.status = absl::CancelledError(absl::StrCat(
          "the conversion did not stop when asked to (cancelled or past its deadline); its worker "
          "was killed (job ", job.id, ")"));
      usable = false;
      break;
    }
    pollfd ready{worker->channel(), POLLIN, 0};
    const absl::Duration wait = std::min(kPollPeriod, stop_by - now);
    if (poll(&ready, 1, static_cast<int>(absl::ToInt64Milliseconds(wait)) + 1) <= 0) continue;
    internal::FromWorker event;
    std::vector<UniqueFd> fds;
    absl::Status received = ReceiveMessage(worker->channel(), &event, &fds);
    if (absl::IsUnavailable(received)) {
      result.status = Crashed(*worker, job.id);
      usable = false;
      break;
    }
    if (received.ok() && event.has_progress()) {
      if (hooks.progress) hooks.progress(event.progress().stage(), event.progress().fraction());
      continue;
    }
    if (received.ok() && event.has_artifact()) {
      absl::StatusOr<Artifact> artifact = worker->ReceiveArtifact(event.artifact(), fds);
      NoteKept(*worker, job_graph);
      if (artifact.ok()) {
        if (!hooks.artifact_ready) {
          result.artifacts.push_back(*std::move(artifact));
          continue;
        }
        absl::Status handed = hooks.artifact_ready(*std::move(artifact));
        if (!handed.ok() && hook_error.ok()) {
          hook_error = std::move(handed);
          stop();
        }
        continue;
      }
      received = artifact.status();
    }
    if (received.ok() && event.has_done() && event.done().code() >= 0 &&
        event.done().code() <= static_cast<int>(absl::StatusCode::kUnauthenticated)) {
      const internal::WorkerDone& done = event.done();
      result.status = absl::Status(static_cast<absl::StatusCode>(done.code()), done.message());
      result.report = done.report();
      if (done.exiting()) {
        worker->Reap();
        usable = false;
      }
      break;
    }
    // Not what a worker sends: it is not trusted with another job.
    worker->Kill();
    result.status = absl::InternalError(absl::StrCat(
        "the conversion worker broke its protocol (job ", job.id, "): ",
        received.ok() ? "an unexpected message" : received.message()));
    usable = false;
    break;
  }
  if (!hook_error.ok()) result.status = hook_error;
  if (!result.status.ok()) result.artifacts.clear();
  if (usable && AddressSpaceBytes(pid) <=
                    worker->first_idle_size() + worker->kept_bytes() + kMaxGrowthBytes) {
    Return(std::move(worker));
  } else {
    Retire(std::move(worker));
  }
  return result;
}

absl::StatusOr<SharedMemory> WorkerPool::TakeGraphMemory(size_t size) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The smallest that holds it (largest first).
    for (auto it = kept_graphs_.rbegin(); it != kept_graphs_.rend(); ++it) {
      if (it->size() < size) continue;
      if (it->size() > 2 * size + kGraphMemorySlack) break;
      SharedMemory taken = std::move(*it);
      kept_graphs_.erase(std::next(it).base());
      PublishKeptLocked();
      return taken;
    }
  }
  return SharedMemory::Create(kGraphMemfdName, size);
}

void WorkerPool::ReturnGraphMemory(SharedMemory memory) {
  if (memory.size() == 0) return;  // it became its worker's
  std::lock_guard<std::mutex> lock(mu_);
  auto at = std::find_if(kept_graphs_.begin(), kept_graphs_.end(),
                         [&](const SharedMemory& kept) { return kept.size() < memory.size(); });
  kept_graphs_.insert(at, std::move(memory));
  if (kept_graphs_.size() > static_cast<size_t>(options_.workers)) kept_graphs_.pop_back();
  PublishKeptLocked();
}

void WorkerPool::ReleaseKeptMemory() {
  std::lock_guard<std::mutex> lock(mu_);
  kept_graphs_.clear();
  for (const auto& worker : idle_) {
    worker->ReleaseKept();
    kept_by_worker_[worker->pid()].bytes = 0;
  }
  PublishKeptLocked();
}

uint64_t WorkerPool::KeptBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return KeptBytesLocked();
}

uint64_t WorkerPool::KeptBytesLocked() const {
  uint64_t total = 0;
  for (const SharedMemory& upload : kept_graphs_) total += upload.size();
  for (const auto& [pid, kept] : kept_by_worker_) {
    const uint64_t in_use = kept.job_graph + (kept.loans ? kept.loans->bytes_out() : 0);
    total += kept.bytes - std::min(kept.bytes, in_use);
  }
  return total;
}

void WorkerPool::NoteKept(const WorkerProcess& worker, uint64_t job_graph) {
  std::lock_guard<std::mutex> lock(mu_);
  kept_by_worker_[worker.pid()] = {worker.kept_bytes(), job_graph, worker.loans()};
  PublishKeptLocked();
}

void WorkerPool::PublishKept() {
  std::lock_guard<std::mutex> lock(mu_);
  PublishKeptLocked();
}

void WorkerPool::PublishKeptLocked() {
  if (options_.metrics) options_.metrics->SetKeptMemory(KeptBytesLocked());
}

}  // namespace tflconv::server
