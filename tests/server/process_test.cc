// The binaries out of process on loopback: tflconv-server started as in
// production, `tflconv convert` in local and remote mode writing the same
// files, health and metrics over the wire, and draining on SIGTERM.
#include <signal.h>

#include <filesystem>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/output_writer.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using ::testing::HasSubstr;

struct Ports {
  int grpc = 0;
  int metrics = 0;
};

// Starts tflconv-server and reads its ports from its first stdout line.
std::unique_ptr<Child> StartServerProcess(const std::vector<std::string>& flags, Ports* ports,
                                          const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {TFLCONV_SERVER_BIN, "--listen=127.0.0.1:0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto child = Child::Spawn(argv, env);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return nullptr;
  const std::string line = (*child)->ReadLine();
  std::smatch match;
  static const std::regex kLine("listening on port (\\d+) metrics port (\\d+)");
  EXPECT_TRUE(std::regex_search(line, match, kLine)) << "server said: " << line;
  if (match.size() == 3) {
    ports->grpc = std::stoi(match[1]);
    ports->metrics = std::stoi(match[2]);
  }
  return *std::move(child);
}

// Converts `graph` locally and through the server into two directories and
// expects the same files; returns the exit code of the two (equal) runs.
int ExpectSameFiles(const std::string& name, const std::string& graph_file,
                    const std::vector<std::string>& flags, int port) {
  const std::string local_dir = TempDir(name + "_local");
  const std::string remote_dir = TempDir(name + "_remote");
  std::vector<std::string> local = {TFLCONV_CLI_BIN, "convert", "--graph_def_file=" + graph_file,
                                    "--output_dir=" + local_dir, "--quiet"};
  local.insert(local.end(), flags.begin(), flags.end());
  std::vector<std::string> remote = local;
  remote[3] = "--output_dir=" + remote_dir;
  remote.push_back(absl::StrCat("--server=127.0.0.1:", port));
  remote.push_back("--plaintext");
  const int local_code = RunCommand(local, local_dir + ".log");
  const int remote_code = RunCommand(remote, remote_dir + ".log");
  EXPECT_EQ(local_code, remote_code) << name;
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(local_dir)) {
    files.insert(entry.path().filename().string());
  }
  std::set<std::string> remote_files;
  for (const auto& entry : std::filesystem::directory_iterator(remote_dir)) {
    remote_files.insert(entry.path().filename().string());
  }
  EXPECT_EQ(files, remote_files) << name;
  EXPECT_TRUE(files.count("report.json")) << name;
  for (const std::string& file : files) {
    auto a = ReadAll(local_dir + "/" + file);
    auto b = ReadAll(remote_dir + "/" + file);
    EXPECT_TRUE(a.ok() && b.ok()) << file;
    if (!a.ok() || !b.ok()) continue;
    if (file == "report.json") {
      EXPECT_EQ(StripMillis(*a), StripMillis(*b)) << name;
    } else {
      EXPECT_TRUE(*a == *b) << name << ": " << file << " differs";
    }
  }
  return local_code;
}

TEST(ProcessTest, LocalAndRemoteWriteTheSameFiles) {
  Ports ports;
  auto server = StartServerProcess({"--plaintext", "--metrics_listen=", "--workers=2"}, &ports);
  ASSERT_NE(server, nullptr);
  const std::string dir = TempDir("graphs");
  ASSERT_TRUE(cli::WriteFile(dir + "/small.pb", SmallGraph()).ok());
  ASSERT_TRUE(cli::WriteFile(dir + "/unsupported.pb", UnsupportedGraph()).ok());
  EXPECT_EQ(ExpectSameFiles("small", dir + "/small.pb",
                            {"--input_arrays=x", "--output_arrays=out"}, ports.grpc),
            0);
  EXPECT_EQ(ExpectSameFiles("unsupported", dir + "/unsupported.pb",
                            {"--input_arrays=x", "--output_arrays=out"}, ports.grpc),
            1);
  EXPECT_EQ(ExpectSameFiles("bad_output", dir + "/small.pb",
                            {"--input_arrays=x", "--output_arrays=nope"}, ports.grpc),
            1);
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);
}

TEST(ProcessTest, FixturesConvertTheSameLocallyAndRemotely) {
  const std::string fixtures = FixturesDir();
  if (fixtures.empty()) GTEST_SKIP() << "SKIPPED: ../shared/fixtures/corpus is absent";
  Ports ports;
  auto server = StartServerProcess({"--plaintext", "--metrics_listen="}, &ports);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(ExpectSameFiles("mnist", fixtures + "/nnstreamer_mnist/model.pb",
                            {"--input_arrays=input", "--input_shapes=1,784",
                             "--output_arrays=softmax"},
                            ports.grpc),
            0);
  EXPECT_EQ(ExpectSameFiles("ds_cnn", fixtures + "/mlkws_DS_CNN_S/model.pb",
                            {"--input_arrays=Mfcc", "--input_shapes=1,49,10",
                             "--output_arrays=labels_softmax"},
                            ports.grpc),
            0);
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);
}

TEST(ProcessTest, HealthAndMetricsOverTheWireAndEnvFlags) {
  Ports ports;
  // Flags also come from the environment.
  auto server = StartServerProcess({"--metrics_listen=127.0.0.1:0"}, &ports,
                                   {"TFLCONV_PLAINTEXT=1", "TFLCONV_WORKERS=1"});
  ASSERT_NE(server, nullptr);
  auto channel = PlaintextChannel(ports.grpc);
  EXPECT_EQ(HealthStatus(channel), 1);
  EXPECT_EQ(HealthStatus(channel, "tflconv.v1.Converter"), 1);
  EXPECT_TRUE(CallRaw(channel, Requests(SmallGraph(), SmallGraphOptions())).status.ok());
  // The call is counted when its reactor is done, just after the client
  // sees its status: poll until it shows.
  absl::StatusOr<std::string> metrics;
  const absl::Time limit = absl::Now() + absl::Seconds(30);
  do {
    metrics = HttpGet(ports.metrics, "/metrics");
  } while ((!metrics.ok() || metrics->find("tflconv_requests_total{code=\"OK\"} 1") ==
                                 std::string::npos) &&
           absl::Now() < limit && (absl::SleepFor(absl::Milliseconds(20)), true));
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(*metrics, HasSubstr("tflconv_requests_total{code=\"OK\"} 1"));
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(), 0);
}

TEST(ProcessTest, SigtermDrainsAJobInFlightThenExitsZero) {
  Ports ports;
  auto server = StartServerProcess({"--plaintext", "--metrics_listen="}, &ports);
  ASSERT_NE(server, nullptr);
  auto channel = PlaintextChannel(ports.grpc);
  const std::string graph = SmallGraph();
  auto requests = Requests(graph, SmallGraphOptions(), graph.size() / 2 + 1);
  // Half an upload in flight.
  v1::Converter::Stub stub(channel);
  grpc::ClientContext context;
  auto stream = stub.ConvertModel(&context);
  ASSERT_TRUE(stream->Write(requests[0]));
  ASSERT_TRUE(stream->Write(requests[1]));
  v1::ConvertResponse response;
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_accepted());

  server->Signal(SIGTERM);
  // Health turns NOT_SERVING (watched, not timed) and new calls are refused.
  const absl::Time limit = absl::Now() + absl::Seconds(30);
  while (HealthStatus(channel) != 2 && absl::Now() < limit) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(HealthStatus(channel), 2);
  RawCall refused = CallRaw(channel, requests);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);

  // The job in flight completes.
  for (size_t i = 2; i < requests.size(); ++i) ASSERT_TRUE(stream->Write(requests[i]));
  stream->WritesDone();
  int artifacts = 0;
  while (stream->Read(&response)) artifacts += response.has_artifact() && response.artifact().last();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(artifacts, 2);
  EXPECT_EQ(server->Wait(), 0);
}

TEST(ProcessTest, ADrainedServerExitsAsSoonAsItsLastJobEnds) {
  Ports ports;
  // With metrics: their web server (civetweb) polls for a stop every 2 s
  // from its start, which the exit must not wait for.
  auto server = StartServerProcess({"--plaintext", "--metrics_listen=127.0.0.1:0"}, &ports);
  ASSERT_NE(server, nullptr);
  const absl::Time started = absl::Now();
  auto channel = PlaintextChannel(ports.grpc);
  const std::string graph = SmallGraph();
  HeldUpload held(channel, graph);
  ASSERT_TRUE(held.accepted());
  // Just after civetweb's second poll began: it would sleep ~1.8 s more.
  absl::SleepFor(started + absl::Milliseconds(2200) - absl::Now());
  server->Signal(SIGTERM);
  ASSERT_TRUE(Eventually([&] { return HealthStatus(channel) == 2; }));  // NOT_SERVING
  // The client keeps its connection open after the job.
  ASSERT_TRUE(held.Complete(graph).ok());
  const absl::Time job_ended = absl::Now();
  EXPECT_EQ(server->Wait(), 0);
  // Well under what civetweb's poll (2 s) or gRPC's shutdown (up to 10 s)
  // would add, with room for a loaded machine.
  EXPECT_LT(absl::Now() - job_ended, absl::Milliseconds(1800));
}

TEST(ProcessTest, BadFlagsAndHelp) {
  EXPECT_EQ(RunCommand({TFLCONV_SERVER_BIN, "--help"}), 0);
  EXPECT_EQ(RunCommand({TFLCONV_SERVER_BIN, "--no_such_flag"}), 2);
  EXPECT_EQ(RunCommand({TFLCONV_SERVER_BIN, "--plaintext", "--upload_idle_timeout_seconds=0"}), 2);
  // Neither TLS material nor --plaintext.
  EXPECT_EQ(RunCommand({TFLCONV_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen="}), 2);
  // The CLI keeps remote-only flags out of local mode.
  EXPECT_EQ(RunCommand({TFLCONV_CLI_BIN, "convert", "--graph_def_file=x.pb", "--output_arrays=y",
                 "--output_dir=/tmp/x", "--plaintext"}),
            2);
}

}  // namespace
}  // namespace tflconv::testing
