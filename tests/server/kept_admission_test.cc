// Admission counts the memory the worker pool keeps for later jobs
// (server/worker_pool.h) against max_memory_bytes, and drops what no
// running job uses before it turns a job away for it.
#include <stdlib.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "bench/sample_model.h"
#include "server/conversion_service.h"
#include "server/worker_main.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using server::ConversionService;

class FinishedLatch : public server::JobListener {
 public:
  void OnProgress(absl::string_view, double) override {}
  void OnArtifact(server::ArtifactOut) override {}
  void OnFinished(server::JobOutcome outcome) override {
    status = outcome.status;
    finished.Notify();
  }
  absl::Status status;
  Latch finished;
};

class KeptAdmissionTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kReservation = 64ull << 20;  // the least a job reserves

  void SetUp() override { setenv(server::kWorkerTestHooksEnv, "1", 1); }
  void TearDown() override { unsetenv(server::kWorkerTestHooksEnv); }

  // One worker; room for one reservation plus `headroom` bytes.
  void Start(uint64_t headroom) {
    ConversionService::Options options;
    options.workers = 1;
    options.worker_binary = TFLCONV_SERVER_BIN;
    options.admission.min_reservation_bytes = kReservation;
    options.admission.max_memory_bytes = kReservation + headroom;
    auto service = ConversionService::Create(std::move(options));
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
  }

  v1::ConvertStart StartOf(const std::string& graph) {
    v1::ConvertStart start;
    *start.mutable_options() = bench::SampleConversionOptions();
    start.set_graph_size(graph.size());
    return start;
  }

  // Converts `graph` to the end (artifacts dropped as they come) and
  // releases the job; its error, if any.
  absl::Status RunToEnd(const std::string& graph) {
    auto listener = std::make_shared<FinishedLatch>();
    auto job = service_->Admit(StartOf(graph), listener);
    if (!job.ok()) return job.status();
    if (absl::Status added = (*job)->AddChunk(graph); !added.ok()) return added;
    if (!listener->finished.Wait()) return absl::DeadlineExceededError("the job hangs");
    (*job)->Release();
    return listener->status;
  }

  std::unique_ptr<ConversionService> service_;
};

TEST_F(KeptAdmissionTest, KeptMemoryIsDroppedToAdmitAJobItWouldKeepOut) {
  const std::string graph = SampleGraph(3);
  // A 3 MB graph keeps ~7.5 MB (its graph memfd, fp32 and fp16): 1 MB of
  // headroom is not enough for them.
  Start(/*headroom=*/1 << 20);
  ASSERT_TRUE(RunToEnd(graph).ok());
  const uint64_t kept = service_->stats().kept_bytes;
  EXPECT_GT(kept, graph.size() + (1 << 20));
  const pid_t worker = service_->worker_pids().at(0);
  const uint64_t worker_size = VirtualBytes(worker);

  auto listener = std::make_shared<FinishedLatch>();
  auto second = service_->Admit(StartOf(graph), listener);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(service_->stats().kept_bytes, 0u);
  EXPECT_TRUE(Eventually([&] { return VirtualBytes(worker) + kept / 2 <= worker_size; },
                         absl::Seconds(5)))
      << "the idle worker still maps its kept memfds";
  ASSERT_TRUE((*second)->AddChunk(graph).ok());
  ASSERT_TRUE(listener->finished.Wait());
  EXPECT_TRUE(listener->status.ok()) << listener->status;
  (*second)->Release();
}

TEST_F(KeptAdmissionTest, KeptMemoryThatFitsIsKept) {
  const std::string graph = SampleGraph(3);
  Start(/*headroom=*/64 << 20);
  ASSERT_TRUE(RunToEnd(graph).ok());
  const uint64_t kept = service_->stats().kept_bytes;
  ASSERT_GT(kept, graph.size());

  auto second = service_->Admit(StartOf(graph), std::make_shared<FinishedLatch>());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(service_->stats().kept_bytes, kept);
}

// What a busy worker keeps cannot be dropped: it counts until its job ends.
TEST_F(KeptAdmissionTest, WhatABusyWorkerKeepsCountsAgainstTheLimit) {
  const std::string graph = SampleGraph(3);
  Start(/*headroom=*/kReservation + (1 << 20));
  ASSERT_TRUE(RunToEnd(graph).ok());
  const uint64_t kept = service_->stats().kept_bytes;
  ASSERT_GT(kept, 1u << 20);

  // Hooked to wait until cancelled: the worker stays busy. Larger than the
  // first graph (the hook never parses it): the worker's graph memfd grows
  // once the worker has it, which tells that it is busy.
  auto listener = std::make_shared<FinishedLatch>();
  const std::string waiting = HookedGraph("wait") + std::string(graph.size(), '\0');
  v1::ConvertStart waiting_start = StartOf(waiting);
  *waiting_start.mutable_options() = SmallGraphOptions();
  auto busy = service_->Admit(waiting_start, listener);
  ASSERT_TRUE(busy.ok()) << busy.status();
  ASSERT_TRUE((*busy)->AddChunk(waiting).ok());
  ASSERT_TRUE(Eventually([&] { return service_->stats().kept_bytes > kept; }));

  bool retryable = false;
  auto refused = service_->Admit(StartOf(graph), std::make_shared<FinishedLatch>(),
                                 absl::InfiniteFuture(), &retryable);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_TRUE(retryable);
  (*busy)->Cancel(absl::CancelledError("test"));
  ASSERT_TRUE(listener->finished.Wait());
}

}  // namespace
}  // namespace tflconv::testing
