// Attributes and inputs a hostile graph can set, one case per class of bug
// the rules had (out-of-bounds reads and writes, overflowing shape
// arithmetic, unbounded allocations): each is a clear error naming the
// node, never a crash.
#include <functional>
#include <ostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::HasSubstr;
using namespace tflconv::testing;

struct HostileCase {
  const char* name;
  // Builds the graph; the node under test is "bad", output "out".
  std::function<void(GraphBuilder&)> build;
  absl::StatusCode code;
  const char* message;
  std::vector<std::string> inputs = {"x"};  // besides "x": placeholders it adds
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileGraphTest : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileGraphTest, IsAClearErrorNamingTheNode) {
  const HostileCase& c = GetParam();
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  c.build(g);
  ConversionResult result = ConvertGraph(g, Options(c.inputs, {"out"}));
  EXPECT_EQ(result.status.code(), c.code) << result.status;
  EXPECT_THAT(std::string(result.status.message()), HasSubstr(c.message));
}

void Add(GraphBuilder& g, const std::string& a, const std::string& b) {
  AttrType(g.Op("AddV2", "out", {a, b}), "T", tensorflow::DT_FLOAT);
}

std::vector<HostileCase> Cases() {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  const auto kExhausted = absl::StatusCode::kResourceExhausted;
  return {
      {"StridedSliceMaskBeyond32Bits",
       [](GraphBuilder& g) {
         g.ConstInt("b", {2}, {0, 0});
         g.ConstInt("s", {2}, {1, 1});
         auto& node = g.Op("StridedSlice", "bad", {"x", "b", "b", "s"});
         AttrInt(node, "ellipsis_mask", int64_t{1} << 40);
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (StridedSlice): attribute 'ellipsis_mask' is 1099511627776"},
      {"StridedSliceSpecLongerThanTheMasks",
       [](GraphBuilder& g) {
         g.ConstInt("b", {70}, std::vector<int32_t>(70, 0));
         g.ConstInt("s", {70}, std::vector<int32_t>(70, 1));
         g.Op("StridedSlice", "bad", {"x", "b", "b", "s"});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (StridedSlice): begin has 70 entries"},
      {"SplitIntoTwoBillionOutputs",
       [](GraphBuilder& g) {
         g.ConstInt("axis", {}, {0});
         AttrInt(g.Op("Split", "bad", {"axis", "x"}), "num_split", int64_t{1} << 31);
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (Split): attribute 'num_split' is 2147483648"},
      {"IdentityNWithoutInputs",  // found by tests/fuzz (convert target)
       [](GraphBuilder& g) {
         g.Op("IdentityN", "bad", {});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (IdentityN): expects at least one input"},
      {"OutputIndexFarBeyondTheNode",
       [](GraphBuilder& g) {
         g.Op("Relu", "bad", {"x"});
         Add(g, "x", "bad:2000000000");
       },
       kInvalid, "node 'bad' (Relu): output 2000000000 is used"},
      {"TransposeWithNegativePerm",
       [](GraphBuilder& g) {
         g.ConstInt("perm", {2}, {-1, 0});
         g.Op("Transpose", "bad", {"x", "perm"});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (Transpose): perm [-1,0] is not a permutation"},
      {"ConcatOfMismatchedConstants",
       [](GraphBuilder& g) {
         g.ConstFloat("a", {1, 3}, {1, 2, 3});
         g.ConstFloat("b", {1, 30}, std::vector<float>(30, 1));
         g.ConstInt("axis", {}, {0});
         g.Op("ConcatV2", "bad", {"a", "b", "axis"});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (ConcatV2): input 0 has shape [1,3], which differs from [1,30]"},
      {"RangeOfMixedDtypes",
       [](GraphBuilder& g) {
         g.ConstInt64("start", {}, {0});
         g.ConstInt("limit", {}, {4});
         g.ConstInt("delta", {}, {1});
         g.Op("Range", "bad", {"start", "limit", "delta"});
         g.Op("Cast", "out", {"bad"});
       },
       kInvalid, "node 'bad' (Range): input 1 has dtype int32, start int64"},
      {"SliceSizeShorterThanTheRank",
       [](GraphBuilder& g) {
         g.Placeholder("begin", tensorflow::DT_INT32, {2});
         g.ConstInt("size", {1}, {1});
         g.Op("Slice", "bad", {"x", "begin", "size"});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (Slice): size [1] does not match the input rank 2", {"x", "begin"}},
      {"TileOverflowingInt64",
       [](GraphBuilder& g) {
         g.ConstInt64("multiples", {2}, {int64_t{1} << 62, 4});
         g.Op("Tile", "bad", {"x", "multiples"});
         Add(g, "x", "bad");
       },
       kExhausted, "node 'bad' (Tile): output 0 of shape [9223372036854775807,12]"},
      {"ReshapeOverflowingInt64",
       [](GraphBuilder& g) {
         g.ConstInt64("shape", {3}, {int64_t{1} << 62, 8, -1});
         g.Op("Reshape", "bad", {"x", "shape"});
         Add(g, "x", "bad");
       },
       kInvalid, "node 'bad' (Reshape): cannot reshape [2,3]"},
      {"FusedConvNamingAnArgumentItLacks",
       [](GraphBuilder& g) {
         g.Placeholder("image", tensorflow::DT_FLOAT, {1, 2, 2, 1});
         g.ConstFloat("w", {1, 1, 1, 1}, {1});
         auto& conv = g.Op("_FusedConv2D", "bad", {"image", "w"});
         AttrString(conv, "padding", "SAME");
         AttrStrings(conv, "fused_ops", {"BiasAdd", "Prelu"});
         g.Op("Identity", "out", {"bad"});
       },
       absl::StatusCode::kFailedPrecondition, "bias (input 2) must be a constant", {"image"}},
      {"MirrorPadBeyondTheInput",
       [](GraphBuilder& g) {
         g.ConstInt("paddings", {2, 2}, {0, 0, 3, 0});
         AttrString(g.Op("MirrorPad", "bad", {"x", "paddings"}), "mode", "REFLECT");
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (MirrorPad): paddings [0,0,3,0] exceed what dimension 1"},
      {"GatherWithMismatchedBatchDims",
       [](GraphBuilder& g) {
         g.ConstFloat("params", {2, 3}, {1, 2, 3, 4, 5, 6});
         g.ConstInt("indices", {3, 1}, {0, 1, 2});
         g.ConstInt("axis", {}, {1});
         AttrInt(g.Op("GatherV2", "bad", {"params", "indices", "axis"}), "batch_dims", 1);
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (GatherV2): params [2,3] and indices [3,1] differ"},
      {"SelectOfMismatchedConstants",
       [](GraphBuilder& g) {
         g.ConstInt("cond", {1}, {1});
         g.ConstFloat("t", {3, 2}, {1, 2, 3, 4, 5, 6});
         g.ConstFloat("e", {3, 2}, {1, 2, 3, 4, 5, 6});
         g.Op("Select", "bad", {"cond", "t", "e"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (Select): condition [1] and branches [3,2], [3,2] do not match"},
      {"MatMulInnerDimsDiffer",
       [](GraphBuilder& g) {
         g.ConstFloat("w", {4, 2}, std::vector<float>(8, 1));
         g.Op("MatMul", "bad", {"x", "w"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (MatMul): inner dimensions differ (3 and 4)"},
      {"DepthwiseFilterOfAnotherDepth",
       [](GraphBuilder& g) {
         g.Placeholder("image", tensorflow::DT_FLOAT, {1, 2, 2, 3});
         g.ConstFloat("w", {1, 1, 2, 1}, {1, 1});
         auto& conv = g.Op("DepthwiseConv2dNative", "bad", {"image", "w"});
         AttrString(conv, "padding", "SAME");
         AttrInts(conv, "strides", {1, 1, 1, 1});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (DepthwiseConv2dNative): input depth 3 does not match", {"image"}},
      {"AddNOfDifferentShapes",
       [](GraphBuilder& g) {
         g.ConstFloat("a", {2}, {1, 2});
         g.ConstFloat("b", {20}, std::vector<float>(20, 1));
         g.Op("AddN", "bad", {"a", "b"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (AddN): shapes [2] and [20]"},
      {"BroadcastToNegativeShape",
       [](GraphBuilder& g) {
         g.ConstInt("shape", {2}, {2, -3});
         g.Op("BroadcastTo", "bad", {"x", "shape"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (BroadcastTo): shape [2,-3] is negative"},
      {"TopKBeyondInt32",
       [](GraphBuilder& g) {
         g.Placeholder("v", tensorflow::DT_FLOAT, {-1});
         g.ConstInt64("k", {}, {int64_t{1} << 32});
         g.Op("TopKV2", "bad", {"v", "k"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (TopKV2): k (input 1) is 4294967296", {"v"}},
      {"FakeQuantWithEmptyMin",
       [](GraphBuilder& g) {
         g.ConstFloat("min", {0}, {});
         g.ConstFloat("max", {}, {6});
         g.Op("FakeQuantWithMinMaxVars", "bad", {"x", "min", "max"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (FakeQuantWithMinMaxVars): min and max (inputs 1, 2) must be scalars"},
      {"FakeQuantWithOnlyItsInput",  // found by tests/fuzz (convert target)
       [](GraphBuilder& g) {
         g.Op("FakeQuantWithMinMaxVars", "bad", {"x"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (FakeQuantWithMinMaxVars): expects 3 inputs"},
      {"NonMaxSuppressionWithEmptyThreshold",
       [](GraphBuilder& g) {
         g.Placeholder("boxes", tensorflow::DT_FLOAT, {4, 4});
         g.Placeholder("scores", tensorflow::DT_FLOAT, {4});
         g.ConstInt("max", {}, {2});
         g.ConstFloat("iou", {0}, {});
         g.Op("NonMaxSuppressionV2", "bad", {"boxes", "scores", "max", "iou"});
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (NonMaxSuppressionV2): iou_threshold (input 3) must be a scalar",
       {"boxes", "scores"}},
      {"PackAxisBeyondInt32OnUnknownRank",
       [](GraphBuilder& g) {
         g.Placeholder("shape", tensorflow::DT_INT32, {-1});
         g.Op("Reshape", "unranked", {"x", "shape"});
         AttrInt(g.Op("Pack", "bad", {"unranked", "unranked"}), "axis", int64_t{1} << 32);
         g.Op("Identity", "out", {"bad"});
       },
       kInvalid, "node 'bad' (Pack): axis 4294967296 does not fit in int32", {"x", "shape"}},
  };
}

INSTANTIATE_TEST_SUITE_P(OnePerClass, HostileGraphTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tflconv
