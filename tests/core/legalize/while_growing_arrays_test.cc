// Arrays that grow in a loop that stays a WHILE (core/legalize/
// array_appended.cc): MTCNN's pyramid loop writes a dynamic_size
// TensorArray at its counter with elements whose first dim is known only at
// run time and concatenates it after the loop; TF2 pushes onto a
// TensorList. Also TensorArrayConcat and TensorArraySplit on arrays of
// separate elements, and an IF whose branches disagree on a dim. The
// numbers are checked on the official runtime; the outputs are reduced to
// a static shape, which the runtime API the oracle uses needs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using namespace tflconv::testing;
using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_RESOURCE;

void AddSum(GraphBuilder& g, const std::string& name, const std::string& input) {
  g.ConstInt(name + "/axis", {1}, {0});
  tensorflow::NodeDef& sum = g.Op("Sum", name, {input, name + "/axis"});
  AttrType(sum, "T", DT_FLOAT);
  AttrType(sum, "Tidx", DT_INT32);
  AttrBool(sum, "keep_dims", false);
}

// How the loop indexes its writes.
struct Counter {
  int start = 0;
  int step = 1;
  bool write_twice = false;
};

// x [3, 2]; i = start; while i < n: ta[i] = x[0:i+1] (rows known only at
// run time); i += step. out = Sum(TensorArrayConcat(ta), axis 0) [2].
GraphBuilder GrowingArrayGraph(Counter counter = {}) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3, 2});
  g.Placeholder("n", DT_INT32, {});
  g.ConstInt("size", {}, {0});
  g.ConstInt("start", {}, {counter.start});
  g.ConstInt("step", {}, {counter.step});
  g.ConstInt("one", {}, {1});
  g.ConstInt("begin", {2}, {0, 0});
  g.ConstInt("minus_one", {}, {-1});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  AttrBool(ta, "dynamic_size", true);
  auto* shape = (*ta.mutable_attr())["element_shape"].mutable_shape();
  shape->add_dim()->set_size(-1);
  shape->add_dim()->set_size(2);
  auto exits = WhileLoop(
      g, "grow", {{"start", DT_INT32}, {"ta:1", DT_FLOAT}},
      {{"n", DT_INT32}, {"x", DT_FLOAT}, {"ta", DT_RESOURCE}, {"step", DT_INT32},
       {"one", DT_INT32}, {"begin", DT_INT32}, {"minus_one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "grow/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [counter](GraphBuilder& g, const FrameTensors& t) {
        const std::string i = t.vars[0];
        TypedOp(g, "AddV2", "grow/rows", {i, t.invariants[4]}, DT_INT32);
        tensorflow::NodeDef& pack = g.Op("Pack", "grow/size", {"grow/rows", t.invariants[6]});
        AttrType(pack, "T", DT_INT32);
        AttrInt(pack, "N", 2);
        AttrInt(pack, "axis", 0);
        tensorflow::NodeDef& slice =
            g.Op("Slice", "grow/element", {t.invariants[1], t.invariants[5], "grow/size"});
        AttrType(slice, "T", DT_FLOAT);
        AttrType(slice, "Index", DT_INT32);
        std::string flow = TypedOp(g, "TensorArrayWriteV3", "grow/write",
                                   {t.invariants[2], i, "grow/element", t.vars[1]}, DT_FLOAT);
        if (counter.write_twice) {
          flow = TypedOp(g, "TensorArrayWriteV3", "grow/write_again",
                         {t.invariants[2], i, "grow/element", flow}, DT_FLOAT);
        }
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "grow/next", {i, t.invariants[3]}, DT_INT32), flow};
      });
  tensorflow::NodeDef& concat = g.Op("TensorArrayConcatV3", "concat", {"ta", exits[1]});
  AttrType(concat, "dtype", DT_FLOAT);
  AddSum(g, "out", "concat");
  return g;
}

v1::ConversionOptions GrowingOptions(std::vector<std::string> inputs) {
  v1::ConversionOptions options = Options(std::move(inputs), {"out"});
  options.set_unroll_limit(0);
  return options;
}

TEST_F(OracleTest, AnArrayWrittenAtTheCounterGrowsThroughTheWhile) {
  ConversionResult result = ConvertGraph(GrowingArrayGraph(), GrowingOptions({"x", "n"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model, 0), Contains("WHILE"));
  EXPECT_THAT(OperatorNames(model, 2), Contains("CONCATENATION"));
  const v1::ControlFlowRegion* region = FindRegion(result.report, "TensorArray", "ta");
  ASSERT_NE(region, nullptr);
  EXPECT_THAT(region->disposition(), HasSubstr("one tensor grown in WHILE 'grow'"));
  // Rows r0, r1, r2: n = 3 concatenates [r0], [r0 r1], [r0 r1 r2].
  const std::vector<float> x = {1, 2, 10, 20, 100, 200};
  const std::vector<std::pair<int, std::vector<float>>> cases = {
      {0, {0, 0}}, {1, {1, 2}}, {2, {12, 24}}, {3, {123, 246}}};
  for (const auto& [n, sum] : cases) {
    SCOPED_TRACE(n);
    for (const Artifact& artifact : result.artifacts) {
      ExpectRuns(artifact.bytes, {Float32Array("x", {3, 2}, x), Int32Array("n", {}, {n})},
                 {Float32Array("out", {2}, sum)}, 1e-3);
    }
  }
}

TEST(WhileGrowingArraysTest, WritesOffTheCounterAreRefused) {
  const std::vector<std::pair<Counter, std::string>> cases = {
      {{1, 1, false}, "does not start there"},
      {{0, 2, false}, "does not step by 1"},
      {{0, 1, true}, "writes a second element in one iteration"}};
  for (const auto& [counter, why] : cases) {
    SCOPED_TRACE(why);
    ConversionResult result = ConvertGraph(GrowingArrayGraph(counter), GrowingOptions({"x", "n"}));
    EXPECT_FALSE(result.status.ok());
    EXPECT_THAT(result.status.message(), HasSubstr(why));
  }
}

// TF2's layout: an EmptyTensorList pushed onto in the loop, then stacked.
TEST_F(OracleTest, AListPushedOntoInAWhileIsStacked) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("n", DT_INT32, {});
  g.ConstInt("element_shape", {1}, {2});
  g.ConstInt("max", {}, {-1});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& empty = g.Op("EmptyTensorList", "list", {"element_shape", "max"});
  AttrType(empty, "element_dtype", DT_FLOAT);
  AttrType(empty, "shape_type", DT_INT32);
  auto exits = WhileLoop(
      g, "push", {{"zero", DT_INT32}, {"list", tensorflow::DT_VARIANT}, {"x", DT_FLOAT}},
      {{"n", DT_INT32}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "push/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& push = g.Op("TensorListPushBack", "push/push", {t.vars[1], t.vars[2]});
        AttrType(push, "element_dtype", DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "push/next", {t.vars[0], t.invariants[1]}, DT_INT32), "push/push",
            TypedOp(g, "AddV2", "push/double", {t.vars[2], t.vars[2]}, DT_FLOAT)};
      });
  tensorflow::NodeDef& stack = g.Op("TensorListStack", "stack", {exits[1], "element_shape"});
  AttrType(stack, "element_dtype", DT_FLOAT);
  AddSum(g, "out", "stack");
  ConversionResult result = ConvertGraph(g, GrowingOptions({"x", "n"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  // x + 2x + 4x for n = 3.
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1, -2}), Int32Array("n", {}, {3})},
               {Float32Array("out", {2}, {7, -14})}, 1e-3);
  }
}

// ta.split(x, [2, 3]) then ta.read(1) and ta.concat(), unrolled.
TEST(WhileGrowingArraysTest, SplitAndConcatOfSeparateElements) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {5, 2});
  g.ConstInt("size", {}, {2});
  g.ConstInt64("lengths", {2}, {2, 3});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArraySplitV3", "split", {"ta", "x", "lengths", "ta:1"}, DT_FLOAT);
  AttrType(g.Op("TensorArrayReadV3", "second", {"ta", "one", "split"}), "dtype", DT_FLOAT);
  AttrType(g.Op("TensorArrayConcatV3", "whole", {"ta", "split"}), "dtype", DT_FLOAT);
  TypedOp(g, "Identity", "lengths_out", {"whole:1"}, tensorflow::DT_INT64);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"second", "whole", "lengths_out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model, 0), Contains("SPLIT_V"));
  const tflite::SubGraph* main = model->subgraphs()->Get(0);
  EXPECT_EQ(ShapeOf(model, main->outputs()->Get(0)), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(ShapeOf(model, main->outputs()->Get(1)), (std::vector<int32_t>{5, 2}));
  EXPECT_EQ(Int64Buffer(model, main->outputs()->Get(2)), (std::vector<int64_t>{2, 3}));
}

TEST(WhileGrowingArraysTest, ASplitThatDoesNotAddUpIsInvalid) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {5, 2});
  g.ConstInt("size", {}, {2});
  g.ConstInt64("lengths", {2}, {2, 2});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArraySplitV3", "split", {"ta", "x", "lengths", "ta:1"}, DT_FLOAT);
  AttrType(g.Op("TensorArrayConcatV3", "whole", {"ta", "split"}), "dtype", DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"whole"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(), HasSubstr("into lengths that sum to 4"));
}

// ta.split(x, [70000]) on a TensorArray of size 1 is valid TensorFlow; the
// length of an element is no count of node outputs.
TEST(WhileGrowingArraysTest, AnElementOfManyRowsIsSplitOff) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {70000, 1});
  g.ConstInt("size", {}, {1});
  g.ConstInt64("lengths", {1}, {70000});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArraySplitV3", "split", {"ta", "x", "lengths", "ta:1"}, DT_FLOAT);
  AttrType(g.Op("TensorArrayConcatV3", "whole", {"ta", "split"}), "dtype", DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"whole"}));
  EXPECT_TRUE(result.status.ok()) << result.status;
}

// tf.cond(p, lambda: concat([x, x]), lambda: relu(x)): [4, 2] or [2, 2].
GraphBuilder DisagreeingBranches(bool same_rank) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2, 2});
  g.Placeholder("p", DT_BOOL, {});
  g.ConstInt("axis", {}, {0});
  g.ConstInt("flat", {1}, {4});
  auto merged = Cond(
      g, "cond", "p", {{"x", DT_FLOAT}},
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& concat =
            g.Op("ConcatV2", "cond/concat", {t.vars[0], t.vars[0], "axis"});
        AttrType(concat, "T", DT_FLOAT);
        AttrInt(concat, "N", 2);
        return std::vector<std::string>{"cond/concat"};
      },
      [same_rank](GraphBuilder& g, const FrameTensors& t) {
        std::string relu = TypedOp(g, "Relu", "cond/relu", {t.vars[0]}, DT_FLOAT);
        if (!same_rank) relu = TypedOp(g, "Reshape", "cond/flat", {relu, "flat"}, DT_FLOAT);
        return std::vector<std::string>{relu};
      });
  AddSum(g, "out", merged[0]);
  return g;
}

TEST_F(OracleTest, BranchesThatDisagreeOnADimGiveARunTimeDim) {
  ConversionResult result = ConvertGraph(DisagreeingBranches(true), Options({"x", "p"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0]), 0), Contains("IF"));
  const std::vector<float> x = {1, -2, 3, -4};
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2, 2}, x), BoolArray("p", {}, {true})},
               {Float32Array("out", {2}, {8, -12})}, 1e-3);
    ExpectRuns(artifact.bytes, {Float32Array("x", {2, 2}, x), BoolArray("p", {}, {false})},
               {Float32Array("out", {2}, {4, 0})}, 1e-3);
  }
}

TEST(WhileGrowingArraysTest, BranchesOfDifferentRanksAreNotAnIf) {
  ConversionResult result = ConvertGraph(DisagreeingBranches(false), Options({"x", "p"}, {"out"}));
  ASSERT_FALSE(result.status.ok());
  EXPECT_THAT(result.status.message(), HasSubstr("an IF's outputs have one type and rank"));
}

}  // namespace
}  // namespace tflconv
