// The element shape of an array that enters a WHILE unknown, learned from
// its first write in the body (RunLoopAsWhile's first pass,
// core/legalize/control_flow_while.cc): for that loop only, and through a
// nested loop. The numbers are checked on the official runtime.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using namespace tflconv::testing;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_VARIANT;

// "list": a float TensorListReserve of n = 2 elements of element_shape
// -1 ("unknown_shape"), with the loop constants "start" (0) and "one".
void AddUnknownShapeList(GraphBuilder& g) {
  g.ConstInt("unknown_shape", {}, {-1});
  g.ConstInt("n", {}, {2});
  g.ConstInt("start", {}, {0});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& list = g.Op("TensorListReserve", "list", {"unknown_shape", "n"});
  AttrType(list, "element_dtype", DT_FLOAT);
  AttrType(list, "shape_type", DT_INT32);
}

// A TensorList is a value: one reserved list may enter two loops that set
// elements of different shapes ([x] of 2 floats, [y] of 3), each stacked
// after its loop. What the first loop learned is no shape of the second.
TEST_F(OracleTest, OneListEnteringTwoLoopsLearnsEachLoopsShape) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("y", DT_FLOAT, {3});
  AddUnknownShapeList(g);
  auto set_each = [&](const std::string& loop, const std::string& value) {
    auto exits = WhileLoop(
        g, loop, {{"start", DT_INT32}, {"list", DT_VARIANT}},
        {{"n", DT_INT32}, {value, DT_FLOAT}, {"one", DT_INT32}},
        [loop](GraphBuilder& g, const FrameTensors& t) {
          return TypedOp(g, "Less", loop + "/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
        },
        [loop](GraphBuilder& g, const FrameTensors& t) {
          AttrType(
              g.Op("TensorListSetItem", loop + "/set", {t.vars[1], t.vars[0], t.invariants[1]}),
              "element_dtype", DT_FLOAT);
          return std::vector<std::string>{
              TypedOp(g, "AddV2", loop + "/next", {t.vars[0], t.invariants[2]}, DT_INT32),
              loop + "/set"};
        });
    AttrType(g.Op("TensorListStack", loop + "_stacked", {exits[1], "unknown_shape"}),
             "element_dtype", DT_FLOAT);
  };
  set_each("first", "x");
  set_each("second", "y");
  v1::ConversionOptions options = Options({"x", "y"}, {"first_stacked", "second_stacked"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1, 2}), Float32Array("y", {3}, {3, 4, 5})},
               {Float32Array("first_stacked", {2, 2}, {1, 2, 1, 2}),
                Float32Array("second_stacked", {2, 3}, {3, 4, 5, 3, 4, 5})},
               1e-5);
  }
}

// An outer WHILE carries a list of unknown element shape that only an
// inner WHILE sets (item i to x*x): the outer first pass runs the inner
// loop's own two passes and is taken back with them.
TEST_F(OracleTest, AListWrittenOnlyInAnInnerLoopLearnsItsShape) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  AddUnknownShapeList(g);
  auto exits = WhileLoop(
      g, "outer", {{"start", DT_INT32}, {"list", DT_VARIANT}},
      {{"n", DT_INT32}, {"x", DT_FLOAT}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "outer/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& o) {
        auto inner = WhileLoop(
            g, "inner", {{o.vars[0], DT_INT32}, {o.vars[1], DT_VARIANT}},
            {{o.invariants[2], DT_INT32}, {o.invariants[1], DT_FLOAT}, {o.vars[0], DT_INT32}},
            [](GraphBuilder& g, const FrameTensors& t) {
              TypedOp(g, "AddV2", "inner/limit", {t.invariants[2], t.invariants[0]}, DT_INT32);
              return TypedOp(g, "Less", "inner/Less", {t.vars[0], "inner/limit"}, DT_INT32);
            },
            [](GraphBuilder& g, const FrameTensors& t) {
              TypedOp(g, "Mul", "inner/scaled", {t.invariants[1], t.invariants[1]}, DT_FLOAT);
              AttrType(
                  g.Op("TensorListSetItem", "inner/set", {t.vars[1], t.vars[0], "inner/scaled"}),
                  "element_dtype", DT_FLOAT);
              return std::vector<std::string>{
                  TypedOp(g, "AddV2", "inner/next", {t.vars[0], t.invariants[0]}, DT_INT32),
                  "inner/set"};
            });
        return std::vector<std::string>{inner[0], inner[1]};
      });
  AttrType(g.Op("TensorListStack", "stacked", {exits[1], "unknown_shape"}), "element_dtype",
           DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"stacked"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1, 2})},
               {Float32Array("stacked", {2, 2}, {1, 4, 1, 4})}, 1e-5);
  }
}

}  // namespace
}  // namespace tflconv
