#include "server/worker_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
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
// How long a job waits for the worker it would get to have its artifacts
// streamed (see Loans) before that worker is replaced: about the download
// of a 141 MB job's artifacts on loopback, and less than a new worker and
// new memfds would cost.
constexpr absl::Duration kLoanWait = absl::Milliseconds(500);
// What /proc/PID/maps shows of an upload or a worker's graph memfd.
constexpr char kGraphMemfdName[] = "tflconv-graph";
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

void LogEvent(const std::string& fields) {
  std::cerr << absl::StrCat("{\"ts\":\"",
                            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                             absl::UTCTimeZone()),
                            "\",", fields, "}\n")
            << std::flush;
}

// The artifacts a worker lent the server: built in memfds the worker keeps
// and can still write, streamed from there, returned when the server drops
// them (they may outlive the pool).
class Loans {
 public:
  void Lend() {
    std::lock_guard<std::mutex> lock(mu_);
    ++out_;
  }
  void Return() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --out_;
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

 private:
  std::mutex mu_;
  std::condition_variable returned_;
  int out_ = 0;
};

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
  Loans& loans() { return *loans_; }

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

absl::StatusOr<int> WorkerProcess::TakeGraph(SharedMemory& upload, size_t size) {
  const bool holds = graph_ && graph_->size() >= size;
  if (!holds && upload.size() == size) {
    if (absl::Status sealed = upload.SealForReaders(); !sealed.ok()) return sealed;
    graph_ = std::move(upload);
    return graph_->fd();
  }
  if (!holds) {
    graph_.reset();
    auto memory = SharedMemory::Create(kGraphMemfdName, size);
    if (!memory.ok()) return memory.status();
    if (absl::Status sealed = memory->SealForReaders(); !sealed.ok()) return sealed;
    memory->PopulateForWriting(0, size);
    graph_ = *std::move(memory);
  }
  memcpy(graph_->data(), upload.data(), size);
  return graph_->fd();
}

absl::StatusOr<Artifact> WorkerProcess::ReceiveArtifact(const internal::WorkerArtifact& header,
                                                        std::vector<UniqueFd>& fds) {
  if (fds.size() != 1) return absl::InternalError("an artifact without its memfd");
  struct stat st;
  if (fstat(fds[0].get(), &st) != 0) return absl::InternalError("an artifact's memfd is gone");
  const bool frozen = IsFrozen(fds[0].get());
  // A kept memfd keeps its mapping here too: mapping 211 MB of artifacts
  // anew costs ~25 ms of page faults per 141 MB job.
  std::shared_ptr<SharedMemory> mapped;
  if (auto it = kept_.find(st.st_ino); !frozen && it != kept_.end() &&
                                       it->second->size() == static_cast<size_t>(st.st_size)) {
    mapped = it->second;
  } else {
    auto mapping = SharedMemory::MapReadOnly(std::move(fds[0]));
    if (!mapping.ok()) return mapping.status();
    mapped = std::make_shared<SharedMemory>(*std::move(mapping));
  }
  if (header.size() == 0 || header.offset() > mapped->size() ||
      header.size() > mapped->size() - header.offset()) {
    return absl::InternalError("an artifact outside its memfd");
  }
  const absl::string_view bytes = mapped->view().substr(header.offset(), header.size());
  if (frozen) return Artifact{header.kind(), header.file_name(), bytes, mapped};
  kept_[st.st_ino] = mapped;
  if (kept_.size() > kMaxKeptArtifacts) {
    return absl::InternalError("more kept artifact memfds than a worker may keep");
  }
  if (bytes.size() < kLentArtifactBytes) {
    // Copied out now (~50 us for 0.5 MB) rather than lent: the worker is
    // free for the next job at once.
    auto copy = std::make_shared<const std::string>(bytes);
    return Artifact{header.kind(), header.file_name(), *copy, std::move(copy)};
  }
  loans_->Lend();
  auto* lent = new std::shared_ptr<SharedMemory>(mapped);
  std::shared_ptr<const void> storage(lent, [loans = loans_](std::shared_ptr<SharedMemory>* held) {
    delete held;
    loans->Return();
  });
  return Artifact{header.kind(), header.file_name(), bytes, std::move(storage)};
}

uint64_t WorkerProcess::kept_bytes() const {
  uint64_t total = graph_ ? graph_->size() : 0;
  for (const auto& [inode, mapping] : kept_) total += mapping->size();
  return total;
}

void WorkerProcess::ReleaseKept() {
  internal::ToWorker release;
  release.mutable_release();
  (void)SendMessage(channel(), release);  // a worker that is gone dropped them
  kept_.clear();
  graph_.reset();
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
                               [](const auto& idle) { return idle->loans().all_returned(); });
    if (chosen == idle_.end() && !idle_.empty()) chosen = idle_.begin();
    if (chosen != idle_.end()) {
      worker = std::move(*chosen);
      idle_.erase(chosen);
    }
  }
  if (worker != nullptr) {
    if (worker->loans().WaitReturned(kLoanWait)) return worker;
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
  kept_by_worker_[worker->pid()] = worker->kept_bytes();
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
  NoteKept(*worker);
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
      NoteKept(*worker);
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
    kept_by_worker_[worker->pid()] = 0;
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
  for (const auto& [pid, bytes] : kept_by_worker_) total += bytes;
  return total;
}

void WorkerPool::NoteKept(const WorkerProcess& worker) {
  std::lock_guard<std::mutex> lock(mu_);
  kept_by_worker_[worker.pid()] = worker.kept_bytes();
  PublishKeptLocked();
}

void WorkerPool::PublishKeptLocked() {
  if (options_.metrics) options_.metrics->SetKeptMemory(KeptBytesLocked());
}

}  // namespace tflconv::server
