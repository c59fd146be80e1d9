// The ConversionService driven directly, without gRPC: admission, upload,
// the worker pool, cancellation, deadlines, draining and memory release.
#include "server/conversion_service.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proto/rpc/sha256.h"
#include "tests/server/test_support.h"

namespace tflconv::server {
namespace {

using ::testing::HasSubstr;

// Records a job's events; Wait() blocks until OnFinished.
class Recorder : public JobListener {
 public:
  void OnProgress(absl::string_view stage, double fraction) override {
    std::lock_guard<std::mutex> lock(mu_);
    stages_.push_back(absl::StrCat(stage, ":", fraction));
  }
  void OnArtifact(ArtifactOut artifact) override {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(finished_, 0) << "an artifact after OnFinished";
    artifacts_.push_back(std::move(artifact));
    cv_.notify_all();
  }
  void OnFinished(JobOutcome outcome) override {
    std::lock_guard<std::mutex> lock(mu_);
    outcome_ = std::move(outcome);
    ++finished_;
    cv_.notify_all();
  }
  // Blocks until `n` artifacts arrived (true) or the job finished first.
  bool WaitArtifacts(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return artifacts_.size() >= n || finished_ > 0; });
    return artifacts_.size() >= n;
  }
  std::vector<ArtifactOut> artifacts() {
    std::lock_guard<std::mutex> lock(mu_);
    return artifacts_;
  }
  JobOutcome Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return finished_ > 0; });
    return *outcome_;
  }
  int finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }
  std::vector<std::string> stages() {
    std::lock_guard<std::mutex> lock(mu_);
    return stages_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<JobOutcome> outcome_;
  std::vector<std::string> stages_;
  std::vector<ArtifactOut> artifacts_;
  int finished_ = 0;
};

// A conversion that waits at its first stage until released or cancelled.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int entered = 0;

  ConvertFn Wrap() {
    return [this](absl::string_view graph, const v1::ConversionOptions& options,
                  const ConvertHooks& hooks) {
      {
        std::unique_lock<std::mutex> lock(mu);
        ++entered;
        cv.notify_all();
        while (!open && !hooks.cancelled()) cv.wait_for(lock, std::chrono::milliseconds(5));
      }
      return tflconv::Convert(graph, options, hooks);
    };
  }
  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

v1::ConvertStart StartFor(const std::string& graph) {
  v1::ConvertStart start;
  *start.mutable_options() = testing::SmallGraphOptions();
  start.set_graph_name("small.pb");
  start.set_graph_size(graph.size());
  return start;
}

std::unique_ptr<ConversionService> MakeService(ConversionService::Options options = {}) {
  if (options.workers == 0) options.workers = 2;
  auto service = ConversionService::Create(std::move(options));
  EXPECT_TRUE(service.ok()) << service.status();
  return *std::move(service);
}

// A service whose conversions wait at `gate`; `workers` as in MakeService.
std::unique_ptr<ConversionService> GatedService(Gate& gate, int workers = 0) {
  ConversionService::Options options;
  options.workers = workers;
  options.convert = gate.Wrap();
  return MakeService(std::move(options));
}

TEST(ConversionServiceTest, ConvertsAnUploadedGraphIntoBothArtifacts) {
  auto service = MakeService();
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  v1::ConvertStart start = StartFor(graph);
  start.set_graph_sha256(Sha256Hex(graph));
  auto job = service->Admit(start, recorder);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)->queue_position(), 0);
  // Upload in three pieces.
  const size_t third = graph.size() / 3;
  ASSERT_TRUE((*job)->AddChunk(graph.substr(0, third)).ok());
  ASSERT_TRUE((*job)->AddChunk(graph.substr(third, third)).ok());
  EXPECT_EQ(service->stats().queue_depth, 1);
  ASSERT_TRUE((*job)->AddChunk(graph.substr(2 * third)).ok());
  JobOutcome outcome = recorder->Wait();
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  std::vector<ArtifactOut> artifacts = recorder->artifacts();
  ASSERT_EQ(artifacts.size(), 2u);
  ConversionResult local = tflconv::Convert(graph, start.options());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(artifacts[i].artifact.file_name, local.artifacts[i].file_name);
    EXPECT_EQ(artifacts[i].artifact.bytes, local.artifacts[i].bytes);
    EXPECT_EQ(artifacts[i].sha256, Sha256Hex(local.artifacts[i].bytes));
  }
  EXPECT_EQ(outcome.graph_sha256, Sha256Hex(graph));
  EXPECT_TRUE(outcome.has_report);
  EXPECT_EQ(outcome.report.options().DebugString(), start.options().DebugString());
  EXPECT_THAT(recorder->stages(), ::testing::Contains("parse:0"));
  EXPECT_THAT(recorder->stages(), ::testing::Contains("export_fp16:1"));
  EXPECT_EQ(service->stats().in_flight, 1);  // until released
  (*job)->Release();
  EXPECT_EQ(service->stats().in_flight, 0);
  EXPECT_EQ(service->stats().reserved_bytes, 0u);
}

TEST(ConversionServiceTest, RejectsBadStartsNamingTheField) {
  auto service = MakeService();
  v1::ConvertStart start = StartFor("x");
  start.set_graph_size(0);
  EXPECT_THAT(service->Admit(start, nullptr).status().message(), HasSubstr("graph_size"));
  start.set_graph_size(10);
  start.set_graph_sha256("ABC");
  EXPECT_THAT(service->Admit(start, nullptr).status().message(), HasSubstr("graph_sha256"));
  start.clear_graph_sha256();
  start.mutable_options()->clear_output_arrays();
  auto status = service->Admit(start, nullptr).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("output_arrays"));
}

TEST(ConversionServiceTest, ShaMismatchAndOverflowAreInvalidArgument) {
  auto service = MakeService();
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  v1::ConvertStart start = StartFor(graph);
  start.set_graph_sha256(Sha256Hex("something else"));
  auto job = service->Admit(start, recorder);
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  JobOutcome outcome = recorder->Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(outcome.status)) << outcome.status;
  EXPECT_THAT(outcome.status.message(), HasSubstr("graph_sha256"));

  auto recorder2 = std::make_shared<Recorder>();
  auto job2 = service->Admit(StartFor(graph), recorder2);
  ASSERT_TRUE(job2.ok());
  absl::Status overflow = (*job2)->AddChunk(graph + "extra");
  EXPECT_TRUE(absl::IsInvalidArgument(overflow));
  EXPECT_THAT(overflow.message(), HasSubstr("start.graph_size"));
  EXPECT_TRUE(absl::IsInvalidArgument(recorder2->Wait().status));

  auto recorder3 = std::make_shared<Recorder>();
  auto job3 = service->Admit(StartFor(graph), recorder3);
  ASSERT_TRUE((*job3)->AddChunk(graph.substr(0, 5)).ok());
  EXPECT_THAT((*job3)->EndUpload().message(), HasSubstr("ended after 5 of"));
  EXPECT_TRUE(absl::IsInvalidArgument(recorder3->Wait().status));
}

TEST(ConversionServiceTest, QueueFullIsRetryableResourceExhausted) {
  ConversionService::Options options;
  options.admission.max_queued_jobs = 1;
  auto service = MakeService(options);
  const std::string graph = testing::SmallGraph();
  auto first = service->Admit(StartFor(graph), std::make_shared<Recorder>());
  ASSERT_TRUE(first.ok());
  bool retryable = false;
  auto second = service->Admit(StartFor(graph), std::make_shared<Recorder>(),
                               absl::InfiniteFuture(), &retryable);
  EXPECT_TRUE(absl::IsResourceExhausted(second.status()));
  EXPECT_THAT(second.status().message(), HasSubstr("max_queued_jobs=1"));
  EXPECT_TRUE(retryable);
  (*first)->Release();  // frees the slot
  EXPECT_TRUE(service->Admit(StartFor(graph), std::make_shared<Recorder>()).ok());
}

TEST(ConversionServiceTest, MemoryAndGraphLimitsNameTheLimit) {
  ConversionService::Options options;
  options.admission.max_memory_bytes = 10'000;
  options.admission.max_graph_bytes = 4'000;
  options.admission.memory_factor = 2;
  options.admission.min_reservation_bytes = 0;
  auto service = MakeService(options);
  v1::ConvertStart start = StartFor("");
  bool retryable = true;
  start.set_graph_size(5'000);
  auto too_big = service->Admit(start, nullptr, absl::InfiniteFuture(), &retryable);
  EXPECT_TRUE(absl::IsResourceExhausted(too_big.status()));
  EXPECT_THAT(too_big.status().message(), HasSubstr("max_graph_bytes=4000"));
  EXPECT_FALSE(retryable);
  start.set_graph_size(3'000);  // reserves 6000 of 10000
  auto first = service->Admit(start, std::make_shared<Recorder>());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(service->stats().reserved_bytes, 6'000u);
  auto second = service->Admit(start, nullptr, absl::InfiniteFuture(), &retryable);
  EXPECT_TRUE(absl::IsResourceExhausted(second.status()));
  EXPECT_THAT(second.status().message(), HasSubstr("max_memory_bytes=10000"));
  EXPECT_TRUE(retryable);
  first->reset();  // dropping the job releases it
  EXPECT_EQ(service->stats().reserved_bytes, 0u);
}

TEST(ConversionServiceTest, TinyGraphsReserveTheFloorAndFoldWithinAQuarterOfIt) {
  ConversionService::Options options;
  options.admission.min_reservation_bytes = 64 << 20;
  std::vector<uint64_t> budgets;
  std::mutex mu;
  options.convert = [&](absl::string_view, const v1::ConversionOptions& o, const ConvertHooks&) {
    std::lock_guard<std::mutex> lock(mu);
    budgets.push_back(o.limits().max_folded_bytes());
    return ConversionResult{};
  };
  auto service = MakeService(std::move(options));
  const std::string graph = testing::SmallGraph();
  v1::ConvertStart start = StartFor(graph);
  for (uint64_t client_budget : {uint64_t{0}, uint64_t{1000}}) {
    start.mutable_options()->mutable_limits()->set_max_folded_bytes(client_budget);
    auto recorder = std::make_shared<Recorder>();
    auto job = service->Admit(start, recorder);
    ASSERT_TRUE(job.ok()) << job.status();
    EXPECT_EQ(service->stats().reserved_bytes, 64u << 20);
    ASSERT_TRUE((*job)->AddChunk(graph).ok());
    recorder->Wait();
    (*job)->Release();
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(budgets, ::testing::ElementsAre(16u << 20, 1000u));
}

TEST(ConversionServiceTest, CancelMidUploadFinishesTheJobAndFreesItsMemory) {
  auto service = MakeService();
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder);
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE((*job)->AddChunk(graph.substr(0, 10)).ok());
  (*job)->Cancel(absl::CancelledError("client went away"));
  EXPECT_TRUE(absl::IsCancelled(recorder->Wait().status));
  EXPECT_TRUE(absl::IsCancelled((*job)->AddChunk(graph.substr(10))));
  EXPECT_EQ(service->stats().queue_depth, 0);
  (*job)->Release();
  EXPECT_EQ(service->stats().reserved_bytes, 0u);
  EXPECT_EQ(recorder->finished(), 1);
}

TEST(ConversionServiceTest, CancelWhileQueuedAndWhileRunning) {
  Gate gate;
  auto service = GatedService(gate, /*workers=*/1);
  const std::string graph = testing::SmallGraph();
  auto running = std::make_shared<Recorder>();
  auto queued = std::make_shared<Recorder>();
  auto job1 = service->Admit(StartFor(graph), running);
  ASSERT_TRUE((*job1)->AddChunk(graph).ok());
  gate.WaitEntered(1);
  auto job2 = service->Admit(StartFor(graph), queued);
  EXPECT_EQ((*job2)->queue_position(), 1);
  ASSERT_TRUE((*job2)->AddChunk(graph).ok());
  EXPECT_EQ(service->stats().queue_depth, 1);
  (*job2)->Cancel(absl::CancelledError("bye"));
  EXPECT_TRUE(absl::IsCancelled(queued->Wait().status));
  EXPECT_EQ(service->stats().queue_depth, 0);
  // The running one stops at its next stage boundary.
  (*job1)->Cancel(absl::CancelledError("bye"));
  JobOutcome outcome = running->Wait();
  EXPECT_TRUE(absl::IsCancelled(outcome.status)) << outcome.status;
  EXPECT_TRUE(running->artifacts().empty());
  EXPECT_TRUE(outcome.has_report);  // reports arrive before an error too
}

TEST(ConversionServiceTest, DeadlineMidConversionIsDeadlineExceeded) {
  Gate gate;  // never opened: the job waits until its deadline passes
  auto service = GatedService(gate);
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder, absl::Now() + absl::Milliseconds(200));
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  JobOutcome outcome = recorder->Wait();
  EXPECT_TRUE(absl::IsDeadlineExceeded(outcome.status)) << outcome.status;
  EXPECT_EQ(outcome.report.error(), outcome.status.message());
}

TEST(ConversionServiceTest, DrainingRefusesNewJobsAndLetsOldOnesFinish) {
  Gate gate;
  auto service = GatedService(gate);
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder);
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  gate.WaitEntered(1);
  service->StartDraining();
  EXPECT_TRUE(absl::IsUnavailable(service->Admit(StartFor(graph), nullptr).status()));
  EXPECT_FALSE(service->WaitIdle(absl::Now()));
  gate.Open();
  EXPECT_TRUE(recorder->Wait().status.ok());
  (*job)->Release();
  EXPECT_TRUE(service->WaitIdle(absl::Now() + absl::Seconds(30)));
}

TEST(ConversionServiceTest, StopCancelsEverything) {
  Gate gate;
  auto service = GatedService(gate, /*workers=*/1);
  const std::string graph = testing::SmallGraph();
  auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>(),
       c = std::make_shared<Recorder>();
  auto running = service->Admit(StartFor(graph), a);
  ASSERT_TRUE((*running)->AddChunk(graph).ok());
  gate.WaitEntered(1);
  auto queued = service->Admit(StartFor(graph), b);
  ASSERT_TRUE((*queued)->AddChunk(graph).ok());
  auto uploading = service->Admit(StartFor(graph), c);
  service->Stop();
  EXPECT_TRUE(absl::IsUnavailable(a->Wait().status));
  EXPECT_TRUE(absl::IsUnavailable(b->Wait().status));
  EXPECT_TRUE(absl::IsUnavailable(c->Wait().status));
}

// A conversion that hands over fp32 through the hook, then waits at `gate`
// and fails: what a job looks like when fp16 breaks after fp32 was out.
ConvertFn HandsFp32ThenFails(const std::string& fp32, std::shared_ptr<testing::Latch> freed,
                             testing::Latch* gate, std::atomic<bool>* returned) {
  return [=](absl::string_view, const v1::ConversionOptions&, const ConvertHooks& hooks) {
    ConversionResult result;
    result.status = hooks.artifact_ready(testing::MakeArtifact(v1::FP32, fp32, freed));
    if (!result.status.ok()) return result;
    while (!gate->Wait(absl::Milliseconds(5)) && !hooks.cancelled()) {
    }
    result.status = absl::InternalError("export_fp16 failed (injected)");
    returned->store(true);
    return result;
  };
}

TEST(ConversionServiceTest, ArtifactReachesTheListenerWhileTheConversionGoesOn) {
  testing::Latch gate;
  std::atomic<bool> returned{false};
  auto freed = std::make_shared<testing::Latch>();
  const std::string fp32(5000, 'f');
  ConversionService::Options options;
  options.convert = HandsFp32ThenFails(fp32, freed, &gate, &returned);
  auto service = MakeService(std::move(options));
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder);
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  // fp32 arrives, hashed, while the conversion is held at the gate.
  ASSERT_TRUE(recorder->WaitArtifacts(1));
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(recorder->finished(), 0);
  std::vector<ArtifactOut> artifacts = recorder->artifacts();
  ASSERT_EQ(artifacts.size(), 1u);
  EXPECT_EQ(artifacts[0].artifact.file_name, "model_fp32.tflite");
  EXPECT_EQ(artifacts[0].artifact.bytes, fp32);
  EXPECT_EQ(artifacts[0].sha256, Sha256Hex(fp32));
  artifacts.clear();
  // The failure still fails the job; the listener alone held the artifact.
  gate.Notify();
  JobOutcome outcome = recorder->Wait();
  EXPECT_TRUE(absl::IsInternal(outcome.status)) << outcome.status;
  EXPECT_EQ(outcome.report.error(), "export_fp16 failed (injected)");
  EXPECT_FALSE(freed->notified());
  recorder.reset();
  (*job)->Release();
  job->reset();
  service.reset();
  EXPECT_TRUE(freed->notified());
}

TEST(ConversionServiceTest, ArtifactReadyAfterACancelStopsTheConversion) {
  std::atomic<bool> handed{true};
  testing::Latch entered;
  ConversionService::Options options;
  options.convert = [&](absl::string_view, const v1::ConversionOptions&, const ConvertHooks& hooks) {
    entered.Notify();
    while (!hooks.cancelled()) absl::SleepFor(absl::Milliseconds(2));
    ConversionResult result;
    result.status = hooks.artifact_ready(testing::MakeArtifact(v1::FP32, "bytes"));
    handed = result.status.ok();
    return result;
  };
  auto service = MakeService(std::move(options));
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder);
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  ASSERT_TRUE(entered.Wait());
  (*job)->Cancel(absl::CancelledError("bye"));
  EXPECT_TRUE(absl::IsCancelled(recorder->Wait().status));
  EXPECT_FALSE(handed.load());
  EXPECT_TRUE(recorder->artifacts().empty());
}

TEST(ConversionServiceTest, ArtifactsReturnedByTheConversionAreHandedOverInOrder) {
  // A ConvertFn that ignores the hook and returns its artifacts.
  ConversionService::Options options;
  options.convert = [](absl::string_view, const v1::ConversionOptions&, const ConvertHooks&) {
    ConversionResult result;
    result.artifacts.push_back(testing::MakeArtifact(v1::FP32, "thirty-two"));
    result.artifacts.push_back(testing::MakeArtifact(v1::FP16, "sixteen"));
    return result;
  };
  auto service = MakeService(std::move(options));
  const std::string graph = testing::SmallGraph();
  auto recorder = std::make_shared<Recorder>();
  auto job = service->Admit(StartFor(graph), recorder);
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  ASSERT_TRUE(recorder->Wait().status.ok());
  std::vector<ArtifactOut> artifacts = recorder->artifacts();
  ASSERT_EQ(artifacts.size(), 2u);
  EXPECT_EQ(artifacts[0].artifact.bytes, "thirty-two");
  EXPECT_EQ(artifacts[0].sha256, Sha256Hex("thirty-two"));
  EXPECT_EQ(artifacts[1].artifact.bytes, "sixteen");
  EXPECT_EQ(artifacts[1].sha256, Sha256Hex("sixteen"));
}

}  // namespace
}  // namespace tflconv::server
