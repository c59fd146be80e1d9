// TensorArrays and TensorLists on small hand-built graphs: what they lower
// to, and the sizes and element shapes TensorFlow's kernels enforce
// (list_kernels.cc, tensor_array_ops.cc). The numbers such models compute
// are checked on the official runtime by tests/opgen/control_flow_cases.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;
using tensorflow::DT_VARIANT;

// for i in range(3): ta = ta.write(i, x * i)  — the TensorArray declares no
// element shape; it is learned from the first write.
TEST(ArrayOpsTest, TensorArrayTakesItsElementShapeFromTheFirstWrite) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2, 3});
  g.ConstInt("size", {}, {3});
  tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
  AttrType(ta, "dtype", DT_FLOAT);
  (*ta.mutable_attr())["element_shape"].mutable_shape()->set_unknown_rank(true);
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  auto exits = WhileLoop(
      g, "loop", {{"zero", DT_INT32}, {"ta:1", DT_FLOAT}}, {{"ta", tensorflow::DT_RESOURCE},
                                                             {"x", DT_FLOAT},
                                                             {"size", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[2]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        tensorflow::NodeDef& cast = g.Op("Cast", "loop/i_float", {t.vars[0]});
        AttrType(cast, "SrcT", DT_INT32);
        AttrType(cast, "DstT", DT_FLOAT);
        TypedOp(g, "Mul", "loop/scaled", {t.invariants[1], "loop/i_float"}, DT_FLOAT);
        TypedOp(g, "TensorArrayWriteV3", "loop/write",
                {t.invariants[0], t.vars[0], "loop/scaled", t.vars[1]}, DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "loop/i_next", {t.vars[0], "one"}, DT_INT32), "loop/write"};
      });
  g.ConstInt("delta", {}, {1});
  TypedOp(g, "TensorArraySizeV3", "n", {"ta", exits[1]}, DT_FLOAT);
  AttrType(g.Op("Range", "indices", {"zero", "n", "delta"}), "Tidx", DT_INT32);
  tensorflow::NodeDef& gather = g.Op("TensorArrayGatherV3", "stacked", {"ta", "indices", exits[1]});
  AttrType(gather, "dtype", DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"stacked"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("MUL", "MUL", "MUL", "PACK"));
  EXPECT_THAT(ShapeOf(model, model->subgraphs()->Get(0)->outputs()->Get(0)), ElementsAre(3, 2, 3));
  const v1::ControlFlowRegion* array = FindRegion(result.report, "TensorArray", "ta");
  ASSERT_NE(array, nullptr);
  EXPECT_EQ(array->disposition(), "lowered to its elements: up to 3 tensors of float32[2,3]");
}

// A TF2-style TensorList loop: reserve, set_item per iteration, stack.
TEST(ArrayOpsTest, TensorListLoopStacksItsItems) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {4});
  g.ConstInt("element_shape", {}, {-1});
  g.ConstInt("size", {}, {2});
  tensorflow::NodeDef& reserve = g.Op("TensorListReserve", "list", {"element_shape", "size"});
  AttrType(reserve, "element_dtype", DT_FLOAT);
  AttrType(reserve, "shape_type", DT_INT32);
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  g.ConstFloat("two", {}, {2.0f});
  auto exits = WhileLoop(
      g, "loop", {{"zero", DT_INT32}, {"list", tensorflow::DT_VARIANT}, {"x", DT_FLOAT}},
      {{"size", DT_INT32}},
      [](GraphBuilder& g, const FrameTensors& t) {
        return TypedOp(g, "Less", "loop/Less", {t.vars[0], t.invariants[0]}, DT_INT32);
      },
      [](GraphBuilder& g, const FrameTensors& t) {
        TypedOp(g, "Mul", "loop/doubled", {t.vars[2], "two"}, DT_FLOAT);
        tensorflow::NodeDef& set = g.Op("TensorListSetItem", "loop/set",
                                        {t.vars[1], t.vars[0], "loop/doubled"});
        AttrType(set, "element_dtype", DT_FLOAT);
        return std::vector<std::string>{
            TypedOp(g, "AddV2", "loop/i_next", {t.vars[0], "one"}, DT_INT32), "loop/set",
            "loop/doubled"};
      });
  tensorflow::NodeDef& stack = g.Op("TensorListStack", "stacked", {exits[1], "element_shape"});
  AttrType(stack, "element_dtype", DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"stacked"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("MUL", "MUL", "PACK"));
  EXPECT_THAT(ShapeOf(model, model->subgraphs()->Get(0)->outputs()->Get(0)), ElementsAre(2, 4));
  ASSERT_NE(FindRegion(result.report, "TensorList", "list"), nullptr);
}

// TensorListFromTensor makes a list of one item per row; reading them
// reads the rows of the unstacked tensor.
TEST(ArrayOpsTest, TensorListFromTensorHoldsOneItemPerRow) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3, 2});
  g.ConstInt("element_shape", {1}, {2});
  tensorflow::NodeDef& list = g.Op("TensorListFromTensor", "list", {"x", "element_shape"});
  AttrType(list, "element_dtype", DT_FLOAT);
  AttrType(list, "shape_type", DT_INT32);
  g.ConstInt("last", {}, {2});
  tensorflow::NodeDef& item = g.Op("TensorListGetItem", "item", {"list", "last", "element_shape"});
  AttrType(item, "element_dtype", DT_FLOAT);
  TypedOp(g, "Relu", "out", {"item"}, DT_FLOAT);
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"out"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("UNPACK", "RELU"));
  const v1::ControlFlowRegion* region = FindRegion(result.report, "TensorList", "list");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->disposition(), "lowered to its elements: up to 3 tensors of float32[2]");
}

// "name = <list op>(inputs)" with element_dtype float32.
tensorflow::NodeDef& ListOp(GraphBuilder& g, const std::string& op, const std::string& name,
                            std::vector<std::string> inputs) {
  tensorflow::NodeDef& def = g.Op(op, name, std::move(inputs));
  AttrType(def, "element_dtype", DT_FLOAT);
  return def;
}

// "list": TensorListReserve(element_shape, size) when size >= 0, else
// EmptyTensorList(element_shape, max_num_elements=-1).
void MakeList(GraphBuilder& g, std::vector<int64_t> element_shape_dims,
              std::vector<int32_t> element_shape, int size) {
  g.ConstInt("element_shape", std::move(element_shape_dims), std::move(element_shape));
  g.ConstInt("size", {}, {size});
  AttrType(ListOp(g, size >= 0 ? "TensorListReserve" : "EmptyTensorList", "list",
                  {"element_shape", "size"}),
           "shape_type", DT_INT32);
}

absl::Status ConvertStatus(const GraphBuilder& g, const std::string& output) {
  return ConvertGraph(g, Options({"x"}, {output})).status;
}

// TensorListSetItem "set" writes x at `index` of `list`; the result stacked.
absl::Status SetItemAndStack(GraphBuilder& g, const std::string& list, int index) {
  g.ConstInt("index", {}, {index});
  ListOp(g, "TensorListSetItem", "set", {list, "index", "x"});
  ListOp(g, "TensorListStack", "stacked", {"set", "element_shape"});
  return ConvertStatus(g, "stacked");
}

void ExpectInvalid(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(status.message(), HasSubstr(message));
}

// TensorFlow: "Trying to modify element 0 in a list with 0 elements."
TEST(ArrayOpsTest, SetItemPastTheEndOfAListIsAnError) {
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    MakeList(g, {}, {-1}, -1);
    ExpectInvalid(SetItemAndStack(g, "list", 0),
                  "node 'set' (TensorListSetItem): writes index 0 of TensorList 'list' of size 0 "
                  "(a TensorList grows only by TensorListPushBack or by TensorListSetItem with "
                  "resize_if_index_out_of_bounds)");
  }
  {
    // A push grows the list by one; it does not make it grow on writes.
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    MakeList(g, {}, {-1}, 1);
    ListOp(g, "TensorListPushBack", "pushed", {"list", "x"});
    ExpectInvalid(SetItemAndStack(g, "pushed", 2),
                  "node 'set' (TensorListSetItem): writes index 2 of TensorList 'list' of size 2");
  }
}

TEST(ArrayOpsTest, SetItemWithResizeGrowsTheList) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3});
  MakeList(g, {1}, {3}, 1);
  g.ConstInt("zero", {}, {0});
  g.ConstInt("one", {}, {1});
  ListOp(g, "TensorListSetItem", "set0", {"list", "zero", "x"});
  TypedOp(g, "Relu", "relu", {"x"}, DT_FLOAT);
  AttrBool(ListOp(g, "TensorListSetItem", "set1", {"set0", "one", "relu"}),
           "resize_if_index_out_of_bounds", true);
  ListOp(g, "TensorListStack", "stacked", {"set1", "element_shape"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x"}, {"stacked"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("RELU", "PACK"));
  EXPECT_THAT(ShapeOf(model, model->subgraphs()->Get(0)->outputs()->Get(0)), ElementsAre(2, 3));
}

// TensorFlow: "Tried to push item into a full list".
TEST(ArrayOpsTest, PushingOntoAFullListIsAnError) {
  for (const int pushes : {2, 3}) {
    SCOPED_TRACE(pushes);
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    g.ConstInt("element_shape", {1}, {3});
    g.ConstInt("max", {}, {2});
    AttrType(ListOp(g, "EmptyTensorList", "list", {"element_shape", "max"}), "shape_type",
             DT_INT32);
    std::string list = "list";
    for (int k = 0; k < pushes; ++k) {
      list = ListOp(g, "TensorListPushBack", absl::StrCat("push", k), {list, "x"}).name();
    }
    ListOp(g, "TensorListStack", "stacked", {list, "element_shape"});
    const absl::Status status = ConvertStatus(g, "stacked");
    if (pushes == 2) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      ExpectInvalid(status, "pushes onto TensorList 'list', which is full: its "
                            "max_num_elements is 2");
      EXPECT_THAT(status.message(), HasSubstr("'push2'"));
    }
  }
}

// A bound fed at run time is none at conversion: the pushes convert.
TEST(ArrayOpsTest, AListBoundFedAtRunTimeStillConverts) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {3});
  g.Placeholder("max", DT_INT32, {});
  g.ConstInt("element_shape", {1}, {3});
  AttrType(ListOp(g, "EmptyTensorList", "list", {"element_shape", "max"}), "shape_type",
           DT_INT32);
  ListOp(g, "TensorListPushBack", "push0", {"list", "x"});
  ListOp(g, "TensorListPushBack", "push1", {"push0", "x"});
  ListOp(g, "TensorListStack", "stacked", {"push1", "element_shape"});
  ConversionResult result;
  const tflite::Model* model = ConvertOk(g, {"x", "max"}, {"stacked"}, result);
  ASSERT_NE(model, nullptr);
  EXPECT_THAT(OperatorNames(model), ElementsAre("PACK"));
}

// TensorFlow: "Tried to set a tensor with incompatible shape at a list
// index", and the same for a push, a list made from a tensor and a
// TensorArray write.
TEST(ArrayOpsTest, AWriteMustMatchTheDeclaredElementShape) {
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    MakeList(g, {1}, {2}, 1);
    ExpectInvalid(SetItemAndStack(g, "list", 0),
                  "node 'set' (TensorListSetItem): writes a value of shape [3] to TensorList "
                  "'list', whose element shape is [2]");
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    MakeList(g, {2}, {-1, 3}, -1);
    ListOp(g, "TensorListPushBack", "pushed", {"list", "x"});
    ListOp(g, "TensorListStack", "stacked", {"pushed", "element_shape"});
    ExpectInvalid(ConvertStatus(g, "stacked"),
                  "node 'pushed' (TensorListPushBack): writes a value of shape [3] to "
                  "TensorList 'list', whose element shape is [?,3]");
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3, 2});
    g.ConstInt("element_shape", {1}, {3});
    AttrType(ListOp(g, "TensorListFromTensor", "list", {"x", "element_shape"}), "shape_type",
             DT_INT32);
    ListOp(g, "TensorListStack", "stacked", {"list", "element_shape"});
    ExpectInvalid(ConvertStatus(g, "stacked"),
                  "node 'list' (TensorListFromTensor): writes a value of shape [2] to "
                  "TensorList 'list', whose element shape is [3]");
  }
  {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    g.ConstInt("size", {}, {1});
    tensorflow::NodeDef& ta = g.Op("TensorArrayV3", "ta", {"size"});
    AttrType(ta, "dtype", DT_FLOAT);
    (*ta.mutable_attr())["element_shape"].mutable_shape()->add_dim()->set_size(4);
    g.ConstInt("zero", {}, {0});
    TypedOp(g, "TensorArrayWriteV3", "write", {"ta", "zero", "x", "ta:1"}, DT_FLOAT);
    AttrType(g.Op("TensorArrayReadV3", "read", {"ta", "zero", "write"}), "dtype", DT_FLOAT);
    ExpectInvalid(ConvertStatus(g, "read"),
                  "node 'write' (TensorArrayWriteV3): writes a value of shape [3] to "
                  "TensorArray 'ta', whose element shape is [4]");
  }
}

// A declared shape that is fully defined is the list's element shape, even
// where the values written have unknown dims.
TEST(ArrayOpsTest, TheDeclaredElementShapeWinsOverTheWrites) {
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {-1});
  MakeList(g, {1}, {4}, 1);
  g.ConstInt("zero", {}, {0});
  ListOp(g, "TensorListSetItem", "set", {"list", "zero", "x"});
  ListOp(g, "TensorListStack", "stacked", {"set", "element_shape"});
  ConversionResult result = ConvertGraph(g, Options({"x"}, {"stacked"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const v1::ControlFlowRegion* region = FindRegion(result.report, "TensorList", "list");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->disposition(), "lowered to its elements: up to 1 tensors of float32[4]");
}

// TensorListElementShape returns what the list declares, as TensorFlow's
// kernel does: -1 for an unknown dim, the scalar -1 for an unknown rank,
// whatever was written.
TEST(ArrayOpsTest, ElementShapeIsTheDeclaredShape) {
  for (const bool unknown_rank : {false, true}) {
    SCOPED_TRACE(unknown_rank);
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3, 2});
    g.Placeholder("y", DT_FLOAT, {2});
    if (unknown_rank) {
      MakeList(g, {}, {-1}, -1);
    } else {
      MakeList(g, {2}, {-1, 2}, -1);
    }
    ListOp(g, "TensorListPushBack", "pushed", {"list", "x"});
    AttrType(g.Op("TensorListElementShape", "shape", {"pushed"}), "shape_type", DT_INT32);
    tensorflow::NodeDef& cast = g.Op("Cast", "shape_float", {"shape"});
    AttrType(cast, "SrcT", DT_INT32);
    AttrType(cast, "DstT", DT_FLOAT);
    TypedOp(g, "AddV2", "out", {"y", "shape_float"}, DT_FLOAT);
    ConversionResult result;
    const tflite::Model* model = ConvertOk(g, {"x", "y"}, {"out"}, result);
    ASSERT_NE(model, nullptr);
    ASSERT_THAT(OperatorNames(model), ElementsAre("ADD"));
    const int shape = OperatorAt(model, 0)->inputs()->Get(1);
    if (unknown_rank) {
      EXPECT_THAT(FloatBuffer(model, shape), ElementsAre(-1.0f));
    } else {
      EXPECT_THAT(FloatBuffer(model, shape), ElementsAre(-1.0f, 2.0f));
    }
  }
}

TEST(ArrayOpsTest, MalformedElementShapesNameTheNode) {
  for (const bool scalar : {false, true}) {
    GraphBuilder g;
    g.Placeholder("x", DT_FLOAT, {3});
    if (scalar) {
      MakeList(g, {}, {3}, 1);
    } else {
      MakeList(g, {2, 1}, {3, 1}, 1);
    }
    ExpectInvalid(SetItemAndStack(g, "list", 0),
                  scalar ? "node 'list' (TensorListReserve): element_shape is the scalar 3; the "
                           "only scalar shape is -1 (unknown)"
                         : "node 'list' (TensorListReserve): element_shape must be a vector or "
                           "-1, not of rank 2");
  }
}

}  // namespace
}  // namespace tflconv
