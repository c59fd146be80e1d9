// What crosses between tflconv-server and its conversion worker processes
// (--isolation=process): memfd-backed shared memory, which carries the
// graph one way and each artifact the other without copying them through
// a pipe, and the small messages of proto/tflconv/internal/worker.proto
// over a SOCK_SEQPACKET socketpair, which passes those memfds beside them
// (SCM_RIGHTS).
#ifndef TFLCONV_SERVER_WORKER_IPC_H_
#define TFLCONV_SERVER_WORKER_IPC_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace tflconv::server {

// An owned file descriptor, closed when dropped.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();

 private:
  int fd_ = -1;
};

// A memfd and its shared mapping (read-write when created here, read-only
// when received), unmapped and closed when dropped. Its pages belong to
// every process that maps or holds the memfd: a worker maps the graph the
// server copied into one, and the server streams the artifacts straight
// from the ones a worker filled.
class SharedMemory {
 public:
  // A new memfd of `size` (> 0) bytes, mapped read-write. `name` shows in
  // /proc/PID/maps. RESOURCE_EXHAUSTED when the memory is not there.
  static absl::StatusOr<SharedMemory> Create(const char* name, size_t size);
  // Maps the first `size` bytes of `fd` (0: all of it) read-only;
  // INVALID_ARGUMENT when that is empty, beyond its end, or the memfd is
  // not sealed against shrinking (reads past a shrunk end would fault).
  static absl::StatusOr<SharedMemory> MapReadOnly(UniqueFd fd, size_t size = 0);

  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  ~SharedMemory();

  char* data() const { return data_; }
  size_t size() const { return size_; }
  absl::string_view view() const { return {data_, size_}; }
  int fd() const { return fd_.get(); }

  // Allocates and maps the pages of [offset, offset + length) of a
  // read-write mapping in one call (MADV_POPULATE_WRITE) before they are
  // written, instead of one page fault each: filling 141 MB this way takes
  // ~45 ms more than the heap, against ~115 ms with faults. A kernel
  // without it (before 5.14) leaves the pages to the faults.
  void PopulateForWriting(size_t offset, size_t length);

  // Grows the memfd and its mapping to `size` bytes (a no-op when it is
  // that large already); the pages it had stay.
  absl::Status Grow(size_t size);

  // Seals the memfd before it is passed on to a process that is not
  // trusted with it: its size, and any write but through the mappings that
  // exist now (F_SEAL_FUTURE_WRITE): the receiver can map it read-only and
  // nothing else, while this mapping stays writable for the next contents.
  absl::Status SealForReaders();
  // Seals against shrinking only, before the memfd is passed on: a
  // receiver refuses one that could shrink under its mapping, and the
  // sender can still grow it (and write it) for later contents.
  absl::Status SealAgainstShrinking();
  // Unmaps, seals the memfd against any change and returns it, to be
  // passed on (an artifact once written).
  absl::StatusOr<UniqueFd> Freeze() &&;

 private:
  SharedMemory(UniqueFd fd, char* data, size_t size)
      : fd_(std::move(fd)), data_(data), size_(size) {}
  void Unmap();

  UniqueFd fd_;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// True when no process can write the memfd `fd` any more (Freeze()).
bool IsFrozen(int fd);

// A socketpair for one worker: [0] stays in the server, [1] goes to the
// worker. Both close on exec (the spawn dups [1] to the worker's fd).
absl::StatusOr<std::pair<UniqueFd, UniqueFd>> WorkerSocketPair();

// Sends `message` with `fds` (not taken over) as one datagram. A message
// too large for one datagram travels in a memfd of its own.
absl::Status SendMessage(int socket, const google::protobuf::MessageLite& message,
                         const std::vector<int>& fds = {});

// Blocks for the next message and the fds passed with it. UNAVAILABLE when
// the peer closed its end (or died), INTERNAL when the datagram is not a
// message (a worker is trusted no more than the graph it converts).
absl::Status ReceiveMessage(int socket, google::protobuf::MessageLite* message,
                            std::vector<UniqueFd>* fds);

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_WORKER_IPC_H_
