// --isolation=process: conversions in sandboxed worker processes. The
// worker's test hooks (server/worker_main.h) make a job crash, spin,
// allocate without bound or probe the sandbox; each costs its own job
// only, and the next job on the same server succeeds.
#include <signal.h>
#include <stdlib.h>

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "proto/rpc/grpc_status.h"
#include "server/worker_main.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string JobId(const RawCall& call) {
  for (const auto& response : call.responses) {
    if (response.has_accepted()) return response.accepted().job_id();
  }
  return "";
}

// CPU time a process has used (user + system), from /proc.
double CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return 0;
  // The fields after the parenthesised command name; utime and stime are
  // the 14th and 15th of the whole line.
  std::istringstream fields(line.substr(name_end + 1));
  std::vector<std::string> values{std::istream_iterator<std::string>(fields), {}};
  if (values.size() < 13) return 0;
  return (std::stod(values[11]) + std::stod(values[12])) / sysconf(_SC_CLK_TCK);
}

std::string Trailer(const RawCall& call, const std::string& key) {
  auto it = call.trailers.find(key);
  return it == call.trailers.end() ? "" : it->second;
}

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv(server::kWorkerTestHooksEnv, "1", 1); }
  void TearDown() override { unsetenv(server::kWorkerTestHooksEnv); }

  // One worker process, so that every job lands on the same (replaced) one.
  void Start(absl::Duration max_conversion_time = absl::Minutes(10), bool metrics = false) {
    server::Server::Options options = LoopbackOptions(metrics);
    options.service.workers = 1;
    options.service.worker_binary = TFLCONV_SERVER_BIN;
    options.service.max_conversion_time = max_conversion_time;
    server_ = StartServer(std::move(options));
    ASSERT_NE(server_, nullptr);
    channel_ = PlaintextChannel(server_->port());
  }

  RawCall Convert(const std::string& graph) {
    return CallRaw(channel_, Requests(graph, SmallGraphOptions()));
  }

  // The next job on the same server converts, and the server serves.
  void ExpectServing() {
    RawCall next = Convert(SmallGraph());
    EXPECT_TRUE(next.status.ok()) << next.status.error_message();
    EXPECT_EQ(HealthStatus(channel_), 1);  // SERVING
    EXPECT_EQ(server_->service()->worker_pids().size(), 1u);
  }

  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(IsolationTest, ConvertsInAWorkerProcessLikeTheLibrary) {
  Start();
  const std::vector<pid_t> pids = server_->service()->worker_pids();
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_NE(pids[0], getpid());
  // A short deadline first: the next job's longer one raises the worker's
  // limits again.
  RawCall call = CallRaw(channel_, Requests(SmallGraph(), SmallGraphOptions()), absl::Seconds(5));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  call = CallRaw(channel_, Requests(SmallGraph(), SmallGraphOptions()), absl::Seconds(300));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  ConversionResult local = tflconv::Convert(SmallGraph(), SmallGraphOptions());
  ASSERT_TRUE(local.status.ok());
  std::vector<std::string> remote(2);
  for (const auto& response : call.responses) {
    if (!response.has_artifact()) continue;
    const int index = response.artifact().kind() == v1::FP32 ? 0 : 1;
    remote[index] += response.artifact().data();
  }
  EXPECT_EQ(remote[0], std::string(local.artifacts[0].bytes));
  EXPECT_EQ(remote[1], std::string(local.artifacts[1].bytes));
  // The worker is reused.
  EXPECT_EQ(server_->service()->worker_pids(), pids);
}

TEST_F(IsolationTest, ACrashFailsItsJobOnlyAndIsNotRetryable) {
  Start(absl::Minutes(10), /*metrics=*/true);
  const pid_t crashed_pid = server_->service()->worker_pids().at(0);
  RawCall crash = Convert(HookedGraph("segv"));
  EXPECT_EQ(crash.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(crash.status.error_message(),
              AllOf(HasSubstr("the converter crashed on this graph"), HasSubstr("SIGSEGV"),
                    HasSubstr(JobId(crash))));
  EXPECT_FALSE(JobId(crash).empty());
  EXPECT_EQ(Trailer(crash, kRetryableTrailer), "false");
  EXPECT_EQ(Metric(server_->metrics_port(), "tflconv_worker_crashes_total{signal=\"SIGSEGV\"}"), 1);
  ExpectServing();
  EXPECT_NE(server_->service()->worker_pids().at(0), crashed_pid);  // replaced
  // What the replacement keeps after its job, and nothing of the crashed one's.
  const uint64_t kept = server_->service()->stats().kept_bytes;
  EXPECT_GT(kept, 0u);
  EXPECT_EQ(Metric(server_->metrics_port(), "tflconv_kept_memory_bytes"), kept);
}

TEST_F(IsolationTest, TheCliDoesNotCarryACrashToAnotherAttempt) {
  Start();
  cli::RemoteResult result = ConvertVia(Remote(server_->port()), HookedGraph("segv"));
  EXPECT_EQ(result.result.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.result.status.message(), HasSubstr("SIGSEGV"));
  EXPECT_EQ(result.attempts, 1);
}

TEST_F(IsolationTest, ASpinningJobIsKilledAtItsDeadline) {
  Start(/*max_conversion_time=*/absl::Seconds(2));
  const absl::Time started = absl::Now();
  RawCall spin = Convert(HookedGraph("spin"));
  EXPECT_EQ(spin.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(spin.status.error_message(),
              AllOf(HasSubstr("--max_conversion_seconds"), HasSubstr("killed")));
  // Its deadline plus the grace to stop by itself (1 s), with room for a
  // loaded machine; without the kill the call would never end.
  EXPECT_LT(absl::Now() - started, absl::Seconds(20));
  ExpectServing();
}

TEST_F(IsolationTest, AJobThatStopsAtItsDeadlineKeepsItsWorker) {
  Start();
  const pid_t worker = server_->service()->worker_pids().at(0);
  RawCall waited =
      CallRaw(channel_, Requests(HookedGraph("wait"), SmallGraphOptions()), absl::Seconds(1));
  EXPECT_EQ(waited.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectServing();
  // It stopped when asked: not killed, not replaced.
  EXPECT_EQ(server_->service()->worker_pids(), std::vector<pid_t>{worker});
}

TEST_F(IsolationTest, AMemoryBlowUpHitsTheJobsLimit) {
  Start();
  RawCall blow_up = Convert(HookedGraph("alloc"));
  EXPECT_EQ(blow_up.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(blow_up.status.error_message(),
              HasSubstr("needed more memory than the job's limit of 67108864 bytes"));
  EXPECT_EQ(Trailer(blow_up, kRetryableTrailer), "false");
  ExpectServing();
}

TEST_F(IsolationTest, TheSandboxRefusesFilesSocketsAndProcesses) {
  Start();
  RawCall probe = Convert(HookedGraph("sandbox"));
  EXPECT_EQ(probe.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(probe.status.error_message(), HasSubstr("open=EPERM socket=EPERM fork=EPERM"));
  ExpectServing();
}

TEST_F(IsolationTest, AWorkerKilledMidJobFailsThatJobCleanly) {
  Start();
  RawCall killed;
  std::thread call([&] { killed = Convert(HookedGraph("spin")); });
  // A job counts as running before its worker is acquired; killed before
  // that, the worker would end idle and be replaced, and the job would spin
  // in the replacement. It has the job once it spins.
  const pid_t worker = server_->service()->worker_pids().at(0);
  ASSERT_TRUE(Eventually([&] { return CpuSeconds(worker) > 0.2; }));
  kill(worker, SIGKILL);
  call.join();
  EXPECT_EQ(killed.status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(killed.status.error_message(), HasSubstr("SIGKILL"));
  ExpectServing();
  // Released once the call is done, just after the client has its status.
  EXPECT_TRUE(Eventually([&] { return server_->service()->stats().in_flight == 0; }));
}

TEST_F(IsolationTest, WithoutTheVariableHooksAreIgnored) {
  unsetenv(server::kWorkerTestHooksEnv);
  Start();
  RawCall call = Convert(HookedGraph("segv"));
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
}

// The binary, as deployed: process isolation by default, thread on demand.
TEST(IsolationProcessTest, TheServerBinaryRunsBothModes) {
  for (const std::string mode : {"", "--isolation=thread"}) {
    std::vector<std::string> argv = {TFLCONV_SERVER_BIN, "--listen=127.0.0.1:0",
                                     "--metrics_listen=", "--plaintext", "--workers=1"};
    if (!mode.empty()) argv.push_back(mode);
    auto child = Child::Spawn(argv, {absl::StrCat(server::kWorkerTestHooksEnv, "=1")});
    ASSERT_TRUE(child.ok()) << child.status();
    const std::string line = (*child)->ReadLine();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, std::regex("port (\\d+) .* isolation (\\w+)")))
        << line;
    EXPECT_EQ(match[2], mode.empty() ? "process" : "thread");
    auto channel = PlaintextChannel(std::stoi(match[1]));
    EXPECT_TRUE(CallRaw(channel, Requests(SmallGraph(), SmallGraphOptions())).status.ok());
    if (mode.empty()) {
      // The hooks reach the workers through the environment.
      RawCall crash = CallRaw(channel, Requests(HookedGraph("segv"), SmallGraphOptions()));
      EXPECT_EQ(crash.status.error_code(), grpc::StatusCode::INTERNAL) << mode;
      EXPECT_TRUE(CallRaw(channel, Requests(SmallGraph(), SmallGraphOptions())).status.ok());
    }
    (*child)->Signal(SIGTERM);
    EXPECT_EQ((*child)->Wait(), 0) << mode;
  }
}

}  // namespace
}  // namespace tflconv::testing
