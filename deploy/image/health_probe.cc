// tflconv-health-probe: asks the tflconv-server in the same container for
// grpc.health.v1.Health/Check and exits 0 when it answers SERVING.
//
// Kubernetes' built-in gRPC probe speaks plaintext only, so it cannot probe
// a server that serves TLS (or mutual TLS) on its one port. This exec probe
// reads the server's own configuration from the container's environment
// (the TFLCONV_* variables of `tflconv-server --help`) and connects the way
// a client must:
//   TFLCONV_LISTEN        the port to dial on 127.0.0.1 (default 50051)
//   TFLCONV_PLAINTEXT     true: no TLS
//   TFLCONV_TLS_CERT/KEY  presented as the client certificate when
//                         TFLCONV_TLS_CLIENT_CA is set (mutual TLS)
// and two of its own:
//   TFLCONV_PROBE_CA           roots that verify the server's certificate
//                              (default TFLCONV_TLS_CLIENT_CA, else the
//                              server's certificate itself)
//   TFLCONV_PROBE_SERVER_NAME  a DNS name in the server's certificate
//                              (default localhost)
// Flags: --service=NAME (default "", the server as a whole), --addr=HOST:PORT,
// --timeout_ms=N (default 2000). Exit 0 SERVING, 1 anything else.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace {

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

bool Truthy(const std::string& v) {
  return v == "" || v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes";
}

}  // namespace

int main(int argc, char** argv) {
  std::string service;
  std::string addr;
  int timeout_ms = 2000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--service=", 0) == 0) {
      service = arg.substr(10);
    } else if (arg.rfind("--addr=", 0) == 0) {
      addr = arg.substr(7);
    } else if (arg.rfind("--timeout_ms=", 0) == 0) {
      timeout_ms = std::atoi(arg.c_str() + 13);
    } else {
      std::cerr << "usage: tflconv-health-probe [--service=NAME] [--addr=HOST:PORT] "
                   "[--timeout_ms=N]\n";
      return 2;
    }
  }
  if (addr.empty()) {
    const std::string listen = Env("TFLCONV_LISTEN", "0.0.0.0:50051");
    addr = "127.0.0.1:" + listen.substr(listen.rfind(':') + 1);
  }

  std::shared_ptr<grpc::ChannelCredentials> creds;
  grpc::ChannelArguments args;
  const char* plaintext = std::getenv("TFLCONV_PLAINTEXT");
  if (plaintext && Truthy(plaintext)) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    const std::string cert = Env("TFLCONV_TLS_CERT");
    const std::string client_ca = Env("TFLCONV_TLS_CLIENT_CA");
    const std::string roots = Env("TFLCONV_PROBE_CA", client_ca.empty() ? cert : client_ca);
    if (roots.empty() || !ReadFile(roots, &ssl.pem_root_certs)) {
      std::cerr << "tflconv-health-probe: no readable CA (TFLCONV_PROBE_CA, "
                   "TFLCONV_TLS_CLIENT_CA or TFLCONV_TLS_CERT)\n";
      return 1;
    }
    if (!client_ca.empty() && (!ReadFile(cert, &ssl.pem_cert_chain) ||
                               !ReadFile(Env("TFLCONV_TLS_KEY"), &ssl.pem_private_key))) {
      std::cerr << "tflconv-health-probe: cannot read TFLCONV_TLS_CERT / TFLCONV_TLS_KEY\n";
      return 1;
    }
    creds = grpc::SslCredentials(ssl);
    args.SetSslTargetNameOverride(Env("TFLCONV_PROBE_SERVER_NAME", "localhost"));
  }
  auto channel = grpc::CreateCustomChannel(addr, creds, args);

  // HealthCheckRequest{service = 1}, encoded by hand: no generated code.
  std::string request;
  if (!service.empty()) {
    request.push_back('\x0a');
    request.push_back(static_cast<char>(service.size()));  // names < 128 bytes
    request += service;
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request_buffer, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  if (!status.ok()) {
    std::cerr << "tflconv-health-probe: " << addr << ": " << status.error_message() << "\n";
    return 1;
  }
  grpc::Slice single;
  response.DumpToSingleSlice(&single);
  const std::string bytes(reinterpret_cast<const char*>(single.begin()), single.size());
  // HealthCheckResponse{status = 1}: 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN.
  const int serving = bytes.size() >= 2 && bytes[0] == '\x08' ? bytes[1] : 0;
  static const char* kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  std::cout << (serving >= 0 && serving <= 3 ? kNames[serving] : "UNKNOWN") << "\n";
  return serving == 1 ? 0 : 1;
}
