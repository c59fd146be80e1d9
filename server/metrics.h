// The server's Prometheus metrics, served by prometheus-cpp's Exposer on
// their own small HTTP server (GET /metrics). Knows nothing of gRPC; the
// conversion service and the reactor report into it.
#ifndef TFLCONV_SERVER_METRICS_H_
#define TFLCONV_SERVER_METRICS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tflconv::server {

class Metrics {
 public:
  // Distinct tf_op label values kept before the rest count as "other".
  static constexpr size_t kMaxOpLabels = 512;

  // `listen` is HOST:PORT (port 0 picks one); empty keeps the metrics in
  // memory only (tests).
  static absl::StatusOr<std::unique_ptr<Metrics>> Create(const std::string& listen);
  ~Metrics();

  // The metrics HTTP port, 0 when not serving.
  int port() const;

  void RequestFinished(absl::StatusCode code);
  // "upload" or "download".
  void IdleTimeout(absl::string_view direction);
  void ObserveQueueWait(double seconds);
  void ObserveStage(absl::string_view stage, double seconds);
  void SetInFlight(int64_t jobs);
  void SetQueueDepth(int64_t jobs);
  // Shared memory the worker pool keeps for later jobs (worker_pool.h).
  void SetKeptMemory(uint64_t bytes);
  void AddBytesIn(uint64_t bytes);
  void AddBytesOut(uint64_t bytes);
  void UnsupportedOp(const std::string& tf_op);
  // A conversion worker died during a job: "SIGSEGV", ... or "none" (it
  // exited).
  void WorkerCrash(absl::string_view signal);

 private:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* stage_seconds_;
  prometheus::Family<prometheus::Counter>* unsupported_ops_;
  prometheus::Family<prometheus::Counter>* idle_timeouts_;
  prometheus::Family<prometheus::Counter>* worker_crashes_;
  prometheus::Histogram* queue_wait_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* queue_depth_;
  prometheus::Gauge* kept_memory_;
  prometheus::Counter* bytes_in_;
  prometheus::Counter* bytes_out_;
  std::mutex op_labels_mu_;
  std::set<std::string> op_labels_;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_METRICS_H_
