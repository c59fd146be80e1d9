#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "core/graph/tensor.h"
#include "tests/testing/hostile_graphs.h"

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
                      OpCase{"Sin", "SIN"}, OpCase{"Cos", "COS"}, OpCase{"Sign", "SIGN"},
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


// Integer division folding, the crafted cases of issue 9: INT_MIN / -1
// traps in C++ (SIGFPE); TensorFlow's kernels wrap it (safe_div_or_mod_op).
struct DivisionCase {
  const char* op;
  tensorflow::DataType dtype;
};

std::string DivisionName(const ::testing::TestParamInfo<DivisionCase>& info) {
  return absl::StrCat(info.param.op, "_", DataTypeName(info.param.dtype));
}

void PrintTo(const DivisionCase& c, std::ostream* os) {
  *os << c.op << " " << DataTypeName(c.dtype);
}

class IntegerDivisionTest : public ::testing::TestWithParam<DivisionCase> {};

TEST_P(IntegerDivisionTest, MinByMinusOneFoldsAsTensorFlowWrapsIt) {
  const DivisionCase& c = GetParam();
  ConversionResult result =
      ConvertGraph(DivisionGraph(c.op, c.dtype, {-1, -1}), Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
  const int folded = OperatorAt(model, 0)->inputs()->Get(1);
  const bool modulo = std::string(c.op) == "FloorMod";
  if (c.dtype == tensorflow::DT_INT32) {
    const int32_t min = std::numeric_limits<int32_t>::min();
    const std::vector<int32_t> expected = modulo ? std::vector<int32_t>{0, 0}
                                                 : std::vector<int32_t>{min, -7};
    EXPECT_EQ(Int32Buffer(model, folded), expected);
  } else {
    const int64_t min = std::numeric_limits<int64_t>::min();
    const std::vector<int64_t> expected = modulo ? std::vector<int64_t>{0, 0}
                                                 : std::vector<int64_t>{min, -7};
    EXPECT_EQ(Int64Buffer(model, folded), expected);
  }
}

TEST_P(IntegerDivisionTest, ZeroDivisorIsInvalidArgumentNamingTheNode) {
  const DivisionCase& c = GetParam();
  ConversionResult result =
      ConvertGraph(DivisionGraph(c.op, c.dtype, {1, 0}), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr(absl::StrCat("node 'q' (", c.op,
                                     "): integer division by zero: input 1 holds 0 at index 1")));
}

INSTANTIATE_TEST_SUITE_P(
    DivAndModulo, IntegerDivisionTest,
    ::testing::Values(DivisionCase{"Div", tensorflow::DT_INT32},
                      DivisionCase{"Div", tensorflow::DT_INT64},
                      DivisionCase{"RealDiv", tensorflow::DT_INT32},
                      DivisionCase{"RealDiv", tensorflow::DT_INT64},
                      DivisionCase{"FloorDiv", tensorflow::DT_INT32},
                      DivisionCase{"FloorDiv", tensorflow::DT_INT64},
                      DivisionCase{"FloorMod", tensorflow::DT_INT32},
                      DivisionCase{"FloorMod", tensorflow::DT_INT64},
                      DivisionCase{"TruncateDiv", tensorflow::DT_INT32},
                      DivisionCase{"TruncateDiv", tensorflow::DT_INT64}),
    DivisionName);

TEST(ElementwiseTest, OverflowingIntegerFoldsWrapAndCastsSaturate) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {4});
  const int32_t min = std::numeric_limits<int32_t>::min();
  const int32_t max = std::numeric_limits<int32_t>::max();
  g.ConstInt("a", {4}, {min, max, min, 3});
  AttrType(g.Op("Neg", "neg", {"a"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("Abs", "abs", {"neg"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("Mul", "square", {"abs", "abs"}), "T", tensorflow::DT_INT32);
  g.ConstFloat("f", {4}, {1e20f, -1e20f, std::nanf(""), 2.7f});
  auto& cast = g.Op("Cast", "cast", {"f"});
  AttrType(cast, "SrcT", tensorflow::DT_FLOAT);
  AttrType(cast, "DstT", tensorflow::DT_INT32);
  AttrType(g.Op("AddV2", "sum", {"square", "cast"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("AddV2", "out", {"x", "sum"}), "T", tensorflow::DT_INT32);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out", "neg", "cast"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  const auto* outputs = model->subgraphs()->Get(0)->outputs();
  EXPECT_THAT(Int32Buffer(model, outputs->Get(1)), ElementsAre(min, min + 1, min, -3));
  EXPECT_THAT(Int32Buffer(model, outputs->Get(2)), ElementsAre(max, min, 0, 2));
}

TEST(ElementwiseTest, IntegerPowerWithNegativeExponentIsRejected) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {2});
  g.ConstInt("a", {2}, {2, 3});
  g.ConstInt("b", {2}, {31, -1});
  AttrType(g.Op("Pow", "p", {"a", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("AddV2", "out", {"x", "p"}), "T", tensorflow::DT_INT32);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'p' (Pow): integers to negative integer powers are not allowed: "
                        "input 1 holds -1 at index 1"));
}

// BitwiseXor and RightShift fold as TensorFlow computes them: the shift is
// clamped to [0, 31] and arithmetic (INT_MIN >> 40 is -1, 7 >> -1 is 7).
TEST(ElementwiseTest, BitwiseXorAndRightShiftFoldWithClampedShifts) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {4});
  const int32_t min = std::numeric_limits<int32_t>::min();
  g.ConstInt("a", {4}, {min, 7, -8, 12});
  g.ConstInt("b", {4}, {40, -1, 1, 2});
  AttrType(g.Op("RightShift", "shifted", {"a", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("BitwiseXor", "xor", {"a", "b"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("AddV2", "out", {"x", "shifted"}), "T", tensorflow::DT_INT32);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"out", "shifted", "xor"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_THAT(OperatorNames(model), ElementsAre("ADD"));
  const auto* outputs = model->subgraphs()->Get(0)->outputs();
  EXPECT_THAT(Int32Buffer(model, outputs->Get(1)), ElementsAre(-1, 7, -4, 3));
  EXPECT_THAT(Int32Buffer(model, outputs->Get(2)), ElementsAre(min ^ 40, 7 ^ -1, -8 ^ 1, 12 ^ 2));
}

TEST(ElementwiseTest, BitwiseXorOfFloatsIsRejectedNamingTheAttribute) {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {2});
  g.Placeholder("b", tensorflow::DT_FLOAT, {2});
  AttrType(g.Op("BitwiseXor", "out", {"a", "b"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"a", "b"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'out' (BitwiseXor): attribute T is float32; BitwiseXor takes "
                        "integers only"));
}

}  // namespace
}  // namespace tflconv
