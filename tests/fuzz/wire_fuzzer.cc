// The ConvertModel wire readers (proto/rpc/wire.h): the zero-copy readers of
// graph chunks (server side) and artifact chunks (client side) over a
// message cut into gRPC slices, and protobuf's parse of the same bytes.
// Input: byte 0 picks the number of slices (1-4), the next bytes where
// they are cut; the rest is the message. Where a zero-copy reader accepts
// a message protobuf also accepts, both must read the same: a difference
// aborts, so the fuzzer reports it like a crash.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/rpc/wire.h"

namespace tflconv::fuzz {
namespace {

constexpr size_t kMaxSlices = 4;

void Fail(const char* what) {
  std::fprintf(stderr, "wire reader differs from protobuf: %s\n", what);
  std::abort();
}

grpc::ByteBuffer Slices(const uint8_t* data, size_t size) {
  if (size == 0) return grpc::ByteBuffer();
  const size_t count = std::min<size_t>(data[0] % kMaxSlices + 1, size);
  absl::string_view message(reinterpret_cast<const char*>(data) + count, size - count);
  std::vector<size_t> cuts = {0, message.size()};
  for (size_t i = 1; i < count; ++i) cuts.push_back(message.size() * data[i] / 256);
  std::sort(cuts.begin(), cuts.end());
  std::vector<grpc::Slice> slices;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    slices.emplace_back(message.data() + cuts[i], cuts[i + 1] - cuts[i]);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

// proto3 strings must be UTF-8 for protobuf (it logs and fails); the
// zero-copy reader leaves that to whoever reads the strings. Protobuf's
// log says when that was the reason.
bool utf8_rejected = false;

void NoteUtf8Error(google::protobuf::LogLevel, const char*, int, const std::string& message) {
  if (message.find("invalid UTF-8") != std::string::npos) utf8_rejected = true;
}

void CheckGraphChunk(const wire::Received& received) {
  std::vector<absl::string_view> data;
  if (!received.GraphChunk(&data)) return;
  v1::ConvertRequest request;
  if (!received.Parse(&request)) Fail("graph chunk protobuf rejects");
  if (absl::StrJoin(data, "") != request.graph_chunk()) Fail("graph chunk bytes");
}

void CheckArtifactChunk(const wire::Received& received) {
  v1::ArtifactChunk header;
  std::vector<absl::string_view> data;
  if (!received.ArtifactChunk(&header, &data)) return;
  v1::ConvertResponse response;
  utf8_rejected = false;
  if (!received.Parse(&response)) {
    if (!utf8_rejected) Fail("artifact protobuf rejects");
    return;
  }
  const v1::ArtifactChunk& want = response.artifact();
  if (header.kind() != want.kind() || header.file_name() != want.file_name() ||
      header.total_size() != want.total_size() || header.sha256() != want.sha256() ||
      header.offset() != want.offset() || header.last() != want.last()) {
    Fail("artifact header");
  }
  if (absl::StrJoin(data, "") != want.data()) Fail("artifact data");
}

}  // namespace
}  // namespace tflconv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tflconv;
  static const bool log_handler_set =
      (google::protobuf::SetLogHandler(fuzz::NoteUtf8Error), true);
  (void)log_handler_set;
  wire::Received received;
  if (!received.Reset(fuzz::Slices(data, size))) return 0;
  fuzz::CheckGraphChunk(received);
  fuzz::CheckArtifactChunk(received);
  v1::ConvertRequest request;
  (void)received.Parse(&request);
  return 0;
}
