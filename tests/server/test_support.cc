#include "tests/server/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/sample_model.h"
#include "gtest/gtest.h"
#include "tests/testing/graph_builder.h"

namespace tflconv::testing {

std::string SmallGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 8});
  std::vector<float> w(8 * 4), b(4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.1f * static_cast<float>(i);
  g.ConstFloat("w", {8, 4}, w);
  g.ConstFloat("b", {4}, b);
  AttrType(g.Op("MatMul", "mm", {"x", "w"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("BiasAdd", "bias", {"mm", "b"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "out", {"bias"}), "T", tensorflow::DT_FLOAT);
  return g.Binary();
}

v1::ConversionOptions SmallGraphOptions() {
  v1::ConversionOptions options = Options({"x"}, {"out"}, /*fp16=*/true);
  options.clear_artifacts();  // both
  return options;
}

std::string HookedGraph(const std::string& hook) {
  tensorflow::GraphDef extra;
  tensorflow::NodeDef* node = extra.add_node();
  node->set_name("tflconv-test-hook:" + hook);
  node->set_op("NoOp");
  return SmallGraph() + extra.SerializeAsString();
}

std::string SampleGraph(double target_mb) {
  bench::SampleModelOptions sample;
  sample.target_mb = target_mb;
  sample.image_size = 64;
  return bench::BuildSampleModel(sample)->SerializeAsString();
}

uint64_t VirtualBytes(pid_t pid) {
  std::ifstream statm(absl::StrCat("/proc/", pid, "/statm"));
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string UnsupportedGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 8});
  auto& op = g.Op("NotARealTfOp", "out", {"x"});
  AttrType(op, "T", tensorflow::DT_FLOAT);
  return g.Binary();
}

cli::RemoteOptions Remote(int port) {
  cli::RemoteOptions remote;
  remote.target = Target(port);
  remote.plaintext = true;
  remote.timeout = absl::Seconds(60);
  return remote;
}

cli::RemoteResult ConvertVia(const cli::RemoteOptions& remote, const std::string& graph,
                             const v1::ConversionOptions& options) {
  auto channel = cli::MakeChannel(remote);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return cli::ConvertRemote(*channel, graph, "small.pb", options, remote);
}

double Metric(int port, const std::string& series) {
  auto text = HttpGet(port, "/metrics");
  if (!text.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (absl::StartsWith(line, series + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return 0;
}

HeldUpload::HeldUpload(const std::shared_ptr<grpc::Channel>& channel, const std::string& graph)
    : stub_(channel) {
  stream_ = stub_.ConvertModel(&context_);
  auto requests = Requests(graph, SmallGraphOptions(), graph.size() / 2 + 1);
  stream_->Write(requests[0]);
  stream_->Write(requests[1]);
  accepted_ = stream_->Read(&first_) && first_.has_accepted();
}

grpc::Status HeldUpload::Complete(const std::string& graph) {
  auto requests = Requests(graph, SmallGraphOptions(), graph.size() / 2 + 1);
  for (size_t i = 2; i < requests.size(); ++i) stream_->Write(requests[i]);
  stream_->WritesDone();
  v1::ConvertResponse response;
  while (stream_->Read(&response)) {
  }
  return stream_->Finish();
}

grpc::Status HeldUpload::Cancel() {
  context_.TryCancel();
  v1::ConvertResponse response;
  while (stream_->Read(&response)) {
  }
  return stream_->Finish();
}

cli::RemoteResult ConvertAgainst(grpc::Service& service, absl::Duration timeout) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  EXPECT_NE(port, 0);
  cli::RemoteOptions remote = Remote(port);
  remote.timeout = timeout;
  cli::RemoteResult result = ConvertVia(remote, SmallGraph());
  server->Shutdown();
  return result;
}

void Latch::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  cv_.notify_all();
}

bool Latch::notified() {
  std::lock_guard<std::mutex> lock(mu_);
  return notified_;
}

bool Latch::Wait(absl::Duration limit) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(limit), [&] { return notified_; });
}

Artifact MakeArtifact(v1::ArtifactKind kind, const std::string& bytes,
                      std::shared_ptr<Latch> freed) {
  std::shared_ptr<const std::string> storage(new std::string(bytes),
                                             [freed](const std::string* p) {
                                               delete p;
                                               if (freed) freed->Notify();
                                             });
  Artifact artifact;
  artifact.kind = kind;
  artifact.file_name = kind == v1::FP16 ? "model_fp16.tflite" : "model_fp32.tflite";
  artifact.bytes = *storage;
  artifact.storage = std::move(storage);
  return artifact;
}

server::Server::Options LoopbackOptions(bool metrics) {
  server::Server::Options options;
  options.listen = "127.0.0.1:0";
  options.metrics_listen = metrics ? "127.0.0.1:0" : "";
  options.tls.plaintext = true;
  options.service.workers = 2;
  options.drain_grace = absl::Seconds(20);
  return options;
}

std::unique_ptr<server::Server> StartServer(server::Server::Options options) {
  auto server = server::Server::Create(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  absl::Status started = (*server)->Start();
  EXPECT_TRUE(started.ok()) << started;
  return *std::move(server);
}

std::string Target(int port) { return absl::StrCat("127.0.0.1:", port); }

std::shared_ptr<grpc::Channel> PlaintextChannel(int port) {
  return grpc::CreateChannel(Target(port), grpc::InsecureChannelCredentials());
}

bool RawCall::Has(v1::ConvertResponse::PayloadCase kind) const {
  for (const auto& r : responses) {
    if (r.payload_case() == kind) return true;
  }
  return false;
}

RawCall CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                const std::vector<v1::ConvertRequest>& requests, absl::Duration timeout,
                const std::string& token) {
  v1::Converter::Stub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  auto stream = stub.ConvertModel(&context);
  std::thread writer([&] {
    for (const auto& request : requests) {
      if (!stream->Write(request)) return;
    }
    stream->WritesDone();
  });
  RawCall call;
  v1::ConvertResponse response;
  while (stream->Read(&response)) call.responses.push_back(response);
  writer.join();
  call.status = stream->Finish();
  for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
    call.trailers.emplace(std::string(key.data(), key.size()),
                          std::string(value.data(), value.size()));
  }
  return call;
}

std::vector<v1::ConvertRequest> Requests(const std::string& graph,
                                         const v1::ConversionOptions& options, size_t chunk) {
  std::vector<v1::ConvertRequest> requests(1);
  v1::ConvertStart* start = requests[0].mutable_start();
  *start->mutable_options() = options;
  start->set_graph_name("test.pb");
  start->set_graph_size(graph.size());
  for (size_t offset = 0; offset < graph.size(); offset += chunk) {
    requests.emplace_back().set_graph_chunk(graph.substr(offset, chunk));
  }
  return requests;
}

int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  return status.ok() ? response.status() : -1;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) {
    return absl::DataLossError("not an HTTP response");
  }
  if (response.find(" 200 ") == std::string::npos) {
    return absl::UnavailableError(response.substr(0, response.find("\r\n")));
  }
  return response.substr(body + 4);
}

absl::StatusOr<TlsFiles> MakeTlsFiles(const std::string& dir) {
  TlsFiles f{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key", dir + "/client.pem",
             dir + "/client.key"};
  const std::string log = dir + "/openssl.log";
  auto ok = [&](std::vector<std::string> argv) { return RunCommand(argv, log) == 0; };
  {
    std::ofstream ext(dir + "/server.ext");
    ext << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  }
  const bool made =
      ok({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
          "/CN=tflconv test CA", "-keyout", dir + "/ca.key", "-out", f.ca}) &&
      ok({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
          f.server_key, "-out", dir + "/server.csr"}) &&
      ok({"openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", f.ca, "-CAkey",
          dir + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", dir + "/server.ext",
          "-out", f.server_cert}) &&
      ok({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=tflconv client",
          "-keyout", f.client_key, "-out", dir + "/client.csr"}) &&
      ok({"openssl", "x509", "-req", "-in", dir + "/client.csr", "-CA", f.ca, "-CAkey",
          dir + "/ca.key", "-CAcreateserial", "-days", "2", "-out", f.client_cert});
  if (!made) return absl::InternalError("openssl failed; see " + log);
  return f;
}

absl::StatusOr<std::unique_ptr<Child>> Child::Spawn(const std::vector<std::string>& argv,
                                                    const std::vector<std::string>& env,
                                                    const std::string& stderr_file) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (!stderr_file.empty()) {
      const int fd = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
    }
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  auto child = std::unique_ptr<Child>(new Child());
  child->pid_ = pid;
  child->stdout_fd_ = pipe_fds[0];
  return child;
}

Child::~Child() {
  if (!waited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string Child::ReadLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return "";
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0) return "";
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void Child::Signal(int signal) { kill(pid_, signal); }

bool Child::Running() {
  if (!waited_ && waitpid(pid_, &status_, WNOHANG) == pid_) waited_ = true;
  return !waited_;
}

int Child::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!waited_) {
    const pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
      waited_ = true;
      break;
    }
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      waited_ = true;
      return -1;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  return 128 + WTERMSIG(status_);
}

int RunCommand(const std::vector<std::string>& argv, const std::string& log) {
  std::string command;
  for (const std::string& a : argv) absl::StrAppend(&command, "'", a, "' ");
  absl::StrAppend(&command, ">>'", log, "' 2>&1");
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(base ? base : std::filesystem::temp_directory_path().string(),
                                 "/tflconv_server_test_", getpid(), "_", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string StripMillis(const std::string& report_json) {
  static const std::regex kMillis("\"millis\":\\s*[0-9.eE+-]+");
  return std::regex_replace(report_json, kMillis, "\"millis\":0");
}

std::string FixturesDir() {
  const std::string dir = TFLCONV_SHARED_DIR "/fixtures/corpus";
  return std::filesystem::exists(dir) ? dir : "";
}

}  // namespace tflconv::testing
