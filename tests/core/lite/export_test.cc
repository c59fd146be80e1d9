#include "core/lite/export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using namespace tflconv::testing;

// Two adds of the same constant values under different names.
GraphBuilder TwoAdds() {
  GraphBuilder g;
  g.Placeholder("a", tensorflow::DT_FLOAT, {4});
  g.ConstFloat("c1", {4}, {1, 2, 3, 4});
  g.ConstFloat("c2", {4}, {1, 2, 3, 4});
  AttrType(g.Op("Add", "x", {"a", "c1"}), "T", tensorflow::DT_FLOAT);
  AttrType(g.Op("AddV2", "y", {"x", "c2"}), "T", tensorflow::DT_FLOAT);
  return g;
}

TEST(ExportTest, ModelCarriesSignatureMetadataDescriptionAndTfNames) {
  ConversionResult result = ConvertGraph(TwoAdds(), Options({"a"}, {"y"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  EXPECT_EQ(model->version(), 3u);
  EXPECT_TRUE(absl::StartsWith(model->description()->str(), "tflconv "));
  ASSERT_EQ(model->signature_defs()->size(), 1u);
  const tflite::SignatureDef* signature = model->signature_defs()->Get(0);
  EXPECT_EQ(signature->signature_key()->str(), "serving_default");
  EXPECT_EQ(signature->inputs()->Get(0)->name()->str(), "a");
  EXPECT_EQ(signature->outputs()->Get(0)->name()->str(), "y");
  EXPECT_EQ(TensorAt(model, signature->outputs()->Get(0)->tensor_index())->name()->str(), "y");
  ASSERT_EQ(model->metadata()->size(), 1u);
  EXPECT_EQ(model->metadata()->Get(0)->name()->str(), "min_runtime_version");
  const tflite::Buffer* version = model->buffers()->Get(model->metadata()->Get(0)->buffer());
  EXPECT_EQ(version->data()->size(), 16u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(version->data()->data())), "1.5.0");
}

TEST(ExportTest, IdenticalConstantsAreStoredOnce) {
  ConversionResult result = ConvertGraph(TwoAdds(), Options({"a"}, {"y"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  const int c1 = OperatorAt(model, 0)->inputs()->Get(1);
  const int c2 = OperatorAt(model, 1)->inputs()->Get(1);
  EXPECT_NE(c1, c2);
  EXPECT_EQ(TensorAt(model, c1)->buffer(), TensorAt(model, c2)->buffer());
  EXPECT_EQ(TensorAt(model, c1)->name()->str(), "c1");
}

TEST(ExportTest, BuffersAreSixteenByteAligned) {
  ConversionResult result = ConvertGraph(TwoAdds(), Options({"a"}, {"y"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const tflite::Model* model = ModelOf(result.artifacts[0]);
  for (const tflite::Buffer* buffer : *model->buffers()) {
    if (buffer->data() && buffer->data()->size() > 0) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data()->data()) % 16,
                reinterpret_cast<uintptr_t>(result.artifacts[0].bytes.data()) % 16);
    }
  }
}

TEST(ExportTest, VerifierRejectsCorruptBytes) {
  ConversionResult result = ConvertGraph(TwoAdds(), Options({"a"}, {"y"}));
  ASSERT_TRUE(result.status.ok());
  std::string bytes(result.artifacts[0].bytes);
  EXPECT_TRUE(VerifyTfliteModel(bytes).ok());
  EXPECT_FALSE(VerifyTfliteModel(bytes.substr(0, bytes.size() / 2)).ok());
  EXPECT_FALSE(VerifyTfliteModel("not a model").ok());
}

}  // namespace
}  // namespace tflconv
