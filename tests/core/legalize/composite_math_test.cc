// Ops TFLite has no builtin for, written with builtins: the builtins each
// becomes, and their constant folding. (The generated op tests check their
// numbers on the runtime.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>

#include "tests/testing/graph_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using namespace tflconv::testing;

struct Decomposition {
  const char* tf_op;
  tensorflow::DataType dtype;
  int arity;
  std::vector<std::string> builtins;
};

void PrintTo(const Decomposition& d, std::ostream* os) {
  *os << d.tf_op << " " << tensorflow::DataType_Name(d.dtype);
}

class DecompositionTest : public ::testing::TestWithParam<Decomposition> {};

TEST_P(DecompositionTest, BecomesItsBuiltins) {
  const Decomposition& d = GetParam();
  GraphBuilder g;
  g.Placeholder("a", d.dtype, {2, 3});
  std::vector<std::string> inputs = {"a"};
  if (d.arity == 2) inputs.push_back(g.Placeholder("b", d.dtype, {3}));
  AttrType(g.Op(d.tf_op, "out", inputs), "T", d.dtype);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, inputs, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAreArray(d.builtins));
  const auto* outputs = model->subgraphs()->Get(0)->outputs();
  EXPECT_THAT(ShapeOf(model, outputs->Get(0)), ElementsAre(2, 3));
}

INSTANTIATE_TEST_SUITE_P(
    CompositeMath, DecompositionTest,
    ::testing::Values(
        Decomposition{"IsFinite", tensorflow::DT_FLOAT, 1, {"SUB", "EQUAL"}},
        Decomposition{"Softplus", tensorflow::DT_FLOAT, 1,
                      {"ABS", "NEG", "EXP", "ADD", "LOG", "RELU", "ADD"}},
        Decomposition{"Selu", tensorflow::DT_FLOAT, 1, {"GREATER", "SELECT_V2", "ELU", "MUL"}},
        Decomposition{"Log1p", tensorflow::DT_FLOAT, 1, {"ADD", "LOG"}},
        Decomposition{"Expm1", tensorflow::DT_FLOAT, 1, {"EXP", "SUB"}},
        Decomposition{"Atan", tensorflow::DT_FLOAT, 1, {"FILL", "ATAN2"}},
        Decomposition{"DivNoNan", tensorflow::DT_FLOAT, 2, {"EQUAL", "DIV", "SELECT_V2"}},
        Decomposition{"TruncateDiv", tensorflow::DT_FLOAT, 2,
                      {"DIV", "ABS", "FLOOR", "SIGN", "MUL"}},
        Decomposition{"TruncateDiv", tensorflow::DT_INT32, 2, {"DIV"}},
        Decomposition{"Erf", tensorflow::DT_FLOAT, 1,
                      {"MUL", "MUL", "ADD", "MUL", "ADD", "MUL", "ADD", "MUL", "ADD", "MUL",
                       "ADD", "MUL", "MAXIMUM", "MINIMUM", "MUL", "GELU", "DIV", "MUL", "SUB",
                       "ABS", "LESS", "SELECT_V2"}},
        Decomposition{"Softsign", tensorflow::DT_FLOAT, 1, {"ABS", "ADD", "DIV"}},
        Decomposition{"SigmoidGrad", tensorflow::DT_FLOAT, 2, {"SUB", "MUL", "MUL"}},
        // ATAN2 does not broadcast: the [3] operand is broadcast to [2, 3].
        Decomposition{"Atan2", tensorflow::DT_FLOAT, 2, {"BROADCAST_TO", "ATAN2"}}),
    [](const auto& info) {
      return std::string(info.param.tf_op) + "_" + tensorflow::DataType_Name(info.param.dtype);
    });

// Atan's ones take x's shape: a constant when known, else SHAPE(x).
TEST(CompositeMathTest, AtanOfUnknownShapeFillsOnesToItsRuntimeShape) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {-1, 3});
  AttrType(g.Op("Atan", "out", {"x"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("SHAPE", "FILL", "ATAN2"));
}

// The folded value of `op` over float constant operands (rank 1, the first
// the longest), read from the ADD that adds it to a placeholder; results of
// another dtype are cast to float first.
std::vector<float> Folded(const std::string& op, std::vector<std::vector<float>> operands,
                          tensorflow::DataType result_dtype = tensorflow::DT_FLOAT) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {static_cast<int64_t>(operands[0].size())});
  std::vector<std::string> inputs;
  for (size_t i = 0; i < operands.size(); ++i) {
    const int64_t n = static_cast<int64_t>(operands[i].size());
    inputs.push_back(g.ConstFloat("c" + std::to_string(i), {n}, std::move(operands[i])));
  }
  AttrType(g.Op(op, "folded", inputs), "T", tensorflow::DT_FLOAT);
  std::string value = "folded";
  if (result_dtype != tensorflow::DT_FLOAT) {
    auto& cast = g.Op("Cast", "as_float", {"folded"});
    AttrType(cast, "SrcT", result_dtype);
    AttrType(cast, "DstT", tensorflow::DT_FLOAT);
    value = "as_float";
  }
  AttrType(g.Op("AddV2", "out", {"x", value}), "T", tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  if (model == nullptr) return {};
  EXPECT_THAT(OperatorNames(model), ElementsAre("ADD")) << op << " did not fold";
  return FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(1));
}

TEST(CompositeMathTest, ConstantInputsFoldWithTensorFlowSemantics) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(Folded("IsFinite", {{inf, -inf, nan, 0, 3}}, tensorflow::DT_BOOL),
              ElementsAre(0, 0, 0, 1, 1));
  // Stable at both ends: neither exp(100) nor log(1 + exp(-100)) misleads.
  EXPECT_THAT(Folded("Softplus", {{-100, 0, 100}}),
              Pointwise(FloatNear(1e-6), std::vector<float>{0, std::log(2.0f), 100}));
  EXPECT_THAT(Folded("Selu", {{-1, 0, 2}}),
              Pointwise(FloatNear(1e-6), std::vector<float>{-1.1113307f, 0, 2.1014020f}));
  // log1p and expm1 keep the precision that log(1 + x) and exp(x) - 1 lose.
  EXPECT_THAT(Folded("Log1p", {{1e-10f, 1}}),
              Pointwise(FloatNear(1e-16), std::vector<float>{1e-10f, std::log(2.0f)}));
  EXPECT_THAT(Folded("Expm1", {{1e-10f}}), ElementsAre(FloatNear(1e-10f, 1e-16)));
  EXPECT_THAT(Folded("Atan", {{-1, 0}}),
              Pointwise(FloatNear(1e-6), std::vector<float>{-0.78539816f, 0}));
  EXPECT_THAT(Folded("Erf", {{-1, 0, 2}}),
              Pointwise(FloatNear(1e-7), std::vector<float>{-0.84270079f, 0, 0.99532227f}));
  EXPECT_THAT(Folded("Sin", {{0.5f}}), ElementsAre(FloatNear(std::sin(0.5f), 1e-7)));
  EXPECT_THAT(Folded("Cos", {{0.5f}}), ElementsAre(FloatNear(std::cos(0.5f), 1e-7)));
  const std::vector<float> signs = Folded("Sign", {{-2, 0, 3, nan}});
  ASSERT_EQ(signs.size(), 4u);
  EXPECT_THAT(std::vector<float>(signs.begin(), signs.begin() + 3), ElementsAre(-1, 0, 1));
  EXPECT_TRUE(std::isnan(signs[3]));
}

TEST(CompositeMathTest, SoftsignSigmoidGradAndAtan2Fold) {
  EXPECT_THAT(Folded("Softsign", {{-3, 0, 1}}), ElementsAre(-0.75f, 0, 0.5f));
  EXPECT_THAT(Folded("SigmoidGrad", {{0.5f, 0.25f}, {2}}), ElementsAre(0.5f, 0.375f));
  EXPECT_THAT(Folded("Atan2", {{1, -1, 0}, {-1}}),
              Pointwise(FloatNear(1e-6), std::vector<float>{2.3561945f, -2.3561945f,
                                                            3.1415927f}));
}

// Operands whose shapes are known only at run time could differ there,
// which ATAN2 cannot take: the op is declined, naming why.
TEST(CompositeMathTest, Atan2OfRunTimeShapesIsDeclined) {
  GraphBuilder g;
  g.Placeholder("y", tensorflow::DT_FLOAT, {-1, 3});
  g.Placeholder("x", tensorflow::DT_FLOAT, {-1, 3});
  AttrType(g.Op("Atan2", "out", {"y", "x"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"y", "x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
  EXPECT_THAT(result.status.message(), HasSubstr("ATAN2 does not broadcast"));
}

TEST(CompositeMathTest, ConstantDivisionsFold) {
  EXPECT_THAT(Folded("TruncateDiv", {{-7.5f, 7.5f, 3, -3}, {2}}), ElementsAre(-3, 3, 1, -1));
  EXPECT_THAT(Folded("DivNoNan", {{-7.5f, 7.5f, 3, -3}, {2, 2, 0, 0}}),
              ElementsAre(-3.75f, 3.75f, 0, 0));
}

// Erf on the runtime, relative to std::erf: the series near 0 (where
// 2 GELU(z) / z - 1 would cancel), GELU beyond it, across the seam at 0.5
// and far out where erf is +-1.
TEST_F(OracleTest, ErfKeepsItsRelativePrecisionEverywhere) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {6});
  AttrType(g.Op("Erf", "out", {"x"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const std::vector<std::vector<float>> inputs = {
      {1e-7f, -3e-6f, 2e-5f, -4e-4f, 1e-3f, 0},
      {0.3f, -0.4999f, 0.5f, -0.5001f, 0.7f, -1.2f},
      {2.5f, -3, 4, -6, 9, -30}};
  for (const std::vector<float>& x : inputs) {
    std::vector<float> erf;
    for (float v : x) erf.push_back(std::erf(v));
    ExpectRuns(result.artifacts[0].bytes, {Float32Array("x", {6}, x)},
               {Float32Array("out", {6}, erf)}, 1e-6);
  }
}

// TensorFlow's erf(+-inf) is +-1 (and erf of a finite x beyond ~2.4e38
// overflows z = sqrt(2) x).
TEST_F(OracleTest, ErfOfInfinityIsOne) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {5});
  AttrType(g.Op("Erf", "out", {"x"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ExpectRuns(result.artifacts[0].bytes,
             {Float32Array("x", {5}, {inf, -inf, 3e38f, -3e38f, nan})},
             {Float32Array("out", {5}, {1, -1, 1, -1, nan})}, 1e-6);
}

// Half values break the float builtins' contracts: the op is declined, so
// under builtins only the conversion names it as unsupported.
TEST(CompositeMathTest, HalfIsDeclined) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_HALF, {4});
  AttrType(g.Op("Softplus", "out", {"x"}), "T", tensorflow::DT_HALF);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
  EXPECT_THAT(result.status.message(), HasSubstr("Softplus (out)"));
}

}  // namespace
}  // namespace tflconv
