// Conv3D's and Conv3DBackpropInputV2's options, inputs and the attributes
// they validate; the numbers are judged on the official runtime by
// tests/opgen (conv3d/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

// x[1, 6, 7, 8, in_channels] -> Conv3D(filter [2, 3, 1, 2, 2] of 0, 1, ...), VALID.
GraphBuilder Conv3D(const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                    const std::string& data_format = "NDHWC", int64_t in_channels = 2) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 6, 7, 8, in_channels});
  std::vector<float> filter(2 * 3 * 1 * 2 * 2);
  for (size_t i = 0; i < filter.size(); ++i) filter[i] = static_cast<float>(i);
  g.ConstFloat("w", {2, 3, 1, 2, 2}, filter);
  auto& conv = g.Op("Conv3D", "out", {"x", "w"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrString(conv, "padding", "VALID");
  AttrString(conv, "data_format", data_format);
  AttrInts(conv, "strides", strides);
  if (!dilations.empty()) AttrInts(conv, "dilations", dilations);
  return g;
}

// Strides and dilations [1, d, h, w, 1] are the options' d/h/w fields; the
// filter keeps TF's [d, h, w, in, out], which conv3d.cc reads; no bias.
TEST(Conv3DRulesTest, Conv3DIsConv3DWithItsStridesDilationsAndFilter) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(Conv3D({1, 1, 2, 3, 1}, {1, 2, 1, 1, 1}), {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("CONV_3D"));
  const tflite::Operator* op = OperatorAt(model, 0);
  const auto* options = op->builtin_options_as_Conv3DOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->padding(), tflite::Padding_VALID);
  EXPECT_EQ(options->stride_d(), 1);
  EXPECT_EQ(options->stride_h(), 2);
  EXPECT_EQ(options->stride_w(), 3);
  EXPECT_EQ(options->dilation_d_factor(), 2);
  EXPECT_EQ(options->dilation_h_factor(), 1);
  EXPECT_EQ(options->dilation_w_factor(), 1);
  EXPECT_EQ(options->fused_activation_function(), tflite::ActivationFunctionType_NONE);
  ASSERT_EQ(op->inputs()->size(), 2u);
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre(2, 3, 1, 2, 2));
  const std::vector<float> filter = FloatBuffer(model, op->inputs()->Get(1));
  ASSERT_EQ(filter.size(), 24u);
  EXPECT_EQ(filter[5], 5.0f);
  // depth (6 - 3) / 1 + 1 with the dilated filter, height (7 - 3) / 2 + 1,
  // width (8 - 1) / 3 + 1.
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 4, 3, 3, 2));
}

TEST(Conv3DRulesTest, StridesOfAnotherRankAreRejected) {
  ConversionResult result = ConvertGraph(Conv3D({1, 1, 1, 1}, {}), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("node 'out' (Conv3D): attribute 'strides' must have 5 values, has "
                        "[1,1,1,1]"));
}

TEST(Conv3DRulesTest, ZeroStrideIsRejected) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 0, 1, 1}, {}), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("attribute 'strides' value 0 at index 2 is out of range"));
}

TEST(Conv3DRulesTest, DilationInTheChannelDimIsRejected) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 1, 1, 1}, {1, 1, 1, 1, 2}), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("attribute 'dilations' must be 1 in the batch and channel dims, is "
                        "[1,1,1,1,2]"));
}

TEST(Conv3DRulesTest, UnknownDataFormatIsRejected) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 1, 1, 1}, {}, "NHWC"), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(), HasSubstr("data_format 'NHWC' is not supported (NDHWC or NCDHW)"));
}

TEST(Conv3DRulesTest, InputChannelsNotAMultipleOfTheFiltersAreRejected) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 1, 1, 1}, {}, "NDHWC", 3), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("input channels 3 are not a multiple of the filter's 2"));
}

// conv3d.cc takes input channels equal to the filter's and NDHWC only, as
// TensorFlow's converter legalizes it: declined, naming why.
TEST(Conv3DRulesTest, GroupedConv3DIsDeclined) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 1, 1, 1}, {}, "NDHWC", 4), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("grouped Conv3D: channels 4, filter channels 2 (the kernel takes them equal)"));
}

TEST(Conv3DRulesTest, NcdhwConv3DIsDeclined) {
  ConversionResult result =
      ConvertGraph(Conv3D({1, 1, 1, 1, 1}, {}, "NCDHW"), Options({"x"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
  EXPECT_THAT(result.status.message(), HasSubstr("Conv3D in data_format NCDHW"));
}

// sizes [1, 5, 6, 7, 2] <- Conv3DBackpropInputV2(filter [2, 3, 3, 2, 3],
// out_backprop `grad`), SAME, strides 2 in depth.
GraphBuilder Conv3DBackpropInput(const std::vector<int64_t>& grad) {
  GraphBuilder g;
  g.ConstInt64("sizes", {5}, {1, 5, 6, 7, 2});
  g.ConstFloat("w", {2, 3, 3, 2, 3}, std::vector<float>(108, 0.5f));
  g.Placeholder("dy", tensorflow::DT_FLOAT, grad);
  auto& conv = g.Op("Conv3DBackpropInputV2", "out", {"sizes", "w", "dy"});
  AttrType(conv, "T", tensorflow::DT_FLOAT);
  AttrType(conv, "Tshape", tensorflow::DT_INT64);
  AttrString(conv, "padding", "SAME");
  AttrInts(conv, "strides", {1, 2, 1, 1, 1});
  return g;
}

// TF's inputs in their order, input_sizes as the int32 output shape the
// kernel reads, the filter unchanged.
TEST(Conv3DRulesTest, Conv3DBackpropInputIsConv3DTranspose) {
  ConversionResult result;
  const tflite::Model* model =
      ConvertOk(Conv3DBackpropInput({1, 3, 6, 7, 3}), {"dy"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("CONV_3D_TRANSPOSE"));
  const tflite::Operator* op = OperatorAt(model, 0);
  const auto* options = op->builtin_options_as_Conv3DOptions();
  ASSERT_NE(options, nullptr);
  EXPECT_EQ(options->padding(), tflite::Padding_SAME);
  EXPECT_EQ(options->stride_d(), 2);
  EXPECT_EQ(options->stride_h(), 1);
  ASSERT_EQ(op->inputs()->size(), 3u);
  EXPECT_THAT(Int32Buffer(model, op->inputs()->Get(0)), ElementsAre(1, 5, 6, 7, 2));
  EXPECT_THAT(ShapeOf(model, op->inputs()->Get(1)), ElementsAre(2, 3, 3, 2, 3));
  EXPECT_EQ(TensorAt(model, op->inputs()->Get(2))->name()->str(), "dy");
  EXPECT_THAT(ShapeOf(model, op->outputs()->Get(0)), ElementsAre(1, 5, 6, 7, 2));
}

// A Conv3D of the output's shape gives depth 3 with stride 2, not 4.
TEST(Conv3DRulesTest, OutBackpropThatNoConv3DGivesIsRejected) {
  ConversionResult result =
      ConvertGraph(Conv3DBackpropInput({1, 4, 6, 7, 3}), Options({"dy"}, {"out"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument) << result.status;
  EXPECT_THAT(result.status.message(),
              HasSubstr("input_sizes [1,5,6,7,2], filter of shape [2,3,3,2,3] and out_backprop "
                        "of shape [1,4,6,7,3] do not fit"));
}

// `tf_op` ("Relu", ...) named "act" reading the graph's "out".
void AddActivation(GraphBuilder& g, const std::string& tf_op) {
  AttrType(g.Op(tf_op, "act", {"out"}), "T", tensorflow::DT_FLOAT);
}

// The name of `op`'s fused activation ("RELU", ...), "" without Conv3DOptions.
std::string FusedActivationOf(const tflite::Operator* op) {
  const auto* options = op->builtin_options_as_Conv3DOptions();
  return options != nullptr
             ? tflite::EnumNameActivationFunctionType(options->fused_activation_function())
             : "";
}

// conv3d.cc and conv3d_transpose.cc clamp their outputs with the fused
// activation's range, so the optimizer fuses a following Relu or Relu6.
TEST(Conv3DRulesTest, ReluAndRelu6FuseIntoConv3D) {
  const std::pair<std::string, std::string> activations[] = {{"Relu", "RELU"},
                                                             {"Relu6", "RELU6"}};
  for (const auto& [tf_op, fused] : activations) {
    GraphBuilder g = Conv3D({1, 1, 1, 1, 1}, {});
    AddActivation(g, tf_op);
    ConversionResult result;
    const tflite::Model* model = ConvertOk(g, {"x"}, {"act"}, result);
    ASSERT_NE(model, nullptr) << tf_op;
    EXPECT_THAT(OperatorNames(model), ElementsAre("CONV_3D")) << tf_op;
    EXPECT_EQ(FusedActivationOf(OperatorAt(model, 0)), fused) << tf_op;
    EXPECT_EQ(TensorAt(model, OperatorAt(model, 0)->outputs()->Get(0))->name()->str(), "act");
  }
}

TEST(Conv3DRulesTest, ReluFusesIntoConv3DTranspose) {
  GraphBuilder g = Conv3DBackpropInput({1, 3, 6, 7, 3});
  AddActivation(g, "Relu");
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"dy"}, {"act"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("CONV_3D_TRANSPOSE"));
  EXPECT_EQ(FusedActivationOf(OperatorAt(model, 0)), "RELU");
  // op_version.cc gives both 3-D convolutions version 1, activation or not.
  const tflite::Operator* op = OperatorAt(model, 0);
  EXPECT_EQ(model->operator_codes()->Get(op->opcode_index())->version(), 1);
}

// Tanh is no clamp: the kernels would leave it unapplied, so it stays its
// own operator.
TEST(Conv3DRulesTest, TanhAfterConv3DStaysItsOwnOperator) {
  GraphBuilder g = Conv3D({1, 1, 1, 1, 1}, {});
  AddActivation(g, "Tanh");
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"act"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("CONV_3D", "TANH"));
  EXPECT_EQ(FusedActivationOf(OperatorAt(model, 0)), "NONE");
}

}  // namespace
}  // namespace tflconv
