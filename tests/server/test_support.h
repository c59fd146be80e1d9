// Helpers for the service tests: small graphs, an in-process server on
// loopback, raw calls, health checks, an HTTP GET for /metrics, TLS
// material and child processes.
#ifndef TFLCONV_TESTS_SERVER_TEST_SUPPORT_H_
#define TFLCONV_TESTS_SERVER_TEST_SUPPORT_H_

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/remote.h"
#include "core/convert.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/conversion_service.h"
#include "server/server.h"
#include "tflconv/v1/converter.grpc.pb.h"

namespace tflconv::testing {

// x[1,8] -> MatMul(w[8,4]) -> BiasAdd -> Relu -> "out"; converts cleanly.
std::string SmallGraph();
v1::ConversionOptions SmallGraphOptions();  // both artifacts
// SmallGraph() plus an unused node named after a worker test hook
// (server/worker_main.h; a GraphDef's serialization concatenates).
std::string HookedGraph(const std::string& hook);
// The sample model (bench/sample_model.h) of about `target_mb` MB, with
// 64x64 images; converts with bench::SampleConversionOptions().
std::string SampleGraph(double target_mb);
// A process's virtual size, from /proc (a worker maps its kept memfds).
uint64_t VirtualBytes(pid_t pid);
// x -> "NotARealTfOp" -> "out": FAILED_PRECONDITION under TFLITE_BUILTINS.
std::string UnsupportedGraph();

// A one-shot event between threads.
class Latch {
 public:
  void Notify();
  bool notified();
  // Until notified (true), or false after `limit` (a hang guard, not a
  // timing assertion).
  bool Wait(absl::Duration limit = absl::Seconds(60));

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

// A job's listener for tests that drive ConversionService directly: it
// keeps the outcome's status, notifies `finished`, notifies `waiting` when
// the worker test hook :wait has the job, and drops the artifacts as they
// come unless told to hold them.
class FinishedLatch : public server::JobListener {
 public:
  void OnProgress(absl::string_view stage, double) override {
    if (stage == "wait") waiting.Notify();
  }
  void OnArtifact(server::ArtifactOut artifact) override {
    if (hold_artifacts) held.push_back(std::move(artifact));
  }
  void OnFinished(server::JobOutcome outcome) override {
    status = outcome.status;
    finished.Notify();
  }
  bool hold_artifacts = false;
  std::vector<server::ArtifactOut> held;
  absl::Status status;
  Latch waiting;
  Latch finished;
};

// An artifact holding a copy of `bytes` ("model_fp32.tflite" or
// "model_fp16.tflite" by kind); `freed`, when given, is notified once the
// last holder lets the bytes go.
Artifact MakeArtifact(v1::ArtifactKind kind, const std::string& bytes,
                      std::shared_ptr<Latch> freed = nullptr);

// Options of a plaintext in-process server on 127.0.0.1, ports picked by
// the kernel, metrics in memory only unless `metrics`.
server::Server::Options LoopbackOptions(bool metrics = false);
// Creates and starts it (fails the test on error).
std::unique_ptr<server::Server> StartServer(server::Server::Options options);
std::string Target(int port);  // "127.0.0.1:PORT"

std::shared_ptr<grpc::Channel> PlaintextChannel(int port);

// A raw ConvertModel call, for the protocol-level tests.
struct RawCall {
  grpc::Status status;
  std::vector<v1::ConvertResponse> responses;
  std::multimap<std::string, std::string> trailers;
  bool Has(v1::ConvertResponse::PayloadCase kind) const;
};
RawCall CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                const std::vector<v1::ConvertRequest>& requests,
                absl::Duration timeout = absl::Seconds(60), const std::string& token = "");
// start + chunks of `chunk` bytes.
std::vector<v1::ConvertRequest> Requests(const std::string& graph,
                                         const v1::ConversionOptions& options,
                                         size_t chunk = 1 << 20);

// Remote-mode options for a plaintext server on 127.0.0.1:port.
cli::RemoteOptions Remote(int port);
// ConvertRemote of `graph` ("small.pb") through a new channel.
cli::RemoteResult ConvertVia(const cli::RemoteOptions& remote, const std::string& graph,
                             const v1::ConversionOptions& options = SmallGraphOptions());

// The value of a metric line such as `tflconv_requests_total{code="OK"}`
// (0 when absent, -1 when /metrics cannot be read).
double Metric(int port, const std::string& series);

// Waits (without a time assertion) until `done` holds; false after `limit`.
template <typename F>
bool Eventually(F done, absl::Duration limit = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

// A call left open mid-upload (it holds a queue slot).
class HeldUpload {
 public:
  HeldUpload(const std::shared_ptr<grpc::Channel>& channel, const std::string& graph);
  bool accepted() const { return accepted_; }
  // Sends the rest and reads everything.
  grpc::Status Complete(const std::string& graph);
  grpc::Status Cancel();

 private:
  v1::Converter::Stub stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ConvertRequest, v1::ConvertResponse>> stream_;
  v1::ConvertResponse first_;
  bool accepted_ = false;
};

// Serves `service` (a stand-in Converter) on loopback for one ConvertVia
// of SmallGraph() with a `timeout`.
cli::RemoteResult ConvertAgainst(grpc::Service& service, absl::Duration timeout = absl::Seconds(60));

// grpc.health.v1 Check; -1 when the call fails.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "");

// GET http://127.0.0.1:port/path; the body.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// A CA, a server certificate for "localhost"/127.0.0.1 and a client
// certificate, made with the openssl CLI under `dir`.
struct TlsFiles {
  std::string ca, server_cert, server_key, client_cert, client_key;
};
absl::StatusOr<TlsFiles> MakeTlsFiles(const std::string& dir);

// A child process with stdout on a pipe (stderr inherited, or appended to
// `stderr_file`).
class Child {
 public:
  static absl::StatusOr<std::unique_ptr<Child>> Spawn(const std::vector<std::string>& argv,
                                                      const std::vector<std::string>& env = {},
                                                      const std::string& stderr_file = "");
  ~Child();
  // False once it has exited (then Wait() returns its code at once).
  bool Running();
  // The next stdout line ("" at EOF or after `timeout`).
  std::string ReadLine(absl::Duration timeout = absl::Seconds(30));
  void Signal(int signal);
  // Exit code, or 128+signal; -1 after `timeout` (then killed).
  int Wait(absl::Duration timeout = absl::Seconds(60));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool waited_ = false;
  int status_ = 0;
};

// Runs a command to completion; exit code (stdout/stderr to `log`).
int RunCommand(const std::vector<std::string>& argv, const std::string& log = "/dev/null");

// A fresh empty directory under the build tree.
std::string TempDir(const std::string& name);
absl::StatusOr<std::string> ReadAll(const std::string& path);
// report.json with the pass timings (the only run-dependent field) zeroed.
std::string StripMillis(const std::string& report_json);
// ../shared/fixtures/corpus, or "" when absent.
std::string FixturesDir();

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_SERVER_TEST_SUPPORT_H_
