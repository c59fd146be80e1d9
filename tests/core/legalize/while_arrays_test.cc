// TensorArrays and TensorLists as one tensor (core/legalize/array_dense.cc):
// carried through a loop that stays a WHILE, or read at an index known
// only at run time. The numbers are checked on the official runtime by the
// generated dynamic_rnn and TensorList cases with --unroll_limit=0
// (tests/CMakeLists.txt, opgen_while) and by the corpus's RNNs
// (conformance_while).
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using namespace tflconv::testing;
using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_RESOURCE;
using tensorflow::DT_VARIANT;

struct RnnShape {
  bool declared_output_shape = true;
  bool dynamic_size = false;
};

// dynamic_rnn's layout: x [4, 2, 3] scattered into "input_ta", read at the
// step in the loop, h = tanh(x_t W + h) written at the step into
// "output_ta", gathered after the loop as "outputs"; the final h is
// "final".
GraphBuilder RnnGraph(RnnShape shape) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {4, 2, 3});
  g.Placeholder("h0", DT_FLOAT, {2, 4});
  g.ConstFloat("w", {3, 4}, std::vector<float>(12, 0.25f));
  g.ConstInt("steps", {}, {4});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  auto tensor_array = [&](const std::string& name, std::vector<int64_t> element_shape) {
    tensorflow::NodeDef& ta = g.Op("TensorArrayV3", name, {"steps"});
    AttrType(ta, "dtype", DT_FLOAT);
    auto* attr = (*ta.mutable_attr())["element_shape"].mutable_shape();
    if (element_shape.empty()) attr->set_unknown_rank(true);
    for (int64_t d : element_shape) attr->add_dim()->set_size(d);
    AttrBool(ta, "dynamic_size", shape.dynamic_size);
  };
  tensor_array("input_ta", {2, 3});
  tensor_array("output_ta", shape.declared_output_shape ? std::vector<int64_t>{2, 4}
                                                         : std::vector<int64_t>{});
  AttrType(g.Op("Range", "indices", {"zero", "steps", "one"}), "Tidx", DT_INT32);
  TypedOp(g, "TensorArrayScatterV3", "scatter", {"input_ta", "indices", "x", "input_ta:1"},
          DT_FLOAT);
  auto exits = WhileLoop(
      g, "rnn", {{"zero", DT_INT32}, {"output_ta:1", DT_FLOAT}, {"h0", DT_FLOAT}},
      {{"steps", DT_INT32}, {"input_ta", DT_RESOURCE}, {"scatter", DT_FLOAT},
       {"output_ta", DT_RESOURCE}, {"w", DT_FLOAT}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "rnn/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        const std::string time = t.vars[0];
        AttrType(g.Op("TensorArrayReadV3", "rnn/x_t", {t.invariants[1], time, t.invariants[2]}),
                 "dtype", DT_FLOAT);
        TypedOp(g, "MatMul", "rnn/xw", {"rnn/x_t", t.invariants[4]}, DT_FLOAT);
        TypedOp(g, "AddV2", "rnn/sum", {"rnn/xw", t.vars[2]}, DT_FLOAT);
        TypedOp(g, "Tanh", "rnn/h", {"rnn/sum"}, DT_FLOAT);
        TypedOp(g, "TensorArrayWriteV3", "rnn/write", {t.invariants[3], time, "rnn/h", t.vars[1]},
                DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "rnn/next_time", {time, t.invariants[5]}, DT_INT32), "rnn/write",
            "rnn/h"};
      });
  g.Op("TensorArraySizeV3", "size", {"output_ta", exits[1]});
  AttrType(g.Op("Range", "output_indices", {"zero", "size", "one"}), "Tidx", DT_INT32);
  AttrType(g.Op("TensorArrayGatherV3", "outputs", {"output_ta", "output_indices", exits[1]}),
           "dtype", DT_FLOAT);
  TypedOp(g, "Identity", "final", {exits[2]}, DT_FLOAT);
  return g;
}

// Builtins only (the default), unless `flex`.
v1::ConversionOptions WhileOptions(bool flex = false) {
  v1::ConversionOptions options = Options({"x", "h0"}, {"outputs", "final"});
  options.set_unroll_limit(0);
  if (flex) {
    options.add_target_ops(v1::TFLITE_BUILTINS);
    options.add_target_ops(v1::SELECT_TF_OPS);
  }
  return options;
}

std::string ArrayDisposition(const v1::ConversionReport& report, const std::string& name) {
  const v1::ControlFlowRegion* region = FindRegion(report, "TensorArray", name);
  return region != nullptr ? region->disposition() : "(not reported)";
}

TEST(WhileArraysTest, ArraysCarriedThroughAWhileAreOneTensorEach) {
  ConversionResult result = ConvertGraph(RnnGraph({}), WhileOptions());
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->subgraphs()->size(), 3u);
  // The scattered input goes in whole (no UNPACK then PACK); the outputs,
  // gathered over every row, are the loop's own result.
  EXPECT_THAT(OperatorNames(model, 0), ::testing::ElementsAre("WHILE"));
  // A read is a GATHER of the step's row, a write a SELECT_V2 of it.
  EXPECT_THAT(OperatorNames(model, 2), IsSupersetOf({"GATHER", "EQUAL", "SELECT_V2", "TANH"}));
  for (int k = 0; k < 3; ++k) {
    EXPECT_THAT(OperatorNames(model, k), Not(Contains("PACK"))) << k;
    EXPECT_THAT(OperatorNames(model, k), Not(Contains("UNPACK"))) << k;
  }
  const tflite::SubGraph* body = model->subgraphs()->Get(2);
  // time, output_ta, h, then the invariant input_ta (w and 1 are copied in).
  EXPECT_EQ(body->inputs()->size(), 4u);
  EXPECT_THAT(ArrayDisposition(result.report, "output_ta"),
              HasSubstr("one tensor of 4 rows of float32[2,4] carried through WHILE 'rnn'"));
  EXPECT_THAT(ArrayDisposition(result.report, "input_ta"),
              HasSubstr("carried through WHILE 'rnn'"));
}

TEST(WhileArraysTest, UnrolledTheSameGraphKeepsItsElements) {
  v1::ConversionOptions options = WhileOptions();
  options.clear_unroll_limit();
  ConversionResult result = ConvertGraph(RnnGraph({}), options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_EQ(model->subgraphs()->size(), 1u);
  EXPECT_THAT(OperatorNames(model, 0), Not(Contains("SELECT_V2")));
  EXPECT_THAT(ArrayDisposition(result.report, "output_ta"), HasSubstr("lowered to its elements"));
}

TEST(WhileArraysTest, ARunTimeIndexOutsideALoopReadsTheWholeTensor) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3, 2});
  g.Placeholder("i", DT_INT32, {});
  g.ConstInt("size", {}, {3});
  g.ConstInt("indices", {3}, {0, 1, 2});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArrayScatterV3", "scatter", {"ta", "indices", "x", "ta:1"}, DT_FLOAT);
  AttrType(g.Op("TensorArrayReadV3", "row", {"ta", "i", "scatter"}), "dtype", DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x", "i"}, {"row"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), ::testing::ElementsAre("GATHER"));
  EXPECT_THAT(ArrayDisposition(result.report, "ta"), HasSubstr("one tensor of 3 rows"));
}

TEST(WhileArraysTest, RowsNeverWrittenAreZeros) {
  GraphBuilder g;
  g.Placeholder("v", DT_FLOAT, {2});
  g.Placeholder("i", DT_INT32, {});
  g.ConstInt("size", {}, {3});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArrayWriteV3", "write", {"ta", "one", "v", "ta:1"}, DT_FLOAT);
  AttrType(g.Op("TensorArrayReadV3", "row", {"ta", "i", "write"}), "dtype", DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"v", "i"}, {"row"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_THAT(OperatorNames(model), ::testing::ElementsAre("PACK", "GATHER"));
  // Rows 0 and 2 are one constant of zeros.
  const tflite::Operator* pack = OperatorAt(model, 0);
  ASSERT_EQ(pack->inputs()->size(), 3u);
  EXPECT_EQ(pack->inputs()->Get(0), pack->inputs()->Get(2));
  const tflite::SubGraph* main = model->subgraphs()->Get(0);
  const tflite::Buffer* zeros =
      model->buffers()->Get(main->tensors()->Get(pack->inputs()->Get(0))->buffer());
  ASSERT_NE(zeros->data(), nullptr);
  ASSERT_EQ(zeros->data()->size(), 8u);
  for (uint8_t byte : *zeros->data()) EXPECT_EQ(byte, 0);
}

// dynamic_rnn without element_shape: "output_ta" gets its shape from the
// write in the loop's body (a first pass over the body learns it).
TEST_F(OracleTest, AnElementShapeKnownOnlyFromAWriteInTheLoopIsLearned) {
  ConversionResult result =
      ConvertGraph(RnnGraph({.declared_output_shape = false}), WhileOptions());
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0]), 0), ::testing::ElementsAre("WHILE"));
  EXPECT_THAT(ArrayDisposition(result.report, "output_ta"),
              HasSubstr("one tensor of 4 rows of float32[2,4] carried through WHILE 'rnn'"));
  std::vector<float> x(24), h(8);
  for (size_t k = 0; k < x.size(); ++k) x[k] = 0.05f * static_cast<float>(k) - 0.4f;
  for (size_t k = 0; k < h.size(); ++k) h[k] = 0.1f * static_cast<float>(k) - 0.3f;
  const std::vector<float> h0 = h;
  // h = tanh(x_t W + h) with W all 0.25: each row of x_t W is its sum / 4.
  std::vector<float> outputs;
  for (int t = 0; t < 4; ++t) {
    for (int b = 0; b < 2; ++b) {
      const float* row = &x[(t * 2 + b) * 3];
      const float xw = 0.25f * (row[0] + row[1] + row[2]);
      for (int j = 0; j < 4; ++j) h[b * 4 + j] = std::tanh(xw + h[b * 4 + j]);
    }
    outputs.insert(outputs.end(), h.begin(), h.end());
  }
  ExpectRuns(result.artifacts[0].bytes,
             {Float32Array("x", {4, 2, 3}, x), Float32Array("h0", {2, 4}, h0)},
             {Float32Array("outputs", {4, 2, 4}, outputs), Float32Array("final", {2, 4}, h)},
             1e-5);
}

// The TF2 layout: a TensorListReserve of element_shape -1 set at the
// counter with acc += x; stacked after the loop: [x, 2x, 3x].
TEST_F(OracleTest, AListOfUnknownElementShapeLearnsItInTheLoop) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.ConstInt("unknown_shape", {}, {-1});
  g.ConstInt("n", {}, {3});
  g.ConstInt("start", {}, {0});
  g.ConstInt("one", {}, {1});
  g.ConstFloat("acc0", {2}, {0, 0});
  tensorflow::NodeDef& list = g.Op("TensorListReserve", "list", {"unknown_shape", "n"});
  AttrType(list, "element_dtype", DT_FLOAT);
  AttrType(list, "shape_type", DT_INT32);
  auto exits = WhileLoop(
      g, "loop", {{"start", DT_INT32}, {"list", DT_VARIANT}, {"acc0", DT_FLOAT}},
      {{"n", DT_INT32}, {"x", DT_FLOAT}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        TypedOp(g, "AddV2", "loop/acc", {t.vars[2], t.invariants[1]}, DT_FLOAT);
        AttrType(g.Op("TensorListSetItem", "loop/set", {t.vars[1], t.vars[0], "loop/acc"}),
                 "element_dtype", DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "loop/next", {t.vars[0], t.invariants[2]}, DT_INT32), "loop/set",
            "loop/acc"};
      });
  tensorflow::NodeDef& stack = g.Op("TensorListStack", "stacked", {exits[1], "unknown_shape"});
  AttrType(stack, "element_dtype", DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"stacked"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0]), 0), Contains("WHILE"));
  const v1::ControlFlowRegion* region = FindRegion(result.report, "TensorList", "list");
  ASSERT_NE(region, nullptr);
  EXPECT_THAT(region->disposition(), HasSubstr("one tensor of 3 rows of float32[2]"));
  for (const Artifact& artifact : result.artifacts) {
    ExpectRuns(artifact.bytes, {Float32Array("x", {2}, {1.5f, -2})},
               {Float32Array("stacked", {3, 2}, {1.5f, -2, 3, -4, 4.5f, -6})}, 1e-3);
  }
}

// Read in the loop but never written: no write tells its shape.
TEST(WhileArraysTest, AnElementShapeNoWriteTellsIsReported) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.ConstInt("size", {}, {2});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  auto exits = WhileLoop(
      g, "loop", {{"zero", DT_INT32}, {"ta:1", DT_FLOAT}, {"x", DT_FLOAT}},
      {{"size", DT_INT32}, {"ta", DT_RESOURCE}, {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        AttrType(g.Op("TensorArrayReadV3", "loop/read", {t.invariants[1], t.vars[0], t.vars[1]}),
                 "dtype", DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "loop/next", {t.vars[0], t.invariants[2]}, DT_INT32), t.vars[1],
            TypedOp(g, "AddV2", "loop/sum", {t.vars[2], "loop/read"}, DT_FLOAT)};
      });
  TypedOp(g, "Identity", "out", {exits[2]}, DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"out"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("'ta' as one tensor, but its element shape is not known at "
                        "conversion time"));
}

TEST(WhileArraysTest, ADynamicSizeArrayDoesNotCrossAWhile) {
  ConversionResult result = ConvertGraph(RnnGraph({.dynamic_size = true}), WhileOptions());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(), HasSubstr("it is dynamic_size"));
  // With Flex allowed it still converts, and says why the arrays are Flex.
  ConversionResult flex = ConvertGraph(RnnGraph({.dynamic_size = true}), WhileOptions(/*flex=*/true));
  EXPECT_TRUE(flex.status.ok()) << flex.status;
}

TEST(WhileArraysTest, AListResizedAtARunTimeIndexIsRefused) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.ConstInt("element_shape", {1}, {2});
  g.ConstInt("n", {}, {3});
  g.ConstInt("start", {}, {0});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& list = g.Op("TensorListReserve", "list", {"element_shape", "n"});
  AttrType(list, "element_dtype", DT_FLOAT);
  AttrType(list, "shape_type", DT_INT32);
  auto exits = WhileLoop(
      g, "loop", {{"start", DT_INT32}, {"list", DT_VARIANT}}, {{"n", DT_INT32}, {"x", DT_FLOAT},
                                                               {"one", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& set = g.Op("TensorListSetItem", "loop/set",
                                        {t.vars[1], t.vars[0], t.invariants[1]});
        AttrType(set, "element_dtype", DT_FLOAT);
        AttrBool(set, "resize_if_index_out_of_bounds", true);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "loop/next", {t.vars[0], t.invariants[2]}, DT_INT32),
            "loop/set"};
      });
  tensorflow::NodeDef& stack = g.Op("TensorListStack", "stacked", {exits[1], "element_shape"});
  AttrType(stack, "element_dtype", DT_FLOAT);
  v1::ConversionOptions options = Options({"x"}, {"stacked"});
  options.set_unroll_limit(0);
  ConversionResult result = ConvertGraph(g, options);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("resizes its list at an index known only at run time"));
}

// The row count known only at run time: "x" [6] reshaped by the model
// input "s" into rows of "ta" (an Unpack of num 2), then "v" [3], reshaped
// by "s1", written at the run-time index "i" (or, when `carried`, the array
// carried through a WHILE that counts to "i"); "out" is row 0, as [3].
GraphBuilder UnknownRowCountGraph(bool carried, bool unknown_rank = false) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {6});
  g.Placeholder("s", DT_INT32, {2});
  g.Placeholder("s1", DT_INT32, {1});
  g.Placeholder("v", DT_FLOAT, {3});
  g.Placeholder("i", DT_INT32, {});
  g.ConstInt("size", {}, {2});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  g.ConstInt("three", {1}, {3});
  std::string shape = "s";
  if (unknown_rank) {
    // A shape of run-time length: the rows' rank is unknown.
    g.ConstInt("begin", {1}, {0});
    tensorflow::NodeDef& slice = g.Op("Slice", "shape", {"s", "begin", "s1"});
    AttrType(slice, "T", DT_INT32);
    AttrType(slice, "Index", DT_INT32);
    shape = "shape";
  }
  TypedOp(g, "Reshape", "xr", {"x", shape}, DT_FLOAT);
  TypedOp(g, "Reshape", "vr", {"v", "s1"}, DT_FLOAT);
  tensorflow::NodeDef& unpack = g.Op("Unpack", "rows", {"xr"});
  AttrType(unpack, "T", DT_FLOAT);
  AttrInt(unpack, "num", 2);
  AttrInt(unpack, "axis", 0);
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  (*ta.mutable_attr())["element_shape"].mutable_shape()->add_dim()->set_size(3);
  TypedOp(g, "TensorArrayWriteV3", "w0", {"ta", "zero", "rows:0", "ta:1"}, DT_FLOAT);
  TypedOp(g, "TensorArrayWriteV3", "w1", {"ta", "one", "rows:1", "w0"}, DT_FLOAT);
  std::string flow = TypedOp(g, "TensorArrayWriteV3", "w2", {"ta", "i", "vr", "w1"}, DT_FLOAT);
  if (carried) {
    flow = WhileLoop(
        g, "loop", {{"zero", DT_INT32}, {"w1", DT_FLOAT}},
        {{"i", DT_INT32}, {"one", DT_INT32}},
        [](GraphBuilder& g, const FrameTensors& t) {
          return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
        },
        [](GraphBuilder& g, const FrameTensors& t) {
          return std::vector<std::string>{
              TypedOp(g, "AddV2", "loop/next", {t.vars[0], t.invariants[1]}, DT_INT32),
              t.vars[1]};
        })[1];
  }
  AttrType(g.Op("TensorArrayReadV3", "row", {"ta", "zero", flow}), "dtype", DT_FLOAT);
  TypedOp(g, "Reshape", "out", {"row", "three"}, DT_FLOAT);
  return g;
}

v1::ConversionOptions UnknownRowCountOptions() {
  v1::ConversionOptions options = Options({"x", "s", "s1", "v", "i"}, {"out"});
  options.set_unroll_limit(0);
  return options;
}

// Rows whose count the graph knows only at run time are stacked, not taken
// as the Unpack's input (whose row count a write or a WHILE's result would
// read at conversion time).
TEST_F(OracleTest, RowsOfARunTimeRowCountAreOneTensor) {
  const std::vector<float> x = {0, 1, 2, 3, 4, 5};
  const std::vector<float> v = {7, 8, 9};
  for (const bool carried : {false, true}) {
    SCOPED_TRACE(carried);
    ConversionResult result = ConvertGraph(UnknownRowCountGraph(carried), UnknownRowCountOptions());
    ASSERT_TRUE(result.status.ok()) << result.status;
    for (const int i : {0, 1}) {
      ExpectRuns(result.artifacts[0].bytes,
                 {Float32Array("x", {6}, x), Int32Array("s", {2}, {2, 3}),
                  Int32Array("s1", {1}, {3}), Float32Array("v", {3}, v), Int32Array("i", {}, {i})},
                 {Float32Array("out", {3}, i == 0 && !carried ? v : std::vector<float>{0, 1, 2})},
                 1e-6);
    }
  }
}

TEST(WhileArraysTest, RowsOfARunTimeRankAreRefused) {
  ConversionResult result = ConvertGraph(UnknownRowCountGraph(false, /*unknown_rank=*/true),
                                         UnknownRowCountOptions());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("the rank of its elements is known only at run time"));
}

// Rows [?,?] (x [8] reshaped by the run-time shape "s" [3]) of an array
// declared [2,2], written at a run-time index with v [2,2] (compatible, but
// not the rows' static shape) or with v reshaped by the run-time "s2" (a
// row [?,?]: two dims a Reshape cannot both infer). TensorFlow runs both;
// the array is not one tensor.
TEST(WhileArraysTest, RowsWithDimsKnownOnlyAtRunTimeAreNotWritten) {
  for (const bool reshaped : {false, true}) {
    SCOPED_TRACE(reshaped);
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {8});
    g.Placeholder("s", DT_INT32, {3});
    g.Placeholder("s2", DT_INT32, {2});
    g.Placeholder("v", DT_FLOAT, {2, 2});
    g.Placeholder("i", DT_INT32, {});
    g.ConstInt("size", {}, {2});
    g.ConstInt("zero", {}, {0});
    g.ConstInt("one", {}, {1});
    TypedOp(g, "Reshape", "xr", {"x", "s"}, DT_FLOAT);
    TypedOp(g, "Reshape", "vr", {"v", "s2"}, DT_FLOAT);
    tensorflow::NodeDef& unpack = g.Op("Unpack", "rows", {"xr"});
    AttrType(unpack, "T", DT_FLOAT);
    AttrInt(unpack, "num", 2);
    tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
    AttrType(ta, "dtype", DT_FLOAT);
    auto* element_shape = (*ta.mutable_attr())["element_shape"].mutable_shape();
    element_shape->add_dim()->set_size(2);
    element_shape->add_dim()->set_size(2);
    TypedOp(g, "TensorArrayWriteV3", "w0", {"ta", "zero", "rows:0", "ta:1"}, DT_FLOAT);
    TypedOp(g, "TensorArrayWriteV3", "w1", {"ta", "one", "rows:1", "w0"}, DT_FLOAT);
    TypedOp(g, "TensorArrayWriteV3", "w2", {"ta", "i", reshaped ? "vr" : "v", "w1"}, DT_FLOAT);
    AttrType(g.Op("TensorArrayReadV3", "out", {"ta", "zero", "w2"}), "dtype", DT_FLOAT);
    ConversionResult result = ConvertGraph(g, Options({"x", "s", "s2", "v", "i"}, {"out"}));
    EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(result.status.message(),
                HasSubstr(absl::StrCat("node 'w2' (TensorArrayWriteV3): writes a value of shape ",
                                       reshaped ? "[?,?]" : "[2,2]",
                                       " to TensorArray 'ta', whose elements are [?,?]; a row of "
                                       "the array as one tensor has one shape")));
  }
}

// "ta" (float, size 2, no declared element shape) with the model input
// "a" [2] written at 0 ("w0"), and the model inputs "b" and `selector` (a
// scalar) for the caller to use.
GraphBuilder AWrittenAtZero(tensorflow::DataType b_dtype, std::vector<int64_t> b_shape,
                            std::pair<std::string, tensorflow::DataType> selector) {
  GraphBuilder g;
  g.Placeholder("a", DT_FLOAT, {2});
  g.Placeholder("b", b_dtype, b_shape);
  g.Placeholder(selector.first, selector.second, {});
  g.ConstInt("size", {}, {2});
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  TypedOp(g, "TensorArrayWriteV3", "w0", {"ta", "zero", "a", "ta:1"}, DT_FLOAT);
  return g;
}

// An array written in main and again inside an IF branch that reads its
// flow from outside, not through the cond's Switch: TensorFlow gives a + b
// on the true side, which the branch cannot compute from tensors of main.
TEST(WhileArraysTest, AnArrayWrittenInABranchItDidNotEnterIsRefused) {
  GraphBuilder g = AWrittenAtZero(DT_FLOAT, {2}, {"p", DT_BOOL});
  const std::vector<std::string> merges = Cond(
      g, "cond", "p", {{"b", DT_FLOAT}},
      [](GraphBuilder& g, const FrameTensors& t) {
        TypedOp(g, "TensorArrayWriteV3", "then/w1", {"ta", "one", t.vars[0], "w0"}, DT_FLOAT);
        AttrType(g.Op("TensorArrayReadV3", "then/r0", {"ta", "zero", "then/w1"}), "dtype",
                 DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "then/sum", {"then/r0", t.vars[0]}, DT_FLOAT)};
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        return std::vector<std::string>{TypedOp(g, "Neg", "else/neg", {t.vars[0]}, DT_FLOAT)};
      });
  ConversionResult result = ConvertGraph(g, Options({"a", "b", "p"}, {merges[0]}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'then/w1' (TensorArrayWriteV3): uses TensorArray 'ta' inside a "
                        "WHILE body or IF branch that it did not enter"));
}

// AWrittenAtZero with "b" written at 1, then read at the run-time index "i".
GraphBuilder TwoWritesReadAtRunTime(tensorflow::DataType b_dtype, std::vector<int64_t> b_shape) {
  GraphBuilder g = AWrittenAtZero(b_dtype, b_shape, {"i", DT_INT32});
  TypedOp(g, "TensorArrayWriteV3", "w1", {"ta", "one", "b", "w0"}, b_dtype);
  AttrType(g.Op("TensorArrayReadV3", "out", {"ta", "i", "w1"}), "dtype", DT_FLOAT);
  return g;
}

// TensorFlow reads such an array; as one tensor it cannot be, so the read
// stays a TensorFlow op (Flex) rather than the graph being called invalid.
TEST(WhileArraysTest, ElementsOfDifferentShapesAreNotOneTensor) {
  const GraphBuilder g = TwoWritesReadAtRunTime(DT_FLOAT, {3});
  ConversionResult result = ConvertGraph(g, Options({"a", "b", "i"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'out' (TensorArrayReadV3): needs TensorArray 'ta' as one tensor, "
                        "but it holds elements of shapes [2] and [3]"));
  v1::ConversionOptions flex = Options({"a", "b", "i"}, {"out"});
  flex.add_target_ops(v1::TFLITE_BUILTINS);
  flex.add_target_ops(v1::SELECT_TF_OPS);
  EXPECT_TRUE(ConvertGraph(g, flex).status.ok());
}

TEST(WhileArraysTest, AWriteOfAnotherDtypeIsRefusedAtTheWrite) {
  ConversionResult result =
      ConvertGraph(TwoWritesReadAtRunTime(DT_INT32, {2}), Options({"a", "b", "i"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'w1' (TensorArrayWriteV3): writes a int32 value to TensorArray "
                        "'ta' of float32"));
}

// TensorFlow's shape functions want TensorArrayReadV3's index a scalar and
// TensorArrayGatherV3's a vector; GATHER would take either.
TEST(WhileArraysTest, RunTimeIndicesOfTheWrongRankAreRefused) {
  for (const bool gather : {false, true}) {
    SCOPED_TRACE(gather);
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3, 2});
    g.Placeholder("i", DT_INT32, gather ? std::vector<int64_t>{} : std::vector<int64_t>{2});
    g.ConstInt("size", {}, {3});
    g.ConstInt("indices", {3}, {0, 1, 2});
    tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
    AttrType(ta, "dtype", DT_FLOAT);
    TypedOp(g, "TensorArrayScatterV3", "scatter", {"ta", "indices", "x", "ta:1"}, DT_FLOAT);
    AttrType(g.Op(gather ? "TensorArrayGatherV3" : "TensorArrayReadV3", "out",
                  {"ta", "i", "scatter"}),
             "dtype", DT_FLOAT);
    ConversionResult result = ConvertGraph(g, Options({"x", "i"}, {"out"}));
    EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status.message(),
                HasSubstr(gather ? "its index input must have rank 1, not shape []"
                                 : "its index input must have rank 0, not shape [2]"));
  }
}

}  // namespace
}  // namespace tflconv
