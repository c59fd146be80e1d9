// Issue 9: every crafted hostile graph (tests/testing/hostile_graphs.h)
// sent to one tflconv-server, as deployed (the binary, worker processes),
// while a large sample model converts beside them. Each hostile call ends
// as a local conversion of it ends, never with a crash or a lost
// connection; the server stays up and SERVING throughout; the large
// artifacts are byte-identical to a local conversion.
// TFLCONV_HOSTILE_LOAD_MB sets the large model's size (30 MB by default,
// to keep CI short; the figure is 141).
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "bench/sample_model.h"
#include "tests/server/test_support.h"
#include "tests/testing/hostile_graphs.h"

namespace tflconv::testing {
namespace {

using ::testing::IsSupersetOf;

double LargeModelMb() {
  double mb = 30;
  const char* env = std::getenv("TFLCONV_HOSTILE_LOAD_MB");
  return env != nullptr && absl::SimpleAtod(env, &mb) ? mb : 30;
}

std::map<int, std::string> ByKind(const std::vector<Artifact>& artifacts) {
  std::map<int, std::string> bytes;
  for (const Artifact& artifact : artifacts) bytes[artifact.kind] = std::string(artifact.bytes);
  return bytes;
}

TEST(HostileLoadTest, HostileGraphsBesideALargeConversionLeaveTheServerServing) {
  auto child = Child::Spawn({TFLCONV_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen=",
                             "--plaintext", "--workers=2"},
                            {}, TempDir("hostile_load") + "/server.log");
  ASSERT_TRUE(child.ok()) << child.status();
  std::smatch port;
  const std::string line = (*child)->ReadLine();
  ASSERT_TRUE(std::regex_search(line, port, std::regex("port (\\d+)"))) << line;
  const cli::RemoteOptions remote = Remote(std::stoi(port[1]));
  const auto channel = PlaintextChannel(std::stoi(port[1]));

  bench::SampleModelOptions sample;
  sample.target_mb = LargeModelMb();
  sample.image_size = 64;
  const std::string large = bench::BuildSampleModel(sample)->SerializeAsString();
  v1::ConversionOptions large_options;
  large_options.add_input_arrays()->set_name(bench::kSampleInput);
  large_options.add_output_arrays(bench::kSampleBoxOutput);
  large_options.add_output_arrays(bench::kSampleClassOutput);
  const std::map<int, std::string> large_local = ByKind(Convert(large, large_options).artifacts);
  ASSERT_EQ(large_local.size(), 2u);

  std::atomic<bool> hostile_done{false};
  std::atomic<int> not_serving{0}, large_runs{0};
  std::thread health([&] {
    while (!hostile_done.load()) {
      if (HealthStatus(channel) != 1) ++not_serving;
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
  // The large conversion, again and again until the hostile calls are done.
  std::thread beside([&] {
    do {
      cli::RemoteResult result = ConvertVia(remote, large, large_options);
      EXPECT_TRUE(result.result.status.ok()) << result.result.status;
      EXPECT_TRUE(ByKind(result.result.artifacts) == large_local)
          << "the large artifacts differ from a local conversion";
      ++large_runs;
    } while (!hostile_done.load());
  });

  // Every hostile graph, in rounds until a large conversion has run from
  // start to end beside them.
  std::set<absl::StatusCode> codes;
  int rounds = 0;
  for (; rounds == 0 || large_runs.load() < 2; ++rounds) {
    for (const HostileRequest& request : HostileRequests()) {
      const ConversionResult local = Convert(request.graph, request.options);
      const cli::RemoteResult result = ConvertVia(remote, request.graph, request.options);
      EXPECT_EQ(result.result.status.code(), local.status.code())
          << request.name << ": " << result.result.status << " (local: " << local.status << ")";
      if (local.status.ok() && result.result.status.ok()) {
        EXPECT_TRUE(ByKind(result.result.artifacts) == ByKind(local.artifacts)) << request.name;
      }
      codes.insert(result.result.status.code());
    }
  }
  hostile_done = true;
  beside.join();
  health.join();

  // Only the graphs' own verdicts: never a crash (INTERNAL), a lost
  // connection (UNAVAILABLE) or a timeout.
  EXPECT_THAT((std::set<absl::StatusCode>{
                  absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument,
                  absl::StatusCode::kResourceExhausted, absl::StatusCode::kFailedPrecondition}),
              IsSupersetOf(codes));
  std::printf("%d rounds of %zu hostile graphs beside %d conversions of a %.0f MB model\n", rounds,
              HostileRequests().size(), large_runs.load(), large.size() / 1e6);
  EXPECT_EQ(not_serving.load(), 0);
  EXPECT_TRUE((*child)->Running());
  EXPECT_EQ(HealthStatus(channel), 1);  // SERVING
  (*child)->Signal(SIGTERM);
  EXPECT_EQ((*child)->Wait(), 0);
}

}  // namespace
}  // namespace tflconv::testing
