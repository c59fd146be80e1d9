// tflconv-server: the ConvertModel gRPC service. See --help for flags.
//
// SIGTERM or SIGINT drains (health NOT_SERVING, new calls UNAVAILABLE,
// in-flight jobs get --drain_grace_seconds to finish) and exits 0; a
// second signal stops at once. Exit 2 on bad flags, 1 when it cannot start.
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/flags.h"
#include "server/heap_trimmer.h"
#include "server/server.h"
#include "server/worker_main.h"

int main(int argc, char** argv) {
  using namespace tflconv::server;
  // Started by the server itself (--isolation=process): converts, nothing else.
  if (IsWorkerInvocation(argc, argv)) return WorkerMain(argc, argv);
  ConfineHeapToMainArena();
  auto flags = ParseServerFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "tflconv-server: " << flags.status().message() << "\n\n" << ServerFlagsHelp();
    return 2;
  }
  if (flags->help) {
    std::cout << ServerFlagsHelp();
    return 0;
  }
  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = Server::Create(flags->options);
  if (!server.ok()) {
    std::cerr << "tflconv-server: " << server.status().message() << "\n";
    return 2;
  }
  if (absl::Status s = (*server)->Start(); !s.ok()) {
    std::cerr << "tflconv-server: " << s.message() << "\n";
    return 1;
  }
  // One parseable line on stdout (the tests read the ports from it).
  std::cout << "tflconv-server listening on port " << (*server)->port() << " metrics port "
            << (*server)->metrics_port() << " workers " << (*server)->service()->workers()
            << " isolation " << (flags->options.service.worker_binary.empty() ? "thread" : "process")
            << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cerr << "{\"event\":\"drain\",\"signal\":" << signal_number << "}" << std::endl;
  (*server)->BeginDrain();
  const absl::Time deadline = absl::Now() + flags->options.drain_grace;
  bool drained = false;
  while (!(drained = (*server)->WaitDrained(std::min(deadline, absl::Now() + absl::Milliseconds(100))))) {
    if (absl::Now() >= deadline) break;
    timespec zero{0, 0};
    if (sigtimedwait(&signals, nullptr, &zero) > 0) break;  // a second signal: stop now
  }
  (*server)->Stop();
  std::cerr << "{\"event\":\"stopped\",\"drained\":" << (drained ? "true" : "false") << "}"
            << std::endl;
  // Out at once, without destroying the server: gRPC is stopped and every
  // job has ended, but the metrics web server (civetweb) takes up to 2 s to
  // notice a stop and gRPC's library shutdown waits up to 10 s for its
  // objects, delays a drained pod need not sit through.
  std::cout.flush();
  std::_Exit(0);
}
