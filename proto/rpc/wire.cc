#include "proto/rpc/wire.h"

#include <cstring>
#include <string>
#include <utility>

#include "google/protobuf/descriptor.h"

namespace tflconv::wire {
namespace {

// Protobuf wire types and the tags of the fields read here.
constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;
constexpr uint32_t kRequestGraphChunkTag = (2 << 3) | kLengthDelimited;  // ConvertRequest.graph_chunk
constexpr uint32_t kResponseArtifactTag = (3 << 3) | kLengthDelimited;   // ConvertResponse.artifact
constexpr uint32_t kArtifactDataTag = (6 << 3) | kLengthDelimited;       // ArtifactChunk.data

// Reads the protobuf encoding across a message's slices.
class Cursor {
 public:
  explicit Cursor(const std::vector<grpc::Slice>& slices) : slices_(slices) {
    for (const grpc::Slice& s : slices_) remaining_ += s.size();
    SkipEmpty();
  }

  size_t remaining() const { return remaining_; }

  bool ReadVarint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining_ == 0) return false;
      const uint8_t byte = slices_[slice_].begin()[offset_];
      Advance(1);
      *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // The next `n` bytes as views (appended to `out`; null: skipped).
  bool Take(uint64_t n, std::vector<absl::string_view>* out) {
    if (n > remaining_) return false;
    while (n > 0) {
      const grpc::Slice& slice = slices_[slice_];
      const size_t here = std::min<uint64_t>(n, slice.size() - offset_);
      if (out) out->emplace_back(reinterpret_cast<const char*>(slice.begin()) + offset_, here);
      Advance(here);
      n -= here;
    }
    return true;
  }

  bool TakeString(uint64_t n, std::string* out) {
    std::vector<absl::string_view> pieces;
    if (!Take(n, &pieces)) return false;
    out->clear();
    for (absl::string_view piece : pieces) out->append(piece.data(), piece.size());
    return true;
  }

  // Skips a field's value of `wire_type`; false for groups and garbage.
  bool SkipValue(int wire_type) {
    uint64_t value = 0;
    switch (wire_type) {
      case kVarint: return ReadVarint(&value);
      case kFixed64: return Take(8, nullptr);
      case kLengthDelimited: return ReadVarint(&value) && Take(value, nullptr);
      case kFixed32: return Take(4, nullptr);
      default: return false;
    }
  }

 private:
  void Advance(size_t n) {
    offset_ += n;
    remaining_ -= n;
    SkipEmpty();
  }
  void SkipEmpty() {
    while (slice_ < slices_.size() && offset_ == slices_[slice_].size()) {
      ++slice_;
      offset_ = 0;
    }
  }

  const std::vector<grpc::Slice>& slices_;
  size_t slice_ = 0;
  size_t offset_ = 0;
  size_t remaining_ = 0;
};

// The message is exactly one length-delimited field with `tag`: a cursor
// on its contents, positioned after the length (which *length gets).
bool SingleField(Cursor& cursor, uint32_t tag, uint64_t* length) {
  uint64_t got = 0;
  return cursor.ReadVarint(&got) && got == tag && cursor.ReadVarint(length) &&
         *length == cursor.remaining();
}

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

uint8_t* PutVarint(uint64_t value, uint8_t* out) {
  while (value >= 0x80) {
    *out++ = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<uint8_t>(value);
  return out;
}

void DeleteOwner(void* owner) { delete static_cast<std::shared_ptr<const void>*>(owner); }

}  // namespace

bool Received::Reset(const grpc::ByteBuffer& buffer) {
  slices_.clear();
  size_ = 0;
  if (!buffer.Valid()) return true;  // an empty message
  if (!buffer.Dump(&slices_).ok()) return false;
  for (const grpc::Slice& s : slices_) size_ += s.size();
  return true;
}

bool Received::GraphChunk(std::vector<absl::string_view>* data) const {
  Cursor cursor(slices_);
  uint64_t length = 0;
  data->clear();
  return SingleField(cursor, kRequestGraphChunkTag, &length) && cursor.Take(length, data);
}

bool Received::ArtifactChunk(v1::ArtifactChunk* header,
                             std::vector<absl::string_view>* data) const {
  Cursor cursor(slices_);
  uint64_t length = 0;
  if (!SingleField(cursor, kResponseArtifactTag, &length)) return false;
  header->Clear();
  data->clear();
  while (cursor.remaining() > 0) {
    uint64_t tag = 0, value = 0;
    if (!cursor.ReadVarint(&tag)) return false;
    // Field numbers run from 1 to 2^29 - 1; protobuf rejects any other tag.
    if (tag >> 3 == 0 || tag >> 3 > google::protobuf::FieldDescriptor::kMaxNumber) return false;
    const int field = static_cast<int>(tag >> 3);
    const int wire_type = static_cast<int>(tag & 7);
    const bool varint = wire_type == kVarint;
    const bool bytes = wire_type == kLengthDelimited;
    switch (field) {
      case 1:
        if (!varint || !cursor.ReadVarint(&value)) return false;
        header->set_kind(static_cast<v1::ArtifactKind>(static_cast<int32_t>(value)));
        break;
      case 2:
        if (!bytes || !cursor.ReadVarint(&value) ||
            !cursor.TakeString(value, header->mutable_file_name())) {
          return false;
        }
        break;
      case 3:
        if (!varint || !cursor.ReadVarint(&value)) return false;
        header->set_total_size(value);
        break;
      case 4:
        if (!bytes || !cursor.ReadVarint(&value) ||
            !cursor.TakeString(value, header->mutable_sha256())) {
          return false;
        }
        break;
      case 5:
        if (!varint || !cursor.ReadVarint(&value)) return false;
        header->set_offset(value);
        break;
      case 6:
        if (!bytes || !cursor.ReadVarint(&value)) return false;
        data->clear();  // the last occurrence wins, as in protobuf
        if (!cursor.Take(value, data)) return false;
        break;
      case 7:
        if (!varint || !cursor.ReadVarint(&value)) return false;
        header->set_last(value != 0);
        break;
      default:
        if (!cursor.SkipValue(wire_type)) return false;
    }
  }
  return true;
}

bool Received::Parse(google::protobuf::MessageLite* message) const {
  if (slices_.size() == 1) {
    return message->ParseFromArray(slices_[0].begin(), static_cast<int>(slices_[0].size()));
  }
  std::string flat;
  flat.reserve(size_);
  for (const grpc::Slice& s : slices_) {
    flat.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return message->ParseFromString(flat);
}

grpc::ByteBuffer GraphChunkMessage(absl::string_view data) {
  grpc::Slice slice(1 + VarintSize(data.size()) + data.size());
  uint8_t* out = const_cast<uint8_t*>(slice.begin());
  *out++ = kRequestGraphChunkTag;
  out = PutVarint(data.size(), out);
  if (!data.empty()) std::memcpy(out, data.data(), data.size());
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer ArtifactChunkMessage(const v1::ArtifactChunk& header, absl::string_view data,
                                      std::shared_ptr<const void> owner) {
  const std::string fields = header.SerializeAsString();
  const size_t data_field =
      data.empty() ? 0 : 1 + VarintSize(data.size()) + data.size();  // proto3 omits empty bytes
  const size_t inner = fields.size() + data_field;
  grpc::Slice head(1 + VarintSize(inner) + fields.size() +
                   (data.empty() ? 0 : 1 + VarintSize(data.size())));
  uint8_t* out = const_cast<uint8_t*>(head.begin());
  *out++ = kResponseArtifactTag;
  out = PutVarint(inner, out);
  std::memcpy(out, fields.data(), fields.size());
  out += fields.size();
  if (data.empty()) return grpc::ByteBuffer(&head, 1);
  *out++ = kArtifactDataTag;
  PutVarint(data.size(), out);
  grpc::Slice slices[2] = {
      std::move(head),
      owner ? grpc::Slice(const_cast<char*>(data.data()), data.size(), &DeleteOwner,
                          new std::shared_ptr<const void>(std::move(owner)))
            : grpc::Slice(data.data(), data.size())};  // nothing to hold: a copy
  return grpc::ByteBuffer(slices, 2);
}

grpc::ByteBuffer Serialize(const google::protobuf::MessageLite& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace tflconv::wire
