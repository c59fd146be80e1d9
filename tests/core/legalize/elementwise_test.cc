#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

struct OpCase {
  const char* tf_op;
  const char* tflite_op;
};

class BinaryRuleTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(BinaryRuleTest, BecomesItsBuiltinWithBroadcasting) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2, 3});
  g.Placeholder("b", tensorflow::DT_FLOAT, {3});
  AttrType(g.Op(GetParam().tf_op, "out", {"a", "b"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"a", "b"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_THAT(OperatorNames(model), ElementsAre(GetParam().tflite_op));
  const tflite::Tensor* out = TensorAt(model, OperatorAt(model, 0)->outputs()->Get(0));
  EXPECT_THAT(std::vector<int>(out->shape()->begin(), out->shape()->end()), ElementsAre(2, 3));
}

INSTANTIATE_TEST_SUITE_P(
    Elementwise, BinaryRuleTest,
    ::testing::Values(OpCase{"Add", "ADD"}, OpCase{"AddV2", "ADD"}, OpCase{"Sub", "SUB"},
                      OpCase{"Mul", "MUL"}, OpCase{"RealDiv", "DIV"}, OpCase{"Div", "DIV"},
                      OpCase{"FloorDiv", "FLOOR_DIV"}, OpCase{"FloorMod", "FLOOR_MOD"},
                      OpCase{"Maximum", "MAXIMUM"}, OpCase{"Minimum", "MINIMUM"},
                      OpCase{"SquaredDifference", "SQUARED_DIFFERENCE"}, OpCase{"Pow", "POW"},
                      OpCase{"Greater", "GREATER"}, OpCase{"GreaterEqual", "GREATER_EQUAL"},
                      OpCase{"Less", "LESS"}, OpCase{"LessEqual", "LESS_EQUAL"},
                      OpCase{"Equal", "EQUAL"}, OpCase{"NotEqual", "NOT_EQUAL"}),
    [](const auto& info) { return std::string(info.param.tf_op); });

class UnaryRuleTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(UnaryRuleTest, BecomesItsBuiltin) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {4});
  AttrType(g.Op(GetParam().tf_op, "out", {"x"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ElementsAre(GetParam().tflite_op));
}

INSTANTIATE_TEST_SUITE_P(
    Elementwise, UnaryRuleTest,
    ::testing::Values(OpCase{"Neg", "NEG"}, OpCase{"Abs", "ABS"}, OpCase{"Square", "SQUARE"},
                      OpCase{"Sqrt", "SQRT"}, OpCase{"Rsqrt", "RSQRT"}, OpCase{"Exp", "EXP"},
                      OpCase{"Log", "LOG"}, OpCase{"Floor", "FLOOR"}, OpCase{"Ceil", "CEIL"},
                      OpCase{"Round", "ROUND"}, OpCase{"Reciprocal", "DIV"},
                      OpCase{"Relu", "RELU"}, OpCase{"Relu6", "RELU6"}, OpCase{"Elu", "ELU"},
                      OpCase{"Sigmoid", "LOGISTIC"}, OpCase{"Tanh", "TANH"},
                      OpCase{"LeakyRelu", "LEAKY_RELU"}, OpCase{"Softmax", "SOFTMAX"},
                      OpCase{"LogSoftmax", "LOG_SOFTMAX"}),
    [](const auto& info) { return std::string(info.param.tf_op); });

TEST(ElementwiseTest, ConstantArithmeticFoldsWithTensorFlowSemantics) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {3});
  g.ConstInt("a", {3}, {-7, 7, -8});
  g.ConstInt("b", {}, {2});
  AttrType(g.Op("FloorDiv", "q", {"a", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("FloorMod", "r", {"a", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("Mul", "qb", {"q", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("Add", "back", {"qb", "r"}), "T", tensorflow::DT_INT32);  // == a
  AttrType(g.Op("Add", "out", {"x", "q"}), "T", tensorflow::DT_INT32);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out", "back", "r"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(-4, 3, -4));
  const auto* outputs = model->subgraphs()->Get(0)->outputs();
  EXPECT_THAT(Int32Buffer(model, outputs->Get(1)), ElementsAre(-7, 7, -8));
  EXPECT_THAT(Int32Buffer(model, outputs->Get(2)), ElementsAre(1, 1, 0));
}

TEST(ElementwiseTest, AddNOfOneInputForwards) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  g.Placeholder("y", tensorflow::DT_FLOAT, {2});
  AttrType(g.Op("AddN", "sum", {"x", "y", "x"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu", "out", {"sum"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x", "y"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ElementsAre("ADD_N", "RELU"));
}

TEST(ElementwiseTest, IncompatibleShapesNameTheNode) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2, 3});
  g.Placeholder("b", tensorflow::DT_FLOAT, {4});
  AttrType(g.Op("Mul", "m", {"a", "b"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"a", "b"}, {"m"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'm' (Mul): shapes [2,3] and [4]"));
}

TEST(ElementwiseTest, ReluAfterAddIsFusedIntoIt) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2});
  g.Placeholder("b", tensorflow::DT_FLOAT, {2});
  AttrType(g.Op("Add", "s", {"a", "b"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("Relu6", "out", {"s"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"a", "b"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_EQ(OperatorAt(model, 0)->builtin_options_as_AddOptions()->fused_activation_function(),
            tflite::ActivationFunctionType_RELU6);
}

TEST(StructureTest, IdentitiesVanishAndOutputsKeepTheirArrayNames) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  AttrType(g.Op("Relu", "relu", {"x"}), "T", tensorflow::DT_FLOAT);
  g.Op("Identity", "id", {"relu"});
  g.Op("StopGradient", "sg", {"id"});
  auto& n = g.Op("IdentityN", "idn", {"sg", "x"});
  AttrType(n, "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"idn", "idn:1"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  // idn:1 is the input itself: a RESHAPE copy gives it its own name.
  EXPECT_THAT(OperatorNames(model), ElementsAre("RELU", "RESHAPE"));
  const auto* outputs = model->subgraphs()->Get(0)->outputs();
  EXPECT_EQ(TensorAt(model, outputs->Get(0))->name()->str(), "idn");
  EXPECT_EQ(TensorAt(model, outputs->Get(1))->name()->str(), "idn:1");
}

TEST(StructureTest, UnfedPlaceholderWithDefaultIsItsDefault) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  g.ConstFloat("d", {2}, {1, 2});
  auto& pwd = g.Op("PlaceholderWithDefault", "scale", {"d"});
  AttrType(pwd, "dtype", tensorflow::DT_FLOAT);
  AttrType(g.Op("Mul", "out", {"x", "scale"}), "T", tensorflow::DT_FLOAT);
  ConversionResult fixed = ConvertGraph(g, Options({"x"}, {"out"}));
  ASSERT_TRUE(fixed.status.ok()) << fixed.status;
  const tflite::Model* model = ModelOf(fixed.artifacts[0]);
  EXPECT_THAT(FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(1, 2));
  // Listed as an input array, it becomes a model input.
  v1::ConversionOptions options = Options({"x", "scale"}, {"out"});
  options.mutable_input_arrays(1)->set_has_shape(true);
  options.mutable_input_arrays(1)->add_shape(2);
  ConversionResult fed = ConvertGraph(g, options);
  ASSERT_TRUE(fed.status.ok()) << fed.status;
  EXPECT_EQ(ModelOf(fed.artifacts[0])->subgraphs()->Get(0)->inputs()->size(), 2u);
}

}  // namespace
}  // namespace tflconv
