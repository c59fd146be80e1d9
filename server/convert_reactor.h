// The gRPC face of the ConversionService: a callback service whose
// ConvertModel returns one reactor per call (gRPC's route_guide callback
// style). The reactor only moves messages: the first request is admitted
// as a Job, chunks are appended to it, the job's events come back from the
// worker pool as the next writes, one write in flight at a time; each
// artifact is streamed as soon as the job hands it over (fp32 while fp16
// is being built). Nothing in a reaction blocks.
//
// The method is registered raw (byte buffers, proto/rpc/wire.h): graph chunks
// are appended to the job straight from gRPC's receive slices, and
// artifact chunks are sent as slices pointing into the artifact, so the
// bulk bytes are never copied through protobuf strings. The wire format is
// the .proto's.
#ifndef TFLCONV_SERVER_CONVERT_REACTOR_H_
#define TFLCONV_SERVER_CONVERT_REACTOR_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/conversion_service.h"
#include "server/heap_trimmer.h"
#include "server/idle_watchdog.h"
#include "tflconv/v1/converter.grpc.pb.h"

namespace tflconv::server {

class Metrics;

class ConverterCallbackService final
    : public v1::Converter::WithRawCallbackMethod_ConvertModel<v1::Converter::Service> {
 public:
  struct Options {
    // When set, calls must carry "authorization: Bearer <auth_token>".
    std::string auth_token;
    // Artifact data per response message. Clients' default receive limit
    // is 4 MiB (gRPC's), so stay below it.
    size_t response_chunk_bytes = 1 << 20;
    // A call fails with DEADLINE_EXCEEDED, its job stopped and its queue
    // slot and memory freed, when the server has waited this long for the
    // next request message (the start, or graph data: a whole message,
    // so a chunk must arrive within it) ...
    absl::Duration upload_idle_timeout = absl::Seconds(30);
    // ... or for the client to take the response message being sent (a
    // client that stopped reading).
    absl::Duration download_idle_timeout = absl::Seconds(30);
  };

  ConverterCallbackService(ConversionService* service, Metrics* metrics, Options options);

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ConvertModel(
      grpc::CallbackServerContext* context) override;

 private:
  ConversionService* service_;
  Metrics* metrics_;
  Options options_;
  IdleWatchdog watchdog_;
  // Checked by the watchdog too (after the last call of a burst).
  std::shared_ptr<HeapTrimmer> heap_trimmer_;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_CONVERT_REACTOR_H_
