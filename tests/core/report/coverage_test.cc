// The op-coverage report says what each TF op became in the exported model:
// ops the Lite optimizer folded or fused into another operator are reported
// where they went, not as the operators the legalizer first emitted.
#include "core/legalize/coverage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/report/report.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using namespace tflconv::testing;

// The entry of `tf_op` with `disposition`, or nullptr.
const v1::OpCoverage* Entry(const v1::ConversionReport& report, const std::string& tf_op,
                            v1::Disposition disposition) {
  for (const v1::OpCoverage& entry : report.coverage().ops()) {
    if (entry.tf_op() == tf_op && entry.disposition() == disposition) return &entry;
  }
  return nullptr;
}

// Conv2D `name` over `input` with a 1x1 filter of 2 -> 2 channels.
void Conv(GraphBuilder& g, const std::string& name, const std::string& input) {
  g.ConstFloat(name + "/w", {1, 1, 2, 2}, {1, 2, 3, 4});
  auto& conv = g.Op("Conv2D", name, {input, name + "/w"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrString(conv, "padding", "VALID");
  AttrInts(conv, "strides", {1, 1, 1, 1});
}

void Float(tensorflow::NodeDef& node) { AttrType(node, "T", tensorflow::DT_FLOAT); }

// x -> Conv2D -> BiasAdd -> FusedBatchNormV3 -> Relu: one CONV_2D.
GraphBuilder ConvBiasBatchNormRelu() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2, 2, 2});
  Conv(g, "conv", "x");
  g.ConstFloat("b", {2}, {0.5f, -0.5f});
  Float(g.Op("BiasAdd", "bias", {"conv", "b"}));
  g.ConstFloat("gamma", {2}, {2, 3});
  g.ConstFloat("beta", {2}, {1, -1});
  g.ConstFloat("mean", {2}, {0.5f, 1});
  g.ConstFloat("var", {2}, {4, 1});
  auto& bn = g.Op("FusedBatchNormV3", "bn", {"bias", "gamma", "beta", "mean", "var"});
  Float(bn);
  AttrBool(bn, "is_training", false);
  Float(g.Op("Relu", "relu", {"bn"}));
  return g;
}

TEST(CoverageReportTest, FoldedAndFusedOpsAreReportedWhereTheyWent) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(ConvBiasBatchNormRelu(), {"x"}, {"relu"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("CONV_2D"));
  const v1::ConversionReport& report = result.report;

  const v1::OpCoverage* conv = Entry(report, "Conv2D", v1::BUILTIN);
  ASSERT_NE(conv, nullptr);
  EXPECT_THAT(conv->tflite_ops(), ElementsAre("CONV_2D"));
  EXPECT_THAT(conv->absorbed_into(), IsEmpty());

  const v1::OpCoverage* bias = Entry(report, "BiasAdd", v1::FUSED);
  ASSERT_NE(bias, nullptr);
  EXPECT_THAT(bias->tflite_ops(), IsEmpty());
  EXPECT_THAT(bias->absorbed_into(), ElementsAre("folded into CONV_2D bias"));

  const v1::OpCoverage* bn = Entry(report, "FusedBatchNormV3", v1::FUSED);
  ASSERT_NE(bn, nullptr);
  EXPECT_THAT(bn->tflite_ops(), IsEmpty());
  EXPECT_THAT(bn->absorbed_into(), ElementsAre("folded into CONV_2D weights and bias"));

  const v1::OpCoverage* relu = Entry(report, "Relu", v1::FUSED);
  ASSERT_NE(relu, nullptr);
  EXPECT_THAT(relu->absorbed_into(), ElementsAre("fused into CONV_2D"));
  EXPECT_THAT(relu->node_names(), ElementsAre("relu"));

  for (const char* op : {"BiasAdd", "FusedBatchNormV3", "Relu"}) {
    EXPECT_EQ(Entry(report, op, v1::BUILTIN), nullptr) << op << " reported as in the model";
  }
  EXPECT_EQ(report.coverage().builtin_ops(), 2);  // Placeholder, Conv2D
  EXPECT_EQ(report.coverage().fused_ops(), 3);

  const std::string summary = ReportSummary(report);
  EXPECT_THAT(summary, HasSubstr("FUSED       folded into CONV_2D weights and bias"));
  EXPECT_THAT(summary, HasSubstr("FUSED       fused into CONV_2D"));
  EXPECT_THAT(ReportToJson(report), HasSubstr("\"absorbed_into\""));
}

// Two Relus: one after a convolution whose output nothing else reads
// (fused), one whose producer has a second consumer (kept as RELU, since
// fusing would activate the other consumer's input too).
TEST(CoverageReportTest, OpTypeFusedOnlySomewhereHasOneEntryPerDisposition) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2, 2, 2});
  Conv(g, "conv_a", "x");
  g.ConstFloat("b", {2}, {0.5f, -0.5f});
  Float(g.Op("BiasAdd", "bias_a", {"conv_a", "b"}));
  Float(g.Op("Relu", "relu_kept", {"bias_a"}));
  Float(g.Op("Sigmoid", "side", {"bias_a"}));
  Conv(g, "conv_b", "x");
  Float(g.Op("Relu", "relu_fused", {"conv_b"}));
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(g, {"x"}, {"relu_kept", "side", "relu_fused"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model),
              UnorderedElementsAre("CONV_2D", "RELU", "LOGISTIC", "CONV_2D"));

  const v1::OpCoverage* kept = Entry(result.report, "Relu", v1::BUILTIN);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->count(), 1);
  EXPECT_THAT(kept->node_names(), ElementsAre("relu_kept"));
  EXPECT_THAT(kept->tflite_ops(), ElementsAre("RELU"));
  EXPECT_THAT(kept->absorbed_into(), IsEmpty());

  const v1::OpCoverage* fused = Entry(result.report, "Relu", v1::FUSED);
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->count(), 1);
  EXPECT_THAT(fused->node_names(), ElementsAre("relu_fused"));
  EXPECT_THAT(fused->absorbed_into(), ElementsAre("fused into CONV_2D"));

  // The bias still folds: the convolution's own output has one reader.
  const v1::OpCoverage* bias = Entry(result.report, "BiasAdd", v1::FUSED);
  ASSERT_NE(bias, nullptr);
  EXPECT_THAT(bias->absorbed_into(), ElementsAre("folded into CONV_2D bias"));
}

// A node the optimizer absorbed only in part stays BUILTIN with the
// operators left in the model, and says where the rest went.
TEST(CoverageBuilderTest, PartlyAbsorbedNodeKeepsItsRemainingOperators) {
  Node node;
  node.name = "bn";
  node.op = "FusedBatchNormV3";
  CoverageBuilder coverage;
  coverage.Add(node, v1::BUILTIN, {"MUL", "ADD"}, "");
  coverage.ApplyAbsorbed({{tflite::BuiltinOperator_MUL, "bn", AbsorbedOperator::Into::kWeights,
                           tflite::BuiltinOperator_FULLY_CONNECTED}});
  const v1::OpCoverageReport report = coverage.Build();
  ASSERT_EQ(report.ops_size(), 1);
  EXPECT_EQ(report.ops(0).disposition(), v1::BUILTIN);
  EXPECT_THAT(report.ops(0).tflite_ops(), ElementsAre("ADD"));
  EXPECT_THAT(report.ops(0).absorbed_into(), ElementsAre("folded into FULLY_CONNECTED weights"));
  EXPECT_EQ(report.builtin_ops(), 1);
  EXPECT_EQ(report.fused_ops(), 0);
}

}  // namespace
}  // namespace tflconv
