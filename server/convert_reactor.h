// The gRPC face of the ConversionService: a callback service whose
// ConvertModel returns one reactor per call (gRPC's route_guide callback
// style). The reactor only moves messages: the first request is admitted
// as a Job, chunks are appended to it, the job's events come back from the
// worker pool as the next writes, one write in flight at a time; each
// artifact is streamed as soon as the job hands it over (fp32 while fp16
// is being built). Nothing in a reaction blocks.
//
// The method is registered raw (byte buffers, server/wire.h): graph chunks
// are appended to the job straight from gRPC's receive slices, and
// artifact chunks are sent as slices pointing into the artifact, so the
// bulk bytes are never copied through protobuf strings. The wire format is
// the .proto's.
#ifndef TFLCONV_SERVER_CONVERT_REACTOR_H_
#define TFLCONV_SERVER_CONVERT_REACTOR_H_

#include <cstddef>
#include <string>

#include "grpcpp/grpcpp.h"
#include "server/conversion_service.h"
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
  };

  ConverterCallbackService(ConversionService* service, Metrics* metrics, Options options)
      : service_(service), metrics_(metrics), options_(std::move(options)) {}

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* ConvertModel(
      grpc::CallbackServerContext* context) override;

 private:
  ConversionService* service_;
  Metrics* metrics_;
  Options options_;
};

}  // namespace tflconv::server

#endif  // TFLCONV_SERVER_CONVERT_REACTOR_H_
