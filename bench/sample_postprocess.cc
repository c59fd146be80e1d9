#include "absl/strings/str_cat.h"
#include "bench/sample_builder.h"

namespace tflconv::bench {
namespace {

constexpr char kFrame[] = "map/while/while_context";

// Node helpers in the spelling of TensorFlow 1.x's map_fn.
class MapFnWriter {
 public:
  explicit MapFnWriter(Builder& b) : b_(b) {}

  NodeDef* Typed(const std::string& op, const std::string& name,
                 std::initializer_list<std::string> inputs, DataType dtype) {
    NodeDef* node = b_.Op(op, name, inputs, /*typed=*/false);
    Builder::Type(node, "T", dtype);
    return node;
  }

  std::string Enter(const std::string& name, const std::string& input, DataType dtype,
                    bool is_constant) {
    NodeDef* node = Typed("Enter", name, {input}, dtype);
    Builder::Attr(node, "frame_name").set_s(kFrame);
    Builder::Attr(node, "is_constant").set_b(is_constant);
    Builder::Attr(node, "parallel_iterations").set_i(10);
    return name;
  }

  // A constant inside the loop body: tied to the frame by a control edge
  // from the iteration's pivot, as TensorFlow writes it.
  std::string BodyConst(const std::string& name, int32_t value, const std::string& pivot) {
    b_.IntConst(name, {value});
    b_.LastNode()->add_input("^" + pivot);
    return name;
  }
  std::string BodyFloat(const std::string& name, float value, const std::string& pivot) {
    b_.FloatConst(name, {}, [value](SplitMix64&) { return value; });
    b_.LastNode()->add_input("^" + pivot);
    return name;
  }

  std::string Range(const std::string& prefix, const std::string& limit) {
    const std::string start = b_.IntConst(prefix + "/start", {0});
    const std::string delta = b_.IntConst(prefix + "/delta", {1});
    NodeDef* node = b_.Op("Range", prefix, {start, limit, delta}, /*typed=*/false);
    Builder::Type(node, "Tidx", tensorflow::DT_INT32);
    return prefix;
  }

  std::string TensorArray(const std::string& name, const std::string& size, int anchors) {
    NodeDef* node = b_.Op("TensorArrayV3", name, {size}, /*typed=*/false);
    Builder::Type(node, "dtype", tensorflow::DT_FLOAT);
    auto* shape = Builder::Attr(node, "element_shape").mutable_shape();
    shape->add_dim()->set_size(anchors);
    shape->add_dim()->set_size(4);
    Builder::Attr(node, "dynamic_size").set_b(false);
    Builder::Attr(node, "clear_after_read").set_b(true);
    Builder::Attr(node, "identical_element_shapes").set_b(true);
    Builder::Attr(node, "tensor_array_name").set_s("");
    return name;
  }

 private:
  Builder& b_;
};

}  // namespace

std::string AppendBoxDecoding(Builder& b, const std::string& boxes, int anchors, int image_size) {
  MapFnWriter w(b);
  const auto kInt = tensorflow::DT_INT32;
  const auto kFloat = tensorflow::DT_FLOAT;
  const auto kResource = tensorflow::DT_RESOURCE;

  // n = tf.shape(boxes)[0]
  NodeDef* shape = w.Typed("Shape", "map/Shape", {boxes}, kFloat);
  Builder::Type(shape, "out_type", kInt);
  const std::string begin = b.IntConst("map/strided_slice/stack", {0}, true);
  const std::string end = b.IntConst("map/strided_slice/stack_1", {1}, true);
  const std::string stride = b.IntConst("map/strided_slice/stack_2", {1}, true);
  NodeDef* n = w.Typed("StridedSlice", "map/strided_slice", {"map/Shape", begin, end, stride},
                       kInt);
  Builder::Type(n, "Index", kInt);
  for (const char* mask : {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask"}) {
    Builder::Attr(n, mask).set_i(0);
  }
  Builder::Attr(n, "shrink_axis_mask").set_i(1);

  // The input, one image per element; the output array.
  const std::string in_array = w.TensorArray("map/TensorArray", "map/strided_slice", anchors);
  const std::string indices = w.Range("map/TensorArrayUnstack/range", "map/strided_slice");
  const std::string scatter = "map/TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3";
  w.Typed("TensorArrayScatterV3", scatter, {in_array, indices, boxes, in_array + ":1"}, kFloat);
  const std::string out_array = w.TensorArray("map/TensorArray_1", "map/strided_slice", anchors);
  const std::string time = b.IntConst("map/Const", {0});

  // while time < n: out[time] = decode(in[time]); time += 1
  w.Enter("map/while/Enter", time, kInt, false);
  w.Enter("map/while/Enter_1", out_array + ":1", kFloat, false);
  for (const char* k : {"", "_1"}) {
    NodeDef* merge = w.Typed("Merge", absl::StrCat("map/while/Merge", k),
                             {absl::StrCat("map/while/Enter", k),
                              absl::StrCat("map/while/NextIteration", k)},
                             *k ? kFloat : kInt);
    Builder::Attr(merge, "N").set_i(2);
  }
  w.Enter("map/while/Less/Enter", "map/strided_slice", kInt, true);
  w.Typed("Less", "map/while/Less", {"map/while/Merge", "map/while/Less/Enter"}, kInt);
  b.Op("LoopCond", "map/while/LoopCond", {"map/while/Less"}, false);
  for (const char* k : {"", "_1"}) {
    const DataType dtype = *k ? kFloat : kInt;
    w.Typed("Switch", absl::StrCat("map/while/Switch", k),
            {absl::StrCat("map/while/Merge", k), "map/while/LoopCond"}, dtype);
    w.Typed("Identity", absl::StrCat("map/while/Identity", k),
            {absl::StrCat("map/while/Switch", k, ":1")}, dtype);
    w.Typed("Exit", absl::StrCat("map/while/Exit", k), {absl::StrCat("map/while/Switch", k)},
            dtype);
  }
  const std::string pivot = "map/while/Identity";
  w.Enter("map/while/TensorArrayReadV3/Enter", in_array, kResource, true);
  w.Enter("map/while/TensorArrayReadV3/Enter_1", scatter, kFloat, true);
  NodeDef* read = b.Op("TensorArrayReadV3", "map/while/TensorArrayReadV3",
                       {"map/while/TensorArrayReadV3/Enter", pivot,
                        "map/while/TensorArrayReadV3/Enter_1"},
                       false);
  Builder::Type(read, "dtype", kFloat);

  // Decoding against the anchors: anchor + delta * (0.2 * anchor size),
  // clipped to the image.
  const std::string anchor = b.FloatConst("map/anchors", {anchors, 4}, [image_size](SplitMix64& r) {
    return r.Uniform(0.0f, static_cast<float>(image_size));
  });
  const std::string scale = b.FloatConst("map/anchor_scale", {anchors, 4},
                                         [](SplitMix64& r) { return r.Uniform(3.0f, 25.0f); });
  w.Enter("map/while/mul/Enter", scale, kFloat, true);
  w.Enter("map/while/add/Enter", anchor, kFloat, true);
  w.Typed("Mul", "map/while/mul", {"map/while/TensorArrayReadV3", "map/while/mul/Enter"}, kFloat);
  w.Typed("AddV2", "map/while/add", {"map/while/mul", "map/while/add/Enter"}, kFloat);
  w.BodyFloat("map/while/clip/zero", 0.0f, pivot);
  w.BodyFloat("map/while/clip/size", static_cast<float>(image_size), pivot);
  w.Typed("Maximum", "map/while/clip/Maximum", {"map/while/add", "map/while/clip/zero"}, kFloat);
  w.Typed("Minimum", "map/while/clip/Minimum", {"map/while/clip/Maximum", "map/while/clip/size"},
          kFloat);
  w.Enter("map/while/TensorArrayWrite/TensorArrayWriteV3/Enter", out_array, kResource, true);
  w.Typed("TensorArrayWriteV3", "map/while/TensorArrayWrite/TensorArrayWriteV3",
          {"map/while/TensorArrayWrite/TensorArrayWriteV3/Enter", pivot,
           "map/while/clip/Minimum", "map/while/Identity_1"},
          kFloat);
  w.BodyConst("map/while/add_1/y", 1, pivot);
  w.Typed("AddV2", "map/while/add_1", {pivot, "map/while/add_1/y"}, kInt);
  w.Typed("NextIteration", "map/while/NextIteration", {"map/while/add_1"}, kInt);
  w.Typed("NextIteration", "map/while/NextIteration_1",
          {"map/while/TensorArrayWrite/TensorArrayWriteV3"}, kFloat);

  // tf.stack of the output array.
  b.Op("TensorArraySizeV3", "map/TensorArrayStack/TensorArraySizeV3",
       {out_array, "map/while/Exit_1"}, false);
  const std::string stack_range =
      w.Range("map/TensorArrayStack/range", "map/TensorArrayStack/TensorArraySizeV3");
  NodeDef* gather = b.Op("TensorArrayGatherV3", "map/TensorArrayStack/TensorArrayGatherV3",
                         {out_array, stack_range, "map/while/Exit_1"}, false);
  Builder::Type(gather, "dtype", kFloat);
  auto* element = Builder::Attr(gather, "element_shape").mutable_shape();
  element->add_dim()->set_size(anchors);
  element->add_dim()->set_size(4);
  return gather->name();
}

}  // namespace tflconv::bench
