// Arrays that grow in a WHILE (core/legalize/array_appended.cc) and meet an
// inner WHILE, or enter the loop already holding elements. Inside the loop
// that grows it the array carries that loop's filler row; an inner WHILE
// keeps it rather than adding its own. Numbers on the official runtime.
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
using tensorflow::DT_RESOURCE;

// x [2]; ta = TensorArray(dynamic_size, element_shape [2]);
// i = 0, v = x, total = 0; while i < n:
//   ta[i] = v
//   inner_read:  acc = sum of ta.read(j) for j < i + 1   (an inner WHILE)
//   inner_carry: the flow passes through an inner WHILE, then acc = ta.read(i)
//   total += acc; v += v; i += 1
// out = -total.  Elements are x, 2x, 4x, ...
GraphBuilder NestedGraph(bool inner_read, bool write_again = false) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("n", DT_INT32, {});
  g.ConstInt("size", {}, {0});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  g.ConstFloat("total0", {2}, {0, 0});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  AttrBool(ta, "dynamic_size", true);
  AttrBool(ta, "clear_after_read", false);
  (*ta.mutable_attr())["element_shape"].mutable_shape()->add_dim()->set_size(2);
  auto exits = WhileLoop(
      g, "outer",
      {{"zero", DT_INT32}, {"ta:1", DT_FLOAT}, {"x", DT_FLOAT}, {"total0", DT_FLOAT}},
      {{"n", DT_INT32}, {"ta", DT_RESOURCE}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "outer/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [inner_read, write_again](GraphBuilder& g, const FrameTensors& t) {
        const std::string i = t.vars[0];
        const std::string handle = t.invariants[1];
        const std::string one = t.invariants[2];
        const std::string w =
            TypedOp(g, "TensorArrayWriteV3", "outer/write", {handle, i, t.vars[2], t.vars[1]},
                    DT_FLOAT);
        TypedOp(g, "AddV2", "outer/limit", {i, one}, DT_INT32);
        TypedOp(g, "Sub", "outer/zeros", {t.vars[2], t.vars[2]}, DT_FLOAT);
        TypedOp(g, "Sub", "outer/j0", {i, i}, DT_INT32);
        std::string acc, flow = w;
        if (inner_read) {
          acc = WhileLoop(
              g, "outer/inner", {{"outer/j0", DT_INT32}, {"outer/zeros", DT_FLOAT}},
              {{"outer/limit", DT_INT32}, {handle, DT_RESOURCE}, {w, DT_FLOAT}, {one, DT_INT32}},
              [](GraphBuilder& g, const FrameTensors& t) {
                return TypedOp(g, "Less", "outer/inner/Less", {t.vars[0], t.invariants[0]},
                               DT_INT32);
              },
              [](GraphBuilder& g, const FrameTensors& t) {
                AttrType(g.Op("TensorArrayReadV3", "outer/inner/read",
                              {t.invariants[1], t.vars[0], t.invariants[2]}),
                         "dtype", DT_FLOAT);
                return std::vector<std::string>{
                    TypedOp(g, "AddV2", "outer/inner/next", {t.vars[0], t.invariants[3]},
                            DT_INT32),
                    TypedOp(g, "AddV2", "outer/inner/acc", {t.vars[1], "outer/inner/read"},
                            DT_FLOAT)};
              })[1];
        } else {
          flow = WhileLoop(
              g, "outer/inner", {{"outer/j0", DT_INT32}, {w, DT_FLOAT}},
              {{"outer/limit", DT_INT32}, {one, DT_INT32}},
              [](GraphBuilder& g, const FrameTensors& t) {
                return TypedOp(g, "Less", "outer/inner/Less", {t.vars[0], t.invariants[0]},
                               DT_INT32);
              },
              [](GraphBuilder& g, const FrameTensors& t) {
                return std::vector<std::string>{
                    TypedOp(g, "AddV2", "outer/inner/next", {t.vars[0], t.invariants[1]},
                            DT_INT32),
                    t.vars[1]};
              })[1];
          if (write_again) {
            flow = TypedOp(g, "TensorArrayWriteV3", "outer/write_again",
                           {handle, i, t.vars[2], flow}, DT_FLOAT);
          }
          AttrType(g.Op("TensorArrayReadV3", "outer/read", {handle, i, flow}), "dtype", DT_FLOAT);
          acc = "outer/read";
        }
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "outer/next", {i, one}, DT_INT32), flow,
            TypedOp(g, "AddV2", "outer/double", {t.vars[2], t.vars[2]}, DT_FLOAT),
            TypedOp(g, "AddV2", "outer/total", {t.vars[3], acc}, DT_FLOAT)};
      });
  // Not the WHILE's own output: the oracle's API reads garbage from a
  // model output that a WHILE with a growing variable writes.
  TypedOp(g, "Neg", "out", {exits[3]}, DT_FLOAT);
  return g;
}

v1::ConversionOptions NestedOptions() {
  v1::ConversionOptions options = Options({"x", "n"}, {"out"});
  options.set_unroll_limit(0);
  return options;
}

// n = 2: iteration 0 sums e0 = x, iteration 1 sums e0 + e1 = 3x: -4x.
TEST_F(OracleTest, AnInnerWhileReadsTheElementsOfAnArrayGrownOutside) {
  ConversionResult result = ConvertGraph(NestedGraph(true), NestedOptions());
  ASSERT_TRUE(result.status.ok()) << result.status;
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1, -2}), Int32Array("n", {}, {2})},
               {Float32Array("out", {2}, {-4, 8})}, 1e-4);
  }
}

// n = 2: ta.read(i) after the inner WHILE is e_i: x + 2x = 3x, so -3x.
TEST_F(OracleTest, AReadAfterAnInnerWhileThatCarriesTheArray) {
  ConversionResult result = ConvertGraph(NestedGraph(false), NestedOptions());
  ASSERT_TRUE(result.status.ok()) << result.status;
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1, -2}), Int32Array("n", {}, {2})},
               {Float32Array("out", {2}, {-3, 6})}, 1e-4);
  }
}

// ta[i] = v; (inner WHILE carrying ta); ta[i] = v again: TensorFlow fails
// (index i is written twice); it must not pass for two appends per
// iteration.
TEST(WhileNestedArraysTest, ASecondWriteAfterAnInnerWhileIsRefused) {
  ConversionResult result = ConvertGraph(NestedGraph(false, true), NestedOptions());
  EXPECT_FALSE(result.status.ok());
  EXPECT_THAT(result.status.message(), ::testing::HasSubstr("second element"));
}

// ta = TensorArray(dynamic_size); scatter rows r0, r1 of x; i = 2, v = y;
// while i < n: ta[i] = v; v += v; i += 1.  out = ta[1] + ta[3].
TEST_F(OracleTest, AnArrayThatEntersHoldingRowsGrows) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2, 2});
  g.Placeholder("y", DT_FLOAT, {2});
  g.Placeholder("n", DT_INT32, {});
  g.ConstInt("size", {}, {2});
  g.ConstInt("rows", {2}, {0, 1});
  g.ConstInt("two", {}, {2});
  g.ConstInt("one", {}, {1});
  g.ConstInt("three", {}, {3});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  AttrBool(ta, "dynamic_size", true);
  AttrBool(ta, "clear_after_read", false);
  (*ta.mutable_attr())["element_shape"].mutable_shape()->add_dim()->set_size(2);
  TypedOp(g, "TensorArrayScatterV3", "scatter", {"ta", "rows", "x", "ta:1"}, DT_FLOAT);
  auto exits = WhileLoop(
      g, "grow", {{"two", DT_INT32}, {"scatter", DT_FLOAT}, {"y", DT_FLOAT}},
      {{"n", DT_INT32}, {"ta", DT_RESOURCE}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "grow/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "grow/next", {t.vars[0], t.invariants[2]}, DT_INT32),
            TypedOp(g, "TensorArrayWriteV3", "grow/write",
                    {t.invariants[1], t.vars[0], t.vars[2], t.vars[1]}, DT_FLOAT),
            TypedOp(g, "AddV2", "grow/double", {t.vars[2], t.vars[2]}, DT_FLOAT)};
      });
  AttrType(g.Op("TensorArrayReadV3", "r1", {"ta", "one", exits[1]}), "dtype", DT_FLOAT);
  AttrType(g.Op("TensorArrayReadV3", "r3", {"ta", "three", exits[1]}), "dtype", DT_FLOAT);
  TypedOp(g, "AddV2", "out", {"r1", "r3"}, DT_FLOAT);
  v1::ConversionOptions options = Options({"x", "y", "n"}, {"out"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes,
               {Float32Array("x", {2, 2}, {1, 2, 10, 20}), Float32Array("y", {2}, {100, 200}),
                Int32Array("n", {}, {4})},
               {Float32Array("out", {2}, {210, 420})}, 1e-5);
  }
}


}  // namespace
}  // namespace tflconv
