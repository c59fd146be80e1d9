#include "server/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace tflconv::server {
namespace {

prometheus::Histogram::BucketBoundaries SecondsBuckets() {
  // 1 ms .. ~16 min, x4 per bucket.
  prometheus::Histogram::BucketBoundaries buckets;
  for (double b = 0.001; b < 1000; b *= 4) buckets.push_back(b);
  return buckets;
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  using namespace prometheus;
  requests_ = &BuildCounter()
                   .Name("tflconv_requests_total")
                   .Help("ConvertModel calls by result code")
                   .Register(*registry_);
  stage_seconds_ = &BuildHistogram()
                        .Name("tflconv_stage_duration_seconds")
                        .Help("Duration of each conversion stage")
                        .Register(*registry_);
  unsupported_ops_ = &BuildCounter()
                          .Name("tflconv_unsupported_ops_total")
                          .Help("Unsupported TF op types seen, by op type")
                          .Register(*registry_);
  queue_wait_ = &BuildHistogram()
                     .Name("tflconv_queue_wait_seconds")
                     .Help("Time a job waited for a worker after its upload")
                     .Register(*registry_)
                     .Add({}, SecondsBuckets());
  in_flight_ = &BuildGauge()
                    .Name("tflconv_jobs_in_flight")
                    .Help("Admitted jobs not yet finished (uploading, queued, converting, streaming)")
                    .Register(*registry_)
                    .Add({});
  queue_depth_ = &BuildGauge()
                      .Name("tflconv_queue_depth")
                      .Help("Jobs uploading or waiting for a worker")
                      .Register(*registry_)
                      .Add({});
  kept_memory_ = &BuildGauge()
                      .Name("tflconv_kept_memory_bytes")
                      .Help("Shared memory kept for later jobs (--isolation=process), counted by "
                            "admission against max_memory_bytes")
                      .Register(*registry_)
                      .Add({});
  idle_timeouts_ = &BuildCounter()
                       .Name("tflconv_idle_timeouts_total")
                       .Help("Calls failed for want of upload data or of a reading client, by direction")
                       .Register(*registry_);
  worker_crashes_ = &BuildCounter()
                        .Name("tflconv_worker_crashes_total")
                        .Help("Conversion worker processes that died during a job, by signal")
                        .Register(*registry_);
  bytes_in_ = &BuildCounter()
                   .Name("tflconv_bytes_in_total")
                   .Help("Graph bytes received")
                   .Register(*registry_)
                   .Add({});
  bytes_out_ = &BuildCounter()
                    .Name("tflconv_bytes_out_total")
                    .Help("Artifact bytes sent")
                    .Register(*registry_)
                    .Add({});
}

Metrics::~Metrics() = default;

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Create(const std::string& listen) {
  std::unique_ptr<Metrics> metrics(new Metrics());
  if (listen.empty()) return metrics;
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  return metrics;
}

int Metrics::port() const {
  if (!exposer_) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports[0];
}

void Metrics::RequestFinished(absl::StatusCode code) {
  requests_->Add({{"code", absl::StatusCodeToString(code)}}).Increment();
}

void Metrics::IdleTimeout(absl::string_view direction) {
  idle_timeouts_->Add({{"direction", std::string(direction)}}).Increment();
}

void Metrics::WorkerCrash(absl::string_view signal) {
  worker_crashes_->Add({{"signal", std::string(signal)}}).Increment();
}

void Metrics::ObserveQueueWait(double seconds) { queue_wait_->Observe(seconds); }

void Metrics::ObserveStage(absl::string_view stage, double seconds) {
  stage_seconds_->Add({{"stage", std::string(stage)}}, SecondsBuckets()).Observe(seconds);
}

void Metrics::SetInFlight(int64_t jobs) { in_flight_->Set(static_cast<double>(jobs)); }
void Metrics::SetQueueDepth(int64_t jobs) { queue_depth_->Set(static_cast<double>(jobs)); }
void Metrics::SetKeptMemory(uint64_t bytes) { kept_memory_->Set(static_cast<double>(bytes)); }
void Metrics::AddBytesIn(uint64_t bytes) { bytes_in_->Increment(static_cast<double>(bytes)); }
void Metrics::AddBytesOut(uint64_t bytes) { bytes_out_->Increment(static_cast<double>(bytes)); }

void Metrics::UnsupportedOp(const std::string& tf_op) {
  std::string label = tf_op;
  {
    std::lock_guard<std::mutex> lock(op_labels_mu_);
    if (op_labels_.count(tf_op) == 0) {
      if (op_labels_.size() >= kMaxOpLabels) {
        label = "other";
      } else {
        op_labels_.insert(tf_op);
      }
    }
  }
  unsupported_ops_->Add({{"tf_op", label}}).Increment();
}

}  // namespace tflconv::server
