#include "server/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tflconv::server {
namespace {

// Calls allowed whatever their arguments.
constexpr int kAllowed[] = {
    // memory
    SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(madvise),
    // the artifacts' memfds and the channel
    SCMP_SYS(memfd_create), SCMP_SYS(ftruncate), SCMP_SYS(fcntl), SCMP_SYS(fstat),
    SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(read), SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    // threads (the exporter fills buffers on a few) and their locks
    SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(exit),
    SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction), SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall),
    // time
    SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday),
    SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(getrusage),
    // hash seeds (abseil, libstdc++)
    SCMP_SYS(getrandom),
};

absl::Status SeccompError(absl::string_view what, int error) {
  return absl::InternalError(absl::StrCat("seccomp: ", what, ": ", strerror(-error)));
}

absl::Status LoadFilter(int channel_fd) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> filter(seccomp_init(SCMP_ACT_ERRNO(EPERM)),
                                                          seccomp_release);
  if (!filter) return absl::InternalError("seccomp_init failed");
  scmp_filter_ctx ctx = filter.get();
  int rc = 0;
  for (int call : kAllowed) {
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, call, 0)) != 0) {
      return SeccompError("allowing a call", rc);
    }
  }
  struct Rule {
    const char* what;
    uint32_t action;
    int call;
    std::vector<scmp_arg_cmp> args;
  };
  const Rule rules[] = {
      // No executable memory: nothing to run but the binary's own code.
      {"mmap", SCMP_ACT_ALLOW, SCMP_SYS(mmap), {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
      {"mprotect", SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
       {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
      // Threads only, no new processes.
      {"clone", SCMP_ACT_ALLOW, SCMP_SYS(clone),
       {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)}},
      // Its flags sit in memory a filter cannot read: glibc falls back to clone.
      {"clone3", SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), {}},
      // The channel only; stderr for the last words of abort().
      {"sendmsg", SCMP_ACT_ALLOW, SCMP_SYS(sendmsg),
       {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(channel_fd))}},
      {"recvmsg", SCMP_ACT_ALLOW, SCMP_SYS(recvmsg),
       {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(channel_fd))}},
      {"write", SCMP_ACT_ALLOW, SCMP_SYS(write), {SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO)}},
      {"writev", SCMP_ACT_ALLOW, SCMP_SYS(writev), {SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO)}},
      // Signals to itself (raise, abort), to no other process.
      {"tgkill", SCMP_ACT_ALLOW, SCMP_SYS(tgkill),
       {SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(getpid()))}},
      // Reading its limits, not raising them.
      {"prlimit64", SCMP_ACT_ALLOW, SCMP_SYS(prlimit64),
       {SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0)}},
  };
  for (const Rule& rule : rules) {
    rc = seccomp_rule_add_array(ctx, rule.action, rule.call, rule.args.size(), rule.args.data());
    if (rc != 0) return SeccompError(rule.what, rc);
  }
  if ((rc = seccomp_load(ctx)) != 0) return SeccompError("loading the filter", rc);
  return absl::OkStatus();
}

}  // namespace

absl::Status EnterSandbox(int channel_fd) {
  // The server opens its files and sockets close-on-exec, but a library
  // may not have: nothing but the channel stays.
  const unsigned keep = static_cast<unsigned>(channel_fd);
  if (keep > STDERR_FILENO + 1) close_range(STDERR_FILENO + 1, keep - 1, 0);
  close_range(keep + 1, ~0u, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || prctl(PR_SET_DUMPABLE, 0) != 0 ||
      prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(absl::StrCat("prctl: ", strerror(errno)));
  }
  return LoadFilter(channel_fd);
}

}  // namespace tflconv::server
