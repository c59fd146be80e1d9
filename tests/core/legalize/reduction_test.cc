#include <cstring>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using namespace tflconv::testing;

tensorflow::NodeDef& Reduce(GraphBuilder& g, const std::string& op, const std::string& name,
                            const std::string& x, const std::string& axes, bool keep_dims) {
  tensorflow::NodeDef& node = g.Op(op, name, {x, axes});
  AttrType(node, "T", tensorflow::DT_FLOAT);
  AttrType(node, "Tidx", tensorflow::DT_INT32);
  AttrBool(node, "keep_dims", keep_dims);
  return node;
}

TEST(ReductionRulesTest, MeanKeepDimsBecomesMeanWithInt32Axes) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4, 4, 3});
  g.ConstInt("axes", {2}, {1, 2});
  Reduce(g, "Mean", "mean", "x", "axes", true);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"mean"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("MEAN"));
  const tflite::Operator* op = OperatorAt(model, 0);
  ASSERT_NE(op->builtin_options_as_ReducerOptions(), nullptr);
  EXPECT_TRUE(op->builtin_options_as_ReducerOptions()->keep_dims());
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(1, 2));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 1, 1, 3));
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_FLOAT32);
}

TEST(ReductionRulesTest, EachReducerMapsToItsBuiltinWithNormalizedNegativeAxes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Mean", "MEAN"},       {"Sum", "SUM"},         {"Max", "REDUCE_MAX"},
      {"Min", "REDUCE_MIN"}, {"Prod", "REDUCE_PROD"}};
  for (const auto& [tf_op, lite_op] : cases) {
    SCOPED_TRACE(tf_op);
    GraphBuilder g;
    g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3, 5});
    g.ConstInt("axes", {2}, {-1, 0});
    Reduce(g, tf_op, "r", "x", "axes", false);
    ConversionResult result;
    const tflite::Model* model = ConvertOk(g, {"x"}, {"r"}, result);
    ASSERT_NE(model, nullptr);
    ASSERT_THAT(OperatorNames(model), ElementsAre(lite_op));
    const tflite::Operator* op = OperatorAt(model, 0);
    ASSERT_NE(op->builtin_options_as_ReducerOptions(), nullptr);
    EXPECT_FALSE(op->builtin_options_as_ReducerOptions()->keep_dims());
    EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(2, 0));
    EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(3));
  }
}

TEST(ReductionRulesTest, ScalarInt64AxisBecomesInt32Vector) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt64("axis", {}, {-2});
  auto& sum = Reduce(g, "Sum", "sum", "x", "axis", false);
  AttrType(sum, "Tidx", tensorflow::DT_INT64);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"sum"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("SUM"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(0));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(3));
}

// c = [[1, 2, 3], [4, 5, 6]] reduced over axis 1 (kept), then added to x.
std::vector<float> FoldedAddend(const std::string& tf_op) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 1});
  g.ConstFloat("c", {2, 3}, {1, 2, 3, 4, 5, 6});
  g.ConstInt("axes", {1}, {-1});
  Reduce(g, tf_op, "r", "c", "axes", true);
  g.Op("Add", "out", {"x", "r"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  if (model == nullptr) return {};
  EXPECT_THAT(OperatorNames(model), ElementsAre("ADD"));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(2, 1));
  return FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(1));
}

TEST(ReductionRulesTest, ReductionsOfConstantsFold) {
  EXPECT_THAT(FoldedAddend("Mean"), ElementsAre(FloatNear(2, 1e-6), FloatNear(5, 1e-6)));
  EXPECT_THAT(FoldedAddend("Sum"), ElementsAre(6, 15));
  EXPECT_THAT(FoldedAddend("Max"), ElementsAre(3, 6));
  EXPECT_THAT(FoldedAddend("Min"), ElementsAre(1, 4));
  EXPECT_THAT(FoldedAddend("Prod"), ElementsAre(6, 120));
}

TEST(ReductionRulesTest, ReductionOverAllAxesOfAConstantFoldsToAScalar) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2});
  g.ConstFloat("c", {2, 2}, {1, 2, 3, 4});
  g.ConstInt("axes", {2}, {0, 1});
  Reduce(g, "Sum", "r", "c", "axes", false);
  g.Op("Mul", "out", {"x", "r"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("MUL"));
  EXPECT_THAT(ShapeOf(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre());
  EXPECT_THAT(FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(10));
}

TEST(ReductionRulesTest, ComputedAxesAreRejectedNamingTheInput) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.Placeholder("axes", tensorflow::DT_INT32, {1});
  Reduce(g, "Mean", "mean", "x", "axes", false);
  ConversionResult result = ConvertGraph(g, Options({"x", "axes"}, {"mean"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'mean' (Mean): reduction_indices (input 1) must be a constant"));
}

TEST(ReductionRulesTest, OutOfRangeAxisIsRejected) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt("axes", {1}, {2});
  Reduce(g, "Max", "max", "x", "axes", false);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"max"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'max' (Max): reduction_indices: axis 2 is out of range"));
}

tensorflow::NodeDef& Arg(GraphBuilder& g, const std::string& op, const std::string& name,
                         const std::string& x, const std::string& dim) {
  tensorflow::NodeDef& node = g.Op(op, name, {x, dim});
  AttrType(node, "T", tensorflow::DT_FLOAT);
  AttrType(node, "Tidx", tensorflow::DT_INT32);
  return node;
}

TEST(ReductionRulesTest, ArgMaxInt32BecomesArgMaxWithOutputType) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 5});
  g.ConstInt("dim", {}, {-1});
  AttrType(Arg(g, "ArgMax", "argmax", "x", "dim"), "output_type", tensorflow::DT_INT32);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"argmax"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ARG_MAX"));
  const tflite::Operator* op = OperatorAt(model, 0);
  ASSERT_NE(op->builtin_options_as_ArgMaxOptions(), nullptr);
  EXPECT_EQ(op->builtin_options_as_ArgMaxOptions()->output_type(), tflite::TensorType_INT32);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre());
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(1));
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2));
}

TEST(ReductionRulesTest, ArgMinDefaultsToInt64Output) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 5, 3});
  g.ConstInt("dim", {1}, {1});
  Arg(g, "ArgMin", "argmin", "x", "dim");  // no output_type: TF's default, int64
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"argmin"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("ARG_MIN"));
  const tflite::Operator* op = OperatorAt(model, 0);
  ASSERT_NE(op->builtin_options_as_ArgMinOptions(), nullptr);
  EXPECT_EQ(op->builtin_options_as_ArgMinOptions()->output_type(), tflite::TensorType_INT64);
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre(1));
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(1));
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_INT64);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(2, 3));
}

TEST(ReductionRulesTest, ArgMaxAndArgMinOfConstantsFold) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {2});
  g.ConstFloat("c", {2, 3}, {1, 7, 7, 9, 0, 3});
  g.ConstInt("dim", {}, {1});
  // Rows: {1 (the first of the tied 7s), 0}.
  AttrType(Arg(g, "ArgMax", "am", "c", "dim"), "output_type", tensorflow::DT_INT32);
  g.ConstFloat("d", {2, 2}, {5, 1, 2, 8});
  g.ConstInt("dim0", {}, {0});
  // Columns: {1, 0}.
  AttrType(Arg(g, "ArgMin", "an", "d", "dim0"), "output_type", tensorflow::DT_INT32);
  g.Op("Add", "sum", {"am", "an"});
  g.Op("Mul", "out", {"x", "sum"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("MUL"));
  EXPECT_THAT(Int32Buffer(model, OperatorAt(model, 0)->inputs()->Get(1)), ElementsAre(2, 0));
}

TEST(ReductionRulesTest, UnsupportedOutputTypeIsRejectedNamingTheAttribute) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 5});
  g.ConstInt("dim", {}, {1});
  AttrType(Arg(g, "ArgMax", "argmax", "x", "dim"), "output_type", tensorflow::DT_INT16);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"argmax"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'argmax' (ArgMax): output_type int16 is not supported"));
}

// int64 segment ids become the int32 the kernel reads, as TensorFlow's
// converter casts them; the output takes num_segments rows.
TEST(ReductionRulesTest, UnsortedSegmentSumTakesInt32IdsAndSizesItsOutput) {
  GraphBuilder g;
  g.Placeholder("data", tensorflow::DT_FLOAT, {4, 3});
  g.ConstInt64("ids", {4}, {0, 4, 4, 1});
  g.ConstInt("count", {}, {5});
  auto& sum = g.Op("UnsortedSegmentSum", "out", {"data", "ids", "count"});
  AttrType(sum, "T", tensorflow::DT_FLOAT);
  AttrType(sum, "Tindices", tensorflow::DT_INT64);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"data"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("UNSORTED_SEGMENT_SUM"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(0, 4, 4, 1));
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(5, 3));
}

// Fed ids and count leave the kernel to size its output in Eval, which the
// runtime does right (tests/opgen judges the numbers): one builtin, whose
// rows are known only at run time.
TEST(ReductionRulesTest, UnsortedSegmentOfFedIdsAndCountIsOneBuiltin) {
  GraphBuilder g;
  g.Placeholder("data", tensorflow::DT_FLOAT, {4, 3});
  g.Placeholder("ids", tensorflow::DT_INT32, {4});
  g.Placeholder("count", tensorflow::DT_INT32, {});
  AttrType(g.Op("UnsortedSegmentMax", "out", {"data", "ids", "count"}), "T",
           tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"data", "ids", "count"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("UNSORTED_SEGMENT_MAX"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(2))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(SignatureOf(model, op->outputs()->Get(0)), ElementsAre(-1, 3));
}

TEST(ReductionRulesTest, SegmentIdsThatAreNoPrefixOfTheDataAreRejected) {
  GraphBuilder g;
  g.Placeholder("data", tensorflow::DT_FLOAT, {4, 3});
  g.ConstInt("ids", {3}, {0, 1, 0});
  g.ConstInt("count", {}, {2});
  AttrType(g.Op("UnsortedSegmentMax", "out", {"data", "ids", "count"}), "T",
           tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"data"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'out' (UnsortedSegmentMax): segment_ids of shape [3] is not a "
                        "prefix of data of shape [4,3]"));
}

}  // namespace
}  // namespace tflconv
