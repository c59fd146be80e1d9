// HeapTrimmer: the heap goes back to the kernel once per quiet spell after
// jobs, never while one is in flight, and not again while nothing runs.
#include "server/heap_trimmer.h"

#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace tflconv::server {
namespace {

class IgnoreEvents : public JobListener {
 public:
  void OnProgress(absl::string_view, double) override {}
  void OnArtifact(ArtifactOut) override {}
  void OnFinished(JobOutcome) override {}
};

TEST(HeapTrimmerTest, TrimsOnceAfterEachQuietSpellThatFollowsAJob) {
  ConversionService::Options options;
  options.workers = 1;
  auto service = ConversionService::Create(std::move(options));
  ASSERT_TRUE(service.ok()) << service.status();
  int trims = 0;
  HeapTrimmer trimmer(service->get(), absl::Seconds(1), [&] { ++trims; });
  const absl::Time t0 = absl::UnixEpoch();
  trimmer.CheckIdle(t0);
  trimmer.CheckIdle(t0 + absl::Seconds(5));
  EXPECT_EQ(trims, 0) << "no job has run";

  const std::string graph = testing::SmallGraph();
  v1::ConvertStart start;
  *start.mutable_options() = testing::SmallGraphOptions();
  start.set_graph_size(graph.size());
  auto job = (*service)->Admit(start, std::make_shared<IgnoreEvents>());
  ASSERT_TRUE(job.ok()) << job.status();
  trimmer.CheckIdle(t0 + absl::Seconds(10));
  trimmer.CheckIdle(t0 + absl::Seconds(20));
  EXPECT_EQ(trims, 0) << "a job is in flight";

  (*job)->Release();
  trimmer.CheckIdle(t0 + absl::Seconds(21));
  trimmer.CheckIdle(t0 + absl::Seconds(21.5));
  EXPECT_EQ(trims, 0) << "quiet for less than a second";
  trimmer.CheckIdle(t0 + absl::Seconds(22.1));
  EXPECT_EQ(trims, 1);
  trimmer.CheckIdle(t0 + absl::Seconds(40));
  EXPECT_EQ(trims, 1) << "nothing ran since";

  auto next = (*service)->Admit(start, std::make_shared<IgnoreEvents>());
  ASSERT_TRUE(next.ok()) << next.status();
  (*next)->Release();
  trimmer.CheckIdle(t0 + absl::Seconds(41));
  trimmer.CheckIdle(t0 + absl::Seconds(42));
  EXPECT_EQ(trims, 2);
}

}  // namespace
}  // namespace tflconv::server
