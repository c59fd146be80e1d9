// HeapTrimmer: the heap goes back to the kernel once per quiet spell after
// jobs, never while one is in flight, and not again while nothing runs;
// with the heap in one arena, what threads freed goes back too.
#include "server/heap_trimmer.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/sample_model.h"
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

// Resident anonymous memory of this process, KiB.
long RssAnonKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::strtol(line.c_str() + 8, nullptr, 10);
  }
  return -1;
}

// What 8 threads allocated, touched and freed (32 MiB in all, in blocks
// below the mmap threshold) stays resident after malloc_trim; KiB.
long KeptAfterThreadsAndTrim() {
  // Freeing an mmapped 4 MiB block raises glibc's thresholds (mmap 4 MiB,
  // trim 8 MiB), as gRPC's large message buffers do in the server
  // (volatile: the compiler would drop a malloc that nothing reads).
  void* volatile large = malloc(4 << 20);
  memset(large, 1, 4 << 20);
  free(large);
  malloc_trim(0);
  const long before = RssAnonKiB();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([] {
      std::vector<void*> blocks;
      for (int i = 0; i < 32; ++i) {
        blocks.push_back(malloc(128 << 10));
        memset(blocks.back(), 1, 128 << 10);
      }
      for (void* block : blocks) free(block);
    });
  }
  for (std::thread& thread : threads) thread.join();
  malloc_trim(0);
  return RssAnonKiB() - before;
}

// The default trim also drops the memfds the workers keep for later jobs.
TEST(HeapTrimmerTest, QuietReleasesTheWorkersMemfds) {
  ConversionService::Options options;
  options.workers = 1;
  options.worker_binary = TFLCONV_SERVER_BIN;
  auto service = ConversionService::Create(std::move(options));
  ASSERT_TRUE(service.ok()) << service.status();
  HeapTrimmer trimmer(service->get());
  const std::string graph = testing::SampleGraph(3);
  v1::ConvertStart start;
  *start.mutable_options() = bench::SampleConversionOptions();
  start.set_graph_size(graph.size());
  auto listener = std::make_shared<testing::FinishedLatch>();
  auto job = (*service)->Admit(start, listener);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE((*job)->AddChunk(graph).ok());
  ASSERT_TRUE(listener->finished.Wait());
  ASSERT_TRUE(listener->status.ok()) << listener->status;
  (*job)->Release();
  const pid_t worker = (*service)->worker_pids().at(0);
  const uint64_t busy = testing::VirtualBytes(worker);

  const absl::Time t0 = absl::Now();
  trimmer.CheckIdle(t0);
  trimmer.CheckIdle(t0 + absl::Seconds(2));
  // fp32 and fp16 of a 3 MB graph: ~4.5 MB kept.
  EXPECT_TRUE(testing::Eventually(
      [&] { return testing::VirtualBytes(worker) + (4 << 20) <= busy; }, absl::Seconds(5)))
      << "the worker still maps its kept memfds";
}

TEST(HeapTrimmerTest, OneArenaGivesBackWhatThreadsFreed) {
  // In a fresh process (the child runs this test alone), where no thread
  // has made an arena yet.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ConfineHeapToMainArena();
        const long kept = KeptAfterThreadsAndTrim();
        std::fprintf(stderr, "kept %ld KiB\n", kept);
        std::_Exit(kept < 4096 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "kept");
}

}  // namespace
}  // namespace tflconv::server
