#include "server/worker_main.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/convert.h"
#include "server/sandbox.h"
#include "server/worker_ipc.h"
#include "tflconv/internal/worker.pb.h"

namespace tflconv::server {
namespace {

constexpr char kTestHookMarker[] = "tflconv-test-hook:";
// Free heap a worker keeps between jobs rather than give back and fault
// in again.
constexpr size_t kUntrimmedHeapBytes = 16 << 20;
// What the :spy hook looks for in the graph memfds it kept.
constexpr char kTestSecret[] = "tflconv-test-secret";

// What the sandbox answers to a few calls a conversion never makes.
std::string ProbeSandbox() {
  auto answer = [](int result) {
    return result >= 0 ? std::string("allowed") : std::string(strerrorname_np(errno));
  };
  const int file = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
  const int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const pid_t child = fork();
  if (child == 0) _exit(0);
  return absl::StrCat("sandbox: open=", answer(file), " socket=", answer(sock),
                      " fork=", answer(child));
}

// The memfds artifacts are built in (ConvertHooks::artifact_memory),
// passed to the server as they are. An artifact is built in a memfd this
// worker keeps from job to job (at most kMaxKeptArtifacts: fp32 and fp16),
// grown when a job needs more: allocating and freeing shared memory costs
// ten times what refilling it does (~0.2 s CPU per 141 MB job; ~1 ms per
// small job, bench/README.md). Those stay writable here, so the server
// copies a small artifact out as it arrives, and gives this worker no other
// job before it has streamed a large one (worker_pool.h). An artifact
// beyond those two gets a memfd of its own, frozen (sealed against any
// write) before it is passed on.
class ArtifactMemfds {
 public:
  std::shared_ptr<char> Allocate(size_t size) {
    std::shared_ptr<SharedMemory> block = TakeKept(size);
    if (!block) {
      auto memory = SharedMemory::Create("tflconv-artifact", size);
      if (!memory.ok()) throw std::bad_alloc();
      block = std::make_shared<SharedMemory>(*std::move(memory));
      // The exporter writes (nearly) all of it.
      block->PopulateForWriting(0, size);
      for (auto it = fresh_.begin(); it != fresh_.end();) {
        it = it->second.expired() ? fresh_.erase(it) : std::next(it);
      }
      fresh_[block->data()] = block;
    }
    return std::shared_ptr<char>(block, block->data());
  }

  // Passes the memfd `artifact` was built in to the server: a kept one
  // sealed against shrinking, any other frozen (and unmapped here).
  absl::Status Send(int channel, Artifact artifact) {
    std::shared_ptr<SharedMemory> block;
    bool kept = false;
    for (const Kept& k : kept_) {
      if (k.memory->data() == artifact.storage.get()) block = k.memory, kept = true;
    }
    if (auto it = fresh_.find(artifact.storage.get()); !kept && it != fresh_.end()) {
      block = it->second.lock();
    }
    if (!block) return absl::InternalError("an artifact outside the worker's memfds");
    internal::FromWorker message;
    internal::WorkerArtifact* header = message.mutable_artifact();
    header->set_kind(artifact.kind);
    header->set_file_name(artifact.file_name);
    header->set_size(artifact.bytes.size());
    header->set_offset(artifact.bytes.data() - block->data());
    artifact = {};
    if (kept) {
      if (absl::Status sealed = block->SealAgainstShrinking(); !sealed.ok()) return sealed;
      return SendMessage(channel, message, {block->fd()});
    }
    if (block.use_count() != 1) return absl::InternalError("an artifact still in use");
    auto fd = std::move(*block).Freeze();
    if (!fd.ok()) return fd.status();
    return SendMessage(channel, message, {fd->get()});
  }

  // After each job: the kept memfds serve the next one.
  void EndJob() {
    for (Kept& k : kept_) k.in_use = false;
  }
  void Release() { kept_.clear(); }
  // Overwrites every kept memfd (the test hook :scribble).
  void Scribble() {
    for (const Kept& k : kept_) memset(k.memory->data(), 0xA5, k.memory->size());
  }

 private:
  struct Kept {
    std::shared_ptr<SharedMemory> memory;
    bool in_use = false;
  };

  // A kept memfd of at least `size` bytes for this job's next artifact,
  // its pages allocated: the smallest that holds it, else the largest
  // grown, else a new one; null when this job has used them all.
  std::shared_ptr<SharedMemory> TakeKept(size_t size) {
    Kept* fits = nullptr;     // the smallest free one that holds `size`
    Kept* largest = nullptr;  // else the largest free one, grown
    for (Kept& k : kept_) {
      if (k.in_use) continue;
      const size_t have = k.memory->size();
      if (have >= size && (fits == nullptr || have < fits->memory->size())) fits = &k;
      if (largest == nullptr || have > largest->memory->size()) largest = &k;
    }
    Kept* best = fits != nullptr ? fits : largest;
    if (best == nullptr && kept_.size() < kMaxKeptArtifacts) {
      auto memory = SharedMemory::Create("tflconv-kept-artifact", size);
      if (!memory.ok()) return nullptr;
      memory->PopulateForWriting(0, size);
      kept_.push_back({std::make_shared<SharedMemory>(*std::move(memory))});
      best = &kept_.back();
    }
    if (best == nullptr) return nullptr;
    const size_t populated = best->memory->size();
    if (!best->memory->Grow(size).ok()) return nullptr;
    best->memory->PopulateForWriting(populated, size - populated);
    best->in_use = true;
    return best->memory;
  }

  std::vector<Kept> kept_;
  std::map<const void*, std::weak_ptr<SharedMemory>> fresh_;
};

// The server passes each job's graph in this worker's own graph memfd
// (worker_pool.h), the same one job after job until it needs a larger one:
// its mapping is kept, since mapping a 141 MB graph anew costs ~18 ms of
// page faults each job.
class GraphMapping {
 public:
  // The first `size` bytes of the memfd `fd`.
  absl::StatusOr<std::shared_ptr<SharedMemory>> Map(UniqueFd fd, size_t size) {
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return absl::InternalError("a job's graph memfd is gone");
    // The kept mapping holds its memfd, so no other one has its inode.
    if (!mapping_ || st.st_ino != inode_) {
      mapping_.reset();
      auto mapped = SharedMemory::MapReadOnly(std::move(fd));
      if (!mapped.ok()) return mapped.status();
      mapping_ = std::make_shared<SharedMemory>(*std::move(mapped));
      inode_ = st.st_ino;
    }
    if (size == 0 || size > mapping_->size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("a job's graph of ", size, " bytes in a memfd of ", mapping_->size()));
    }
    return mapping_;
  }
  void Release() { mapping_.reset(); }

 private:
  std::shared_ptr<SharedMemory> mapping_;
  ino_t inode_ = 0;
};

// The test hooks (worker_main.h): acts on the first marker in the graph.
absl::Status RunTestHook(absl::string_view graph, const ConvertHooks& hooks, ArtifactMemfds& memfds,
                         const std::shared_ptr<SharedMemory>& graph_memfd) {
  const size_t at = graph.find(kTestHookMarker);
  if (at == absl::string_view::npos) return absl::OkStatus();
  const absl::string_view hook = graph.substr(at + strlen(kTestHookMarker));
  if (absl::StartsWith(hook, "segv")) {
    *static_cast<volatile int*>(nullptr) = 1;
  } else if (absl::StartsWith(hook, "spin")) {
    volatile bool forever = true;
    while (forever) {
    }
  } else if (absl::StartsWith(hook, "alloc")) {
    // Address space only (never touched), up to where the job's limit
    // must have stopped it.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 256; ++i) blocks.emplace_back(new char[64 << 20]);
    return absl::InternalError("16 GiB allocated: the memory limit did not stop the job");
  } else if (absl::StartsWith(hook, "wait")) {
    hooks.progress("wait", 0);
    while (!hooks.cancelled()) absl::SleepFor(absl::Milliseconds(5));
    return absl::CancelledError("the job was cancelled while it waited (test hook)");
  } else if (absl::StartsWith(hook, "sandbox")) {
    return absl::PermissionDeniedError(ProbeSandbox());
  } else if (absl::StartsWith(hook, "scribble")) {
    memfds.Scribble();
  } else if (absl::StartsWith(hook, "spy")) {
    // Keeps a mapping of every graph memfd it is given, as a worker a
    // graph took over could, and tells whether any holds the secret.
    static std::vector<std::shared_ptr<SharedMemory>> spied;
    spied.push_back(graph_memfd);
    bool seen = false;
    for (const auto& memory : spied) seen |= absl::StrContains(memory->view(), kTestSecret);
    return absl::FailedPreconditionError(
        absl::StrCat("spy in worker ", getpid(), seen ? ": saw" : ": did not see", " the secret"));
  }
  return absl::OkStatus();
}

// Converts one job and reports its end; true when the worker must exit
// afterwards.
bool RunJob(int channel, const internal::WorkerJob& job, UniqueFd graph_fd,
            GraphMapping& graph_mapping, ArtifactMemfds& memfds, bool test_hooks) {
  internal::FromWorker message;
  internal::WorkerDone* done = message.mutable_done();
  absl::StatusOr<std::shared_ptr<SharedMemory>> graph =
      graph_mapping.Map(std::move(graph_fd), job.graph_size());
  if (!graph.ok()) {
    done->set_code(static_cast<int>(graph.status().code()));
    done->set_message(std::string(graph.status().message()));
    return !SendMessage(channel, message).ok();
  }
  const absl::Time deadline = job.deadline_unix_micros() == 0
                                  ? absl::InfiniteFuture()
                                  : absl::FromUnixMicros(job.deadline_unix_micros());
  bool cancelled = false;
  ConvertHooks hooks;
  // Any message while a job runs (a cancel, or the channel closing) stops it.
  hooks.cancelled = [&] {
    if (cancelled || absl::Now() >= deadline) return true;
    pollfd ready{channel, POLLIN, 0};
    if (poll(&ready, 1, 0) > 0) cancelled = true;
    return cancelled;
  };
  hooks.progress = [&](absl::string_view stage, double fraction) {
    internal::FromWorker progress;
    progress.mutable_progress()->set_stage(std::string(stage));
    progress.mutable_progress()->set_fraction(fraction);
    (void)SendMessage(channel, progress);
  };
  hooks.artifact_memory = [&](size_t size) { return memfds.Allocate(size); };
  hooks.artifact_ready = [&](Artifact artifact) {
    return memfds.Send(channel, std::move(artifact));
  };

  ConversionResult result;
  bool exiting = false;
  try {
    const absl::string_view bytes = (*graph)->view().substr(0, job.graph_size());
    if (test_hooks) result.status = RunTestHook(bytes, hooks, memfds, *graph);
    if (result.status.ok()) result = Convert(bytes, job.options(), hooks);
  } catch (const std::bad_alloc&) {
    result.status = absl::ResourceExhaustedError(absl::StrCat(
        "the conversion needed more memory than the job's limit of ", job.memory_limit_bytes(),
        " bytes (its reservation: the graph's size times --memory_per_graph_byte, at least "
        "--min_job_memory_bytes)"));
    exiting = true;
  } catch (const std::exception& e) {
    result.status = absl::InternalError(absl::StrCat("the converter failed: ", e.what()));
    exiting = true;
  }
  done->set_code(static_cast<int>(result.status.code()));
  done->set_message(std::string(result.status.message()));
  *done->mutable_report() = std::move(result.report);
  done->set_exiting(exiting);
  return !SendMessage(channel, message).ok() || exiting;
}

}  // namespace

bool IsWorkerInvocation(int argc, char** argv) {
  return argc >= 2 && absl::StartsWith(argv[1], kWorkerFdFlag);
}

int WorkerMain(int argc, char** argv) {
  int channel = -1;
  if (argc != 2 || !absl::SimpleAtoi(argv[1] + strlen(kWorkerFdFlag), &channel) || channel < 0) {
    std::cerr << "tflconv-server: the worker mode is started by the server only\n";
    return 2;
  }
  const bool test_hooks = std::getenv(kWorkerTestHooksEnv) != nullptr;
  // The job's limit bounds address space, where each thread's malloc arena
  // would reserve 64 MiB of its own: one arena for all.
  mallopt(M_ARENA_MAX, 1);
  if (absl::Status s = EnterSandbox(channel); !s.ok()) {
    std::cerr << "tflconv-server worker: cannot enter the sandbox: " << s.message() << "\n";
    return 1;
  }
  internal::FromWorker ready;
  ready.mutable_ready();
  if (!SendMessage(channel, ready).ok()) return 1;
  GraphMapping graph_mapping;
  ArtifactMemfds memfds;
  for (;;) {
    internal::ToWorker request;
    std::vector<UniqueFd> fds;
    const absl::Status received = ReceiveMessage(channel, &request, &fds);
    if (absl::IsUnavailable(received)) return 0;  // the server closed the channel
    if (!received.ok()) {
      std::cerr << "tflconv-server worker: cannot receive a job: " << received.message() << "\n";
      return 1;
    }
    if (request.has_cancel()) continue;  // for a job already over
    if (request.has_release()) {
      memfds.Release();
      graph_mapping.Release();
      malloc_trim(0);
      continue;
    }
    if (!request.has_job() || fds.size() != 1) {
      std::cerr << "tflconv-server worker: a message that is not a job with its graph\n";
      return 1;
    }
    const bool exiting =
        RunJob(channel, request.job(), std::move(fds[0]), graph_mapping, memfds, test_hooks);
    if (exiting) return 0;
    memfds.EndJob();
    // Freed memory goes back to the system before the next job's limit is
    // measured from this worker's size, once there is enough of it to
    // matter: trimming after every small job made the next one fault its
    // heap in anew.
    if (mallinfo2().fordblks > kUntrimmedHeapBytes) malloc_trim(0);
  }
}

}  // namespace tflconv::server
