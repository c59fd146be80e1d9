// The protocol's edges on a real in-process server: idle timeouts on both
// directions, data after the declared end, cancellations and deadlines at
// every stage, the retryable trailer on every error, and the CLI's
// retries and connection timeout.
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "client/output_writer.h"
#include "proto/rpc/grpc_status.h"
#include "tests/server/test_support.h"

namespace tflconv::testing {
namespace {

using ::testing::HasSubstr;
using server::Server;

using Stream = grpc::ClientReaderWriter<v1::ConvertRequest, v1::ConvertResponse>;

// A call that sent its first `sent` requests and then nothing.
struct Stalled {
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream;

  Stalled(v1::Converter::Stub& stub, const std::vector<v1::ConvertRequest>& requests, size_t sent,
          absl::Duration timeout = absl::Seconds(60)) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    stream = stub.ConvertModel(&context);
    for (size_t i = 0; i < sent; ++i) stream->Write(requests[i]);
  }
  grpc::Status Finish() {
    v1::ConvertResponse response;
    while (stream->Read(&response)) {
    }
    return stream->Finish();
  }
};

Server::Options IdleOptions(absl::Duration idle) {
  Server::Options options = LoopbackOptions(/*metrics=*/true);
  options.rpc.upload_idle_timeout = idle;
  options.rpc.download_idle_timeout = idle;
  return options;
}

std::string RequestsTotal(const std::string& code) {
  return absl::StrCat("tflconv_requests_total{code=\"", code, "\"}");
}

TEST(ProtocolTest, StalledUploadsDoNotLockOutAValidClientBeyondTheIdleTimeout) {
  // Long enough that 66 streams open before the first times out on a
  // loaded machine.
  const absl::Duration idle = absl::Seconds(4);
  auto server = StartServer(IdleOptions(idle));
  auto channel = PlaintextChannel(server->port());
  v1::Converter::Stub stub(channel);
  const std::string graph = SmallGraph();
  const auto requests = Requests(graph, SmallGraphOptions(), graph.size() / 2 + 1);
  // 64 calls (the queue's size) send their start and stop; two more send
  // nothing at all.
  std::vector<std::unique_ptr<Stalled>> stalled;
  for (int i = 0; i < 64; ++i) stalled.push_back(std::make_unique<Stalled>(stub, requests, 1));
  for (int i = 0; i < 2; ++i) stalled.push_back(std::make_unique<Stalled>(stub, requests, 0));
  ASSERT_TRUE(Eventually([&] { return server->service()->stats().queue_depth == 64; }));
  const absl::Time full_at = absl::Now();
  RawCall refused = CallRaw(channel, Requests(graph, SmallGraphOptions()));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // A valid client gets through once the idle timeout has freed the slots.
  RawCall valid;
  do {
    valid = CallRaw(channel, Requests(graph, SmallGraphOptions()));
  } while (!valid.status.ok() && absl::Now() - full_at < idle + absl::Seconds(20) &&
           (absl::SleepFor(absl::Milliseconds(20)), true));
  ASSERT_TRUE(valid.status.ok()) << valid.status.error_message();

  for (auto& call : stalled) {
    grpc::Status status = call->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_THAT(status.error_message(), HasSubstr("--upload_idle_timeout_seconds"));
  }
  EXPECT_TRUE(Eventually([&] { return server->service()->stats().in_flight == 0; }));
  EXPECT_EQ(server->service()->stats().reserved_bytes, 0u);
  EXPECT_TRUE(Eventually([&] {
    return Metric(server->metrics_port(), "tflconv_idle_timeouts_total{direction=\"upload\"}") ==
           66;
  }));
}

TEST(ProtocolTest, AClientThatStopsReadingIsCancelledAndItsJobFreed) {
  Server::Options options = IdleOptions(absl::Seconds(1));
  const std::string big(32 << 20, 'a');  // far more than the flow-control windows
  options.service.convert = [&](absl::string_view, const v1::ConversionOptions&,
                                const ConvertHooks&) {
    ConversionResult result;
    result.artifacts.push_back(MakeArtifact(v1::FP32, big));
    return result;
  };
  auto server = StartServer(options);
  v1::Converter::Stub stub(PlaintextChannel(server->port()));
  const std::string graph = SmallGraph();
  const auto requests = Requests(graph, SmallGraphOptions());
  Stalled reader(stub, requests, requests.size());
  reader.stream->WritesDone();
  // Reads nothing: the server's writes stall until the timeout.
  EXPECT_TRUE(Eventually([&] {
    return Metric(server->metrics_port(), "tflconv_idle_timeouts_total{direction=\"download\"}") ==
           1;
  }));
  EXPECT_TRUE(Eventually([&] { return server->service()->stats().in_flight == 0; }));
  EXPECT_EQ(server->service()->stats().reserved_bytes, 0u);
  EXPECT_EQ(Metric(server->metrics_port(), RequestsTotal("DEADLINE_EXCEEDED")), 1);
  EXPECT_FALSE(reader.Finish().ok());
}

TEST(ProtocolTest, DataAfterTheDeclaredEndIsInvalidArgument) {
  Server::Options options = LoopbackOptions();
  // Held until stopped, so that the extra chunk surely arrives first.
  options.service.convert = [](absl::string_view graph, const v1::ConversionOptions& o,
                               const ConvertHooks& hooks) {
    const absl::Time limit = absl::Now() + absl::Seconds(10);
    while (!hooks.cancelled() && absl::Now() < limit) absl::SleepFor(absl::Milliseconds(5));
    return tflconv::Convert(graph, o, hooks);
  };
  auto server = StartServer(options);
  const std::string graph = SmallGraph();
  auto requests = Requests(graph, SmallGraphOptions());
  requests.emplace_back().set_graph_chunk("more");
  RawCall call = CallRaw(PlaintextChannel(server->port()), requests);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("after the graph's last byte"));
  EXPECT_FALSE(call.Has(v1::ConvertResponse::kArtifact));
}

TEST(ProtocolTest, CancellationsAndDeadlinesAreCountedAsSuchAtEveryStage) {
  auto server = StartServer(LoopbackOptions(/*metrics=*/true));
  v1::Converter::Stub stub(PlaintextChannel(server->port()));
  const std::string graph = SmallGraph();
  const auto requests = Requests(graph, SmallGraphOptions(), graph.size() / 2 + 1);
  auto count = [&](const std::string& code) {
    return Metric(server->metrics_port(), RequestsTotal(code));
  };
  ::testing::internal::CaptureStderr();
  for (size_t sent : {0, 2}) {  // before the start, mid-upload
    for (bool deadline : {false, true}) {
      const std::string code = deadline ? "DEADLINE_EXCEEDED" : "CANCELLED";
      const double before = count(code);
      // A cancellation may beat the call to the server, which then counts
      // nothing: tried until the server saw one.
      for (int attempt = 0; attempt < 5 && count(code) == before; ++attempt) {
        Stalled call(stub, requests, sent, deadline ? absl::Milliseconds(300) : absl::Seconds(60));
        if (!deadline) {
          absl::SleepFor(absl::Milliseconds(200));
          call.context.TryCancel();
        }
        EXPECT_EQ(call.Finish().error_code(), deadline ? grpc::StatusCode::DEADLINE_EXCEEDED
                                                       : grpc::StatusCode::CANCELLED);
        Eventually([&] { return count(code) > before; }, absl::Seconds(3));
      }
      EXPECT_GT(count(code), before) << code << " after " << sent << " requests";
    }
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count("INVALID_ARGUMENT"), 0);
  EXPECT_THAT(log, ::testing::Not(HasSubstr("INVALID_ARGUMENT")));
  EXPECT_THAT(log, HasSubstr("\"result\":\"CANCELLED\""));
  EXPECT_THAT(log, HasSubstr("\"result\":\"DEADLINE_EXCEEDED\""));
}

std::string Trailer(const RawCall& call) {
  auto it = call.trailers.find(kRetryableTrailer);
  return it == call.trailers.end() ? "(none)" : it->second;
}

TEST(ProtocolTest, EveryErrorSaysWhetherItIsRetryable) {
  Server::Options options = LoopbackOptions();
  options.rpc.auth_token = "t";
  options.service.admission.max_graph_bytes = 1 << 20;
  auto server = StartServer(options);
  auto channel = PlaintextChannel(server->port());
  const std::string graph = SmallGraph();
  auto call = [&](v1::ConversionOptions o, const std::string& token = "t") {
    return CallRaw(channel, Requests(graph, o), absl::Seconds(60), token);
  };
  v1::ConversionOptions bad_output = SmallGraphOptions();
  bad_output.set_output_arrays(0, "nope");
  RawCall invalid = call(bad_output);
  EXPECT_EQ(invalid.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(invalid), "false");
  RawCall unauthenticated = call(SmallGraphOptions(), "wrong");
  EXPECT_EQ(unauthenticated.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Trailer(unauthenticated), "false");
  v1::ConversionOptions tiny_limit = SmallGraphOptions();
  tiny_limit.mutable_limits()->set_max_graph_bytes(16);
  RawCall too_big = call(tiny_limit);
  EXPECT_EQ(too_big.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(too_big), "false");
  server->BeginDrain();
  RawCall draining = call(SmallGraphOptions());
  EXPECT_EQ(draining.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Trailer(draining), "true");
}

// A stand-in server whose every call ends with `status` and, when given,
// the retryable trailer.
class Refusing final : public v1::Converter::Service {
 public:
  Refusing(grpc::Status status, std::string trailer)
      : status_(std::move(status)), trailer_(std::move(trailer)) {}
  grpc::Status ConvertModel(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ConvertResponse, v1::ConvertRequest>* stream) override {
    ++calls;
    v1::ConvertRequest request;
    while (stream->Read(&request)) {
    }
    if (!trailer_.empty()) context->AddTrailingMetadata(kRetryableTrailer, trailer_);
    return status_;
  }
  std::atomic<int> calls{0};

 private:
  const grpc::Status status_;
  const std::string trailer_;
};

TEST(ProtocolTest, TheClientRetriesOnlyWhatTheServerMarksRetryable) {
  // A connection that broke mid-job (the server may have crashed on the
  // graph) has no verdict: not retried.
  Refusing broke(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed"), "");
  cli::RemoteResult result = ConvertAgainst(broke, absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnavailable(result.result.status)) << result.result.status;
  EXPECT_THAT(result.result.status.message(), HasSubstr("may have crashed on this graph"));
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(broke.calls, 1);
  // A crashed converter, as an isolated worker reports it.
  Refusing crashed(grpc::Status(grpc::StatusCode::INTERNAL, "the converter crashed"), "false");
  EXPECT_EQ(ConvertAgainst(crashed, absl::Seconds(1)).attempts, 1);
  // Busy: retried until the client's timeout (a second here).
  Refusing busy(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "queue full"), "true");
  EXPECT_GE(ConvertAgainst(busy, absl::Seconds(1)).attempts, 2);
}

// A TCP socket bound to a free loopback port, and the port.
int LoopbackSocket(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  *port = ntohs(address.sin_port);
  return fd;
}

TEST(ProtocolTest, UnreachableServersFailWithinTheConnectTimeoutNamingThem) {
  int refused = 0;
  close(LoopbackSocket(&refused));  // nothing listens there
  int silent = 0;
  const int silent_fd = LoopbackSocket(&silent);
  ASSERT_EQ(listen(silent_fd, 16), 0);  // the kernel accepts; nobody speaks HTTP/2

  for (const std::string& target :
       {absl::StrCat("ipv4:127.0.0.1:", refused, ",127.0.0.1:", silent), Target(silent)}) {
    cli::RemoteOptions remote = Remote(refused);
    remote.target = target;
    remote.connect_timeout = absl::Seconds(1);
    const absl::Time start = absl::Now();
    cli::RemoteResult result = ConvertVia(remote, SmallGraph());
    EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << target;
    EXPECT_TRUE(absl::IsUnavailable(result.result.status)) << result.result.status;
    EXPECT_THAT(result.result.status.message(), HasSubstr("--connect_timeout"));
    EXPECT_THAT(result.result.status.message(), HasSubstr(absl::StrCat("127.0.0.1:", silent)));
  }
  close(silent_fd);

  // The CLI: exit 1 with the targets in the message.
  const std::string dir = TempDir("unreachable");
  ASSERT_TRUE(cli::WriteFile(dir + "/small.pb", SmallGraph()).ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(RunCommand({TFLCONV_CLI_BIN, "convert", "--graph_def_file=" + dir + "/small.pb",
                        "--input_arrays=x", "--output_arrays=out", "--output_dir=" + dir + "/out",
                        "--quiet", absl::StrCat("--server=127.0.0.1:", refused), "--plaintext",
                        "--connect_timeout=1"},
                       dir + "/cli.log"),
            1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  auto log = ReadAll(dir + "/cli.log");
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, HasSubstr(absl::StrCat("tried 127.0.0.1:", refused)));
}

}  // namespace
}  // namespace tflconv::testing
