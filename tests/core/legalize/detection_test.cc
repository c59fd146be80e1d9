#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

TEST(DetectionRulesTest, TopKV2BecomesTopKWithValuesAndInt32Indices) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3, 5});
  g.ConstInt("k", {}, {2});
  auto& topk = g.Op("TopKV2", "topk", {"x", "k"});
  AttrType(topk, "T", tensorflow::DT_FLOAT);
  AttrBool(topk, "sorted", true);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"topk", "topk:1"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("TOPK_V2"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_NE(op->builtin_options_as_TopKV2Options(), nullptr);
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre());
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(2));
  ASSERT_EQ(op->outputs()->size(), 2u);
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_FLOAT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(3, 2));
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(1)), ElementsAre(3, 2));
}

TEST(DetectionRulesTest, TopKV2WithInt64IndicesIsRejectedNamingTheAttribute) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3, 5});
  g.ConstInt("k", {}, {2});
  auto& topk = g.Op("TopKV2", "topk", {"x", "k"});
  AttrType(topk, "T", tensorflow::DT_FLOAT);
  AttrType(topk, "index_type", tensorflow::DT_INT64);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"topk"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'topk' (TopKV2): index_type int64 is not supported"));
}

TEST(DetectionRulesTest, TopKV2LargerThanTheLastDimensionIsRejected) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {3, 5});
  g.ConstInt("k", {}, {6});
  AttrType(g.Op("TopKV2", "topk", {"x", "k"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"topk"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(), HasSubstr("node 'topk' (TopKV2): k (6) exceeds"));
}

// boxes[6, 4], scores[6] placeholders and the constant NMS parameters.
GraphBuilder NmsGraph(const std::string& op, bool pad = false) {
  GraphBuilder g;
  g.Placeholder("boxes", tensorflow::DT_FLOAT, {6, 4});
  g.Placeholder("scores", tensorflow::DT_FLOAT, {6});
  g.ConstInt("max_out", {}, {3});
  g.ConstFloat("iou", {}, {0.5f});
  g.ConstFloat("score_thr", {}, {0.25f});
  g.ConstFloat("sigma", {}, {0.5f});
  std::vector<std::string> inputs = {"boxes", "scores", "max_out"};
  if (op != "NonMaxSuppression") inputs.push_back("iou");
  if (op == "NonMaxSuppressionV3" || op == "NonMaxSuppressionV4" ||
      op == "NonMaxSuppressionV5") {
    inputs.push_back("score_thr");
  }
  if (op == "NonMaxSuppressionV5") inputs.push_back("sigma");
  auto& nms = g.Op(op, "nms", inputs);
  AttrType(nms, "T", tensorflow::DT_FLOAT);
  if (op == "NonMaxSuppressionV4" || op == "NonMaxSuppressionV5") {
    AttrBool(nms, "pad_to_max_output_size", pad);
  }
  if (op == "NonMaxSuppression") AttrFloat(nms, "iou_threshold", 0.7f);
  return g;
}

TEST(DetectionRulesTest, PaddedNmsV4IsOneBuiltin) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(NmsGraph("NonMaxSuppressionV4", /*pad=*/true), {"boxes", "scores"},
                {"nms", "nms:1"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("NON_MAX_SUPPRESSION_V4"));
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_NE(op->builtin_options_as_NonMaxSuppressionV4Options(), nullptr);
  ASSERT_EQ(op->inputs()->size(), 5u);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(2)), ElementsAre(3));
  EXPECT_THAT(FloatBuffer(model, op->inputs()->Get(4)), ElementsAre(0.25f));
  ASSERT_EQ(op->outputs()->size(), 2u);
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(0))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(3));
  EXPECT_EQ(TensorAt(model, op->outputs()->Get(1))->type(), tflite::TensorType_INT32);
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(1)), ElementsAre());
}

TEST(DetectionRulesTest, UnpaddedNmsV4IsSlicedToValidOutputs) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(NmsGraph("NonMaxSuppressionV4"), {"boxes", "scores"},
                                         {"nms", "nms:1"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("NON_MAX_SUPPRESSION_V4", "RESHAPE", "SLICE"));
  const tflite::Operator* nms = OperatorAt(model, 0);
  const tflite::Operator* reshape = OperatorAt(model, 1);
  const tflite::Operator* slice = OperatorAt(model, 2);
  EXPECT_EQ(reshape->inputs()->Get(0), nms->outputs()->Get(1));
  EXPECT_THAT(Int32Buffer(model, reshape->inputs()->Get(1)), ElementsAre(1));
  EXPECT_EQ(slice->inputs()->Get(0), nms->outputs()->Get(0));
  EXPECT_THAT(Int32Buffer(model, slice->inputs()->Get(1)), ElementsAre(0));
  EXPECT_EQ(slice->inputs()->Get(2), reshape->outputs()->Get(0));
  EXPECT_NE(slice->builtin_options_as_SliceOptions(), nullptr);
  // The sliced output has a run-time length.
  EXPECT_EQ(TensorAt(model, slice->outputs()->Get(0))->name()->str(), "nms");
  EXPECT_THAT(SignatureOf(model, slice->outputs()->Get(0)), ElementsAre(-1));
  EXPECT_EQ(TensorAt(model, nms->outputs()->Get(1))->name()->str(), "nms:1");
}

TEST(DetectionRulesTest, UnpaddedNmsV5SlicesIndicesAndScores) {
  ConversionResult result;
  const tflite::Model* model = ConvertOk(NmsGraph("NonMaxSuppressionV5"), {"boxes", "scores"},
                                         {"nms", "nms:1", "nms:2"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model),
              ElementsAre("NON_MAX_SUPPRESSION_V5", "RESHAPE", "SLICE", "SLICE"));
  const tflite::Operator* nms = OperatorAt(model, 0);
  EXPECT_NE(nms->builtin_options_as_NonMaxSuppressionV5Options(), nullptr);
  ASSERT_EQ(nms->inputs()->size(), 6u);
  EXPECT_THAT(FloatBuffer(model, nms->inputs()->Get(5)), ElementsAre(0.5f));
  ASSERT_EQ(nms->outputs()->size(), 3u);
  EXPECT_EQ(TensorAt(model, nms->outputs()->Get(1))->type(), tflite::TensorType_FLOAT32);
  EXPECT_EQ(OperatorAt(model, 3)->inputs()->Get(0), nms->outputs()->Get(1));
  EXPECT_EQ(TensorAt(model, OperatorAt(model, 3)->outputs()->Get(0))->name()->str(), "nms:1");
  EXPECT_EQ(TensorAt(model, nms->outputs()->Get(2))->name()->str(), "nms:2");
}

TEST(DetectionRulesTest, NmsV3LowersToV4AndSlice) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(NmsGraph("NonMaxSuppressionV3"), {"boxes", "scores"}, {"nms"}, result);
  ASSERT_NE(model, nullptr);
  ASSERT_THAT(OperatorNames(model), ElementsAre("NON_MAX_SUPPRESSION_V4", "RESHAPE", "SLICE"));
  EXPECT_THAT(FloatBuffer(model, OperatorAt(model, 0)->inputs()->Get(4)), ElementsAre(0.25f));
  EXPECT_EQ(TensorAt(model, OperatorAt(model, 2)->outputs()->Get(0))->type(),
            tflite::TensorType_INT32);
}

TEST(DetectionRulesTest, NmsV2AndV1UseTheLowestFloatAsScoreThreshold) {
  for (const char* op : {"NonMaxSuppressionV2", "NonMaxSuppression"}) {
    SCOPED_TRACE(op);
    ConversionResult result;
    const tflite::Model* model = ConvertOk(NmsGraph(op), {"boxes", "scores"}, {"nms"}, result);
    ASSERT_NE(model, nullptr);
    ASSERT_THAT(OperatorNames(model),
                ElementsAre("NON_MAX_SUPPRESSION_V4", "RESHAPE", "SLICE"));
    const tflite::Operator* nms = OperatorAt(model, 0);
    EXPECT_THAT(FloatBuffer(model, nms->inputs()->Get(3)),
                ElementsAre(std::string(op) == "NonMaxSuppression" ? 0.7f : 0.5f));
    EXPECT_THAT(FloatBuffer(model, nms->inputs()->Get(4)),
                ElementsAre(std::numeric_limits<float>::lowest()));
  }
}

TEST(DetectionRulesTest, ComputedMaxOutputSizeIsRejected) {
  GraphBuilder g;
  g.Placeholder("boxes", tensorflow::DT_FLOAT, {6, 4});
  g.Placeholder("scores", tensorflow::DT_FLOAT, {6});
  g.Placeholder("max_out", tensorflow::DT_INT32, {});
  g.ConstFloat("iou", {}, {0.5f});
  AttrType(g.Op("NonMaxSuppressionV2", "nms", {"boxes", "scores", "max_out", "iou"}), "T",
           tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, Options({"boxes", "scores", "max_out"}, {"nms"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'nms' (NonMaxSuppressionV2): max_output_size (input 2) must be a "
                        "constant"));
}

// ApproxTopK's max-k over the last axis is TOPK_V2 with k as a constant;
// a min-k has no builtin and is declined.
TEST(DetectionRulesTest, ApproxTopKMaxOnTheLastAxisIsTopKV2AndMinKIsDeclined) {
  for (bool max_k : {true, false}) {
    GraphBuilder g;
    g.Placeholder("x", tensorflow::DT_FLOAT, {2, 6});
    auto& top = g.Op("ApproxTopK", "top", {"x"});
    AttrType(top, "T", tensorflow::DT_FLOAT);
    AttrInt(top, "k", 2);
    AttrBool(top, "is_max_k", max_k);
    ConversionResult result = ConvertGraph(g, Options({"x"}, {"top", "top:1"}));
    if (!max_k) {
      EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
      EXPECT_THAT(result.status.message(),
                  HasSubstr("ApproxTopK other than the max-k over the last dimension"));
      continue;
    }
    ASSERT_TRUE(result.status.ok()) << result.status;
    const tflite::Model* model = ModelOf(result.artifacts[0]);
    EXPECT_THAT(OperatorNames(model), ElementsAre("TOPK_V2"));
    const tflite::Operator* op = OperatorAt(model, 0);
    EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(1)), ElementsAre(2));
    EXPECT_THAT(ShapeOf(model, op->outputs()->Get(1)), ElementsAre(2, 2));
  }
}

}  // namespace
}  // namespace tflconv
