// The size report counts the whole model: WHILE and IF bodies hold
// operators, tensors and constants of their own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/control_flow.h"
#include "core/report/report.h"
#include "tests/testing/control_flow_models.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::Ne;
using namespace tflconv::testing;

// WeightedLoop: main WHILE + MUL, cond LESS, body ADD, MUL, ADD.
constexpr int kWeightedLoopOperators = 6;

TEST(SizeReportTest, OperatorCountCoversEverySubgraph) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  EXPECT_EQ(lite->operator_count(), kWeightedLoopOperators);
  SubgraphFocus focus(*lite, 2);
  EXPECT_EQ(lite->operator_count(), kWeightedLoopOperators);
}

TEST(SizeReportTest, ArtifactSizeCountsBodies) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  absl::StatusOr<SerializedModel> model = Fp32Artifact(*lite);
  ASSERT_TRUE(model.ok()) << model.status();
  size_t tensors = 0;
  for (int s = 0; s < lite->subgraph_count(); ++s) tensors += lite->subgraph(s).tensors.size();
  ASSERT_GT(tensors, lite->tensors.size());
  v1::SizeReport report;
  AddArtifactSize(Artifact{v1::FP32, "model_fp32.tflite", model->bytes, nullptr}, report);
  ASSERT_EQ(report.artifacts_size(), 1);
  EXPECT_EQ(report.artifacts(0).operators(), kWeightedLoopOperators);
  EXPECT_EQ(report.artifacts(0).tensors(), static_cast<int>(tensors));
}

TEST(SizeReportTest, LargestTensorsIncludeBodyConstantsOnce) {
  absl::StatusOr<LiteModel> lite = WeightedLoop();
  ASSERT_TRUE(lite.ok()) << lite.status();
  const v1::SizeReport report = StartSizeReport(100, *lite);
  std::vector<std::string> names;
  for (const v1::TensorSize& tensor : report.largest_tensors()) names.push_back(tensor.name());
  EXPECT_THAT(names, Contains("quarter"));  // a constant of the body only
  // The weights both subgraphs read are one buffer, listed once.
  EXPECT_EQ(std::count(names.begin(), names.end(), "w"), 1);
  ASSERT_FALSE(report.largest_tensors().empty());
  EXPECT_EQ(report.largest_tensors(0).name(), "w");
  EXPECT_EQ(report.largest_tensors(0).bytes(), 12u);
}

}  // namespace
}  // namespace tflconv
