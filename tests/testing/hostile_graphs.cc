#include "tests/testing/hostile_graphs.h"

#include <limits>
#include <map>

#include "absl/strings/str_cat.h"

namespace tflconv::testing {
namespace {

void Add(GraphBuilder& g, const std::string& a, const std::string& b) {
  AttrType(g.Op("AddV2", "out", {a, b}), "T", tensorflow::DT_FLOAT);
}

const char* const kWindowedOps[] = {"Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "MaxPool",
                                    "AvgPool"};

v1::ConversionOptions ServerOptions(std::vector<std::string> inputs,
                                    std::vector<std::string> outputs) {
  v1::ConversionOptions options = Options(std::move(inputs), std::move(outputs), /*fp16=*/true);
  options.clear_artifacts();
  options.mutable_limits()->set_max_folded_bytes(kServerFoldBudget);
  return options;
}

}  // namespace

std::vector<HostileCase> ValidationCases() {
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

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

GraphBuilder ValidationGraph(const HostileCase& c) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {2, 3});
  c.build(g);
  return g;
}

GraphBuilder WindowGraph(const std::string& op, const std::string& attribute, int64_t value) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, 4, 4, 2});
  std::vector<std::string> inputs = {"x"};
  const bool pool = op == "MaxPool" || op == "AvgPool";
  if (!pool) {
    g.ConstFloat("w", {1, 1, 2, 1}, {1, 2});
    inputs.push_back("w");
  }
  if (op == "_FusedConv2D") {
    g.ConstFloat("b", {1}, {0.5f});
    inputs.push_back("b");
  }
  auto& node = g.Op(op, "window", inputs);
  AttrType(node, "T", tensorflow::DT_FLOAT);
  AttrString(node, "padding", "SAME");
  if (op == "_FusedConv2D") AttrStrings(node, "fused_ops", {"BiasAdd"});
  std::map<std::string, std::vector<int64_t>> attrs = {{"strides", {1, 1, 1, 1}}};
  attrs[pool ? "ksize" : "dilations"] = pool ? std::vector<int64_t>{1, 2, 2, 1}
                                             : std::vector<int64_t>{1, 1, 1, 1};
  attrs[attribute][2] = value;
  for (const auto& [name, values] : attrs) AttrInts(node, name, values);
  return g;
}

GraphBuilder DivisionGraph(const std::string& op, tensorflow::DataType dtype,
                           std::vector<int64_t> divisor) {
  GraphBuilder g;
  g.Placeholder("x", dtype, {2});
  if (dtype == tensorflow::DT_INT32) {
    g.ConstInt("a", {2}, {std::numeric_limits<int32_t>::min(), 7});
    g.ConstInt("b", {2}, std::vector<int32_t>(divisor.begin(), divisor.end()));
  } else {
    g.ConstInt64("a", {2}, {std::numeric_limits<int64_t>::min(), 7});
    g.ConstInt64("b", {2}, divisor);
  }
  AttrType(g.Op(op, "q", {"a", "b"}), "T", dtype);
  AttrType(g.Op("AddV2", "out", {"x", "q"}), "T", dtype);
  return g;
}

std::string NestedText(const std::string& open, const std::string& close, int depth) {
  std::string text = "node { name: \"x\" op: \"Placeholder\" ";
  for (int i = 0; i < depth; ++i) text += open;
  for (int i = 0; i < depth; ++i) text += close;
  return text + "}\n";
}

std::string CompactConst(GraphBuilder& g, const std::string& name, std::vector<int64_t> shape,
                         std::vector<float> values) {
  tensorflow::NodeDef& node = g.Op("Const", name, {});
  AttrType(node, "dtype", tensorflow::DT_FLOAT);
  tensorflow::TensorProto& tensor = *(*node.mutable_attr())["value"].mutable_tensor();
  tensor.set_dtype(tensorflow::DT_FLOAT);
  for (int64_t d : shape) tensor.mutable_tensor_shape()->add_dim()->set_size(d);
  for (float v : values) tensor.add_float_val(v);
  return name;
}

void Range(GraphBuilder& g, const std::string& name, int32_t start, int32_t limit,
           int32_t delta) {
  g.ConstInt(name + "/start", {}, {start});
  g.ConstInt(name + "/limit", {}, {limit});
  g.ConstInt(name + "/delta", {}, {delta});
  AttrType(g.Op("Range", name, {name + "/start", name + "/limit", name + "/delta"}), "Tidx",
           tensorflow::DT_INT32);
}

GraphBuilder RangeCastAdd() {
  GraphBuilder g;
  Range(g, "range", 0, 2147483647, 2);
  auto& cast = g.Op("Cast", "cast", {"range"});
  AttrType(cast, "SrcT", tensorflow::DT_INT32);
  AttrType(cast, "DstT", tensorflow::DT_INT64);
  AttrType(g.Op("AddV2", "out", {"cast", "cast"}), "T", tensorflow::DT_INT64);
  return g;
}

GraphBuilder HugeCompactConst() {
  GraphBuilder g;
  CompactConst(g, "huge", {1 << 30}, {1.0f});
  AttrType(g.Op("Neg", "out", {"huge"}), "T", tensorflow::DT_FLOAT);
  return g;
}

GraphBuilder OnCompactImage(const std::string& op) {
  GraphBuilder g;
  CompactConst(g, "image", {1, 4096, 4096, 1}, {1.0f, 2.0f});
  if (op == "MirrorPad") {
    g.ConstInt("paddings", {4, 2}, {0, 0, 4095, 4095, 4095, 4095, 0, 0});
    AttrString(g.Op("MirrorPad", "out", {"image", "paddings"}), "mode", "REFLECT");
  } else if (op == "ResizeNearestNeighbor") {
    g.ConstInt("size", {2}, {30000, 30000});
    g.Op("ResizeNearestNeighbor", "out", {"image", "size"});
  } else if (op == "ArgMax") {
    g.ConstInt("axis", {}, {1});
    g.ConstInt("axis2", {}, {2});
    g.Op("ArgMax", "first", {"image", "axis"});
    g.Op("ArgMax", "second", {"image", "axis2"});
    AttrType(g.Op("AddV2", "out", {"first", "second"}), "T", tensorflow::DT_INT64);
  } else if (op == "Tile") {
    g.ConstInt("multiples", {4}, {1, 4, 4, 1});
    g.Op("Tile", "out", {"image", "multiples"});
  } else if (op == "BroadcastTo") {
    g.ConstInt("shape", {4}, {16, 4096, 4096, 1});
    g.Op("BroadcastTo", "out", {"image", "shape"});
  }
  return g;
}

GraphBuilder FillHuge() {
  GraphBuilder g;
  g.ConstInt("dims", {1}, {1 << 29});
  g.ConstFloat("one", {}, {1});
  g.Op("Fill", "out", {"dims", "one"});
  return g;
}

std::vector<HostileRequest> HostileRequests() {
  std::vector<HostileRequest> requests;
  for (const HostileCase& c : ValidationCases()) {
    requests.push_back({c.name, ValidationGraph(c).Binary(), ServerOptions(c.inputs, {"out"})});
  }
  for (const std::string op : kWindowedOps) {
    const bool pool = op == "MaxPool" || op == "AvgPool";
    // 2^32 truncated to int is 0, which divided by zero.
    for (int64_t value : {int64_t{0}, int64_t{1} << 32, int64_t{-1}}) {
      for (const std::string attribute : {"strides", pool ? "ksize" : "dilations"}) {
        requests.push_back({absl::StrCat(op, "_", attribute, "=", value),
                            WindowGraph(op, attribute, value).Binary(),
                            ServerOptions({"x"}, {"window"})});
      }
    }
  }
  for (const std::string op : {"Div", "RealDiv", "FloorDiv", "FloorMod"}) {
    for (tensorflow::DataType dtype : {tensorflow::DT_INT32, tensorflow::DT_INT64}) {
      for (const std::vector<int64_t>& divisor : {std::vector<int64_t>{-1, -1}, {1, 0}}) {
        requests.push_back({absl::StrCat(op, "_", tensorflow::DataType_Name(dtype), "_by_",
                                         divisor[1]),
                            DivisionGraph(op, dtype, divisor).Binary(),
                            ServerOptions({"x"}, {"out"})});
      }
    }
  }
  requests.push_back({"NestedText_known_fields",
                      NestedText("attr { key: \"a\" value { func { name: \"f\" ", "} } } ",
                                 20000),
                      ServerOptions({"x"}, {"x"})});
  requests.push_back({"NestedText_unknown_fields", NestedText("unknown_field { ", "} ", 20000),
                      ServerOptions({"x"}, {"x"})});
  GraphBuilder enum999;
  enum999.Placeholder("x", tensorflow::DT_FLOAT, {1, 4});
  AttrType(enum999.Op("Relu", "relu", {"x"}), "T", static_cast<tensorflow::DataType>(999));
  requests.push_back({"Relu_T_999", enum999.Binary(), ServerOptions({"x"}, {"relu"})});
  requests.push_back({"Relu_T_999_text", enum999.Text(), ServerOptions({"x"}, {"relu"})});
  const std::pair<const char*, GraphBuilder> amplifications[] = {
      {"RangeCastAdd", RangeCastAdd()},
      {"HugeCompactConst", HugeCompactConst()},
      {"MirrorPad", OnCompactImage("MirrorPad")},
      {"ResizeNearestNeighbor", OnCompactImage("ResizeNearestNeighbor")},
      {"ArgMax", OnCompactImage("ArgMax")},
      {"Tile", OnCompactImage("Tile")},
      {"BroadcastTo", OnCompactImage("BroadcastTo")},
      {"Fill", FillHuge()}};
  for (const auto& [name, graph] : amplifications) {
    requests.push_back({name, graph.Binary(), ServerOptions({}, {"out"})});
  }
  return requests;
}

}  // namespace tflconv::testing
