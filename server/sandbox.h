// The confinement of a conversion worker process (--isolation=process),
// entered once at its start, before it takes any job. A graph that finds
// a bug in the converter can then crash, spin or blow up only its own
// worker, and can do little else from there:
//   - every file descriptor but the channel to the server is closed; no
//     new privileges (PR_SET_NO_NEW_PRIVS); not dumpable (no ptrace by
//     others, no core files); killed when the server goes
//     (PR_SET_PDEATHSIG);
//   - a seccomp filter (libseccomp) that allows only what a conversion
//     and the channel need: memory (mmap and mprotect without PROT_EXEC,
//     munmap, mremap, brk, madvise), memfds for the artifacts (memfd_create,
//     ftruncate, fcntl for the seals, fstat), sendmsg/recvmsg on the
//     channel, write on stderr, threads (clone with CLONE_THREAD; clone3 is
//     refused with ENOSYS so that glibc falls back to clone), futex,
//     clocks, sleeps, signals to itself, exit. Anything else (open,
//     socket, connect, execve, fork, kill, ptrace, setrlimit, ...) fails
//     with EPERM: an unforeseen call then fails as an error the converter
//     reports, instead of killing a job that did nothing wrong.
// The per-job limits (address space, CPU time) are set on the worker by
// the server (prlimit), which the filter keeps the worker from raising.
#ifndef TFLCONV_SERVER_SANDBOX_H_
#define TFLCONV_SERVER_SANDBOX_H_

#include "absl/status/status.h"

namespace tflconv::server {

// Confines the calling process as above, keeping only stdin, stdout,
// stderr and `channel_fd` open. Call it while the process has one thread.
absl::Status EnterSandbox(int channel_fd);

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_SANDBOX_H_
