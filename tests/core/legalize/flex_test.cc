#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "flatbuffers/flexbuffers.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

// x -> Relu -> Sinh (TF op with no builtin, on the Flex allowlist)
//   -> TensorArrayV3-free custom op "MyOp" -> out
GraphBuilder MixedGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4});
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Sinh", "sinh", {"relu"}), "T", tensorflow::DT_FLOAT);
  auto& custom = g.Op("MyOp", "mine", {"sinh"});
  AttrType(custom, "T", tensorflow::DT_FLOAT);
  AttrInt(custom, "k", 3);
  AttrString(custom, "mode", "fast");
  AttrFloat(custom, "alpha", 0.5f);
  g.Op("Identity", "out", {"mine"});
  return g;
}

v1::ConversionOptions WithOpSets(bool flex, bool custom) {
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.add_target_ops(v1::TFLITE_BUILTINS);
  if (flex) options.add_target_ops(v1::SELECT_TF_OPS);
  options.set_allow_custom_ops(custom);
  return options;
}

const v1::OpCoverage* Coverage(const ConversionResult& result, const std::string& op) {
  for (const v1::OpCoverage& entry : result.report.coverage().ops()) {
    if (entry.tf_op() == op) return &entry;
  }
  return nullptr;
}

TEST(FlexTest, BuiltinsOnlyListsEveryUnsupportedOpInOneError) {
  ConversionResult result = ConvertGraph(MixedGraph(), WithOpSets(false, false));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(), HasSubstr("Sinh (sinh)"));
  EXPECT_THAT(result.status.message(), HasSubstr("MyOp (mine)"));
  EXPECT_TRUE(result.artifacts.empty());
  ASSERT_NE(Coverage(result, "Sinh"), nullptr);
  EXPECT_EQ(Coverage(result, "Sinh")->disposition(), v1::UNSUPPORTED);
  EXPECT_EQ(result.report.coverage().unsupported_ops(), 2);
  EXPECT_EQ(Coverage(result, "Relu")->disposition(), v1::BUILTIN);
}

TEST(FlexTest, SelectTfOpsAloneCannotKeepAnUnknownOp) {
  ConversionResult result = ConvertGraph(MixedGraph(), WithOpSets(true, false));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(), HasSubstr("MyOp (mine)"));
  EXPECT_THAT(result.status.message(), ::testing::Not(HasSubstr("Sinh")));
  EXPECT_EQ(Coverage(result, "Sinh")->disposition(), v1::FLEX);
}

TEST(FlexTest, FlexOpIsEncodedAsTensorFlowsConverterDoes) {
  ConversionResult result = ConvertGraph(MixedGraph(), WithOpSets(true, true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("RELU", "FlexSinh", "MyOp"));
  const tflite::Operator* flex = OperatorAt(model, 1);
  EXPECT_EQ(flex->custom_options_format(), tflite::CustomOptionsFormat_FLEXBUFFERS);
  auto vector = flexbuffers::GetRoot(flex->custom_options()->data(),
                                     flex->custom_options()->size()).AsVector();
  ASSERT_EQ(vector.size(), 2u);
  EXPECT_EQ(vector[0].AsString().str(), "Sinh");
  tensorflow::NodeDef node_def;
  ASSERT_TRUE(node_def.ParseFromString(vector[1].AsString().str()));
  EXPECT_EQ(node_def.op(), "Sinh");
  EXPECT_EQ(node_def.input_size(), 1);
  EXPECT_EQ(node_def.attr().at("T").type(), tensorflow::DT_FLOAT);

  const tflite::Operator* custom = OperatorAt(model, 2);
  auto attrs = flexbuffers::GetRoot(custom->custom_options()->data(),
                                    custom->custom_options()->size()).AsMap();
  EXPECT_EQ(attrs["k"].AsInt64(), 3);
  EXPECT_EQ(attrs["mode"].AsString().str(), "fast");
  EXPECT_FLOAT_EQ(attrs["alpha"].AsFloat(), 0.5f);
  EXPECT_EQ(attrs["T"].AsInt32(), tflite::TensorType_FLOAT32);
  EXPECT_EQ(Coverage(result, "MyOp")->disposition(), v1::CUSTOM);
  EXPECT_THAT(Coverage(result, "MyOp")->tflite_ops(), ElementsAre("MyOp"));
}

TEST(FlexTest, KnownRuntimeFailuresAreWarnedUpFront) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {4});
  g.ConstInt("size", {}, {4});
  auto& array = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(array, "dtype", tensorflow::DT_FLOAT);
  g.ConstInt("indices", {4}, {0, 1, 2, 3});
  auto& scatter = g.Op("TensorArrayScatterV3", "scatter", {"ta", "indices", "x", "ta:1"});
  AttrType(scatter, "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, [] {
    v1::ConversionOptions options = Options({"x"}, {"scatter"});
    options.add_target_ops(v1::SELECT_TF_OPS);
    return options;
  }());
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_TRUE(result.report.coverage().has_runtime_warnings());
  const v1::OpCoverage* entry = Coverage(result, "TensorArrayScatterV3");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->disposition(), v1::FLEX);
  ASSERT_EQ(entry->warnings_size(), 1);
  EXPECT_THAT(entry->warnings(0), HasSubstr("fails on them at invoke()"));
}

}  // namespace
}  // namespace tflconv
