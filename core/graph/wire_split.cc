#include "core/graph/wire_split.h"

#include <cstdint>

namespace tflconv {
namespace {

// Field numbers of graph_def.proto, the only ones this walk needs.
constexpr uint32_t kGraphDefNode = 1;
constexpr uint32_t kNodeDefOp = 2;
constexpr uint32_t kNodeDefAttr = 5;
constexpr uint32_t kAttrEntryKey = 1;
constexpr uint32_t kAttrEntryValue = 2;
constexpr uint32_t kAttrValueTensor = 8;
constexpr uint32_t kTensorProtoContent = 4;

constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

// One field of a message: its number, wire type, full extent (tag
// included) and, for length-delimited fields, the payload.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  absl::string_view whole;
  absl::string_view payload;
};

class FieldReader {
 public:
  explicit FieldReader(absl::string_view message) : rest_(message) {}

  bool done() const { return rest_.empty(); }

  // False on malformed input.
  bool Next(Field& field) {
    const char* start = rest_.data();
    uint64_t tag;
    if (!ReadVarint(tag) || tag > UINT32_MAX) return false;
    field.number = static_cast<uint32_t>(tag >> 3);
    field.wire_type = static_cast<uint32_t>(tag & 7);
    if (field.number == 0) return false;
    uint64_t value;
    switch (field.wire_type) {
      case kVarint:
        if (!ReadVarint(value)) return false;
        break;
      case kFixed64:
        if (!Skip(8)) return false;
        break;
      case kFixed32:
        if (!Skip(4)) return false;
        break;
      case kLengthDelimited:
        if (!ReadVarint(value) || value > rest_.size()) return false;
        field.payload = rest_.substr(0, value);
        rest_.remove_prefix(value);
        break;
      default:  // groups do not occur in GraphDef
        return false;
    }
    field.whole = absl::string_view(start, rest_.data() - start);
    return true;
  }

 private:
  bool ReadVarint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) return false;
      const uint8_t byte = static_cast<uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool Skip(size_t n) {
    if (rest_.size() < n) return false;
    rest_.remove_prefix(n);
    return true;
  }

  absl::string_view rest_;
};

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendLengthDelimited(std::string& out, uint32_t number, absl::string_view payload) {
  AppendVarint(out, (static_cast<uint64_t>(number) << 3) | kLengthDelimited);
  AppendVarint(out, payload.size());
  out.append(payload.data(), payload.size());
}

// `message` rewritten with the length-delimited field that `selects`
// replaced by rewrite(payload); nullopt when rewrite declines, no field or
// more than one is selected, or the message is malformed. Other fields are
// copied as they are.
template <typename Select, typename Rewrite>
std::optional<std::string> RewriteField(absl::string_view message, Select selects,
                                        Rewrite rewrite) {
  std::string out;
  bool rewritten = false;
  FieldReader reader(message);
  Field field;
  while (!reader.done()) {
    if (!reader.Next(field)) return std::nullopt;
    if (field.wire_type == kLengthDelimited && selects(field)) {
      // A repeated occurrence would be merged by protobuf: leave it to it.
      if (rewritten) return std::nullopt;
      std::optional<std::string> replacement = rewrite(field.payload);
      if (!replacement) return std::nullopt;
      AppendLengthDelimited(out, field.number, *replacement);
      rewritten = true;
    } else {
      out.append(field.whole.data(), field.whole.size());
    }
  }
  if (!rewritten) return std::nullopt;
  return out;
}

auto FieldNumbered(uint32_t number) {
  return [number](const Field& field) { return field.number == number; };
}

// The NodeDef without its "value" tensor_content when it is a Const whose
// payload is at least `min_payload_bytes`; `payload` receives it.
std::optional<std::string> StripConstPayload(absl::string_view node, size_t min_payload_bytes,
                                             absl::string_view& payload) {
  FieldReader reader(node);
  Field field;
  bool is_const = false;
  absl::string_view value_entry;
  while (!reader.done()) {
    if (!reader.Next(field)) return std::nullopt;
    if (field.wire_type != kLengthDelimited) continue;
    if (field.number == kNodeDefOp) is_const = field.payload == "Const";
    if (field.number != kNodeDefAttr) continue;
    // A map entry's key is its last key field, as protobuf reads it (an
    // entry may repeat the key or give it after the value).
    FieldReader entry(field.payload);
    Field f;
    absl::string_view key;
    while (!entry.done()) {
      if (!entry.Next(f)) return std::nullopt;
      if (f.number == kAttrEntryKey && f.wire_type == kLengthDelimited) key = f.payload;
    }
    if (key == "value") value_entry = field.whole;
  }
  if (!is_const || value_entry.empty()) return std::nullopt;

  // Walk down attr entry -> AttrValue -> TensorProto and drop the content.
  auto drop_content = [&](absl::string_view tensor) -> std::optional<std::string> {
    std::string out;
    FieldReader fields(tensor);
    Field f;
    bool found = false;
    while (!fields.done()) {
      if (!fields.Next(f)) return std::nullopt;
      if (f.number == kTensorProtoContent && f.wire_type == kLengthDelimited) {
        if (f.payload.size() < min_payload_bytes) return std::nullopt;
        payload = f.payload;
        found = true;
      } else {
        out.append(f.whole.data(), f.whole.size());
      }
    }
    if (!found) return std::nullopt;
    return out;
  };
  auto in_attr_value = [&](absl::string_view attr_value) {
    return RewriteField(attr_value, FieldNumbered(kAttrValueTensor), drop_content);
  };
  auto in_entry = [&](absl::string_view entry) {
    return RewriteField(entry, FieldNumbered(kAttrEntryValue), in_attr_value);
  };
  // Only the "value" entry, found again by its extent.
  return RewriteField(
      node, [&](const Field& f) { return f.whole.data() == value_entry.data(); }, in_entry);
}

}  // namespace

std::optional<SplitGraphDef> SplitTensorContents(absl::string_view bytes,
                                                 size_t min_payload_bytes) {
  SplitGraphDef split;
  FieldReader reader(bytes);
  Field field;
  int node_index = 0;
  while (!reader.done()) {
    if (!reader.Next(field)) return std::nullopt;
    if (field.number == kGraphDefNode && field.wire_type == kLengthDelimited) {
      const int index = node_index++;
      absl::string_view payload;
      if (std::optional<std::string> node =
              StripConstPayload(field.payload, min_payload_bytes, payload)) {
        AppendLengthDelimited(split.structure, kGraphDefNode, *node);
        split.contents.emplace_back(index, payload);
        continue;
      }
    }
    split.structure.append(field.whole.data(), field.whole.size());
  }
  return split;
}

}  // namespace tflconv
