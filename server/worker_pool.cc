#include "server/worker_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/metrics.h"
#include "server/worker_main.h"
#include "tflconv/internal/worker.pb.h"

namespace tflconv::server {
namespace {

// The worker's end of its channel.
constexpr int kChannelFd = 3;
constexpr absl::Duration kStartTimeout = absl::Seconds(10);
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

// The process's virtual size (what RLIMIT_AS bounds); 0 when unknown.
uint64_t AddressSpaceBytes(pid_t pid) {
  std::ifstream statm(absl::StrCat("/proc/", pid, "/statm"));
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
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

// The artifact a worker announced, mapped from the memfd passed with it.
absl::StatusOr<Artifact> ReceivedArtifact(const internal::WorkerArtifact& header,
                                          std::vector<UniqueFd>& fds) {
  if (fds.size() != 1) return absl::InternalError("an artifact without its memfd");
  auto mapped = SharedMemory::MapReadOnly(std::move(fds[0]));
  if (!mapped.ok()) return mapped.status();
  if (header.size() == 0 || header.offset() > mapped->size() ||
      header.size() > mapped->size() - header.offset()) {
    return absl::InternalError("an artifact outside its memfd");
  }
  auto memory = std::make_shared<SharedMemory>(*std::move(mapped));
  return Artifact{header.kind(), header.file_name(),
                  memory->view().substr(header.offset(), header.size()), memory};
}

void LogEvent(const std::string& fields) {
  std::cerr << absl::StrCat("{\"ts\":\"",
                            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                             absl::UTCTimeZone()),
                            "\",", fields, "}\n")
            << std::flush;
}

}  // namespace

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
};

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(const std::string& binary) {
  auto sockets = WorkerSocketPair();
  if (!sockets.ok()) return sockets.status();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sockets->second.get(), kChannelFd);
  // The server's stdout carries its one startup line: workers write to stderr.
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  std::string fd_flag = absl::StrCat(kWorkerFdFlag, kChannelFd);
  std::string name = "tflconv-worker";
  char* argv[] = {name.data(), fd_flag.data(), nullptr};
  // Nothing of the server's environment (its token, say) but the test hooks.
  std::string hooks_env;
  std::vector<char*> envp;
  if (const char* hooks = std::getenv(kWorkerTestHooksEnv)) {
    hooks_env = absl::StrCat(kWorkerTestHooksEnv, "=", hooks);
    envp.push_back(hooks_env.data());
  }
  envp.push_back(nullptr);
  auto worker = std::unique_ptr<WorkerProcess>(new WorkerProcess());
  const int spawned =
      posix_spawn(&worker->pid_, binary.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  sockets->second.Reset();
  if (spawned != 0) {
    worker->reaped_ = true;
    return absl::InternalError(
        absl::StrCat("cannot start a conversion worker from ", binary, ": ", strerror(spawned)));
  }
  worker->channel_ = std::move(sockets->first);
  pollfd ready{worker->channel(), POLLIN, 0};
  internal::FromWorker hello;
  std::vector<UniqueFd> fds;
  if (poll(&ready, 1, static_cast<int>(absl::ToInt64Milliseconds(kStartTimeout))) != 1 ||
      !ReceiveMessage(worker->channel(), &hello, &fds).ok() || !hello.has_ready()) {
    return absl::InternalError(absl::StrCat(
        "the conversion worker ", binary, " did not start (see its message above on stderr)"));
  }
  worker->first_idle_size_ = AddressSpaceBytes(worker->pid_);
  return worker;
}

int WorkerProcess::Reap() {
  const absl::Time limit = absl::Now() + absl::Seconds(2);
  while (!reaped_) {
    const pid_t done = waitpid(pid_, &status_, WNOHANG);
    if (done == pid_ || (done < 0 && errno != EINTR)) {
      reaped_ = true;
    } else if (absl::Now() >= limit) {
      Kill();
    } else {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  return status_;
}

void WorkerProcess::Kill() {
  channel_.Reset();
  if (reaped_ || pid_ <= 0) return;
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

bool WorkerProcess::Ended() {
  if (!reaped_ && waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

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
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!idle_.empty()) {
      std::unique_ptr<WorkerProcess> worker = std::move(idle_.back());
      idle_.pop_back();
      if (!worker->Ended()) return worker;
      pids_.erase(std::remove(pids_.begin(), pids_.end(), worker->pid()), pids_.end());
      // Its own message, if any, is on stderr just above.
      LogEvent(absl::StrCat("\"event\":\"worker_ended_idle\",\"pid\":", worker->pid(),
                            ",\"cause\":\"", ExitCause(worker->Reap()), "\""));
    }
  }
  auto worker = WorkerProcess::Start(options_.binary);
  if (worker.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    pids_.push_back((*worker)->pid());
  }
  return worker;
}

void WorkerPool::Return(std::unique_ptr<WorkerProcess> worker) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(pids_.begin(), pids_.end(), worker->pid()) == pids_.end()) {
    pids_.push_back(worker->pid());
  }
  idle_.push_back(std::move(worker));
}

void WorkerPool::Retire(std::unique_ptr<WorkerProcess> worker) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pids_.erase(std::remove(pids_.begin(), pids_.end(), worker->pid()), pids_.end());
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
  message->set_graph_size(job.graph->size());
  *message->mutable_options() = *job.options;
  if (job.deadline != absl::InfiniteFuture()) {
    message->set_deadline_unix_micros(absl::ToUnixMicros(job.deadline));
  }
  message->set_memory_limit_bytes(job.memory_limit_bytes);
  if (absl::Status sent = SendMessage(worker->channel(), request, {job.graph->fd()}); !sent.ok()) {
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
      absl::StatusOr<Artifact> artifact = ReceivedArtifact(event.artifact(), fds);
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
  if (usable && AddressSpaceBytes(pid) <= worker->first_idle_size() + kMaxGrowthBytes) {
    Return(std::move(worker));
  } else {
    Retire(std::move(worker));
  }
  return result;
}

}  // namespace tflconv::server
