// ConvertModel messages as raw gRPC byte buffers, so that the bulk bytes
// (graph chunks going up, artifact data coming down) are not copied into
// and out of protobuf strings: the server sends artifact data as slices
// that point into the artifact itself, and both sides read chunk data
// straight out of gRPC's receive slices. The bytes on the wire are the
// protobuf encoding of ConvertRequest / ConvertResponse, unchanged; every
// message other than those two bulk shapes goes through protobuf.
// Shared by the server's reactor and the CLI's remote mode.
#ifndef TFLCONV_PROTO_RPC_WIRE_H_
#define TFLCONV_PROTO_RPC_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "tflconv/v1/converter.pb.h"

namespace tflconv::wire {

inline constexpr char kConvertModelMethod[] = "/tflconv.v1.Converter/ConvertModel";

// A received message: its slices (references, no copy) and read access.
class Received {
 public:
  // Takes the buffer's slices; false when gRPC cannot give them.
  bool Reset(const grpc::ByteBuffer& buffer);

  // ConvertRequest{graph_chunk}: the chunk as views into the slices (valid
  // while this object is unchanged). False for any other message (or an
  // encoding this reader does not take apart): Parse() it instead.
  bool GraphChunk(std::vector<absl::string_view>* data) const;
  // ConvertResponse{artifact}: everything but the data in `header`, the
  // data as views. False for any other message.
  bool ArtifactChunk(v1::ArtifactChunk* header, std::vector<absl::string_view>* data) const;
  // Any message, through protobuf (copies).
  bool Parse(google::protobuf::MessageLite* message) const;

  size_t size() const { return size_; }
  // Lets go of the slices.
  void Clear() {
    slices_.clear();
    size_ = 0;
  }

 private:
  std::vector<grpc::Slice> slices_;
  size_t size_ = 0;
};

// ConvertRequest{graph_chunk = data}, copied once into a gRPC slice.
grpc::ByteBuffer GraphChunkMessage(absl::string_view data);
// ConvertResponse{artifact = header with data}: `data` is referenced, not
// copied, and `owner` keeps it alive until gRPC has sent it (a null owner:
// copied). `header` must not carry data itself.
grpc::ByteBuffer ArtifactChunkMessage(const v1::ArtifactChunk& header, absl::string_view data,
                                      std::shared_ptr<const void> owner);
// Any message, through protobuf.
grpc::ByteBuffer Serialize(const google::protobuf::MessageLite& message);

}  // namespace tflconv::wire

#endif  // TFLCONV_PROTO_RPC_WIRE_H_
