// Bad input must give a clear error naming the node, field or limit at
// fault, never a crash or a partial artifact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

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

}  // namespace
}  // namespace tflconv
