// TF1 control flow on small hand-built graphs: what the converter makes of
// loops and conds, and the errors for malformed frames (arrays:
// array_ops_test.cc). The numbers
// these models compute are checked on the official runtime by the
// generated cases (tests/opgen/control_flow_cases.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::Each;
using ::testing::HasSubstr;
using namespace tflconv::testing;
using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;

TEST(ControlFlowTest, UnrollsALoopWhoseTripCountFolds) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  TypedOp(g, "Identity", "out", {CountedLoop(g, "loop", "x", 3)}, DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("MUL", "MUL", "MUL"));
  const v1::ControlFlowRegion* loop = FindRegion(result.report, "while loop", "loop");
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(loop->disposition(), "unrolled: 3 iterations");
  bool enter_lowered = false;
  for (const v1::OpCoverage& op : result.report.coverage().ops()) {
    if (op.tf_op() == "Enter") enter_lowered = op.disposition() == v1::LOWERED && op.count() == 3;
  }
  EXPECT_TRUE(enter_lowered);
  EXPECT_FALSE(result.report.coverage().has_runtime_warnings());
}

TEST(ControlFlowTest, UnrollsNestedLoops) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  // Each outer iteration runs an inner loop of 2 on the outer x.
  // The inner loop's constants are root nodes: in TensorFlow's graphs they
  // join the outer body by control edges, which import drops.
  const std::string outer =
      CountedLoop(g, "outer", "x", 3, [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{CountedLoop(g, "inner", t.vars[1], 2)};
      });
  TypedOp(g, "Identity", "out", {outer}, DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  // 3 outer multiplications, 3 x 2 inner ones.
  EXPECT_EQ(OperatorNames(model).size(), 9u);
  EXPECT_THAT(OperatorNames(model), Each("MUL"));
  ASSERT_NE(FindRegion(result.report, "while loop", "inner"), nullptr);
  EXPECT_EQ(FindRegion(result.report, "while loop", "inner")->disposition(),
            "unrolled: 6 iterations");
}

TEST(ControlFlowTest, UnrollLimitStopsUnrolling) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  TypedOp(g, "Identity", "out", {CountedLoop(g, "loop", "x", 3)}, DT_FLOAT);
  for (uint64_t limit : {0, 2}) {
    v1::ConversionOptions options = Options({"x"}, {"out"});
    options.set_unroll_limit(limit);
    ConversionResult result = ConvertGraph(g, options);
    ASSERT_TRUE(result.status.ok()) << limit << " " << result.status;
    const v1::ControlFlowRegion* loop = FindRegion(result.report, "while loop", "loop");
    ASSERT_NE(loop, nullptr);
    EXPECT_THAT(loop->disposition(), HasSubstr("WHILE")) << limit;
    EXPECT_THAT(loop->disposition(), HasSubstr("unroll_limit")) << limit;
  }
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.set_unroll_limit(3);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(FindRegion(result.report, "while loop", "loop")->disposition(), "unrolled: 3 iterations");
}

TEST(ControlFlowTest, ALoopThatNeverEndsIsAnError) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("five", {}, {5});
  // i never changes: i < 5 holds forever.
  auto exits = WhileLoop(
      g, "forever", {{"zero", DT_INT32}, {"x", DT_FLOAT}}, {},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "forever/Less", {t.vars[0], "five"}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{
            t.vars[0], TypedOp(g, "Relu", "forever/relu", {t.vars[1]}, DT_FLOAT)};
      });
  v1::ConversionOptions options = Options({"x"}, {exits[1]});
  options.mutable_limits()->set_max_nodes(300);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_FALSE(result.status.ok());
  EXPECT_THAT(result.status.message(), HasSubstr("limits.max_nodes"));
}

TEST(ControlFlowTest, CondOnAConstantKeepsOnlyTheTakenBranch) {
  for (bool pred : {true, false}) {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    g.ConstInt("p_int", {}, {pred ? 1 : 0});
    g.ConstInt("zero", {}, {0});
    TypedOp(g, "Greater", "p", {"p_int", "zero"}, DT_INT32);
    g.ConstFloat("k", {}, {3.0f});
    auto merges = Cond(
        g, "cond", "p", {{"x", DT_FLOAT}},
        [](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{TypedOp(g, "Relu", "cond/relu", {t.vars[0]}, DT_FLOAT)};
        },
        [](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{
              TypedOp(g, "Mul", "cond/mul", {t.vars[0], "k"}, DT_FLOAT)};
        });
    ConversionResult result;
    const tflite::Model* model = ConvertOk(g, {"x"}, {merges[0]}, result);
    ASSERT_NE(model, nullptr);
    EXPECT_THAT(OperatorNames(model), ElementsAre(pred ? "RELU" : "MUL"));
    ASSERT_NE(FindRegion(result.report, "cond", "p"), nullptr);
    EXPECT_EQ(FindRegion(result.report, "cond", "p")->disposition(),
              absl::StrCat("folded: the predicate is ", pred ? "true" : "false"));
  }
}

TEST(ControlFlowTest, CondInsideALoopTakesEachIterationsBranch) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.ConstInt("two_i", {}, {2});
  g.ConstInt("zero_i", {}, {0});
  g.ConstFloat("k", {}, {1.5f});
  // Even iterations add, odd ones subtract: ADD, SUB, ADD after the MULs.
  const std::string out =
      CountedLoop(g, "loop", "x", 3, [](GraphBuilder& g, const FrameTensors& t) {
        TypedOp(g, "FloorMod", "loop/parity", {t.vars[0], "two_i"}, DT_INT32);
        TypedOp(g, "Equal", "loop/even", {"loop/parity", "zero_i"}, DT_INT32);
        return Cond(
            g, "loop/cond", "loop/even", {{t.vars[1], DT_FLOAT}},
            [](GraphBuilder& g, const FrameTensors& b) {
              return std::vector<std::string>{
                  TypedOp(g, "AddV2", "loop/cond/add", {b.vars[0], "k"}, DT_FLOAT)};
            },
            [](GraphBuilder& g, const FrameTensors& b) {
              return std::vector<std::string>{
                  TypedOp(g, "Sub", "loop/cond/sub", {b.vars[0], "k"}, DT_FLOAT)};
            });
      });
  TypedOp(g, "Identity", "out", {out}, DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("MUL", "ADD", "MUL", "SUB", "MUL", "ADD"));
  ASSERT_NE(FindRegion(result.report, "cond", "loop/even"), nullptr);
  EXPECT_EQ(FindRegion(result.report, "cond", "loop/even")->disposition(),
            "folded: true in some iterations, false in others");
}

absl::Status ConvertStatus(const GraphBuilder& g, const std::string& output) {
  return ConvertGraph(g, Options({"x"}, {output})).status;
}

TEST(ControlFlowTest, MalformedFramesNameTheNodeAndFrame) {
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    TypedOp(g, "Exit", "stray_exit", {"x"}, DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "stray_exit").message(),
                HasSubstr("node 'stray_exit' (Exit): malformed control flow: Exit outside of "
                          "any loop frame"));
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    tensorflow::NodeDef& enter = g.Op("Enter", "e", {"x"});
    AttrType(enter, "T", DT_FLOAT);
    AttrString(enter, "frame_name", "f");
    TypedOp(g, "Exit", "out", {"e"}, DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "out").message(), HasSubstr("loop frame 'f' has no LoopCond"));
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    TypedOp(g, "NextIteration", "next", {"x"}, DT_FLOAT);
    TypedOp(g, "Relu", "out", {"next"}, DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "out").message(),
                HasSubstr("node 'out' (Relu): malformed control flow: reads NextIteration "
                          "'next'; only a loop's Merge may"));
  }
  {
    // A value of the loop body read outside the loop without an Exit.
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    CountedLoop(g, "loop", "x", 2);
    TypedOp(g, "Relu", "leak", {"loop/x_next"}, DT_FLOAT);
    TypedOp(g, "AddV2", "out", {"leak", "loop/Exit_1"}, DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "out").message(),
                HasSubstr("node 'out' (AddV2): malformed control flow: reads 'loop/Exit_1', a "
                          "result of loop 'loop', from inside that loop"));
    EXPECT_THAT(ConvertStatus(g, "leak").message(),
                HasSubstr("node 'leak' (Relu): output 'leak' is computed inside loop frame "
                          "'loop'; a loop's results leave it through Exit"));
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    CountedLoop(g, "loop", "x", 2);
    g.Op("LoopCond", "loop/LoopCond_2", {"loop/Less"});
    TypedOp(g, "Switch", "loop/Switch_extra", {"loop/Merge_1", "loop/LoopCond_2"}, DT_FLOAT);
    TypedOp(g, "Exit", "out", {"loop/Switch_extra"}, DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "out").message(),
                HasSubstr("loop frame 'loop' has a second LoopCond"));
  }
}


// Hostile layouts end in clear errors, not crashes (found in review).
TEST(ControlFlowTest, HostileArraysAndFramesAreRefusedCleanly) {
  {
    // An Enter of loop 'inner' reads the bodies of two sibling loops.
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    CountedLoop(g, "a", "x", 2);
    CountedLoop(g, "b", "x", 2);
    for (const char* side : {"a", "b"}) {
      tensorflow::NodeDef& enter = g.Op("Enter", absl::StrCat("inner/Enter_", side),
                                        {absl::StrCat(side, "/x_next")});
      AttrType(enter, "T", DT_FLOAT);
      AttrString(enter, "frame_name", "inner");
    }
    TypedOp(g, "AddV2", "inner/sum", {"inner/Enter_a", "inner/Enter_b"}, DT_FLOAT);
    g.Op("LoopCond", "inner/LoopCond", {"inner/sum"});
    TypedOp(g, "Exit", "out", {"inner/sum"}, DT_FLOAT);
    absl::Status status = ConvertStatus(g, "out");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(status.message(), HasSubstr("malformed control flow"));
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    g.ConstInt("size", {}, {2});
    AttrType(g.Op("TensorArrayV3", "ta", {"size"}), "dtype", DT_FLOAT);
    g.Op("TensorArraySizeV3", "n", {"ta"});
    TypedOp(g, "Cast", "out", {"n"}, DT_INT32);
    absl::Status status = ConvertStatus(g, "n");
    EXPECT_THAT(status.message(), HasSubstr("node 'n' (TensorArraySizeV3): expects 2 inputs"));
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {2});
    g.ConstInt("size", {}, {2});
    AttrType(g.Op("TensorArrayV3", "ta", {"size"}), "dtype", DT_FLOAT);
    g.ConstFloat("indices", {2}, {0.0f, 1.0f});
    AttrType(g.Op("TensorArrayScatterV3", "scatter", {"ta", "indices", "x", "ta:1"}), "T",
             DT_FLOAT);
    g.ConstInt("all", {2}, {0, 1});
    AttrType(g.Op("TensorArrayGatherV3", "out", {"ta", "all", "scatter"}), "dtype", DT_FLOAT);
    EXPECT_THAT(ConvertStatus(g, "out").message(),
                HasSubstr("indices must be an int32 or int64 vector, not float32"));
  }
}

}  // namespace
}  // namespace tflconv
