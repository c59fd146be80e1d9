// The random ops' builtins: what random_ops.cc's Prepare takes (an int32
// shape) and the seeds they carry. (Their draws come from the runtime's own
// generator, which no reference reproduces; the values go unchecked.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using namespace tflconv::testing;

TEST(RandomRulesTest, RandomStandardNormalTakesAnInt32ShapeAndItsSeeds) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  g.ConstInt64("shape", {2}, {2, 3});
  auto& normal = g.Op("RandomStandardNormal", "noise", {"shape"});
  AttrType(normal, "dtype", tensorflow::DT_FLOAT);
  AttrType(normal, "T", tensorflow::DT_INT64);
  AttrInt(normal, "seed", 7);
  AttrInt(normal, "seed2", 9);
  AttrType(g.Op("AddV2", "out", {"x", "noise"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("RANDOM_STANDARD_NORMAL", "ADD"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(0)), ElementsAre(2, 3));
  ASSERT_NE(op->builtin_options_as_RandomOptions(), nullptr);
  EXPECT_EQ(op->builtin_options_as_RandomOptions()->seed(), 7);
  EXPECT_EQ(op->builtin_options_as_RandomOptions()->seed2(), 9);
}

// random_ops.cc's Prepare refuses an int64 shape: a computed one is cast.
TEST(RandomRulesTest, ComputedInt64ShapeIsCastToInt32) {
  GraphBuilder g;
  g.Placeholder("shape", tensorflow::DT_INT64, {2});
  auto& uniform = g.Op("RandomUniform", "out", {"shape"});
  AttrType(uniform, "dtype", tensorflow::DT_FLOAT);
  AttrType(uniform, "T", tensorflow::DT_INT64);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"shape"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("CAST", "RANDOM_UNIFORM"));
}

}  // namespace
}  // namespace tflconv
