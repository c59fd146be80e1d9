#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "tests/testing/graph_builder.h"
#include "tests/testing/hostile_graphs.h"
#include "tests/testing/oracle_fixture.h"

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

// x[1,2,2,2] -> `op` with a placeholder filter w of `filter` dims -> BiasAdd
// of `bias` -> Relu: weights that reach the convolution computed (through a
// loop's Enter, a cond's Switch) rather than as a Const.
GraphBuilder ComputedFilterConv(const std::string& op, std::vector<int64_t> filter,
                                std::vector<float> bias) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 2, 2, 2});
  g.Placeholder("w", tensorflow::DT_FLOAT, std::move(filter));
  const std::vector<int64_t> channels = {static_cast<int64_t>(bias.size())};
  g.ConstFloat("b", channels, std::move(bias));
  auto& conv = g.Op(op, "conv", {"x", "w"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrString(conv, "padding", "VALID");
  AttrInts(conv, "strides", {1, 1, 1, 1});
  AttrType(g.Op("BiasAdd", "bias", {"conv", "b"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "relu", {"bias"}), "T", tensorflow::DT_FLOAT);
  return g;
}

TEST(NnRulesTest, ComputedConvFilterIsTransposedAtRunTime) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(
      ComputedFilterConv("Conv2D", {1, 1, 2, 3}, {0.5f, 1.5f, 2.5f}), {"x", "w"}, {"relu"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("TRANSPOSE", "CONV_2D"));
  const tflite::Operator* transpose = OperatorAt(model, 0);
  EXPECT_THAT(Int32Buffer(model, transpose->inputs()->Get(1)), ElementsAre(3, 0, 1, 2));
  EXPECT_THAT(ShapeOf(model, transpose->outputs()->Get(0)), ElementsAre(3, 1, 1, 2));
  const tflite::Operator* conv = OperatorAt(model, 1);
  EXPECT_EQ(conv->inputs()->Get(1), transpose->outputs()->Get(0));
  EXPECT_EQ(conv->builtin_options_as_Conv2DOptions()->fused_activation_function(),
            tflite::ActivationFunctionType_RELU);
}

TEST(NnRulesTest, ComputedDepthwiseFilterIsReshapedAtRunTime) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(ComputedFilterConv("DepthwiseConv2dNative", {1, 1, 2, 2}, {0, 0, 0, 0}),
                {"x", "w"}, {"relu"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("RESHAPE", "DEPTHWISE_CONV_2D"));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->outputs()->Get(0)), ElementsAre(1, 1, 1, 4));
}

TEST(NnRulesTest, ComputedFilterOfUnknownShapeIsUnsupported) {
  ConversionResult result = ConvertGraph(ComputedFilterConv("Conv2D", {1, 1, -1, 3}, {0, 0, 0}),
                                         Options({"x", "w"}, {"relu"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'conv' (Conv2D): unsupported: a computed filter (input 1) of dtype "
                        "float32 and shape [1,1,?,3]"));
}

const std::vector<float> kComputedFilterInput = {1, 2, 3, 4, 5, 6, 7, 8};

TEST_F(OracleTest, ComputedConvFilterOnTheRuntime) {
  ConversionResult result =
      ConvertGraph(ComputedFilterConv("Conv2D", {1, 1, 2, 3}, {0.5f, 1.5f, 2.5f}),
                   Options({"x", "w"}, {"relu"}, /*fp16=*/true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  // HWIO w[0][0][i][o]: i = 0 (0, 1, 2), i = 1 (10, 11, 12); each pixel
  // (a, b) gives a * w[0] + b * w[1] + bias.
  const std::vector<float> expected = {20.5f, 24.5f, 28.5f, 40.5f, 48.5f, 56.5f,
                                       60.5f, 72.5f, 84.5f, 80.5f, 96.5f, 112.5f};
  for (const Artifact& artifact : result.artifacts) {
    SCOPED_TRACE(artifact.file_name);
    ExpectRuns(artifact.bytes,
               {Float32Array("x", {1, 2, 2, 2}, kComputedFilterInput),
                Float32Array("w", {1, 1, 2, 3}, {0, 1, 2, 10, 11, 12})},
               {Float32Array("relu", {1, 2, 2, 3}, expected)}, 1e-6);
  }
}

TEST_F(OracleTest, ComputedDepthwiseFilterOnTheRuntime) {
  ConversionResult result =
      ConvertGraph(ComputedFilterConv("DepthwiseConv2dNative", {1, 1, 2, 2}, {0, 0, 0, 0}),
                   Options({"x", "w"}, {"relu"}, /*fp16=*/true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  // Channel c * 2 + m of pixel (a, b) is (a, b)[c] * w[c][m], w = {1, 2}, {3, 4}.
  const std::vector<float> expected = {1, 2, 6, 8, 3, 6, 12, 16, 5, 10, 18, 24, 7, 14, 24, 32};
  for (const Artifact& artifact : result.artifacts) {
    SCOPED_TRACE(artifact.file_name);
    ExpectRuns(artifact.bytes,
               {Float32Array("x", {1, 2, 2, 2}, kComputedFilterInput),
                Float32Array("w", {1, 1, 2, 2}, {1, 2, 3, 4})},
               {Float32Array("relu", {1, 2, 2, 4}, expected)}, 1e-6);
  }
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
