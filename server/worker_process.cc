#include "server/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/worker_main.h"

namespace tflconv::server {
namespace {

// The worker's end of its channel.
constexpr int kChannelFd = 3;
constexpr absl::Duration kStartTimeout = absl::Seconds(10);

}  // namespace

// The process's virtual size (what RLIMIT_AS bounds); 0 when unknown.
uint64_t AddressSpaceBytes(pid_t pid) {
  std::ifstream statm(absl::StrCat("/proc/", pid, "/statm"));
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

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
  loans_->Lend(bytes.size());
  auto* lent = new std::shared_ptr<SharedMemory>(mapped);
  std::shared_ptr<const void> storage(
      lent, [loans = loans_, size = bytes.size()](std::shared_ptr<SharedMemory>* held) {
        delete held;
        loans->Return(size);
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

}  // namespace tflconv::server
