// tflconv-server's lifecycle (Triton style): Options with nested option
// structs, Create() validates and loads everything, Start() listens,
// BeginDrain()/WaitDrained() or GracefulStop() drain, Stop() stops.
//
// Shutdown order (GracefulStop):
//   1. health -> NOT_SERVING, the service refuses new jobs (UNAVAILABLE);
//      the port stays open so probes and in-flight calls keep working;
//   2. wait for in-flight jobs (upload, conversion, streaming back) up to
//      the grace period;
//   3. gRPC Shutdown at once: calls still open are cancelled, their
//      reactors finish, and client connections are closed;
//   4. the conversion service stops: remaining jobs cancelled, workers
//      joined;
//   5. the metrics endpoint stays up to the end, so scrapes see the drain;
//      main() then exits without destroying it (see main.cc).
#ifndef TFLCONV_SERVER_SERVER_H_
#define TFLCONV_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/conversion_service.h"
#include "server/convert_reactor.h"
#include "server/metrics.h"

namespace tflconv::server {

class Server {
 public:
  struct Options {
    std::string listen = "0.0.0.0:50051";
    std::string metrics_listen = "0.0.0.0:9090";  // empty: no metrics endpoint
    struct Tls {
      bool plaintext = false;      // required when no certificate is given
      std::string cert_file;       // PEM certificate chain
      std::string key_file;        // PEM private key
      std::string client_ca_file;  // set: clients must present a cert it signed
    } tls;
    struct Grpc {
      int max_receive_message_bytes = 16 << 20;  // caps the upload chunk size
      int max_send_message_bytes = 16 << 20;
      int keepalive_time_ms = 60'000;
      int keepalive_timeout_ms = 20'000;
      int min_client_ping_interval_ms = 10'000;
    } grpc;
    absl::Duration drain_grace = absl::Seconds(25);
    ConversionService::Options service;
    ConverterCallbackService::Options rpc;
  };

  static absl::StatusOr<std::unique_ptr<Server>> Create(Options options);
  ~Server();  // Stop()s.

  absl::Status Start();
  // Ports actually bound (useful with port 0).
  int port() const { return port_; }
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  void BeginDrain();
  bool WaitDrained(absl::Time deadline);  // true: no job left
  // BeginDrain, WaitDrained(now + drain_grace), Stop. True when every
  // in-flight job finished within the grace period.
  bool GracefulStop();
  void Stop();

  ConversionService* service() { return service_.get(); }
  Metrics* metrics() { return metrics_.get(); }

 private:
  explicit Server(Options options) : options_(std::move(options)) {}

  Options options_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  // Destroyed bottom-up: gRPC first, metrics last.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ConversionService> service_;
  std::unique_ptr<ConverterCallbackService> rpc_;
  std::unique_ptr<grpc::Server> grpc_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_SERVER_H_
