#include "server/worker_ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tflconv::server {
namespace {

// A datagram's first byte says where the message is: right after it, or
// (too large for a datagram) in the last memfd passed with it.
constexpr char kInline = 0;
constexpr char kInMemfd = 1;
// Well below the socket buffer (net.core.wmem_default, ~208 KiB), which
// bounds a datagram.
constexpr size_t kInlineBytes = 48 << 10;
constexpr size_t kMaxFds = 4;

constexpr int kSizeSeals = F_SEAL_SHRINK | F_SEAL_GROW;

absl::Status Errno(absl::string_view what) {
  const int error = errno;
  const std::string text = absl::StrCat(what, ": ", strerror(error));
  if (error == ENOMEM || error == EMFILE || error == ENFILE || error == ENOSPC) {
    return absl::ResourceExhaustedError(text);
  }
  return absl::InternalError(text);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() { return std::exchange(fd_, -1); }

void UniqueFd::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::StatusOr<SharedMemory> SharedMemory::Create(const char* name, size_t size) {
  if (size == 0) return absl::InvalidArgumentError("shared memory of 0 bytes");
  UniqueFd fd(memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) return Errno("memfd_create");
  if (ftruncate(fd.get(), static_cast<off_t>(size)) != 0) return Errno("ftruncate of a memfd");
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (data == MAP_FAILED) return Errno("mmap of a memfd");
  return SharedMemory(std::move(fd), static_cast<char*>(data), size);
}

absl::StatusOr<SharedMemory> SharedMemory::MapReadOnly(UniqueFd fd, size_t size) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Errno("fstat of a received memfd");
  const size_t whole = static_cast<size_t>(st.st_size);
  if (size == 0) size = whole;
  if (size == 0) return absl::InvalidArgumentError("a received memfd is empty");
  if (size > whole) {
    return absl::InvalidArgumentError(
        absl::StrCat("a received memfd holds ", whole, " bytes, not ", size));
  }
  const int seals = fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) {
    return absl::InvalidArgumentError("a received memfd is not sealed against shrinking");
  }
  // Not populated: a read fault maps the pages around it too (the kernel's
  // fault-around, 64 KiB), and mapping a 141 MB memfd took 16-18 ms by the
  // reads that touch it against 22-39 ms with MAP_POPULATE here.
  void* data = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (data == MAP_FAILED) return Errno("mmap of a received memfd");
  return SharedMemory(std::move(fd), static_cast<char*>(data), size);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : fd_(std::move(other.fd_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    Unmap();
    fd_ = std::move(other.fd_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedMemory::~SharedMemory() { Unmap(); }

void SharedMemory::Unmap() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

void SharedMemory::PopulateForWriting(size_t offset, size_t length) {
  static const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (length == 0 || offset >= size_) return;
  const size_t begin = offset / kPage * kPage;
  const size_t end = std::min(size_, offset + length);
  (void)madvise(data_ + begin, end - begin, MADV_POPULATE_WRITE);
}

absl::Status SharedMemory::Grow(size_t size) {
  if (size <= size_) return absl::OkStatus();
  if (ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) return Errno("growing a memfd");
  void* data = mremap(data_, size_, size, MREMAP_MAYMOVE);
  if (data == MAP_FAILED) return Errno("mremap of a memfd");
  data_ = static_cast<char*>(data);
  size_ = size;
  return absl::OkStatus();
}

absl::Status SharedMemory::SealForReaders() {
  if (fcntl(fd_.get(), F_ADD_SEALS, kSizeSeals | F_SEAL_FUTURE_WRITE) != 0) {
    return Errno("sealing a memfd");
  }
  return absl::OkStatus();
}

absl::Status SharedMemory::SealAgainstShrinking() {
  if (fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) return Errno("sealing a memfd");
  return absl::OkStatus();
}

absl::StatusOr<UniqueFd> SharedMemory::Freeze() && {
  Unmap();  // F_SEAL_WRITE needs no writable mapping left
  if (fcntl(fd_.get(), F_ADD_SEALS, kSizeSeals | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return Errno("sealing a memfd");
  }
  return std::move(fd_);
}

bool IsFrozen(int fd) {
  const int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_WRITE) != 0;
}

absl::StatusOr<std::pair<UniqueFd, UniqueFd>> WorkerSocketPair() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return Errno("socketpair");
  }
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

absl::Status SendMessage(int socket, const google::protobuf::MessageLite& message,
                         const std::vector<int>& fds) {
  std::string frame(1, kInline);
  if (!message.AppendToString(&frame)) return absl::InternalError("cannot serialize a message");
  std::vector<int> passed = fds;
  UniqueFd spilled;
  if (frame.size() - 1 > kInlineBytes) {
    auto memory = SharedMemory::Create("tflconv-message", frame.size() - 1);
    if (!memory.ok()) return memory.status();
    memcpy(memory->data(), frame.data() + 1, frame.size() - 1);
    auto fd = std::move(*memory).Freeze();
    if (!fd.ok()) return fd.status();
    spilled = *std::move(fd);
    passed.push_back(spilled.get());
    frame.assign(1, kInMemfd);
  }
  if (passed.size() > kMaxFds) return absl::InternalError("too many fds for one message");
  iovec iov{frame.data(), frame.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (!passed.empty()) {
    header.msg_control = control;
    header.msg_controllen = CMSG_SPACE(sizeof(int) * passed.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * passed.size());
    memcpy(CMSG_DATA(cmsg), passed.data(), sizeof(int) * passed.size());
  }
  ssize_t sent;
  do {
    sent = sendmsg(socket, &header, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EPIPE || errno == ECONNRESET) return absl::UnavailableError("the peer is gone");
    return Errno("sendmsg");
  }
  return absl::OkStatus();
}

absl::Status ReceiveMessage(int socket, google::protobuf::MessageLite* message,
                            std::vector<UniqueFd>* fds) {
  fds->clear();
  std::string frame(kInlineBytes + 1, '\0');
  iovec iov{frame.data(), frame.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  header.msg_control = control;
  header.msg_controllen = sizeof(control);
  ssize_t received;
  do {
    received = recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    if (errno == ECONNRESET) return absl::UnavailableError("the peer is gone");
    return Errno("recvmsg");
  }
  // Owned before anything can fail, so that none leaks.
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&header, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      fds->emplace_back(fd);
    }
  }
  if (received == 0) return absl::UnavailableError("the peer closed its end");
  if ((header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return absl::InternalError("a message was truncated");
  }
  if (frame[0] == kInline) {
    if (!message->ParseFromArray(frame.data() + 1, static_cast<int>(received - 1))) {
      return absl::InternalError("cannot parse a message");
    }
    return absl::OkStatus();
  }
  if (frame[0] != kInMemfd || received != 1 || fds->empty()) {
    return absl::InternalError("a malformed message");
  }
  UniqueFd spilled = std::move(fds->back());
  fds->pop_back();
  auto memory = SharedMemory::MapReadOnly(std::move(spilled));
  if (!memory.ok()) return memory.status();
  if (!message->ParseFromArray(memory->data(), static_cast<int>(memory->size()))) {
    return absl::InternalError("cannot parse a message");
  }
  return absl::OkStatus();
}

}  // namespace tflconv::server
