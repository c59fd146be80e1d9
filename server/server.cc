#include "server/server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "proto/rpc/pem.h"

namespace tflconv::server {
namespace {

constexpr char kServiceName[] = "tflconv.v1.Converter";

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(Options options) {
  std::unique_ptr<Server> server(new Server(std::move(options)));
  const Options::Tls& tls = server->options_.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (tls.cert_file.empty()) {
    if (!tls.plaintext) {
      return absl::InvalidArgumentError("give --tls_cert and --tls_key, or ask for --plaintext");
    }
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    server->credentials_ = grpc::InsecureServerCredentials();
  } else {
    if (tls.plaintext) return absl::InvalidArgumentError("--plaintext contradicts --tls_cert");
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    auto cert = ReadPem(tls.cert_file, "--tls_cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(tls.key_file, "--tls_key");
    if (!key.ok()) return key.status();
    pair.cert_chain = *cert;
    pair.private_key = *key;
    ssl.pem_key_cert_pairs.push_back(pair);
    if (!tls.client_ca_file.empty()) {
      auto ca = ReadPem(tls.client_ca_file, "--tls_client_ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    server->credentials_ = grpc::SslServerCredentials(ssl);
  }
  auto metrics = Metrics::Create(server->options_.metrics_listen);
  if (!metrics.ok()) return metrics.status();
  server->metrics_ = *std::move(metrics);
  server->options_.service.metrics = server->metrics_.get();
  auto service = ConversionService::Create(server->options_.service);
  if (!service.ok()) return service.status();
  server->service_ = *std::move(service);
  server->rpc_ = std::make_unique<ConverterCallbackService>(
      server->service_.get(), server->metrics_.get(), server->options_.rpc);
  return server;
}

Server::~Server() { Stop(); }

absl::Status Server::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, credentials_, &port_);
  builder.RegisterService(rpc_.get());
  const Options::Grpc& g = options_.grpc;
  builder.SetMaxReceiveMessageSize(g.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(g.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, g.keepalive_time_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, g.keepalive_timeout_ms);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             g.min_client_ping_interval_ms);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  grpc_ = builder.BuildAndStart();
  if (!grpc_ || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  grpc::HealthCheckServiceInterface* health = grpc_->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kServiceName, true);
  return absl::OkStatus();
}

void Server::BeginDrain() {
  service_->StartDraining();
  if (grpc_) {
    grpc::HealthCheckServiceInterface* health = grpc_->GetHealthCheckService();
    health->SetServingStatus(false);
    health->SetServingStatus(kServiceName, false);
  }
}

bool Server::WaitDrained(absl::Time deadline) { return service_->WaitIdle(deadline); }

bool Server::GracefulStop() {
  BeginDrain();
  const bool drained = WaitDrained(absl::Now() + options_.drain_grace);
  Stop();
  return drained;
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (service_) service_->StartDraining();
  if (grpc_) {
    // Jobs had their grace (GracefulStop) or get none: the calls still open
    // are cancelled now (their reactors finish) and the connections closed,
    // instead of waiting for clients to hang up.
    grpc_->Shutdown(std::chrono::system_clock::now());
    grpc_->Wait();
  }
  if (service_) service_->Stop();
}

}  // namespace tflconv::server
