// One tflconv-server on loopback as bench/soak watches it: started here or
// found by the port it listens on; a process that dies or a pid that
// changes counts as a restart (one started here is started again on the
// same port); its resident memory and its worker processes' are sampled
// from /proc.
#ifndef TFLCONV_BENCH_SERVER_WATCH_H_
#define TFLCONV_BENCH_SERVER_WATCH_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/server/test_support.h"

namespace tflconv::soak {

class ServerWatch {
 public:
  // Runs `argv` (a tflconv-server command listening on 127.0.0.1; its first
  // stdout line names the port), its stderr appended to `log`.
  static absl::StatusOr<std::unique_ptr<ServerWatch>> Start(std::vector<std::string> argv,
                                                            std::string log);
  // A server run by someone else on 127.0.0.1:port; pid 0: whichever
  // process listens there.
  static absl::StatusOr<std::unique_ptr<ServerWatch>> Attach(int port, pid_t pid);
  ~ServerWatch();

  int port() const { return port_; }
  // Its /metrics port (0: none, or attached).
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  int restarts() const { return restarts_; }

  // Looks at the process: "" while it is the one seen before, else what
  // happened (counted as a restart).
  std::string Check();
  // VmRSS in MiB of the server process (-1 when it is gone) and of its
  // children (the worker processes) together.
  double RssMiB() const;
  double WorkersRssMiB() const;
  // The server's RSS split as the kernel counts it, for telling a heap that
  // grows from code pages faulted in late: "anon A, file F, shmem S MiB".
  std::string RssParts() const;
  // SIGTERM to a server started here, then its exit code.
  int Stop();

 private:
  ServerWatch() = default;
  absl::Status Spawn(std::vector<std::string> argv);

  std::vector<std::string> argv_;  // empty when attached
  std::string log_;
  std::unique_ptr<testing::Child> child_;
  int port_ = 0;
  int metrics_port_ = 0;
  pid_t pid_ = 0;
  int restarts_ = 0;
};

}  // namespace tflconv::soak

#endif  // TFLCONV_BENCH_SERVER_WATCH_H_
