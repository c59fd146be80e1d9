#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "tests/testing/hostile_graphs.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

// x[1,4,4,2] -> Conv2D(filter 1x1x2x3) -> BiasAdd -> Relu
GraphBuilder ConvBiasRelu(const std::string& padding = "SAME") {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4, 4, 2});
  // HWIO: filter[0][0][i][o] = 10*i + o
  g.ConstFloat("w", {1, 1, 2, 3}, {0, 1, 2, 10, 11, 12});
  g.ConstFloat("b", {3}, {0.5f, 1.5f, 2.5f});
  auto& conv = g.Op("Conv2D", "conv", {"x", "w"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrString(conv, "padding", padding);
  AttrInts(conv, "strides", {1, 1, 1, 1});
  AttrType(g.Op("BiasAdd", "bias", {"conv", "b"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "relu", {"bias"}), "T", tensorflow::DT_FLOAT);
  return g;
}

TEST(NnRulesTest, ConvBiasReluBecomesOneFusedConv) {
  ConversionResult result = ConvertGraph(ConvBiasRelu(), Options({"x"}, {"relu"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("CONV_2D"));
  const tflite::Operator* conv = OperatorAt(model, 0);
  const auto* options = conv->builtin_options_as_Conv2DOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->fused_activation_function(), tflite::ActivationFunctionType_RELU);
  EXPECT_EQ(options->padding(), tflite::Padding_SAME);
  // OHWI filter: filter[o][0][0][i] = 10*i + o.
  EXPECT_THAT(FloatBuffer(model, conv->inputs()->Get(1)), ElementsAre(0, 10, 1, 11, 2, 12));
  EXPECT_THAT(FloatBuffer(model, conv->inputs()->Get(2)), ElementsAre(0.5f, 1.5f, 2.5f));
  EXPECT_EQ(TensorAt(model, conv->outputs()->Get(0))->name()->str(), "relu");
}

TEST(NnRulesTest, BatchNormFoldsIntoConvWeightsAndBias) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2, 2, 1});
  g.ConstFloat("w", {1, 1, 1, 2}, {1, 2});
  auto& conv = g.Op("Conv2D", "conv", {"x", "w"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrString(conv, "padding", "VALID");
  g.ConstFloat("gamma", {2}, {2, 3});
  g.ConstFloat("beta", {2}, {1, -1});
  g.ConstFloat("mean", {2}, {0.5f, 1});
  g.ConstFloat("var", {2}, {4 - 0.001f, 1 - 0.001f});
  auto& bn = g.Op("FusedBatchNormV3", "bn", {"conv", "gamma", "beta", "mean", "var"});
  AttrType(bn, "T", tensorflow::DT_FLOAT);
  AttrFloat(bn, "epsilon", 0.001f);
  AttrBool(bn, "is_training", false);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"bn"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("CONV_2D"));
  const tflite::Operator* op = OperatorAt(model, 0);
  // scale = gamma / sqrt(var + eps) = {1, 3}; offset = beta - mean * scale.
  EXPECT_THAT(FloatBuffer(model, op->inputs()->Get(1)),
              ElementsAre(::testing::FloatNear(1, 1e-5), ::testing::FloatNear(6, 1e-5)));
  EXPECT_THAT(FloatBuffer(model, op->inputs()->Get(2)),
              ElementsAre(::testing::FloatNear(0.5f, 1e-5), ::testing::FloatNear(-4, 1e-5)));
}

TEST(NnRulesTest, ExplicitPaddingIsRejectedWithTheAttribute) {
  ConversionResult result = ConvertGraph(ConvBiasRelu("EXPLICIT"), Options({"x"}, {"relu"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'conv' (Conv2D): padding 'EXPLICIT'"));
  EXPECT_TRUE(result.artifacts.empty());
}


// A windowed op of each kind (WindowGraph) with one attribute replaced.
struct WindowCase {
  const char* op;
  const char* attribute;
  int64_t value;
};

void PrintTo(const WindowCase& c, std::ostream* os) {
  *os << c.op << " " << c.attribute << "=" << c.value;
}

class WindowAttributeTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(WindowAttributeTest, OutOfRangeValueIsRejectedNamingNodeAttributeAndValue) {
  const WindowCase& c = GetParam();
  ConversionResult result = ConvertGraph(WindowGraph(c.op, c.attribute, c.value), Options({"x"}, {"window"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr(absl::StrCat("node 'window' (", c.op, "): attribute '", c.attribute,
                                     "' value ", c.value, " at index 2")));
}

std::vector<WindowCase> WindowCases() {
  std::vector<WindowCase> cases;
  for (const char* op :
       {"Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "MaxPool", "AvgPool"}) {
    const bool pool = std::string(op) == "MaxPool" || std::string(op) == "AvgPool";
    // 2^32 truncated to int is 0, which divided by zero.
    for (int64_t value : {int64_t{0}, int64_t{1} << 32, int64_t{-1}}) {
      cases.push_back({op, "strides", value});
      cases.push_back({op, pool ? "ksize" : "dilations", value});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(
    AllWindowedOps, WindowAttributeTest, ::testing::ValuesIn(WindowCases()),
    [](const auto& info) {
      const std::string op(absl::StripPrefix(info.param.op, "_"));
      return absl::StrCat(op, "_", info.param.attribute, "_",
                          info.param.value < 0 ? "negative" : absl::StrCat(info.param.value));
    });

TEST(WindowAttributeTest, ValidWindowsStillConvert) {
  for (const char* op : {"Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "MaxPool", "AvgPool"}) {
    ConversionResult result =
        ConvertGraph(WindowGraph(op, "strides", 2), Options({"x"}, {"window"}));
    EXPECT_TRUE(result.status.ok()) << op << ": " << result.status;
  }
}

}  // namespace
}  // namespace tflconv
