// SplitTensorContents walks the GraphDef wire format by hand; protobuf's
// own parser is the reference. Whatever it splits, the structure plus the
// split-off payloads must mean exactly what protobuf reads from the
// original bytes, and the payloads must be views into those bytes.
#include "core/graph/wire_split.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/util/message_differencer.h"
#include "tensorflow/framework/graph_def.pb.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using namespace tflconv::testing;

std::vector<float> Ramp(size_t n, float start) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = start + 0.25f * static_cast<float>(i);
  return values;
}

std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}

// A length-delimited field, encoded by hand.
std::string Field(uint32_t number, absl::string_view payload) {
  return Varint((static_cast<uint64_t>(number) << 3) | 2) + Varint(payload.size()) +
         std::string(payload);
}

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

bool Inside(absl::string_view part, absl::string_view whole) {
  const auto begin = reinterpret_cast<uintptr_t>(whole.data());
  const auto end = begin + whole.size();
  const auto p = reinterpret_cast<uintptr_t>(part.data());
  return p >= begin && p + part.size() <= end;
}

// The GraphDef the split describes: the structure parsed by protobuf, with
// each payload put back into the "value" tensor of its node. nullopt when
// the structure does not parse. A payload whose node has no "value" tensor
// is dropped (protobuf's reading of the node has no tensor to hold it).
std::optional<tensorflow::GraphDef> Reassemble(const SplitGraphDef& split) {
  tensorflow::GraphDef def;
  if (!def.ParseFromString(split.structure)) return std::nullopt;
  for (const auto& [index, content] : split.contents) {
    EXPECT_GE(index, 0);
    EXPECT_LT(index, def.node_size());
    if (index < 0 || index >= def.node_size()) return std::nullopt;
    auto* attr = def.mutable_node(index)->mutable_attr();
    auto it = attr->find("value");
    if (it == attr->end() || !it->second.has_tensor()) continue;
    EXPECT_TRUE(it->second.tensor().tensor_content().empty())
        << "the structure still holds node " << index << "'s payload";
    it->second.mutable_tensor()->set_tensor_content(std::string(content));
  }
  return def;
}

// The property every input must have: SplitTensorContents either declines
// (nullopt: protobuf then parses `bytes` itself) or its result means what
// protobuf reads from `bytes`, error or graph.
void ExpectAgreesWithProtobuf(absl::string_view bytes, size_t min_payload_bytes) {
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, min_payload_bytes);
  if (!split) return;
  tensorflow::GraphDef original;
  const bool original_ok = original.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  for (const auto& [index, content] : split->contents) {
    EXPECT_TRUE(Inside(content, bytes)) << "payload of node " << index << " is not a view";
    EXPECT_GE(content.size(), min_payload_bytes);
  }
  std::optional<tensorflow::GraphDef> reassembled = Reassemble(*split);
  ASSERT_EQ(reassembled.has_value(), original_ok)
      << "the split structure parses " << (original_ok ? "not " : "")
      << "although the original does" << (original_ok ? "" : " not");
  if (original_ok) {
    EXPECT_TRUE(Same(*reassembled, original))
        << "split:\n" << reassembled->DebugString() << "\noriginal:\n" << original.DebugString();
  }
}

tensorflow::TensorProto FloatTensor(const std::vector<float>& values) {
  tensorflow::TensorProto tensor;
  tensor.set_dtype(tensorflow::DT_FLOAT);
  tensor.mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(values.size()));
  tensor.set_tensor_content(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  return tensor;
}

// x (Placeholder), big (Const, 5120 bytes), small (Const, 16 bytes), fake
// (not a Const, with a 5120-byte "value" tensor), big2 (Const, 8000 bytes,
// more attributes), list_only (Const with float_val, no tensor_content),
// and versions.
struct TestGraph {
  tensorflow::GraphDef def;
  std::string bytes;
};

TestGraph MakeGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 1280});
  g.ConstFloat("big", {32, 40}, Ramp(1280, 1.0f));
  g.ConstFloat("small", {4}, {1, 2, 3, 4});
  tensorflow::NodeDef& fake = g.Op("FakeOp", "fake", {"x"});
  *(*fake.mutable_attr())["value"].mutable_tensor() = FloatTensor(Ramp(1280, -7.0f));
  AttrType(fake, "T", tensorflow::DT_FLOAT);
  g.ConstFloat("big2", {2000}, Ramp(2000, 3.5f));
  tensorflow::NodeDef& list_only = g.Op("Const", "list_only", {});
  AttrType(list_only, "dtype", tensorflow::DT_FLOAT);
  tensorflow::TensorProto* t = (*list_only.mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tensorflow::DT_FLOAT);
  for (int i = 0; i < 600; ++i) t->add_float_val(static_cast<float>(i));
  TestGraph graph;
  graph.def = g.graph();
  graph.def.mutable_node(4)->set_device("/cpu:0");
  AttrString(*graph.def.mutable_node(4), "_class", "loc:@big2");
  graph.def.mutable_versions()->set_producer(1205);
  graph.def.mutable_versions()->set_min_consumer(12);
  graph.def.mutable_library()->add_function()->mutable_signature()->set_name("f");
  graph.bytes = graph.def.SerializeAsString();
  return graph;
}

const std::string& ContentOf(const tensorflow::GraphDef& def, int node) {
  return def.node(node).attr().at("value").tensor().tensor_content();
}

TEST(WireSplitTest, SplitsLargeConstPayloadsAsViewsIntoTheBytes) {
  const TestGraph graph = MakeGraph();
  const absl::string_view bytes = graph.bytes;
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  ASSERT_EQ(split->contents.size(), 2u);
  EXPECT_EQ(split->contents[0].first, 1);  // big
  EXPECT_EQ(split->contents[1].first, 4);  // big2
  for (const auto& [index, content] : split->contents) {
    SCOPED_TRACE(index);
    EXPECT_TRUE(Inside(content, bytes));
    EXPECT_EQ(content, ContentOf(graph.def, index));
  }
  EXPECT_EQ(split->contents[0].second.size(), 5120u);
  EXPECT_EQ(split->contents[1].second.size(), 8000u);

  // The structure is the graph with those two payloads emptied, nothing
  // else changed (the small Const, the non-Const and versions included).
  tensorflow::GraphDef structure;
  ASSERT_TRUE(structure.ParseFromString(split->structure));
  tensorflow::GraphDef expected = graph.def;
  for (int index : {1, 4}) {
    (*expected.mutable_node(index)->mutable_attr())["value"].mutable_tensor()->clear_tensor_content();
  }
  EXPECT_TRUE(Same(structure, expected)) << structure.DebugString();
  EXPECT_EQ(structure.versions().producer(), 1205);
  EXPECT_EQ(ContentOf(structure, 2), ContentOf(graph.def, 2));  // small: kept
  EXPECT_EQ(ContentOf(structure, 3), ContentOf(graph.def, 3));  // not a Const: kept
  EXPECT_LE(split->structure.size(), bytes.size() - 5120 - 8000);
  ExpectAgreesWithProtobuf(bytes, 1024);
}

TEST(WireSplitTest, MinimumPayloadIsInclusive) {
  const TestGraph graph = MakeGraph();
  std::optional<SplitGraphDef> at = SplitTensorContents(graph.bytes, 5120);
  ASSERT_TRUE(at.has_value());
  EXPECT_THAT(at->contents, ElementsAre(Pair(1, ::testing::_), Pair(4, ::testing::_)));
  std::optional<SplitGraphDef> above = SplitTensorContents(graph.bytes, 5121);
  ASSERT_TRUE(above.has_value());
  EXPECT_THAT(above->contents, ElementsAre(Pair(4, ::testing::_)));
  std::optional<SplitGraphDef> none = SplitTensorContents(graph.bytes, 8001);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->contents.empty());
  // Nothing split: the structure is the input, byte for byte.
  EXPECT_EQ(none->structure, graph.bytes);
  // With no minimum even the 16-byte Const is split, but not the Const
  // without tensor_content.
  std::optional<SplitGraphDef> all = SplitTensorContents(graph.bytes, 0);
  ASSERT_TRUE(all.has_value());
  EXPECT_THAT(all->contents,
              ElementsAre(Pair(1, ::testing::_), Pair(2, ::testing::_), Pair(4, ::testing::_)));
  for (size_t min : {0u, 16u, 17u, 1024u, 5120u, 5121u, 8000u, 8001u}) {
    SCOPED_TRACE(min);
    ExpectAgreesWithProtobuf(graph.bytes, min);
  }
}

TEST(WireSplitTest, EmptyInputIsAnEmptyGraph) {
  std::optional<SplitGraphDef> split = SplitTensorContents("", 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_TRUE(split->structure.empty());
  EXPECT_TRUE(split->contents.empty());
}

TEST(WireSplitTest, TruncationAnywhereIsDetectedLikeProtobuf) {
  // A cut inside a top-level field is malformed (nullopt); a cut between
  // two is a shorter but valid graph, which protobuf also accepts.
  const TestGraph graph = MakeGraph();
  int declined = 0, accepted = 0;
  for (size_t size = 0; size < graph.bytes.size(); ++size) {
    const absl::string_view cut = absl::string_view(graph.bytes).substr(0, size);
    tensorflow::GraphDef reference;
    const bool protobuf_ok = reference.ParseFromArray(cut.data(), static_cast<int>(cut.size()));
    std::optional<SplitGraphDef> split = SplitTensorContents(cut, 1024);
    ASSERT_EQ(split.has_value(), protobuf_ok) << "cut at " << size;
    if (split) {
      ++accepted;
      std::optional<tensorflow::GraphDef> reassembled = Reassemble(*split);
      ASSERT_TRUE(reassembled.has_value()) << "cut at " << size;
      EXPECT_TRUE(Same(*reassembled, reference)) << "cut at " << size;
    } else {
      ++declined;
    }
  }
  EXPECT_GT(declined, 10000);
  EXPECT_GE(accepted, 7);  // empty and after each of the first six nodes
}

TEST(WireSplitTest, MalformedVarintsAndLengthsAreRejected) {
  const TestGraph graph = MakeGraph();
  std::vector<std::pair<std::string, std::string>> cases = {
      // A tag varint that never ends.
      {"tag of 11 bytes", std::string(11, '\x80') + "\x01"},
      {"unterminated tag", std::string(3, '\xff')},
      // A node whose length varint is over 10 bytes long.
      {"length of 11 bytes", "\x0a" + std::string(10, '\xff') + "\x01"},
      {"unterminated length", "\x0a\xff\xff"},
      // Lengths past the end, small and huge.
      {"length past the end", "\x0a\x05" "abc"},
      {"huge length", "\x0a" + Varint(uint64_t{1} << 40) + "abc"},
      {"length past the end after nodes", graph.bytes + "\x0a\x7f" "xyz"},
      // Field number 0 and the undefined wire types.
      {"field 0", std::string("\x02\x00", 2)},
      {"wire type 6", "\x0e\x00"},
      {"wire type 7", "\x0f\x00"},
      // Truncated fixed-width fields.
      {"short fixed64", "\x19\x01\x02"},
      {"short fixed32", "\x1d\x01"},
      // A tag over 32 bits.
      {"tag over 32 bits", Varint(uint64_t{1} << 35 | 2) + "\x00"},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(SplitTensorContents(bytes, 1024).has_value());
    tensorflow::GraphDef reference;
    EXPECT_FALSE(reference.ParseFromString(bytes)) << "protobuf accepts it: a bad test case";
  }
}

TEST(WireSplitTest, GroupsAreLeftToProtobuf) {
  // Groups never occur in a GraphDef, but protobuf skips an unknown one;
  // the walk declines, so protobuf parses the bytes itself.
  const TestGraph graph = MakeGraph();
  const std::string bytes = graph.bytes + "\x7b\x7c";  // field 15: empty group
  tensorflow::GraphDef reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  EXPECT_FALSE(SplitTensorContents(bytes, 1024).has_value());
}

TEST(WireSplitTest, ValidUnknownFieldsAreKept) {
  // Varint, fixed64 and fixed32 fields GraphDef does not define are copied
  // through (protobuf keeps them as unknown fields).
  const TestGraph graph = MakeGraph();
  const std::string extra = std::string("\x78\x96\x01", 3) +                   // 15: varint 150
                            std::string("\x81\x01", 2) + std::string(8, '\x11') +  // 16: fixed64
                            std::string("\x8d\x01", 2) + std::string(4, '\x22');   // 17: fixed32
  const std::string bytes = extra + graph.bytes + extra;
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->contents.size(), 2u);
  EXPECT_EQ(split->structure.substr(0, extra.size()), extra);
  EXPECT_EQ(split->structure.substr(split->structure.size() - extra.size()), extra);
  ExpectAgreesWithProtobuf(bytes, 1024);
}

// One Const "c" of `values`, serialized on its own.
std::string ConstNodeBytes(const std::string& name, const std::vector<float>& values) {
  GraphBuilder g;
  g.ConstFloat(name, {static_cast<int64_t>(values.size())}, values);
  return g.graph().node(0).SerializeAsString();
}

TEST(WireSplitTest, CorruptionInsideNodesIsNeverHidden) {
  // Every single-byte change of a small graph (payloads of 64 bytes and
  // more split): protobuf must read the split result as it reads the
  // changed bytes, including failing on it.
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {16});
  g.ConstFloat("w", {16}, Ramp(16, 0.5f));
  g.ConstFloat("s", {2}, {1, 2});
  AttrType(g.Op("Add", "y", {"x", "w"}), "T", tensorflow::DT_FLOAT);
  tensorflow::GraphDef def = g.graph();
  def.mutable_versions()->set_producer(7);
  const std::string bytes = def.SerializeAsString();
  ASSERT_EQ(SplitTensorContents(bytes, 64)->contents.size(), 1u);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char value : {0x00, 0x01, 0x02, 0x0a, 0x12, 0x22, 0x7f, 0x80, 0xff}) {
      std::string changed = bytes;
      if (static_cast<unsigned char>(changed[i]) == value) continue;
      changed[i] = static_cast<char>(value);
      SCOPED_TRACE(::testing::Message() << "byte " << i << " = " << static_cast<int>(value));
      ExpectAgreesWithProtobuf(changed, 64);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(WireSplitTest, RepeatedTensorContentMeansTheLastOne) {
  // Protobuf keeps the last occurrence of a bytes field. Whether the split
  // declines or takes the last payload, the result must read the same.
  const std::vector<float> first = Ramp(400, 1.0f), last = Ramp(400, 1000.0f);
  tensorflow::TensorProto tensor = FloatTensor(first);
  std::string tensor_bytes = tensor.SerializeAsString();
  tensor_bytes += Field(4, absl::string_view(reinterpret_cast<const char*>(last.data()),
                                             last.size() * sizeof(float)));
  // NodeDef { name: "c" op: "Const" attr { key: "value" value { tensor } } }
  const std::string node = Field(1, "c") + Field(2, "Const") +
                           Field(5, Field(1, "value") + Field(2, Field(8, tensor_bytes)));
  const std::string bytes = Field(1, node);
  tensorflow::GraphDef reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  ASSERT_EQ(ContentOf(reference, 0).size(), 1600u);
  ASSERT_EQ(std::memcmp(ContentOf(reference, 0).data(), last.data(), 1600), 0);
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  if (!split->contents.empty()) {
    ASSERT_EQ(split->contents.size(), 1u);
    EXPECT_EQ(std::memcmp(split->contents[0].second.data(), last.data(), 1600), 0);
  }
  ExpectAgreesWithProtobuf(bytes, 1024);
  // A short first occurrence, then a long one.
  const std::string short_first =
      Field(1, Field(1, "c") + Field(2, "Const") +
                   Field(5, Field(1, "value") +
                                Field(2, Field(8, FloatTensor({1, 2}).SerializeAsString() +
                                                      Field(4, std::string(2000, 'z'))))));
  ExpectAgreesWithProtobuf(short_first, 1024);
}

TEST(WireSplitTest, AttrValueWithTwoTensorFieldsIsNotSplit) {
  // Two `tensor` fields are merged by protobuf; left to it.
  tensorflow::TensorProto a = FloatTensor(Ramp(400, 1.0f));
  tensorflow::TensorProto b;
  b.set_version_number(3);
  const std::string attr_value =
      Field(8, a.SerializeAsString()) + Field(8, b.SerializeAsString());
  const std::string bytes =
      Field(1, Field(1, "c") + Field(2, "Const") + Field(5, Field(1, "value") + Field(2, attr_value)));
  tensorflow::GraphDef reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  ASSERT_EQ(reference.node(0).attr().at("value").tensor().version_number(), 3);
  ASSERT_EQ(ContentOf(reference, 0).size(), 1600u);  // merged, not replaced
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_TRUE(split->contents.empty());
  EXPECT_EQ(split->structure, bytes);
  ExpectAgreesWithProtobuf(bytes, 1024);
}

TEST(WireSplitTest, AttrEntryWithTwoValuesIsNotSplit) {
  const std::string tensor = FloatTensor(Ramp(400, 1.0f)).SerializeAsString();
  const std::string bytes =
      Field(1, Field(1, "c") + Field(2, "Const") +
                   Field(5, Field(1, "value") + Field(2, Field(8, tensor)) +
                                Field(2, Field(8, FloatTensor({5}).SerializeAsString()))));
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_TRUE(split->contents.empty());
  ExpectAgreesWithProtobuf(bytes, 1024);
}

TEST(WireSplitTest, NodeWithTwoValueEntriesUsesTheLastLikeProtobuf) {
  // Concatenated NodeDefs merge: the map keeps the last "value".
  const std::vector<float> first = Ramp(300, 1.0f), last = Ramp(500, -3.0f);
  const std::string node = ConstNodeBytes("c", first) + ConstNodeBytes("c", last);
  const std::string bytes = Field(1, node);
  tensorflow::GraphDef reference;
  ASSERT_TRUE(reference.ParseFromString(bytes));
  ASSERT_EQ(ContentOf(reference, 0).size(), 2000u);
  std::optional<SplitGraphDef> split = SplitTensorContents(bytes, 1024);
  ASSERT_TRUE(split.has_value());
  ASSERT_EQ(split->contents.size(), 1u);
  EXPECT_EQ(split->contents[0].second.size(), 2000u);
  ExpectAgreesWithProtobuf(bytes, 1024);
  // Both below the minimum or only the first above it.
  ExpectAgreesWithProtobuf(bytes, 1201);
  ExpectAgreesWithProtobuf(Field(1, ConstNodeBytes("c", last) + ConstNodeBytes("c", first)), 1024);
}

TEST(WireSplitTest, AttrEntryKeyIsTheLastKeyLikeProtobuf) {
  // A map entry's key field may repeat; protobuf keeps the last. An entry
  // whose first key is "value" and last key "other" is attribute "other".
  const std::string tensor = FloatTensor(Ramp(400, 1.0f)).SerializeAsString();
  const std::string renamed =
      Field(1, Field(1, "c") + Field(2, "Const") +
                   Field(5, Field(1, "value") + Field(2, Field(8, tensor)) + Field(1, "other")));
  tensorflow::GraphDef reference;
  ASSERT_TRUE(reference.ParseFromString(renamed));
  ASSERT_EQ(reference.node(0).attr().count("value"), 0u);
  ASSERT_EQ(reference.node(0).attr().at("other").tensor().tensor_content().size(), 1600u);
  ExpectAgreesWithProtobuf(renamed, 1024);
  std::optional<SplitGraphDef> split = SplitTensorContents(renamed, 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_TRUE(split->contents.empty()) << "attribute 'other' split as if it were 'value'";

  // And the reverse: first key "other", last key "value" is attribute
  // "value", after another "value" entry that protobuf then replaces.
  const std::string small = FloatTensor(Ramp(300, 9.0f)).SerializeAsString();
  const std::string late_value =
      Field(1, Field(1, "c") + Field(2, "Const") +
                   Field(5, Field(1, "value") + Field(2, Field(8, small))) +
                   Field(5, Field(1, "other") + Field(2, Field(8, tensor)) + Field(1, "value")));
  ASSERT_TRUE(reference.ParseFromString(late_value));
  ASSERT_EQ(ContentOf(reference, 0).size(), 1600u);
  ExpectAgreesWithProtobuf(late_value, 1024);
  ExpectAgreesWithProtobuf(late_value, 1000);
}

TEST(WireSplitTest, ValueAttrOfANonConstIsNotSplit) {
  const TestGraph graph = MakeGraph();
  std::optional<SplitGraphDef> split = SplitTensorContents(graph.bytes, 0);
  ASSERT_TRUE(split.has_value());
  for (const auto& [index, content] : split->contents) {
    EXPECT_EQ(graph.def.node(index).op(), "Const");
  }
  // An op renamed after "Const" (the last op field counts).
  const std::string tensor = FloatTensor(Ramp(400, 1.0f)).SerializeAsString();
  const std::string renamed = Field(1, Field(1, "c") + Field(2, "Const") + Field(2, "Other") +
                                           Field(5, Field(1, "value") + Field(2, Field(8, tensor))));
  split = SplitTensorContents(renamed, 1024);
  ASSERT_TRUE(split.has_value());
  EXPECT_TRUE(split->contents.empty());
  ExpectAgreesWithProtobuf(renamed, 1024);
}

}  // namespace
}  // namespace tflconv
