// Bad input must give a clear error naming the node, field or limit at
// fault, never a crash or a partial artifact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/graph/import.h"
#include "core/legalize/legalizer.h"
#include "core/quantize/fp16.h"
#include "tests/testing/hostile_graphs.h"

namespace tflconv {
namespace {

using ::testing::HasSubstr;
using namespace tflconv::testing;

GraphBuilder ReluGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4});
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  return g;
}

void ExpectError(const ConversionResult& result, absl::StatusCode code,
                 const std::string& message) {
  EXPECT_EQ(result.status.code(), code) << result.status;
  EXPECT_THAT(std::string(result.status.message()), HasSubstr(message));
  EXPECT_TRUE(result.artifacts.empty());
  EXPECT_EQ(result.report.error(), std::string(result.status.message()));
}

TEST(ImportTest, TextAndBinaryGraphsGiveIdenticalModels) {
  const GraphBuilder g = ReluGraph();
  ConversionResult binary = Convert(g.Binary(), Options({"x"}, {"relu"}, true));
  ConversionResult text = Convert(g.Text(), Options({"x"}, {"relu"}, true));
  ASSERT_TRUE(binary.status.ok()) << binary.status;
  ASSERT_TRUE(text.status.ok()) << text.status;
  ASSERT_EQ(binary.artifacts.size(), 2u);
  EXPECT_EQ(binary.artifacts[0].bytes, text.artifacts[0].bytes);
  EXPECT_EQ(binary.artifacts[1].bytes, text.artifacts[1].bytes);
}

TEST(ImportTest, EmptyInputIsRejected) {
  ExpectError(Convert("", Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "graph is empty");
}

TEST(ImportTest, TruncatedGraphIsRejected) {
  std::string bytes = ReluGraph().Binary();
  bytes.resize(bytes.size() - 5);
  ExpectError(Convert(bytes, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "truncated or corrupt");
}

TEST(ImportTest, GarbageIsRejected) {
  std::string garbage(4096, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  ExpectError(Convert(garbage, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "GraphDef");
}

TEST(ImportTest, BrokenTextNamesTheLine) {
  ExpectError(Convert("node {\n  name: \"x\"\n  op: \n", Options({"x"}, {"x"})),
              absl::StatusCode::kInvalidArgument, "not a valid text GraphDef: line");
}

// 20,000 levels overflowed the stack of the text parser: through a field
// the subset knows (AttrValue.func.attr) and through fields it skips.
TEST(ImportTest, DeeplyNestedTextIsRejectedNotOverflowed) {
  const std::string known = NestedText("attr { key: \"a\" value { func { name: \"f\" ", "} } } ",
                                       20000);
  const std::string unknown = NestedText("unknown_field { ", "} ", 20000);
  for (const std::string& text : {known, unknown}) {
    ExpectError(Convert(text, Options({"x"}, {"x"})), absl::StatusCode::kInvalidArgument,
                "not a valid text GraphDef");
  }
}

TEST(ImportTest, ModeratelyNestedTextStillParses) {
  const std::string text =
      NestedText("attr { key: \"a\" value { func { name: \"f\" ", "} } } ", 10) +
      "node { name: \"y\" op: \"Relu\" input: \"x\" attr { key: \"T\" value { type: DT_FLOAT } } }";
  v1::ConversionOptions options = Options({"x"}, {"y"});
  options.mutable_input_arrays(0)->add_shape(4);
  options.mutable_input_arrays(0)->set_has_shape(true);
  auto parsed = ParseGraphDef(text, ResolveLimits(options.limits()));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
}

TEST(ImportTest, DtypeOutsideTheEnumNamesNodeAttributeAndValue) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4});
  AttrType(g.Op("Relu", "relu", {"x"}), "T", static_cast<tensorflow::DataType>(999));
  for (const std::string& bytes : {g.Binary(), g.Text()}) {
    ExpectError(Convert(bytes, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
                "node 'relu' (Relu): attribute 'T' has dtype enum value 999");
  }
}

TEST(ImportTest, ConstantDtypeOutsideTheEnumIsRejected) {
  GraphBuilder g = ReluGraph();
  tensorflow::NodeDef& c = g.Op("Const", "c", {});
  AttrType(c, "dtype", tensorflow::DT_FLOAT);
  tensorflow::TensorProto* value = (*c.mutable_attr())["value"].mutable_tensor();
  value->set_dtype(static_cast<tensorflow::DataType>(77));
  ExpectError(ConvertGraph(g, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "node 'c' (Const): attribute 'value'.tensor has dtype enum value 77");
}

TEST(ImportTest, GraphOverSizeLimitNamesTheLimit) {
  v1::ConversionOptions options = Options({"x"}, {"relu"});
  options.mutable_limits()->set_max_graph_bytes(10);
  ExpectError(Convert(ReluGraph().Binary(), options), absl::StatusCode::kResourceExhausted,
              "limits.max_graph_bytes");
}

TEST(ImportTest, TooManyNodesNamesTheLimit) {
  v1::ConversionOptions options = Options({"x"}, {"relu"});
  options.mutable_limits()->set_max_nodes(1);
  ExpectError(Convert(ReluGraph().Binary(), options), absl::StatusCode::kResourceExhausted,
              "limits.max_nodes");
}

TEST(ImportTest, DuplicateNodeNamesAreRejected) {
  GraphBuilder g = ReluGraph();
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "duplicate node name 'relu'");
}

TEST(ImportTest, DanglingInputNamesNodeAndInput) {
  GraphBuilder g = ReluGraph();
  AttrType(g.Op("Relu", "bad", {"missing:1"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "node 'bad' (Relu): input 'missing:1' names no node");
}

TEST(ImportTest, CycleIsRejectedWithANodeOnIt) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  AttrType(g.Op("Add", "a", {"x", "b"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "b", {"a"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"b"})), absl::StatusCode::kInvalidArgument,
              "graph has a cycle through node");
}

TEST(ImportTest, UnknownArraysAreNamed) {
  ExpectError(ConvertGraph(ReluGraph(), Options({"nope"}, {"relu"})),
              absl::StatusCode::kInvalidArgument, "input array 'nope' is not a node");
  ExpectError(ConvertGraph(ReluGraph(), Options({"x"}, {"nope"})),
              absl::StatusCode::kInvalidArgument, "output array 'nope' is not a node");
}

TEST(ImportTest, ContradictoryInputShapeNamesTheArray) {
  v1::ConversionOptions options = Options({"x"}, {"relu"});
  options.mutable_input_arrays(0)->set_has_shape(true);
  options.mutable_input_arrays(0)->add_shape(1);
  options.mutable_input_arrays(0)->add_shape(5);
  ExpectError(ConvertGraph(ReluGraph(), options), absl::StatusCode::kInvalidArgument,
              "input array 'x': input_shapes gives [1,5] but the graph declares [1,4]");
}

TEST(ImportTest, MissingInputShapeNamesTheArray) {
  GraphBuilder g;
  AttrType(g.Op("Placeholder", "x", {}), "dtype", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"relu"})), absl::StatusCode::kInvalidArgument,
              "input array 'x' has no shape in the graph; give it with input_shapes");
}

TEST(ImportTest, UnlistedPlaceholderIsNamed) {
  ExpectError(ConvertGraph(ReluGraph(), Options({}, {"relu"})),
              absl::StatusCode::kInvalidArgument,
              "node 'x' (Placeholder): this placeholder feeds the outputs but is not listed");
}

TEST(ImportTest, TensorContentThatDoesNotMatchTheShapeIsRejected) {
  GraphBuilder g = ReluGraph();
  g.ConstFloat("c", {2, 3}, {1, 2, 3});  // 3 values for 6 elements
  AttrType(g.Op("Add", "sum", {"relu", "c"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"sum"})), absl::StatusCode::kInvalidArgument,
              "node 'c' (Const): tensor_content has 12 bytes but shape [2,3] of float32 needs 24");
}

TEST(ImportTest, ConstantDtypeMismatchIsRejected) {
  GraphBuilder g = ReluGraph();
  tensorflow::NodeDef& c = g.Op("Const", "c", {});
  AttrType(c, "dtype", tensorflow::DT_INT32);
  tensorflow::TensorProto* value = (*c.mutable_attr())["value"].mutable_tensor();
  value->set_dtype(tensorflow::DT_FLOAT);
  value->add_float_val(1.0f);
  AttrType(g.Op("Add", "sum", {"relu", "c"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"sum"})), absl::StatusCode::kInvalidArgument,
              "node 'c' (Const): attribute 'dtype' is int32 but the value is float32");
}

TEST(ImportTest, WrongInputDtypesAreRejected) {
  GraphBuilder g = ReluGraph();
  g.ConstInt("i", {1}, {1});
  AttrType(g.Op("Add", "sum", {"relu", "i"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"sum"})), absl::StatusCode::kInvalidArgument,
              "node 'sum' (Add): inputs have different dtypes (float32, int32)");
}

TEST(ImportTest, DeclaredShapeOverTheElementLimitNamesTheLimit) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1 << 20, 1 << 20});
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  ExpectError(ConvertGraph(g, Options({"x"}, {"relu"})), absl::StatusCode::kResourceExhausted,
              "limits.max_tensor_elements");
}

TEST(ImportTest, ConstantOverTheElementLimitNamesTheLimit) {
  GraphBuilder g = ReluGraph();
  g.ConstFloat("c", {4}, {1, 2, 3, 4});
  AttrType(g.Op("Add", "sum", {"relu", "c"}), "T", tensorflow::DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"sum"});
  options.mutable_limits()->set_max_tensor_elements(3);
  ExpectError(ConvertGraph(g, options), absl::StatusCode::kResourceExhausted,
              "limits.max_tensor_elements");
}

TEST(ImportTest, PrunesWhatTheOutputsDoNotNeedAndDropsControlEdges) {
  GraphBuilder g = ReluGraph();
  g.Op("NoOp", "init", {});
  AttrType(g.Op("Sigmoid", "unused", {"x"}), "T", tensorflow::DT_FLOAT);
  g.Op("Identity", "out", {"relu", "^init"});
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ::testing::ElementsAre("RELU"));
  EXPECT_EQ(result.report.passes(0).changes(), 2);  // NoOp and Sigmoid pruned
}

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-50.0f, 50.0f);
  std::vector<float> values(n);
  for (float& v : values) v = dist(rng);
  return values;
}

std::string BytesOf(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

bool Inside(absl::string_view part, absl::string_view whole) {
  const auto begin = reinterpret_cast<uintptr_t>(whole.data());
  const auto p = reinterpret_cast<uintptr_t>(part.data());
  return p >= begin && p + part.size() <= begin + whole.size();
}

const tensorflow::TensorProto& ValueOf(const tensorflow::GraphDef& def, const std::string& name) {
  for (const tensorflow::NodeDef& node : def.node()) {
    if (node.name() == name) return node.attr().at("value").tensor();
  }
  ADD_FAILURE() << "no node " << name;
  return tensorflow::TensorProto::default_instance();
}

// x [1, 600] + w (600 floats, 2400 bytes: above the 1 KiB threshold for
// uncopied payloads) + s (one float).
GraphBuilder LargeConstantGraph(const std::vector<float>& w) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 600});
  g.ConstFloat("w", {1, 600}, w);
  g.ConstFloat("s", {1}, {0.5f});
  AttrType(g.Op("Add", "sum", {"x", "w"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Mul", "out", {"sum", "s"}), "T", tensorflow::DT_FLOAT);
  return g;
}

TEST(ImportTest, LargeConstantsOfBinaryGraphsAreNotCopied) {
  const std::vector<float> w = RandomFloats(600, 1);
  const std::string bytes = LargeConstantGraph(w).Binary();
  const ResolvedLimits limits = ResolveLimits({});
  auto parsed = ParseGraphDef(bytes, limits);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const ParsedGraphDef& p = **parsed;
  // The large payload: out of the proto, a view into the caller's bytes.
  const tensorflow::TensorProto& w_proto = ValueOf(p.def, "w");
  EXPECT_TRUE(w_proto.tensor_content().empty());
  const absl::string_view w_content = p.TensorContent(w_proto);
  EXPECT_TRUE(Inside(w_content, bytes));
  EXPECT_EQ(w_content, BytesOf(w));
  // The small one reads the same wherever it is kept.
  EXPECT_EQ(p.TensorContent(ValueOf(p.def, "s")), BytesOf({0.5f}));

  // The constant the import and inference make of it still aliases them.
  ImportStats import_stats;
  auto graph = ImportGraph(*parsed, Options({"x"}, {"out"}), limits, &import_stats);
  ASSERT_TRUE(graph.ok()) << graph.status();
  InferStats infer_stats;
  ASSERT_TRUE(InferGraph(*graph, limits, &infer_stats).ok());
  const OutputInfo& info = graph->nodes[graph->by_name.at("w")].outputs[0];
  ASSERT_TRUE(info.value.has_value());
  EXPECT_TRUE(Inside(info.value->bytes(), bytes));
  EXPECT_EQ(info.value->bytes(), BytesOf(w));

  // A text graph carries the same values (parsed, so copied).
  auto text = ParseGraphDef(LargeConstantGraph(w).Text(), limits);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ((*text)->TensorContent(ValueOf((*text)->def, "w")), BytesOf(w));
}

TEST(ImportTest, AttrEntryWithARepeatedKeyDoesNotCrashTheImport) {
  // attr { key: "value" value { tensor { <2000 bytes> } } key: "other" }:
  // protobuf reads attribute "other" (the last key), so the Const has no
  // "value". The import must report that, not abort or lose the payload.
  tensorflow::NodeDef node;
  node.set_name("c");
  node.set_op("Const");
  AttrType(node, "dtype", tensorflow::DT_FLOAT);
  const std::string node_bytes = node.SerializeAsString();
  tensorflow::AttrValue value;
  tensorflow::TensorProto* tensor = value.mutable_tensor();
  tensor->set_dtype(tensorflow::DT_FLOAT);
  tensor->mutable_tensor_shape()->add_dim()->set_size(500);
  tensor->set_tensor_content(BytesOf(RandomFloats(500, 2)));
  auto field = [](int number, const std::string& payload) {
    std::string out(1, static_cast<char>(number << 3 | 2));
    for (uint64_t n = payload.size(); ; n >>= 7) {
      if (n < 0x80) {
        out.push_back(static_cast<char>(n));
        break;
      }
      out.push_back(static_cast<char>(n | 0x80));
    }
    return out + payload;
  };
  const std::string entry =
      field(1, "value") + field(2, value.SerializeAsString()) + field(1, "other");
  const std::string bytes = field(1, node_bytes + field(5, entry));
  auto parsed = ParseGraphDef(bytes, ResolveLimits({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const tensorflow::NodeDef& c = (*parsed)->def.node(0);
  EXPECT_EQ(c.attr().count("value"), 0u);
  ASSERT_EQ(c.attr().count("other"), 1u);
  EXPECT_EQ((*parsed)->TensorContent(c.attr().at("other").tensor()), tensor->tensor_content());
  ExpectError(Convert(bytes, Options({}, {"c"})), absl::StatusCode::kInvalidArgument,
              "node 'c' (Const): missing attribute 'value'");
}

// The constant input of `op` (the one with data), as floats or halves.
const tflite::Buffer* ConstantInput(const tflite::Model* model, const tflite::Operator* op) {
  for (int t : *op->inputs()) {
    if (t < 0) continue;
    const tflite::Buffer* buffer = model->buffers()->Get(TensorAt(model, t)->buffer());
    if (buffer->data() && buffer->data()->size() > 0) return buffer;
  }
  return nullptr;
}

std::vector<float> AsFloats(const tflite::Buffer* buffer) {
  std::vector<float> values(buffer->data()->size() / 4);
  std::memcpy(values.data(), buffer->data()->data(), values.size() * 4);
  return values;
}

std::vector<uint16_t> AsHalves(const tflite::Buffer* buffer) {
  std::vector<uint16_t> values(buffer->data()->size() / 2);
  std::memcpy(values.data(), buffer->data()->data(), values.size() * 2);
  return values;
}

TEST(ImportTest, UnalignedWeightsInTheGraphBytesConvertToTheirValues) {
  // MatMul weights [40, 30] (stored transposed, [30, 40]) and an Add
  // constant of 600 floats, both above the uncopied threshold. The graph
  // is placed at each offset 0..3 of an aligned block, so each payload
  // sits at every alignment, odd addresses included.
  constexpr int kIn = 40, kOut = 30;
  const std::vector<float> w = RandomFloats(kIn * kOut, 3);
  const std::vector<float> k = RandomFloats(600, 4);
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, kIn});
  g.ConstFloat("w", {kIn, kOut}, w);
  AttrType(g.Op("MatMul", "fc", {"x", "w"}), "T", tensorflow::DT_FLOAT);
  g.Placeholder("y", tensorflow::DT_FLOAT, {600});
  g.ConstFloat("k", {600}, k);
  AttrType(g.Op("Add", "sum", {"y", "k"}), "T", tensorflow::DT_FLOAT);
  const std::string graph = g.Binary();
  const size_t w_at = graph.find(BytesOf(w));
  const size_t k_at = graph.find(BytesOf(k));
  ASSERT_NE(w_at, std::string::npos);
  ASSERT_NE(k_at, std::string::npos);

  std::vector<float> transposed(kIn * kOut);
  for (int i = 0; i < kIn; ++i) {
    for (int o = 0; o < kOut; ++o) transposed[o * kIn + i] = w[i * kOut + o];
  }
  std::vector<uint16_t> transposed_halves, k_halves;
  for (float v : transposed) transposed_halves.push_back(FloatToHalf(v));
  for (float v : k) k_halves.push_back(FloatToHalf(v));

  std::unique_ptr<char[]> block(new char[graph.size() + 64]);
  char* const aligned = block.get() + (64 - reinterpret_cast<uintptr_t>(block.get()) % 64) % 64;
  bool odd_seen = false;
  for (size_t shift = 0; shift < 4; ++shift) {
    SCOPED_TRACE(shift);
    std::memcpy(aligned + shift, graph.data(), graph.size());
    const absl::string_view bytes(aligned + shift, graph.size());
    odd_seen |= reinterpret_cast<uintptr_t>(bytes.data() + w_at) % 2 == 1;
    ConversionResult result = Convert(bytes, Options({"x", "y"}, {"fc", "sum"}, true));
    ASSERT_TRUE(result.status.ok()) << result.status;
    ASSERT_EQ(result.artifacts.size(), 2u);
    const tflite::Model* fp32 = ModelOf(result.artifacts[0]);
    ASSERT_THAT(OperatorNames(fp32), ::testing::UnorderedElementsAre("FULLY_CONNECTED", "ADD"));
    for (int i = 0; i < 2; ++i) {
      const tflite::Operator* op = OperatorAt(fp32, i);
      const tflite::Buffer* constant = ConstantInput(fp32, op);
      ASSERT_NE(constant, nullptr);
      EXPECT_EQ(AsFloats(constant), OperatorNames(fp32)[i] == "ADD" ? k : transposed);
    }
    // fp16: the DEQUANTIZE inputs hold the rounded values.
    const tflite::Model* fp16 = ModelOf(result.artifacts[1]);
    std::vector<std::vector<uint16_t>> halves;
    const std::vector<std::string> names = OperatorNames(fp16);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "DEQUANTIZE") halves.push_back(AsHalves(ConstantInput(fp16, OperatorAt(fp16, i))));
    }
    EXPECT_THAT(halves, ::testing::UnorderedElementsAre(transposed_halves, k_halves));
    // The caller's bytes are read, never written.
    EXPECT_EQ(bytes, graph);
  }
  EXPECT_TRUE(odd_seen);
}

}  // namespace
}  // namespace tflconv
