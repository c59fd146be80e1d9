// The gRPC server in process on loopback: the stream's shape, every error
// code, cancellation, deadlines, queue full, draining, health, metrics,
// TLS, tokens, retries and round-robin over several servers.
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "client/output_writer.h"
#include "client/remote.h"
#include "core/report/report.h"
#include "proto/rpc/grpc_status.h"
#include "proto/rpc/sha256.h"
#include "tests/server/test_support.h"
#include "tests/testing/graph_builder.h"

namespace tflconv::testing {
namespace {

using ::testing::HasSubstr;
using server::Server;

TEST(GrpcServerTest, RemoteGivesTheLocalArtifactsAndReport) {
  auto server = StartServer(LoopbackOptions());
  const std::string graph = SmallGraph();
  cli::RemoteResult remote = ConvertVia(Remote(server->port()), graph);
  ASSERT_TRUE(remote.result.status.ok()) << remote.result.status;
  ConversionResult local = tflconv::Convert(graph, SmallGraphOptions());
  ASSERT_EQ(remote.result.artifacts.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(remote.result.artifacts[i].file_name, local.artifacts[i].file_name);
    EXPECT_EQ(remote.result.artifacts[i].kind, local.artifacts[i].kind);
    EXPECT_EQ(remote.result.artifacts[i].bytes, local.artifacts[i].bytes);
  }
  EXPECT_EQ(StripMillis(ReportToJson(remote.result.report)),
            StripMillis(ReportToJson(local.report)));
  EXPECT_FALSE(remote.job_id.empty());
  EXPECT_EQ(remote.attempts, 1);
}

TEST(GrpcServerTest, StreamIsAcceptedProgressArtifactChunksThenReport) {
  Server::Options options = LoopbackOptions();
  options.rpc.response_chunk_bytes = 100;  // several chunks per artifact
  auto server = StartServer(options);
  const std::string graph = SmallGraph();
  RawCall call = CallRaw(PlaintextChannel(server->port()),
                         Requests(graph, SmallGraphOptions(), graph.size() / 3));
  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  ASSERT_GE(call.responses.size(), 4u);
  EXPECT_TRUE(call.responses.front().has_accepted());
  EXPECT_TRUE(call.responses.back().has_report());
  std::map<std::string, std::string> files;
  std::set<std::string> stages;
  bool saw_artifact = false;
  bool saw_fp16 = false;
  for (const auto& r : call.responses) {
    if (r.has_progress()) {
      // fp32 streams while fp16 is exported: only the export stages may
      // report after the first chunk.
      if (saw_artifact) {
        EXPECT_TRUE(absl::StartsWith(r.progress().stage(), "export_")) << r.progress().stage();
      }
      stages.insert(r.progress().stage());
    }
    if (r.has_artifact()) {
      saw_artifact = true;
      saw_fp16 |= r.artifact().kind() == v1::FP16;
      if (saw_fp16) EXPECT_EQ(r.artifact().kind(), v1::FP16) << "fp32 after fp16";
      std::string& bytes = files[r.artifact().file_name()];
      EXPECT_EQ(r.artifact().offset(), bytes.size());
      bytes += r.artifact().data();
      if (r.artifact().last()) {
        EXPECT_EQ(bytes.size(), r.artifact().total_size());
        EXPECT_EQ(Sha256Hex(bytes), r.artifact().sha256());
      }
    }
  }
  EXPECT_EQ(files.size(), 2u);
  for (const char* stage : {"upload", "parse", "optimize", "legalize", "export_fp32", "export_fp16"}) {
    EXPECT_TRUE(stages.count(stage)) << stage;
  }
}

// A conversion that hands over fp32, waits until `gate` opens (or, with no
// gate, until the server has let go of the fp32 bytes, i.e. sent them in
// full), then fails. `freed` (optional) learns when the bytes go.
server::ConvertFn HandsFp32ThenFails(const std::string& fp32, Latch* gate,
                                     std::shared_ptr<Latch> freed = nullptr,
                                     std::atomic<bool>* returned = nullptr) {
  return [=](absl::string_view, const v1::ConversionOptions&, const ConvertHooks& hooks) {
    ConversionResult result;
    result.report.set_converter_version(kConverterVersion);
    auto sent = freed ? freed : std::make_shared<Latch>();
    result.status = hooks.artifact_ready(MakeArtifact(v1::FP32, fp32, sent));
    if (!result.status.ok()) return result;
    Latch* wait_for = gate ? gate : sent.get();
    while (!wait_for->Wait(absl::Milliseconds(5)) && !hooks.cancelled()) {
    }
    result.status = absl::InternalError("export_fp16 failed (injected)");
    if (returned) returned->store(true);
    return result;
  };
}

TEST(GrpcServerTest, Fp32StreamsBeforeTheConversionEndsAndALaterFailureEndsTheStream) {
  Latch gate;
  std::atomic<bool> returned{false};
  auto freed = std::make_shared<Latch>();
  std::string fp32(4500, '\0');
  for (size_t i = 0; i < fp32.size(); ++i) fp32[i] = static_cast<char>(i * 7);
  Server::Options options = LoopbackOptions();
  options.rpc.response_chunk_bytes = 1000;  // five chunks
  options.service.convert = HandsFp32ThenFails(fp32, &gate, freed, &returned);
  auto server = StartServer(options);
  v1::Converter::Stub stub(PlaintextChannel(server->port()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto stream = stub.ConvertModel(&context);
  for (const auto& request : Requests(SmallGraph(), SmallGraphOptions())) {
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  // Every fp32 chunk arrives while the conversion is still held.
  std::string received;
  v1::ConvertResponse response;
  while (stream->Read(&response)) {
    if (!response.has_artifact()) continue;
    EXPECT_EQ(response.artifact().kind(), v1::FP32);
    EXPECT_EQ(response.artifact().offset(), received.size());
    received += response.artifact().data();
    if (response.artifact().last()) break;
  }
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(received, fp32);
  EXPECT_EQ(response.artifact().sha256(), Sha256Hex(fp32));
  // Sent, so the server let go of the bytes: not kept until the job ends.
  EXPECT_TRUE(freed->Wait());
  EXPECT_FALSE(returned.load());
  // The failure comes after: the report, then the error status.
  gate.Notify();
  std::vector<v1::ConvertResponse> rest;
  while (stream->Read(&response)) rest.push_back(response);
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("injected"));
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(rest.back().has_report());
  for (const auto& r : rest) EXPECT_FALSE(r.has_artifact());
}

TEST(GrpcServerTest, ALaterFailureLeavesNoArtifactFilesAndNoArtifacts) {
  const std::string fp32(300'000, 'x');
  Server::Options options = LoopbackOptions();
  options.service.convert = HandsFp32ThenFails(fp32, /*gate=*/nullptr);
  auto server = StartServer(options);

  // The library: fp32 arrives in full, then the error; nothing is returned.
  cli::RemoteOptions remote = Remote(server->port());
  std::vector<std::string> events;
  remote.trace = [&](absl::string_view event) { events.emplace_back(event); };
  cli::RemoteResult result = ConvertVia(remote, SmallGraph());
  EXPECT_TRUE(absl::IsInternal(result.result.status)) << result.result.status;
  EXPECT_THAT(events, ::testing::Contains("artifact model_fp32.tflite done"));
  EXPECT_TRUE(result.result.artifacts.empty());
  EXPECT_TRUE(result.has_report);
  EXPECT_EQ(result.attempts, 1);

  // The CLI: exit 1, and of the files only report.json (as in local mode).
  const std::string dir = TempDir("later_failure");
  ASSERT_TRUE(cli::WriteFile(dir + "/small.pb", SmallGraph()).ok());
  const std::string out = dir + "/out";
  EXPECT_EQ(RunCommand({TFLCONV_CLI_BIN, "convert", "--graph_def_file=" + dir + "/small.pb",
                        "--input_arrays=x", "--output_arrays=out", "--output_dir=" + out,
                        "--quiet", absl::StrCat("--server=127.0.0.1:", server->port()),
                        "--plaintext"},
                       dir + "/cli.log"),
            1);
  std::set<std::string> files;
  if (std::filesystem::exists(out)) {
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
      files.insert(entry.path().filename().string());
    }
  }
  EXPECT_EQ(files, std::set<std::string>({"report.json"}));
  const std::string single = dir + "/single.tflite";
  EXPECT_EQ(RunCommand({TFLCONV_CLI_BIN, "convert", "--graph_def_file=" + dir + "/small.pb",
                        "--input_arrays=x", "--output_arrays=out", "--output_file=" + single,
                        "--quiet", absl::StrCat("--server=127.0.0.1:", server->port()),
                        "--plaintext"},
                       dir + "/cli_single.log"),
            1);
  EXPECT_FALSE(std::filesystem::exists(single));
  EXPECT_FALSE(std::filesystem::exists(single + ".partial"));
}

// A stand-in server (gRPC's sync API, plain protobuf messages) that sends
// one artifact in chunks and a report, with a chosen sha256 per chunk.
class ScriptedConverter final : public v1::Converter::Service {
 public:
  ScriptedConverter(std::string bytes, std::vector<std::string> sha_per_chunk)
      : bytes_(std::move(bytes)), sha_per_chunk_(std::move(sha_per_chunk)) {}

  grpc::Status ConvertModel(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::ConvertResponse, v1::ConvertRequest>* stream) override {
    v1::ConvertRequest request;
    while (stream->Read(&request)) {
    }
    v1::ConvertResponse response;
    response.mutable_accepted()->set_job_id("scripted");
    stream->Write(response);
    const size_t chunk = (bytes_.size() + sha_per_chunk_.size() - 1) / sha_per_chunk_.size();
    for (size_t i = 0; i < sha_per_chunk_.size(); ++i) {
      response.Clear();
      v1::ArtifactChunk* a = response.mutable_artifact();
      a->set_kind(v1::FP32);
      a->set_file_name("model_fp32.tflite");
      a->set_total_size(bytes_.size());
      a->set_sha256(sha_per_chunk_[i]);
      a->set_offset(i * chunk);
      a->set_data(bytes_.substr(i * chunk, chunk));
      a->set_last(i + 1 == sha_per_chunk_.size());
      stream->Write(response);
    }
    response.Clear();
    response.mutable_report()->set_converter_version(kConverterVersion);
    stream->Write(response);
    return grpc::Status::OK;
  }

 private:
  const std::string bytes_;
  const std::vector<std::string> sha_per_chunk_;
};

TEST(GrpcServerTest, ClientChecksEveryArtifactAgainstItsSha256) {
  std::string bytes(10'000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 13 + 1);
  const std::string right = Sha256Hex(bytes);
  const std::string wrong = Sha256Hex("something else");

  ScriptedConverter honest(bytes, {right, right, right});
  cli::RemoteResult ok = ConvertAgainst(honest);
  ASSERT_TRUE(ok.result.status.ok()) << ok.result.status;
  ASSERT_EQ(ok.result.artifacts.size(), 1u);
  EXPECT_EQ(ok.result.artifacts[0].bytes, bytes);

  ScriptedConverter lying(bytes, {wrong, wrong, wrong});
  cli::RemoteResult bad = ConvertAgainst(lying);
  EXPECT_TRUE(absl::IsDataLoss(bad.result.status)) << bad.result.status;
  EXPECT_THAT(bad.result.status.message(), HasSubstr("model_fp32.tflite: sha256 mismatch"));
  EXPECT_TRUE(bad.result.artifacts.empty());

  ScriptedConverter changing(bytes, {right, wrong, right});
  cli::RemoteResult changed = ConvertAgainst(changing);
  EXPECT_TRUE(absl::IsDataLoss(changed.result.status)) << changed.result.status;
  EXPECT_TRUE(changed.result.artifacts.empty());
}

TEST(GrpcServerTest, InvalidArgumentNamesTheNodeOrField) {
  auto server = StartServer(LoopbackOptions());
  auto channel = PlaintextChannel(server->port());
  v1::ConversionOptions options = SmallGraphOptions();
  options.set_output_arrays(0, "no_such_node");
  RawCall call = CallRaw(channel, Requests(SmallGraph(), options));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("no_such_node"));
  EXPECT_TRUE(call.Has(v1::ConvertResponse::kReport));  // reports arrive before an error too
  EXPECT_FALSE(call.Has(v1::ConvertResponse::kArtifact));

  auto requests = Requests(SmallGraph(), SmallGraphOptions());
  std::swap(requests[0], requests[1]);  // a chunk first
  call = CallRaw(channel, requests);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("start"));

  requests = Requests(SmallGraph(), SmallGraphOptions());
  requests[1].Clear();  // an empty message where a chunk belongs
  call = CallRaw(channel, requests);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("only the first request may carry start"));

  requests = Requests(SmallGraph(), SmallGraphOptions());
  requests.pop_back();  // the stream ends early
  call = CallRaw(channel, requests);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("graph_size"));

  requests = Requests(SmallGraph(), SmallGraphOptions());
  requests[0].mutable_start()->set_graph_sha256(Sha256Hex("other"));
  call = CallRaw(channel, requests);
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(call.status.error_message(), HasSubstr("graph_sha256"));
}

TEST(GrpcServerTest, UnsupportedOpsAreFailedPreconditionWithTheCoverageReport) {
  auto server = StartServer(LoopbackOptions());
  v1::ConversionOptions options = Options({"x"}, {"out"});
  RawCall call = CallRaw(PlaintextChannel(server->port()), Requests(UnsupportedGraph(), options));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(call.status.error_message(), HasSubstr("NotARealTfOp"));
  ASSERT_TRUE(call.responses.back().has_report());
  EXPECT_EQ(call.responses.back().report().coverage().unsupported_ops(), 1);
  // Allowed as a custom op it converts.
  options.set_allow_custom_ops(true);
  call = CallRaw(PlaintextChannel(server->port()), Requests(UnsupportedGraph(), options));
  EXPECT_TRUE(call.status.ok()) << call.status.error_message();
}

TEST(GrpcServerTest, OverALimitIsResourceExhaustedNamingIt) {
  Server::Options options = LoopbackOptions();
  options.service.admission.max_graph_bytes = 64;
  auto server = StartServer(options);
  RawCall call = CallRaw(PlaintextChannel(server->port()), Requests(SmallGraph(), SmallGraphOptions()));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(call.status.error_message(), HasSubstr("max_graph_bytes=64"));
  auto it = call.trailers.find(kRetryableTrailer);
  ASSERT_NE(it, call.trailers.end());
  EXPECT_EQ(it->second, "false");
  // The client does not retry what waiting cannot fix.
  cli::RemoteResult remote = ConvertVia(Remote(server->port()), SmallGraph());
  EXPECT_TRUE(absl::IsResourceExhausted(remote.result.status));
  EXPECT_EQ(remote.attempts, 1);
}

TEST(GrpcServerTest, QueueFullIsRetriedUntilASlotFrees) {
  Server::Options options = LoopbackOptions(/*metrics=*/true);
  options.service.admission.max_queued_jobs = 1;
  auto server = StartServer(options);
  const std::string graph = SmallGraph();
  auto held = std::make_unique<HeldUpload>(PlaintextChannel(server->port()), graph);
  ASSERT_TRUE(held->accepted());
  RawCall full = CallRaw(PlaintextChannel(server->port()), Requests(graph, SmallGraphOptions()));
  EXPECT_EQ(full.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(full.status.error_message(), HasSubstr("max_queued_jobs=1"));
  EXPECT_EQ(full.trailers.find(kRetryableTrailer)->second, "true");

  cli::RemoteResult remote;
  std::thread client([&] { remote = ConvertVia(Remote(server->port()), graph); });
  const std::string exhausted = "tflconv_requests_total{code=\"RESOURCE_EXHAUSTED\"}";
  EXPECT_TRUE(Eventually([&] { return Metric(server->metrics_port(), exhausted) >= 2; }));
  EXPECT_TRUE(held->Complete(graph).ok());
  client.join();
  EXPECT_TRUE(remote.result.status.ok()) << remote.result.status;
  EXPECT_GE(remote.attempts, 2);
}

TEST(GrpcServerTest, DeadlineMidConversionStopsTheJob) {
  Server::Options options = LoopbackOptions();
  std::atomic<bool> entered{false};
  options.service.convert = [&](absl::string_view graph, const v1::ConversionOptions& o,
                                const ConvertHooks& hooks) {
    entered = true;
    while (!hooks.cancelled()) absl::SleepFor(absl::Milliseconds(5));
    return tflconv::Convert(graph, o, hooks);
  };
  auto server = StartServer(options);
  RawCall call = CallRaw(PlaintextChannel(server->port()), Requests(SmallGraph(), SmallGraphOptions()),
                         absl::Milliseconds(500));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(entered);
  EXPECT_TRUE(Eventually([&] { return server->service()->stats().in_flight == 0; }));
  EXPECT_EQ(server->service()->stats().reserved_bytes, 0u);
}

TEST(GrpcServerTest, CancelMidUploadFreesTheJob) {
  auto server = StartServer(LoopbackOptions());
  HeldUpload held(PlaintextChannel(server->port()), SmallGraph());
  ASSERT_TRUE(held.accepted());
  EXPECT_EQ(server->service()->stats().in_flight, 1);
  EXPECT_EQ(held.Cancel().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(Eventually([&] { return server->service()->stats().in_flight == 0; }));
  EXPECT_EQ(server->service()->stats().reserved_bytes, 0u);
}

TEST(GrpcServerTest, DrainingAnswersUnavailableAndHealthTurnsNotServing) {
  auto server = StartServer(LoopbackOptions());
  auto channel = PlaintextChannel(server->port());
  EXPECT_EQ(HealthStatus(channel), 1);  // SERVING
  EXPECT_EQ(HealthStatus(channel, "tflconv.v1.Converter"), 1);
  const std::string graph = SmallGraph();
  HeldUpload held(channel, graph);
  ASSERT_TRUE(held.accepted());
  server->BeginDrain();
  EXPECT_EQ(HealthStatus(channel), 2);  // NOT_SERVING
  RawCall call = CallRaw(channel, Requests(graph, SmallGraphOptions()));
  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(call.status.error_message(), HasSubstr("draining"));
  // The in-flight job still finishes.
  EXPECT_TRUE(held.Complete(graph).ok());
  EXPECT_TRUE(server->WaitDrained(absl::Now() + absl::Seconds(30)));
  // The client retries UNAVAILABLE until its timeout.
  cli::RemoteOptions remote = Remote(server->port());
  remote.timeout = absl::Milliseconds(700);
  cli::RemoteResult result = ConvertVia(remote, graph);
  EXPECT_TRUE(absl::IsUnavailable(result.result.status) ||
              absl::IsDeadlineExceeded(result.result.status))
      << result.result.status;
  EXPECT_GE(result.attempts, 2);
}

TEST(GrpcServerTest, MetricsOverHttp) {
  auto server = StartServer(LoopbackOptions(/*metrics=*/true));
  ASSERT_GT(server->metrics_port(), 0);
  ASSERT_TRUE(ConvertVia(Remote(server->port()), SmallGraph()).result.status.ok());
  CallRaw(PlaintextChannel(server->port()), Requests(UnsupportedGraph(), Options({"x"}, {"out"})));
  // Calls are counted when their reactors are done, just after the client
  // sees the status.
  EXPECT_TRUE(Eventually([&] {
    return Metric(server->metrics_port(), "tflconv_requests_total{code=\"OK\"}") == 1 &&
           Metric(server->metrics_port(), "tflconv_requests_total{code=\"FAILED_PRECONDITION\"}") == 1;
  }));
  auto text = HttpGet(server->metrics_port(), "/metrics");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("tflconv_requests_total{code=\"OK\"} 1"));
  EXPECT_THAT(*text, HasSubstr("tflconv_requests_total{code=\"FAILED_PRECONDITION\"} 1"));
  EXPECT_THAT(*text, HasSubstr("tflconv_unsupported_ops_total{tf_op=\"NotARealTfOp\"} 1"));
  EXPECT_THAT(*text, HasSubstr("tflconv_stage_duration_seconds_count{stage=\"legalize\"}"));
  EXPECT_THAT(*text, HasSubstr("tflconv_queue_wait_seconds_count 2"));
  EXPECT_THAT(*text, HasSubstr("tflconv_jobs_in_flight 0"));
  EXPECT_THAT(*text, HasSubstr("tflconv_queue_depth 0"));
  EXPECT_GT(Metric(server->metrics_port(), "tflconv_bytes_in_total"), 0);
  EXPECT_GT(Metric(server->metrics_port(), "tflconv_bytes_out_total"), 0);
}

TEST(GrpcServerTest, BearerTokenIsChecked) {
  Server::Options options = LoopbackOptions();
  options.rpc.auth_token = "s3cret";
  auto server = StartServer(options);
  auto channel = PlaintextChannel(server->port());
  auto requests = Requests(SmallGraph(), SmallGraphOptions());
  EXPECT_EQ(CallRaw(channel, requests).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallRaw(channel, requests, absl::Seconds(60), "wrong").status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CallRaw(channel, requests, absl::Seconds(60), "s3cret").status.ok());
  EXPECT_EQ(HealthStatus(channel), 1);  // probes need no token
}

TEST(GrpcServerTest, TlsAndMutualTls) {
  const std::string dir = TempDir("tls");
  auto tls = MakeTlsFiles(dir);
  if (!tls.ok()) GTEST_SKIP() << "no openssl CLI to make test certificates: " << tls.status();
  Server::Options options = LoopbackOptions();
  options.tls.plaintext = false;
  options.tls.cert_file = tls->server_cert;
  options.tls.key_file = tls->server_key;
  auto server = StartServer(options);
  cli::RemoteOptions remote = Remote(server->port());
  remote.plaintext = false;
  remote.tls_ca_file = tls->ca;
  remote.timeout = absl::Seconds(30);
  EXPECT_TRUE(ConvertVia(remote, SmallGraph()).result.status.ok());
  cli::RemoteOptions plain = Remote(server->port());
  plain.timeout = absl::Milliseconds(500);
  EXPECT_FALSE(ConvertVia(plain, SmallGraph()).result.status.ok());

  options.tls.client_ca_file = tls->ca;
  auto mutual = StartServer(options);
  remote.target = Target(mutual->port());
  remote.timeout = absl::Milliseconds(700);
  EXPECT_FALSE(ConvertVia(remote, SmallGraph()).result.status.ok());  // no client cert
  remote.tls_cert_file = tls->client_cert;
  remote.tls_key_file = tls->client_key;
  remote.timeout = absl::Seconds(30);
  cli::RemoteResult ok = ConvertVia(remote, SmallGraph());
  EXPECT_TRUE(ok.result.status.ok()) << ok.result.status;
}

TEST(GrpcServerTest, RoundRobinOverSeveralServers) {
  auto a = StartServer(LoopbackOptions(/*metrics=*/true));
  auto b = StartServer(LoopbackOptions(/*metrics=*/true));
  cli::RemoteOptions remote = Remote(a->port());
  remote.target = absl::StrCat("ipv4:127.0.0.1:", a->port(), ",127.0.0.1:", b->port());
  auto channel = cli::MakeChannel(remote);
  ASSERT_TRUE(channel.ok());
  for (int i = 0; i < 6; ++i) {
    cli::RemoteResult r = cli::ConvertRemote(*channel, SmallGraph(), "small.pb",
                                             SmallGraphOptions(), remote);
    ASSERT_TRUE(r.result.status.ok()) << r.result.status;
  }
  const std::string ok = "tflconv_requests_total{code=\"OK\"}";
  EXPECT_TRUE(Eventually([&] {
    return Metric(a->metrics_port(), ok) + Metric(b->metrics_port(), ok) == 6;
  }));
  EXPECT_GE(Metric(a->metrics_port(), ok), 1);
  EXPECT_GE(Metric(b->metrics_port(), ok), 1);
  EXPECT_EQ(Metric(a->metrics_port(), ok) + Metric(b->metrics_port(), ok), 6);
}

TEST(GrpcServerTest, StatusMessagesAreTruncated) {
  grpc::Status status = ToGrpcStatus(absl::InvalidArgumentError(std::string(100000, 'x')));
  EXPECT_LE(status.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_THAT(status.error_message(), HasSubstr("more bytes"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace tflconv::testing
