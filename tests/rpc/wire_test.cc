// The raw byte-buffer forms of the ConvertModel messages (proto/rpc/wire.h)
// against protobuf itself: what the server and client write parses as the
// .proto says, and what protobuf writes the fast readers take apart the
// same way, however gRPC splits it into slices.
#include "proto/rpc/wire.h"

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tflconv::wire {
namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

// `bytes` as a byte buffer cut into slices at `cuts` (offsets).
grpc::ByteBuffer Sliced(const std::string& bytes, std::vector<size_t> cuts) {
  std::vector<grpc::Slice> slices;
  size_t from = 0;
  cuts.push_back(bytes.size());
  for (size_t to : cuts) {
    to = std::min(to, bytes.size());
    if (to < from) continue;
    slices.emplace_back(bytes.data() + from, to - from);
    from = to;
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

std::string Join(const std::vector<absl::string_view>& pieces) {
  std::string joined;
  for (absl::string_view piece : pieces) joined.append(piece.data(), piece.size());
  return joined;
}

v1::ArtifactChunk Header() {
  v1::ArtifactChunk header;
  header.set_kind(v1::FP16);
  header.set_file_name("model_fp16.tflite");
  header.set_total_size(1'000'000);
  header.set_sha256(std::string(64, 'a'));
  header.set_offset(300);
  header.set_last(true);
  return header;
}

TEST(WireTest, ArtifactChunkMessageIsTheProtobufEncodingAndHoldsItsOwner) {
  const std::string data(70'000, 'd');
  auto owner = std::make_shared<int>(0);
  std::weak_ptr<int> watch = owner;
  {
    grpc::ByteBuffer buffer = ArtifactChunkMessage(Header(), data, std::move(owner));
    EXPECT_FALSE(watch.expired());  // the data slice holds it
    v1::ConvertResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(Flatten(buffer)));
    v1::ArtifactChunk expected = Header();
    expected.set_data(data);
    EXPECT_EQ(parsed.artifact().SerializeAsString(), expected.SerializeAsString());
  }
  EXPECT_TRUE(watch.expired());  // let go with the message
  // No owner: copied. Empty data: no data field, as protobuf.
  v1::ConvertResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Flatten(ArtifactChunkMessage(Header(), "xyz", nullptr))));
  EXPECT_EQ(parsed.artifact().data(), "xyz");
  v1::ConvertResponse empty;
  *empty.mutable_artifact() = Header();
  EXPECT_EQ(Flatten(ArtifactChunkMessage(Header(), "", nullptr)), empty.SerializeAsString());
}

TEST(WireTest, GraphChunkMessageIsTheProtobufEncoding) {
  for (size_t size : {0, 1, 127, 128, 16384, 1 << 20}) {
    const std::string data(size, 'g');
    v1::ConvertRequest expected;
    expected.set_graph_chunk(data);
    EXPECT_EQ(Flatten(GraphChunkMessage(data)), expected.SerializeAsString()) << size;
  }
}

TEST(WireTest, ReadersTakeProtobufsEncodingApartAcrossAnySlicing) {
  std::mt19937 random(5);
  std::string data(5000, '\0');
  for (char& c : data) c = static_cast<char>(random());
  v1::ConvertResponse response;
  *response.mutable_artifact() = Header();
  response.mutable_artifact()->set_data(data);
  const std::string artifact_bytes = response.SerializeAsString();
  v1::ConvertRequest request;
  request.set_graph_chunk(data);
  const std::string chunk_bytes = request.SerializeAsString();
  for (int trial = 0; trial < 200; ++trial) {
    // Cuts anywhere, including inside tags, varints and strings.
    std::vector<size_t> cuts;
    for (size_t at = 0; at < artifact_bytes.size();) {
      at += 1 + random() % (trial < 100 ? 7 : 1500);
      cuts.push_back(at);
    }
    Received received;
    ASSERT_TRUE(received.Reset(Sliced(artifact_bytes, cuts)));
    v1::ArtifactChunk header;
    std::vector<absl::string_view> pieces;
    ASSERT_TRUE(received.ArtifactChunk(&header, &pieces));
    EXPECT_EQ(header.SerializeAsString(), Header().SerializeAsString());
    EXPECT_EQ(Join(pieces), data);
    EXPECT_FALSE(received.GraphChunk(&pieces));  // not a request

    ASSERT_TRUE(received.Reset(Sliced(chunk_bytes, cuts)));
    ASSERT_TRUE(received.GraphChunk(&pieces));
    EXPECT_EQ(Join(pieces), data);
    EXPECT_FALSE(received.ArtifactChunk(&header, &pieces));
    v1::ConvertRequest parsed;
    ASSERT_TRUE(received.Parse(&parsed));
    EXPECT_EQ(parsed.graph_chunk(), data);
  }
}

TEST(WireTest, OtherShapesAreLeftToProtobuf) {
  Received received;
  std::vector<absl::string_view> pieces;
  v1::ArtifactChunk header;
  // A start is not a chunk.
  v1::ConvertRequest start;
  start.mutable_start()->set_graph_size(10);
  ASSERT_TRUE(received.Reset(Sliced(start.SerializeAsString(), {3})));
  EXPECT_FALSE(received.GraphChunk(&pieces));
  v1::ConvertRequest parsed;
  ASSERT_TRUE(received.Parse(&parsed));
  EXPECT_EQ(parsed.start().graph_size(), 10u);
  // Two graph_chunk fields in one message (protobuf keeps the last).
  v1::ConvertRequest a, b;
  a.set_graph_chunk("first");
  b.set_graph_chunk("second");
  ASSERT_TRUE(received.Reset(Sliced(a.SerializeAsString() + b.SerializeAsString(), {})));
  EXPECT_FALSE(received.GraphChunk(&pieces));
  ASSERT_TRUE(received.Parse(&parsed));
  EXPECT_EQ(parsed.graph_chunk(), "second");
  // Progress and report messages are not artifacts.
  v1::ConvertResponse progress;
  progress.mutable_progress()->set_stage("parse");
  ASSERT_TRUE(received.Reset(Sliced(progress.SerializeAsString(), {})));
  EXPECT_FALSE(received.ArtifactChunk(&header, &pieces));
  // Truncated: neither reader takes it.
  v1::ConvertResponse artifact;
  *artifact.mutable_artifact() = Header();
  artifact.mutable_artifact()->set_data("0123456789");
  const std::string bytes = artifact.SerializeAsString();
  ASSERT_TRUE(received.Reset(Sliced(bytes.substr(0, bytes.size() - 1), {})));
  EXPECT_FALSE(received.ArtifactChunk(&header, &pieces));
}

TEST(WireTest, AnEmptyMessageParsesAsTheDefault) {
  Received received;
  ASSERT_TRUE(received.Reset(grpc::ByteBuffer()));
  std::vector<absl::string_view> pieces;
  EXPECT_FALSE(received.GraphChunk(&pieces));
  v1::ConvertRequest request;
  request.set_graph_chunk("stale");
  ASSERT_TRUE(received.Parse(&request));
  EXPECT_EQ(request.payload_case(), v1::ConvertRequest::PAYLOAD_NOT_SET);
}

TEST(WireTest, ArtifactReaderSkipsUnknownFieldsAndTakesTheLastData) {
  // A newer server's extra fields (numbers 8.., every wire type) and a
  // repeated data field: protobuf keeps the last data.
  v1::ArtifactChunk known = Header();
  known.set_data("old");
  std::string inner = known.SerializeAsString();
  inner += std::string("\x40\x96\x01", 3);                     // 8: varint 150
  inner += std::string("\x49") + std::string(8, '\x01');      // 9: fixed64
  inner += std::string("\x52\x03xyz", 5);                     // 10: bytes "xyz"
  inner += std::string("\x5d") + std::string(4, '\x02');      // 11: fixed32
  inner += std::string("\x32\x03new", 5);                     // 6: data "new"
  std::string message = "\x1a";
  for (size_t n = inner.size(); ; n >>= 7) {  // the length, a varint
    message.push_back(static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
    if (n < 0x80) break;
  }
  message += inner;
  v1::ConvertResponse reference;
  ASSERT_TRUE(reference.ParseFromString(message));
  Received received;
  ASSERT_TRUE(received.Reset(Sliced(message, {2, 9, 40})));
  v1::ArtifactChunk header;
  std::vector<absl::string_view> pieces;
  ASSERT_TRUE(received.ArtifactChunk(&header, &pieces));
  EXPECT_EQ(Join(pieces), reference.artifact().data());
  EXPECT_EQ(Join(pieces), "new");
  EXPECT_EQ(header.file_name(), reference.artifact().file_name());
  EXPECT_EQ(header.offset(), reference.artifact().offset());
  EXPECT_TRUE(header.last());
}

// Field numbers 0 and past 2^29 - 1 do not exist; protobuf refuses them, so
// must the zero-copy reader (found by tests/fuzz/wire_fuzzer.cc).
TEST(WireTest, ArtifactReaderRefusesFieldNumbersProtobufRefuses) {
  const std::string field_0 = std::string("\x00\x01", 2);                   // 0: varint 1
  const std::string field_2pow29 = std::string("\x80\x80\x80\x80\x10\x01", 6);  // 2^29: varint 1
  for (const std::string& field : {field_0, field_2pow29}) {
    const std::string inner = Header().SerializeAsString() + field;
    const std::string message = "\x1a" + std::string(1, static_cast<char>(inner.size())) + inner;
    v1::ConvertResponse reference;
    EXPECT_FALSE(reference.ParseFromString(message));
    Received received;
    ASSERT_TRUE(received.Reset(Sliced(message, {3})));
    v1::ArtifactChunk header;
    std::vector<absl::string_view> pieces;
    EXPECT_FALSE(received.ArtifactChunk(&header, &pieces));
  }
}

}  // namespace
}  // namespace tflconv::wire
