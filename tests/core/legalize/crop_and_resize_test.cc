// CropAndResize written with builtins: what it emits, what it refuses, and
// its numbers on the official runtime against values worked out by hand from
// TensorFlow's kernel (the generated cases, tests/opgen, sweep the rest).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/testing/graph_builder.h"
#include "tests/testing/oracle_fixture.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace tflconv::testing;

// What CropGraph varies.
struct CropSpec {
  std::string method = "bilinear";
  std::vector<int32_t> crop = {2, 2};  // empty: crop_size is a placeholder too
  tensorflow::DataType image_dtype = tensorflow::DT_FLOAT;
  std::vector<int64_t> image = {2, 3, 3, 1};
  // The image's size is known only at run time: it is the placeholder
  // "pixels" reshaped to the placeholder "image_shape".
  bool run_time_size = false;
};

// image, boxes [3, 4] and box_ind [3] placeholders (boxes computed at run
// time, as a detector's second stage has them) and crop_size.
GraphBuilder CropGraph(const CropSpec& spec) {
  GraphBuilder g;
  if (spec.run_time_size) {
    g.Placeholder("pixels", spec.image_dtype, spec.image);
    g.Placeholder("image_shape", tensorflow::DT_INT32, {4});
    AttrType(g.Op("Reshape", "image", {"pixels", "image_shape"}), "T", spec.image_dtype);
  } else {
    g.Placeholder("image", spec.image_dtype, spec.image);
  }
  g.Placeholder("boxes", tensorflow::DT_FLOAT, {3, 4});
  g.Placeholder("box_ind", tensorflow::DT_INT32, {3});
  if (spec.crop.empty()) {
    g.Placeholder("crop_size", tensorflow::DT_INT32, {2});
  } else {
    g.ConstInt("crop_size", {2}, spec.crop);
  }
  auto& op = g.Op("CropAndResize", "crop", {"image", "boxes", "box_ind", "crop_size"});
  AttrType(op, "T", spec.image_dtype);
  AttrString(op, "method", spec.method);
  AttrFloat(op, "extrapolation_value", -1.0f);
  return g;
}

CropSpec Method(std::string method) {
  CropSpec spec;
  spec.method = std::move(method);
  return spec;
}

int Count(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<int>(std::count(names.begin(), names.end(), name));
}

TEST(CropAndResizeTest, BilinearReadsFourPixelsAndSelectsTheExtrapolationValue) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(CropGraph(Method("bilinear")), {"image", "boxes", "box_ind"}, {"crop"}, result);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> names = OperatorNames(model);
  EXPECT_EQ(Count(names, "GATHER_ND"), 4);
  EXPECT_EQ(Count(names, "FLOOR"), 2);
  EXPECT_EQ(Count(names, "CEIL"), 2);
  EXPECT_THAT(names, Not(Contains(HasSubstr("Flex"))));
  ASSERT_EQ(names.back(), "SELECT_V2");
  const tflite::Operator* select = OperatorAt(model, static_cast<int>(names.size()) - 1);
  EXPECT_EQ(TensorAt(model, select->outputs()->Get(0))->name()->str(), "crop");
  EXPECT_THAT(ShapeOf(model, select->outputs()->Get(0)), ::testing::ElementsAre(3, 2, 2, 1));
  EXPECT_THAT(FloatBuffer(model, select->inputs()->Get(2)), ::testing::ElementsAre(-1.0f));
}

TEST(CropAndResizeTest, NearestReadsOnePixel) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(CropGraph(Method("nearest")), {"image", "boxes", "box_ind"}, {"crop"}, result);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> names = OperatorNames(model);
  EXPECT_EQ(Count(names, "GATHER_ND"), 1);
  EXPECT_EQ(Count(names, "CEIL"), 0);
  EXPECT_EQ(names.back(), "SELECT_V2");
}

TEST(CropAndResizeTest, IntegerImageIsCastToFloatFirst) {
  CropSpec spec;
  spec.image_dtype = tensorflow::DT_INT32;
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(CropGraph(spec), {"image", "boxes", "box_ind"}, {"crop"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(OperatorNames(model).front(), "CAST");
  EXPECT_EQ(TensorAt(model, OperatorAt(model, 0)->inputs()->Get(0))->name()->str(), "image");
}

TEST(CropAndResizeTest, UnknownMethodIsRejectedNamingTheAttribute) {
  ConversionResult result =
      ConvertGraph(CropGraph(Method("area")), Options({"image", "boxes", "box_ind"}, {"crop"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'crop' (CropAndResize): attribute 'method' is 'area'"));
}

TEST(CropAndResizeTest, NonPositiveCropSizeIsRejected) {
  CropSpec spec;
  spec.crop = {0, 2};
  ConversionResult result =
      ConvertGraph(CropGraph(spec), Options({"image", "boxes", "box_ind"}, {"crop"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status.message(),
              HasSubstr("crop_size (input 3) must be 2 positive values (crop_height, "
                        "crop_width), is [0,2]"));
}

TEST(CropAndResizeTest, ComputedCropSizeIsUnsupported) {
  CropSpec spec;
  spec.crop = {};
  ConversionResult result =
      ConvertGraph(CropGraph(spec), Options({"image", "boxes", "box_ind", "crop_size"}, {"crop"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'crop' (CropAndResize): crop_size (input 3) must be a constant"));
}

TEST(CropAndResizeTest, ImageOfRunTimeSizeIsMeasuredWithShape) {
  CropSpec spec;
  spec.run_time_size = true;
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(CropGraph(spec), {"pixels", "image_shape", "boxes", "box_ind"}, {"crop"}, result);
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> names = OperatorNames(model);
  EXPECT_EQ(Count(names, "SHAPE"), 1);
  EXPECT_EQ(names.back(), "SELECT_V2");
}

// image[b] holds 3 * y + x + 100 * b, a plane, which bilinear sampling
// reproduces exactly: a sample at (in_y, in_x) reads 3 * in_y + in_x.
std::vector<float> PlaneImage() {
  std::vector<float> image;
  for (int b = 0; b < 2; ++b) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 3; ++x) image.push_back(3.0f * y + x + 100.0f * b);
    }
  }
  return image;
}

// With crop 2x2 on a 3x3 image, in = lo * 2 + p * (hi - lo) * 2 for p in {0, 1}:
//   [0, 0, 1, 1] on image 0:           rows {0, 2}, columns {0, 2}
//   [1, 0.5, 0, 0] (flipped) on 1:     rows {2, 0}, columns {1, 0}
//   [-0.5, 0.25, 0.5, 1.5] on 1:       rows {-1, 1}, columns {0.5, 3}:
//     only (1, 0.5) lies inside the image; the rest is extrapolation_value -1.
const std::vector<float> kBoxes = {0, 0, 1, 1, 1, 0.5f, 0, 0, -0.5f, 0.25f, 0.5f, 1.5f};
const std::vector<int32_t> kBoxImages = {0, 1, 1};

// Both artifacts of CropGraph(spec), run on the runtime over the boxes
// above.
class CropOracleTest : public OracleTest {
 protected:
  void ExpectCrops(const CropSpec& spec, const std::vector<float>& expected) {
    std::vector<std::string> inputs = {"boxes", "box_ind"};
    std::vector<NpyArray> values = {Float32Array("boxes", {3, 4}, kBoxes),
                                    Int32Array("box_ind", {3}, kBoxImages)};
    if (spec.run_time_size) {
      inputs.insert(inputs.end(), {"pixels", "image_shape"});
      values.push_back(Float32Array("pixels", {2, 3, 3, 1}, PlaneImage()));
      values.push_back(Int32Array("image_shape", {4}, {2, 3, 3, 1}));
    } else {
      inputs.push_back("image");
      values.push_back(Float32Array("image", {2, 3, 3, 1}, PlaneImage()));
    }
    ConversionResult result =
        ConvertGraph(CropGraph(spec), Options(inputs, {"crop"}, /*fp16=*/true));
    ASSERT_TRUE(result.status.ok()) << result.status;
    ASSERT_EQ(result.artifacts.size(), 2u);
    for (const Artifact& artifact : result.artifacts) {
      SCOPED_TRACE(artifact.file_name);
      ExpectRuns(artifact.bytes, values, {Float32Array("crop", {3, 2, 2, 1}, expected)}, 1e-6);
    }
  }
};

const std::vector<float> kBilinearCrops = {0, 2, 6, 8, 107, 106, 101, 100, -1, -1, 103.5f, -1};

TEST_F(CropOracleTest, BilinearCropsMatchTensorFlowsKernel) {
  ExpectCrops(Method("bilinear"), kBilinearCrops);
}

TEST_F(CropOracleTest, NearestCropsRoundHalvesAwayFromZero) {
  // (1, 0.5) reads column roundf(0.5) = 1: 3 * 1 + 1 + 100.
  ExpectCrops(Method("nearest"), {0, 2, 6, 8, 107, 106, 101, 100, -1, -1, 104, -1});
}

TEST_F(CropOracleTest, CropsOfAnImageSizedAtRunTime) {
  CropSpec spec;
  spec.run_time_size = true;
  ExpectCrops(spec, kBilinearCrops);
}

}  // namespace
}  // namespace tflconv
