// Admission counts the memory the worker pool keeps for later jobs
// (server/worker_pool.h) against max_memory_bytes, and drops what no
// running job uses before it turns a job away for it.
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/sample_model.h"
#include "server/conversion_service.h"
#include "server/worker_main.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using server::ConversionService;

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

  // Starts the service with `headroom` and converts `graph` to the end:
  // its worker then keeps a graph memfd and artifact memfds. What is kept.
  uint64_t KeptAfterConverting(const std::string& graph, uint64_t headroom) {
    Start(headroom);
    EXPECT_TRUE(RunToEnd(graph).ok());
    return service_->stats().kept_bytes;
  }

  // Admits `waiting`, a graph hooked to wait until cancelled, and returns
  // once its worker has it (a worker is idle, and what it keeps may be
  // dropped, until then: the job's being dequeued is not enough).
  std::shared_ptr<server::Job> StartWaiting(const std::string& waiting,
                                            const std::shared_ptr<FinishedLatch>& listener) {
    v1::ConvertStart start = StartOf(waiting);
    *start.mutable_options() = SmallGraphOptions();
    auto job = service_->Admit(start, listener);
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) return nullptr;
    EXPECT_TRUE((*job)->AddChunk(waiting).ok());
    EXPECT_TRUE(listener->waiting.Wait());
    return *std::move(job);
  }

  void ReleaseHeldJobs() {
    for (auto& job : listener_jobs_) job->Release();
    listener_jobs_.clear();
  }

  std::unique_ptr<ConversionService> service_;
  // After service_: a job a failed assertion left here is released (by
  // its destructor) before the service goes.
  std::vector<std::shared_ptr<server::Job>> listener_jobs_;
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

  auto listener = std::make_shared<FinishedLatch>();
  std::shared_ptr<server::Job> busy = StartWaiting(HookedGraph("wait"), listener);
  ASSERT_NE(busy, nullptr);

  bool retryable = false;
  auto refused = service_->Admit(StartOf(graph), std::make_shared<FinishedLatch>(),
                                 absl::InfiniteFuture(), &retryable);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_TRUE(retryable);
  busy->Cancel(absl::CancelledError("test"));
  ASSERT_TRUE(listener->finished.Wait());
}

// A running job's graph in its worker's graph memfd is the job's, which
// reserved memory for it, when its upload memfd became that memfd:
// counted once, not also as kept memory.
TEST_F(KeptAdmissionTest, ARunningJobsGraphIsNotCountedTwice) {
  const std::string graph = SampleGraph(3);
  // The upload memfd became the worker's graph memfd; none is kept for
  // uploads, so the next job's upload memfd is its own.
  const uint64_t kept = KeptAfterConverting(graph, kReservation + (64 << 20));
  ASSERT_GT(kept, graph.size());

  // Larger than the first graph: the worker's graph memfd cannot hold it,
  // and its upload memfd takes that one's place.
  auto listener = std::make_shared<FinishedLatch>();
  const std::string waiting = HookedGraph("wait") + std::string(graph.size(), '\0');
  std::shared_ptr<server::Job> busy = StartWaiting(waiting, listener);
  ASSERT_NE(busy, nullptr);
  EXPECT_EQ(service_->stats().kept_bytes, kept - graph.size())
      << kept << " kept before the job";

  busy->Cancel(absl::CancelledError("test"));
  ASSERT_TRUE(listener->finished.Wait());
  busy->Release();
  EXPECT_EQ(service_->stats().kept_bytes, kept - graph.size() + waiting.size());
}

// A graph copied into the worker's graph memfd is a second copy: the job
// still holds its upload memfd (until it ends), which is what its
// reservation covers. The worker's graph memfd stays kept memory.
TEST_F(KeptAdmissionTest, AGraphCopiedIntoTheWorkersGraphMemfdStaysCounted) {
  const std::string graph = SampleGraph(3);
  const uint64_t kept = KeptAfterConverting(graph, kReservation + (64 << 20));
  ASSERT_GT(kept, graph.size());

  // As large as the first graph: it is copied into the same graph memfd.
  auto listener = std::make_shared<FinishedLatch>();
  std::string waiting = HookedGraph("wait");
  waiting.resize(graph.size(), '\0');
  std::shared_ptr<server::Job> busy = StartWaiting(waiting, listener);
  ASSERT_NE(busy, nullptr);
  EXPECT_EQ(service_->stats().kept_bytes, kept)
      << "the copy in the worker's graph memfd was taken for the job's upload memfd";

  busy->Cancel(absl::CancelledError("test"));
  ASSERT_TRUE(listener->finished.Wait());
  busy->Release();
  // Its graph memfd and its upload memfd, kept for the next upload.
  EXPECT_EQ(service_->stats().kept_bytes, kept + graph.size());
}

// An artifact lent to its job (built in a memfd the worker keeps, streamed
// from there) is the job's until the job drops it.
TEST_F(KeptAdmissionTest, ALentArtifactIsNotCountedTwice) {
  const std::string graph = SampleGraph(3);
  // Runs a job to its end, keeping its artifacts; the bytes lent.
  auto run_holding = [&](std::shared_ptr<FinishedLatch> listener) -> uint64_t {
    listener->hold_artifacts = true;
    auto job = service_->Admit(StartOf(graph), listener);
    EXPECT_TRUE(job.ok()) << job.status();
    if (!job.ok()) return 0;
    EXPECT_TRUE((*job)->AddChunk(graph).ok());
    EXPECT_TRUE(listener->finished.Wait());
    EXPECT_TRUE(listener->status.ok()) << listener->status;
    listener_jobs_.push_back(*std::move(job));
    uint64_t lent = 0;
    for (const server::ArtifactOut& out : listener->held) {
      const size_t size = out.artifact.bytes.size();
      if (size >= server::kLentArtifactBytes) lent += size;
    }
    return lent;
  };
  Start(/*headroom=*/kReservation + (64 << 20));
  ASSERT_TRUE(RunToEnd(graph).ok());
  auto holding = std::make_shared<FinishedLatch>();
  const uint64_t lent = run_holding(holding);
  ASSERT_GT(lent, 0u) << "no artifact was large enough to be lent";
  const uint64_t kept_while_lent = service_->stats().kept_bytes;
  holding->held.clear();
  ReleaseHeldJobs();
  const uint64_t kept = service_->stats().kept_bytes;
  EXPECT_EQ(kept_while_lent, kept - lent);

  // The same again with room for a second job beside the first only when
  // the lent bytes count once: the kept memory need not be dropped for it.
  service_.reset();
  Start(/*headroom=*/kReservation + kept - lent / 2);
  ASSERT_TRUE(RunToEnd(graph).ok());
  holding = std::make_shared<FinishedLatch>();
  ASSERT_EQ(run_holding(holding), lent);
  ASSERT_EQ(service_->stats().kept_bytes, kept - lent);
  auto second = service_->Admit(StartOf(graph), std::make_shared<FinishedLatch>());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(service_->stats().kept_bytes, 0u)
      << "the kept memfds were dropped: the lent artifacts were counted twice";
  (*second)->Release();
  holding->held.clear();
  ReleaseHeldJobs();
}

}  // namespace
}  // namespace tflconv::testing
