// Control flow decided at run time: a loop whose trip count is known only
// at run time, or that unroll_limit keeps, becomes a WHILE with cond and
// body subgraphs; a cond on a run-time predicate becomes an IF. The numbers
// are checked on the official runtime by the generated cases run with
// --unroll_limit=0 (tests/CMakeLists.txt, opgen_while) and the corpus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;

std::string DispositionOf(const v1::ConversionReport& report, const std::string& name) {
  const v1::ControlFlowRegion* region = FindRegion(report, "while loop", name);
  return region != nullptr ? region->disposition() : "(not reported)";
}

TEST(WhileLoweringTest, ATripCountFromAnInputBecomesAWhile) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  TypedOp(g, "Identity", "out", {CountedLoop(g, "loop", "x", -1)}, DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x", "loop_n"}, {"out"}, /*fp16=*/true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(DispositionOf(result.report, "loop"), HasSubstr("WHILE"));
  EXPECT_THAT(DispositionOf(result.report, "loop"), HasSubstr("known only at run time"));
  EXPECT_FALSE(result.report.coverage().has_runtime_warnings());
  for (const Artifact& artifact : result.artifacts) {
    const tflite::Model* model = ModelOf(artifact);
    ASSERT_NE(model, nullptr);
    ASSERT_EQ(model->subgraphs()->size(), 3u);
    EXPECT_THAT(OperatorNames(model, 0), ::testing::Contains("WHILE"));
    EXPECT_THAT(OperatorNames(model, 1), ElementsAre("LESS"));
    // The body: x * 2, i + 1, and the trip count passed through.
    EXPECT_THAT(OperatorNames(model, 2), ::testing::IsSupersetOf({"MUL", "ADD"}));
    const tflite::SubGraph* body = model->subgraphs()->Get(2);
    EXPECT_EQ(body->inputs()->size(), 3u);  // i, x and the invariant n
    EXPECT_EQ(body->outputs()->size(), 3u);
  }
}

TEST(WhileLoweringTest, UnrollLimitZeroKeepsEveryLoop) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  TypedOp(g, "Identity", "out", {CountedLoop(g, "loop", "x", 5)}, DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(DispositionOf(result.report, "loop"), "WHILE (unroll_limit=0)");
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_THAT(OperatorNames(model, 0), ElementsAre("WHILE"));
  // The loop's constants (n, 1, 2) are copied into the subgraphs, not
  // passed as loop variables.
  EXPECT_EQ(model->subgraphs()->Get(2)->inputs()->size(), 2u);
}

TEST(WhileLoweringTest, ALoopPastTheUnrollLimitStaysAWhileAndNothingOfItsUnrollingRemains) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  TypedOp(g, "Identity", "out", {CountedLoop(g, "loop", "x", 50)}, DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.set_unroll_limit(10);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(DispositionOf(result.report, "loop"), HasSubstr("more than unroll_limit=10"));
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  // The 10 multiplications made before the limit was hit are gone.
  EXPECT_THAT(OperatorNames(model, 0), ElementsAre("WHILE"));
}

TEST(WhileLoweringTest, AFoldedLoopBeforeAWhileStaysUnrolled) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  const std::string first = CountedLoop(g, "first", "x", 2);
  TypedOp(g, "Identity", "out", {CountedLoop(g, "second", first, -1)}, DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x", "second_n"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(DispositionOf(result.report, "first"), "unrolled: 2 iterations");
  EXPECT_THAT(DispositionOf(result.report, "second"), HasSubstr("WHILE"));
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0]), 0),
              ElementsAre("MUL", "MUL", "WHILE"));
}

TEST(WhileLoweringTest, AVariableThatChangesShapeIsNotAWhile) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("n", DT_INT32, {});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  g.ConstInt("axis", {}, {0});
  // x = concat(x, x) grows every iteration.
  auto exits = WhileLoop(
      g, "grow", {{"zero", DT_INT32}, {"x", DT_FLOAT}}, {{"n", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "grow/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& concat = g.Op("ConcatV2", "grow/concat", {t.vars[1], t.vars[1], "axis"});
        AttrType(concat, "T", DT_FLOAT);
        AttrInt(concat, "N", 2);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "grow/i_next", {t.vars[0], "one"}, DT_INT32), "grow/concat"};
      });
  ConversionResult result = ConvertGraph(g, Options({"x", "n"}, {exits[1]}));
  ASSERT_FALSE(result.status.ok());
  EXPECT_THAT(result.status.message(), HasSubstr("a WHILE keeps each variable's type and shape"));
}

TEST(WhileLoweringTest, ALoopInsideAWhileBodyUnrollsOrNests) {
  // Each outer iteration (count from an input) runs an inner loop of 2.
  auto build = [](GraphBuilder& g) {
    g.Placeholder("x", DT_FLOAT, {2});
    const std::string outer =
        CountedLoop(g, "outer", "x", -1, [](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{CountedLoop(g, "inner", t.vars[1], 2)};
        });
    TypedOp(g, "Identity", "out", {outer}, DT_FLOAT);
  };
  GraphBuilder g;
  build(g);
  ConversionResult result = ConvertGraph(g, Options({"x", "outer_n"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(DispositionOf(result.report, "outer"), HasSubstr("WHILE"));
  EXPECT_EQ(DispositionOf(result.report, "inner"), "unrolled: 2 iterations");
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_EQ(model->subgraphs()->size(), 3u);
  // The outer body: its own MUL and the inner loop's two.
  const std::vector<std::string> body = OperatorNames(model, 2);
  EXPECT_EQ(std::count(body.begin(), body.end(), "MUL"), 3);

  // With unroll_limit=0 the inner loop is a WHILE inside the outer body.
  v1::ConversionOptions options = Options({"x", "outer_n"}, {"out"});
  options.set_unroll_limit(0);
  result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(DispositionOf(result.report, "inner"), "WHILE (unroll_limit=0)");
  model = ModelOf(result.artifacts[0]);
  ASSERT_EQ(model->subgraphs()->size(), 5u);
  EXPECT_THAT(OperatorNames(model, 2), ::testing::Contains("WHILE"));
}

TEST(WhileLoweringTest, ACondOnARunTimePredicateBecomesAnIf) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2, 2});
  g.Placeholder("p", tensorflow::DT_BOOL, {});
  g.ConstFloat("w", {2, 2}, {1, 2, 3, 4});
  // p ? x @ w : sigmoid(x): branches of different op types.
  auto merged = Cond(
      g, "cond", "p", {{"x", DT_FLOAT}},
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& matmul = g.Op("MatMul", "cond/matmul", {t.vars[0], "w"});
        AttrType(matmul, "T", DT_FLOAT);
        return std::vector<std::string>{"cond/matmul"};
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{TypedOp(g, "Sigmoid", "cond/sigmoid", {t.vars[0]}, DT_FLOAT)};
      });
  ConversionResult result = ConvertGraph(g, Options({"x", "p"}, {merged[0]}, /*fp16=*/true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  bool reported = false;
  for (const v1::ControlFlowRegion& region : result.report.control_flow()) {
    if (region.kind() == "cond") {
      reported = true;
      EXPECT_THAT(region.disposition(), HasSubstr("IF"));
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_FALSE(result.report.coverage().has_runtime_warnings());
  for (const Artifact& artifact : result.artifacts) {
    const tflite::Model* model = ModelOf(artifact);
    ASSERT_EQ(model->subgraphs()->size(), 3u);
    EXPECT_THAT(OperatorNames(model, 0), ::testing::Contains("IF"));
    EXPECT_THAT(OperatorNames(model, 1), ::testing::Contains("FULLY_CONNECTED"));
    EXPECT_THAT(OperatorNames(model, 2), ::testing::Contains("LOGISTIC"));
  }
}

// tf.cond as TensorFlow 1.x writes it: data Switches on pred_id =
// Identity(p), branch constants tied to the pivots of Switch(p, p).
std::string Tf1Cond(GraphBuilder& g, const std::string& name, const std::string& x) {
  TypedOp(g, "Identity", name + "/pred_id", {"p"}, tensorflow::DT_BOOL);
  TypedOp(g, "Switch", name + "/Switch", {"p", "p"}, tensorflow::DT_BOOL);
  TypedOp(g, "Identity", name + "/switch_t", {name + "/Switch:1"}, tensorflow::DT_BOOL);
  TypedOp(g, "Identity", name + "/switch_f", {name + "/Switch"}, tensorflow::DT_BOOL);
  TypedOp(g, "Switch", name + "/x", {x, name + "/pred_id"}, DT_FLOAT);
  g.ConstFloat(name + "/two", {}, {2.0f});
  g.AddControlInput(name + "/two", name + "/switch_t");
  g.ConstFloat(name + "/one", {}, {1.0f});
  g.AddControlInput(name + "/one", name + "/switch_f");
  TypedOp(g, "Mul", name + "/mul", {name + "/x:1", name + "/two"}, DT_FLOAT);
  TypedOp(g, "Sub", name + "/sub", {name + "/x", name + "/one"}, DT_FLOAT);
  tensorflow::NodeDef& merge = g.Op("Merge", name + "/Merge", {name + "/sub", name + "/mul"});
  AttrType(merge, "T", DT_FLOAT);
  AttrInt(merge, "N", 2);
  return merge.name();
}

TEST(WhileLoweringTest, Tf1CondsOnOnePredicateEachBecomeAnIf) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3});
  g.Placeholder("p", tensorflow::DT_BOOL, {});
  // The second cond reads the first one's result.
  const std::string second = Tf1Cond(g, "second", Tf1Cond(g, "first", "x"));
  ConversionResult result = ConvertGraph(g, Options({"x", "p"}, {second}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_THAT(OperatorNames(model, 0), ElementsAre("IF", "IF"));
  ASSERT_EQ(model->subgraphs()->size(), 5u);
  // Each branch takes x and the pivot's p; its constants, tied to the
  // pivot by control edges, are copied in.
  for (int branch = 1; branch < 5; ++branch) {
    EXPECT_EQ(model->subgraphs()->Get(branch)->inputs()->size(), 2u) << branch;
  }
}

// p ? (x * 2 three times, in a loop) : sigmoid(x).
GraphBuilder LoopInABranch() {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("p", tensorflow::DT_BOOL, {});
  Cond(
      g, "cond", "p", {{"x", DT_FLOAT}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{CountedLoop(g, "cond/loop", t.vars[0], 3)};
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{TypedOp(g, "Sigmoid", "cond/sigmoid", {t.vars[0]}, DT_FLOAT)};
      });
  TypedOp(g, "Identity", "out", {"cond/Merge_0"}, DT_FLOAT);
  return g;
}

TEST(WhileLoweringTest, ALoopInsideARunTimeBranchRunsInThatBranch) {
  ConversionResult result = ConvertGraph(LoopInABranch(), Options({"x", "p"}, {"out"}, true));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(DispositionOf(result.report, "cond/loop"), HasSubstr("unrolled"));
  for (const Artifact& artifact : result.artifacts) {
    const tflite::Model* model = ModelOf(artifact);
    ASSERT_EQ(model->subgraphs()->size(), 3u);
    EXPECT_THAT(OperatorNames(model, 0), ElementsAre("IF"));
    // The loop unrolled into the then branch: its three multiplications
    // (after the DEQUANTIZE of the fp16 constant).
    EXPECT_THAT(OperatorNames(model, 1), ::testing::Contains("MUL").Times(3));
    EXPECT_THAT(OperatorNames(model, 2), ElementsAre("LOGISTIC"));
  }
}

TEST(WhileLoweringTest, AWhileInsideARunTimeBranchNests) {
  v1::ConversionOptions options = Options({"x", "p"}, {"out"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(LoopInABranch(), options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(DispositionOf(result.report, "cond/loop"), "WHILE (unroll_limit=0)");
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  // main, then (WHILE), its cond, its body, else.
  ASSERT_EQ(model->subgraphs()->size(), 5u);
  EXPECT_THAT(OperatorNames(model, 0), ElementsAre("IF"));
  EXPECT_THAT(OperatorNames(model, 1), ElementsAre("WHILE"));
  EXPECT_THAT(OperatorNames(model, 3), ::testing::Contains("MUL"));
  EXPECT_THAT(OperatorNames(model, 4), ElementsAre("LOGISTIC"));
}

}  // namespace
}  // namespace tflconv
