// The memfds a worker pool keeps from job to job (server/worker_pool.h):
// the graph's and the large artifacts' memfds are reused, grown when a job
// needs more, never written by a worker while another job's artifacts are
// streamed from them, never read by a worker that another job's graph
// went through, and dropped when the server goes quiet.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "bench/sample_model.h"
#include "core/convert.h"
#include "server/worker_main.h"
#include "server/worker_pool.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using server::SharedMemory;
using server::WorkerPool;

// The inode of the file mapped at `address` in this process (0: none).
uint64_t MappedInode(const void* address) {
  const auto at = reinterpret_cast<uintptr_t>(address);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, device;
    uint64_t inode = 0;
    fields >> range >> perms >> offset >> device >> inode;
    const size_t dash = range.find('-');
    const uintptr_t begin = std::stoull(range.substr(0, dash), nullptr, 16);
    const uintptr_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (at >= begin && at < end) return inode;
  }
  return 0;
}

// The inodes of the graph memfds process `pid` maps.
std::set<uint64_t> GraphMemfdsMappedBy(pid_t pid) {
  std::ifstream maps(absl::StrCat("/proc/", pid, "/maps"));
  std::set<uint64_t> inodes;
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("/memfd:tflconv-graph") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string range, perms, offset, device;
    uint64_t inode = 0;
    fields >> range >> perms >> offset >> device >> inode;
    inodes.insert(inode);
  }
  return inodes;
}

uint64_t Inode(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

struct Job {
  ConversionResult result;
  pid_t pid = 0;  // the worker that ran it
  uint64_t graph_inode = 0;  // the upload memfd's
  std::set<uint64_t> worker_graphs;  // the graph memfds its worker maps after it
  std::map<int, uint64_t> artifact_inodes;  // by kind
};

class KeptMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(server::kWorkerTestHooksEnv, "1", 1);
    auto pool = WorkerPool::Create({1, TFLCONV_SERVER_BIN, nullptr});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }
  void TearDown() override { unsetenv(server::kWorkerTestHooksEnv); }

  // Converts `graph` on the pool's one worker, as the service does: the
  // graph received into one of the pool's memfds, given back afterwards.
  Job Run(const std::string& graph, const v1::ConversionOptions& options) {
    Job job;
    auto memory = pool_->TakeGraphMemory(graph.size());
    if (!memory.ok()) {
      job.result.status = memory.status();
      return job;
    }
    memory->PopulateForWriting(0, graph.size());
    memcpy(memory->data(), graph.data(), graph.size());
    job.graph_inode = Inode(memory->fd());
    job.result = pool_->Convert(
        {"job", &*memory, graph.size(), &options, 1ull << 30, absl::InfiniteFuture()}, {});
    job.pid = pool_->pids().at(0);
    job.worker_graphs = GraphMemfdsMappedBy(job.pid);
    for (const Artifact& artifact : job.result.artifacts) {
      job.artifact_inodes[artifact.kind] = MappedInode(artifact.bytes.data());
    }
    pool_->ReturnGraphMemory(*std::move(memory));
    return job;
  }

  std::unique_ptr<WorkerPool> pool_;
};

std::map<int, std::string> ByKind(const std::vector<Artifact>& artifacts) {
  std::map<int, std::string> bytes;
  for (const Artifact& artifact : artifacts) bytes[artifact.kind] = std::string(artifact.bytes);
  return bytes;
}

uint64_t TotalBytes(const std::vector<Artifact>& artifacts) {
  uint64_t total = 0;
  for (const Artifact& artifact : artifacts) total += artifact.bytes.size();
  return total;
}

TEST_F(KeptMemoryTest, TheSecondJobReusesTheMemfdsAndGetsTheSameArtifacts) {
  const std::string graph = SampleGraph(3);
  const std::map<int, std::string> local = ByKind(Convert(graph, bench::SampleConversionOptions()).artifacts);
  ASSERT_EQ(local.size(), 2u);
  for (const auto& [kind, bytes] : local) ASSERT_GE(bytes.size(), server::kLentArtifactBytes);

  Job first = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  EXPECT_TRUE(ByKind(first.result.artifacts) == local);
  first.result.artifacts.clear();  // streamed
  Job second = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(second.result.status.ok()) << second.result.status;
  EXPECT_TRUE(ByKind(second.result.artifacts) == local);

  EXPECT_EQ(second.pid, first.pid);
  ASSERT_EQ(first.artifact_inodes.size(), 2u);
  EXPECT_EQ(second.artifact_inodes, first.artifact_inodes);
  // The first upload memfd became the worker's graph memfd, still mapped
  // there; later graphs are copied into it from an upload memfd of their
  // own, which is reused.
  EXPECT_EQ(first.worker_graphs, std::set<uint64_t>{first.graph_inode});
  EXPECT_EQ(second.worker_graphs, first.worker_graphs);
  EXPECT_NE(second.graph_inode, first.graph_inode);
  second.result.artifacts.clear();
  Job third = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(third.result.status.ok()) << third.result.status;
  EXPECT_TRUE(ByKind(third.result.artifacts) == local);
  EXPECT_EQ(third.graph_inode, second.graph_inode);
  EXPECT_EQ(third.worker_graphs, first.worker_graphs);
}

TEST_F(KeptMemoryTest, ALargerGraphGrowsThem) {
  const std::string small = SampleGraph(3), large = SampleGraph(8);
  Job first = Run(small, bench::SampleConversionOptions());
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  const size_t small_fp32 = ByKind(first.result.artifacts)[v1::FP32].size();
  first.result.artifacts.clear();

  Job second = Run(large, bench::SampleConversionOptions());
  ASSERT_TRUE(second.result.status.ok()) << second.result.status;
  const std::map<int, std::string> artifacts = ByKind(second.result.artifacts);
  EXPECT_TRUE(artifacts == ByKind(Convert(large, bench::SampleConversionOptions()).artifacts));
  EXPECT_GT(artifacts.at(v1::FP32).size(), 2 * small_fp32);
  // The artifacts' memfds grew where they were; the graph needed a new
  // one: its upload memfd, which the worker keeps for smaller graphs too.
  EXPECT_EQ(second.pid, first.pid);
  EXPECT_EQ(second.artifact_inodes, first.artifact_inodes);
  EXPECT_EQ(second.worker_graphs, std::set<uint64_t>{second.graph_inode});
  second.result.artifacts.clear();
  Job third = Run(small, bench::SampleConversionOptions());
  ASSERT_TRUE(third.result.status.ok()) << third.result.status;
  EXPECT_EQ(third.worker_graphs, second.worker_graphs);
}

// A worker a graph took over (the :scribble hook overwrites every memfd it
// keeps) must not reach the artifacts of the job before, still streamed.
TEST_F(KeptMemoryTest, AWorkerLendingArtifactsGetsNoOtherJob) {
  const std::string graph = SampleGraph(3);
  const std::map<int, std::string> local = ByKind(Convert(graph, bench::SampleConversionOptions()).artifacts);
  Job streaming = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(streaming.result.status.ok()) << streaming.result.status;

  Job scribbler = Run(HookedGraph("scribble"), SmallGraphOptions());
  EXPECT_TRUE(scribbler.result.status.ok()) << scribbler.result.status;
  EXPECT_TRUE(ByKind(streaming.result.artifacts) == local) << "the streamed artifacts changed";
  EXPECT_NE(scribbler.pid, streaming.pid) << "the lending worker was not replaced";

  // Streamed within the wait: the same worker takes the next job.
  Job lending = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(lending.result.status.ok()) << lending.result.status;
  std::thread stream([&] {
    absl::SleepFor(absl::Milliseconds(100));
    lending.result.artifacts.clear();
  });
  Job next = Run(HookedGraph("scribble"), SmallGraphOptions());
  stream.join();
  EXPECT_TRUE(next.result.status.ok()) << next.result.status;
  EXPECT_EQ(next.pid, lending.pid);
}

TEST_F(KeptMemoryTest, QuietReleasesThem) {
  const std::string graph = SampleGraph(3);
  Job first = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  const uint64_t artifact_bytes = TotalBytes(first.result.artifacts);
  first.result.artifacts.clear();
  const uint64_t busy_size = VirtualBytes(first.pid);

  pool_->ReleaseKeptMemory();
  EXPECT_TRUE(Eventually([&] { return VirtualBytes(first.pid) + artifact_bytes <= busy_size; }))
      << "the worker still maps its kept memfds";
  Job second = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(second.result.status.ok()) << second.result.status;
  EXPECT_EQ(second.pid, first.pid);
  EXPECT_NE(second.graph_inode, first.graph_inode);
  for (const auto& [kind, inode] : second.artifact_inodes) {
    EXPECT_NE(inode, first.artifact_inodes[kind]) << "artifact kind " << kind;
  }
}

// What no job's reservation covers is counted for admission: the worker's
// graph and artifact memfds, and the upload memfds kept for later uploads.
TEST_F(KeptMemoryTest, KeptBytesCountsWhatOutlivesTheJobs) {
  EXPECT_EQ(pool_->KeptBytes(), 0u);
  const std::string graph = SampleGraph(3);
  Job first = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  const uint64_t artifact_bytes = TotalBytes(first.result.artifacts);
  first.result.artifacts.clear();
  // The upload memfd became the worker's graph memfd.
  const uint64_t after_first = pool_->KeptBytes();
  EXPECT_GE(after_first, graph.size() + artifact_bytes);
  EXPECT_LE(after_first, 2 * (graph.size() + artifact_bytes));

  // The second upload memfd is kept for the next upload.
  Job second = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(second.result.status.ok()) << second.result.status;
  second.result.artifacts.clear();
  EXPECT_EQ(pool_->KeptBytes(), after_first + graph.size());

  pool_->ReleaseKeptMemory();
  EXPECT_EQ(pool_->KeptBytes(), 0u);
}

TEST_F(KeptMemoryTest, AWorkerThatDiesTakesItsMemfdsAlong) {
  const std::string graph = SampleGraph(3);
  Job first = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  const std::map<int, std::string> artifacts = ByKind(first.result.artifacts);
  first.result.artifacts.clear();
  Job crash = Run(HookedGraph("segv"), SmallGraphOptions());
  EXPECT_EQ(crash.result.status.code(), absl::StatusCode::kInternal);

  Job after = Run(graph, bench::SampleConversionOptions());
  ASSERT_TRUE(after.result.status.ok()) << after.result.status;
  EXPECT_TRUE(ByKind(after.result.artifacts) == artifacts);
  EXPECT_NE(after.pid, first.pid);
  for (const auto& [kind, inode] : after.artifact_inodes) {
    EXPECT_NE(inode, first.artifact_inodes[kind]) << "artifact kind " << kind;
  }
}

// A graph with a node named `name` besides the hook `hook`.
std::string HookedGraphWith(const std::string& hook, const std::string& name) {
  tensorflow::GraphDef extra;
  tensorflow::NodeDef* node = extra.add_node();
  node->set_name(name);
  node->set_op("NoOp");
  return HookedGraph(hook) + extra.SerializeAsString();
}

// A worker a graph took over (the :spy hook keeps a mapping of every graph
// memfd it is given) must not see the graph of a job that ran on another
// worker, not even in what that worker's memfds keep of it.
TEST_F(KeptMemoryTest, AWorkerNeverSeesAnotherWorkersGraph) {
  auto pool = WorkerPool::Create({2, TFLCONV_SERVER_BIN, nullptr});
  ASSERT_TRUE(pool.ok()) << pool.status();
  pool_ = *std::move(pool);
  auto spy = [&](const std::string& graph) {
    Job job = Run(graph, SmallGraphOptions());
    EXPECT_EQ(job.result.status.code(), absl::StatusCode::kFailedPrecondition);
    return std::string(job.result.status.message());
  };
  // The largest graph first: the later ones fit in the memfds it took.
  const std::string spying = spy(HookedGraphWith("spy", std::string(64, 'p')));
  const std::string secret = spy(HookedGraphWith("spy", "tflconv-test-secret"));
  const std::string after = spy(HookedGraph("spy"));
  ASSERT_THAT(secret, ::testing::HasSubstr(": saw the secret")) << "the hook does not work";
  const std::string worker = spying.substr(0, spying.find(':'));
  ASSERT_THAT(secret, ::testing::Not(::testing::StartsWith(worker)))
      << "the secret job ran on the spying worker";
  ASSERT_THAT(after, ::testing::StartsWith(worker)) << "the spying worker did not run again";
  EXPECT_THAT(after, ::testing::HasSubstr(": did not see the secret"));
}

// Small artifacts are built in the worker's kept memfds too, and copied
// out as they arrive: the worker is not held for them, and what it writes
// there next cannot change them.
TEST_F(KeptMemoryTest, SmallArtifactsAreCopiedOut) {
  const std::map<int, std::string> local = ByKind(Convert(SmallGraph(), SmallGraphOptions()).artifacts);
  ASSERT_EQ(local.size(), 2u);
  for (const auto& [kind, bytes] : local) ASSERT_LT(bytes.size(), server::kLentArtifactBytes);
  Job job = Run(SmallGraph(), SmallGraphOptions());
  ASSERT_TRUE(job.result.status.ok()) << job.result.status;
  for (const auto& [kind, inode] : job.artifact_inodes) {
    EXPECT_EQ(inode, 0u) << "artifact kind " << kind << " is not a copy in the heap";
  }
  Job scribbler = Run(HookedGraph("scribble"), SmallGraphOptions());
  ASSERT_TRUE(scribbler.result.status.ok()) << scribbler.result.status;
  EXPECT_EQ(scribbler.pid, job.pid) << "copied artifacts are not lent";
  EXPECT_TRUE(ByKind(job.result.artifacts) == local) << "the held artifacts changed";
}

}  // namespace
}  // namespace tflconv::testing
