// The GraphDef writer behind the sample model (sample_model.cc) and its
// post-processing (sample_postprocess.cc): deterministic weights, NHWC
// shape tracking and a dry-run mode that only counts the bytes.
#ifndef TFLCONV_BENCH_SAMPLE_BUILDER_H_
#define TFLCONV_BENCH_SAMPLE_BUILDER_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "tensorflow/framework/graph_def.pb.h"

namespace tflconv::bench {

using tensorflow::AttrValue;
using tensorflow::DataType;
using tensorflow::GraphDef;
using tensorflow::NodeDef;

// splitmix64: a tiny, fast, well-mixed PRNG; one stream per tensor, seeded
// from the tensor's name so a tensor's values do not depend on build order.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float Symmetric() { return static_cast<float>(Next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi) { return lo + (hi - lo) * 0.5f * (Symmetric() + 1.0f); }

 private:
  uint64_t state_;
};

inline uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

inline int VarintSize(uint64_t v) {
  int n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

// A tensor of the graph being built: node output name and NHWC shape
// (batch 1).
struct T {
  std::string name;
  int h = 0, w = 0, c = 0;
};

// GraphDef version of TensorFlow 2.x frozen graphs.
inline constexpr int kProducer = 1205;
inline constexpr uint64_t kMaxGraphBytes = (1ull << 31) - 1;

inline int SameOut(int in, int stride) { return (in + stride - 1) / stride; }

// Appends nodes to a GraphDef. In dry-run mode Const nodes get their shapes
// but no tensor_content, and the bytes it would take are counted instead.
class Builder {
 public:
  Builder(GraphDef* graph, bool dry_run, uint64_t seed)
      : graph_(graph), dry_run_(dry_run), seed_(seed) {}

  uint64_t parameters() const { return parameters_; }
  uint64_t omitted_bytes() const { return omitted_bytes_; }

  NodeDef* Op(const std::string& op, const std::string& name,
              std::initializer_list<std::string> inputs, bool typed = true) {
    NodeDef* node = graph_->add_node();
    node->set_name(name);
    node->set_op(op);
    for (const std::string& input : inputs) node->add_input(input);
    if (typed) Type(node, "T", tensorflow::DT_FLOAT);
    return node;
  }

  // The node added last (a Const helper's, to add a control input).
  NodeDef* LastNode() { return graph_->mutable_node(graph_->node_size() - 1); }

  static AttrValue& Attr(NodeDef* node, const std::string& key) {
    return (*node->mutable_attr())[key];
  }
  static void Type(NodeDef* node, const std::string& key, DataType type) {
    Attr(node, key).set_type(type);
  }
  static void Ints(NodeDef* node, const std::string& key, std::initializer_list<int64_t> v) {
    auto* list = Attr(node, key).mutable_list();
    for (int64_t x : v) list->add_i(x);
  }

  T Placeholder(const std::string& name, int size) {
    NodeDef* node = Op("Placeholder", name, {}, /*typed=*/false);
    Type(node, "dtype", tensorflow::DT_FLOAT);
    auto* shape = Attr(node, "shape").mutable_shape();
    for (int d : {1, size, size, 3}) shape->add_dim()->set_size(d);
    return {name, size, size, 3};
  }

  // A float Const whose values come from fill(rng) for each element.
  template <typename Fill>
  std::string FloatConst(const std::string& name, std::vector<int64_t> shape, Fill fill) {
    NodeDef* node = Op("Const", name, {}, /*typed=*/false);
    Type(node, "dtype", tensorflow::DT_FLOAT);
    tensorflow::TensorProto* tensor = Attr(node, "value").mutable_tensor();
    tensor->set_dtype(tensorflow::DT_FLOAT);
    uint64_t count = 1;
    for (int64_t d : shape) {
      tensor->mutable_tensor_shape()->add_dim()->set_size(d);
      count *= d;
    }
    parameters_ += count;
    const uint64_t bytes = count * sizeof(float);
    if (dry_run_) {
      // tag + length + payload, plus the growth of the enclosing
      // TensorProto/AttrValue/map entry/NodeDef length prefixes.
      omitted_bytes_ += 1 + VarintSize(bytes) + bytes + 4 * (VarintSize(bytes) - 1);
      return name;
    }
    SplitMix64 rng(seed_ ^ Fnv1a(name));
    std::string* content = tensor->mutable_tensor_content();
    content->resize(bytes);
    char* out = content->data();
    for (uint64_t i = 0; i < count; ++i) {
      const float v = fill(rng);
      std::memcpy(out + i * sizeof(float), &v, sizeof(float));
    }
    return name;
  }

  // A scalar for one value unless `vector`.
  std::string IntConst(const std::string& name, std::vector<int32_t> values,
                       bool vector = false) {
    NodeDef* node = Op("Const", name, {}, /*typed=*/false);
    Type(node, "dtype", tensorflow::DT_INT32);
    tensorflow::TensorProto* tensor = Attr(node, "value").mutable_tensor();
    tensor->set_dtype(tensorflow::DT_INT32);
    if (values.size() != 1 || vector) {
      tensor->mutable_tensor_shape()->add_dim()->set_size(values.size());
    }
    tensor->set_tensor_content(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int32_t)));
    return name;
  }

  // An HWIO conv kernel, He-uniform (variance 2 / fan_in) times `gain`.
  std::string Kernel(const std::string& name, int k, int cin, int cout, float gain = 1.0f) {
    const float bound = gain * std::sqrt(6.0f / static_cast<float>(k * k * cin));
    return FloatConst(name, {k, k, cin, cout},
                      [bound](SplitMix64& r) { return bound * r.Symmetric(); });
  }

  T Conv2D(const std::string& name, const T& x, const std::string& kernel, int cout, int stride) {
    NodeDef* node = Op("Conv2D", name, {x.name, kernel});
    Ints(node, "strides", {1, stride, stride, 1});
    Ints(node, "dilations", {1, 1, 1, 1});
    Attr(node, "padding").set_s("SAME");
    Attr(node, "data_format").set_s("NHWC");
    Attr(node, "use_cudnn_on_gpu").set_b(true);
    Attr(node, "explicit_paddings").mutable_list();
    return {name, SameOut(x.h, stride), SameOut(x.w, stride), cout};
  }

  T BiasAdd(const std::string& name, const T& x, const std::string& bias) {
    NodeDef* node = Op("BiasAdd", name, {x.name, bias});
    Attr(node, "data_format").set_s("NHWC");
    return {name, x.h, x.w, x.c};
  }

  T Unary(const std::string& op, const std::string& name, const T& x) {
    Op(op, name, {x.name});
    return {name, x.h, x.w, x.c};
  }

  T Add(const std::string& name, const T& a, const T& b) {
    Op("AddV2", name, {a.name, b.name});
    return {name, a.h, a.w, a.c};
  }

  // conv (no bias) + inference-mode FusedBatchNormV3 [+ Relu]. `gamma`
  // scales the BN output (small on the last BN of a residual branch, so the
  // residual sum stays O(1) through the network).
  T ConvBn(const std::string& prefix, const T& x, int k, int cout, int stride, bool relu,
           float gamma = 1.0f) {
    const std::string kernel = Kernel(prefix + "/kernel", k, x.c, cout);
    T y = Conv2D(prefix + "/Conv2D", x, kernel, cout, stride);
    const int64_t c = cout;
    const std::string bn = prefix + "/bn";
    const std::string scale = FloatConst(
        bn + "/gamma", {c}, [gamma](SplitMix64& r) { return gamma * r.Uniform(0.8f, 1.2f); });
    const std::string offset =
        FloatConst(bn + "/beta", {c}, [](SplitMix64& r) { return 0.1f * r.Symmetric(); });
    const std::string mean =
        FloatConst(bn + "/moving_mean", {c}, [](SplitMix64& r) { return 0.1f * r.Symmetric(); });
    const std::string var = FloatConst(bn + "/moving_variance", {c},
                                       [](SplitMix64& r) { return r.Uniform(0.8f, 1.2f); });
    NodeDef* node =
        Op("FusedBatchNormV3", bn + "/FusedBatchNormV3", {y.name, scale, offset, mean, var});
    Type(node, "U", tensorflow::DT_FLOAT);
    Attr(node, "epsilon").set_f(1.001e-5f);
    Attr(node, "exponential_avg_factor").set_f(1.0f);
    Attr(node, "data_format").set_s("NHWC");
    Attr(node, "is_training").set_b(false);
    y.name = node->name();
    return relu ? Unary("Relu", prefix + "/Relu", y) : y;
  }

  // conv + BiasAdd [+ Relu], with a given kernel and bias (shared heads).
  T ConvBias(const std::string& prefix, const T& x, const std::string& kernel,
             const std::string& bias, int cout, int stride, bool relu) {
    T y = Conv2D(prefix + "/Conv2D", x, kernel, cout, stride);
    y = BiasAdd(prefix + "/BiasAdd", y, bias);
    return relu ? Unary("Relu", prefix + "/Relu", y) : y;
  }

  std::string Bias(const std::string& name, int c, float value = 0.0f) {
    return FloatConst(name, {c}, [value](SplitMix64& r) { return value + 0.01f * r.Symmetric(); });
  }

  // A fresh conv + bias.
  T ConvWithBias(const std::string& prefix, const T& x, int k, int cout, int stride, bool relu) {
    const std::string kernel = Kernel(prefix + "/kernel", k, x.c, cout);
    const std::string bias = Bias(prefix + "/bias", cout);
    return ConvBias(prefix, x, kernel, bias, cout, stride, relu);
  }

  T MaxPool(const std::string& name, const T& x) {
    NodeDef* node = Op("MaxPool", name, {x.name});
    Ints(node, "ksize", {1, 3, 3, 1});
    Ints(node, "strides", {1, 2, 2, 1});
    Attr(node, "padding").set_s("SAME");
    Attr(node, "data_format").set_s("NHWC");
    return {name, SameOut(x.h, 2), SameOut(x.w, 2), x.c};
  }

  // Resizes x to like's spatial size (keras-retinanet's UpsampleLike; TF2's
  // tf.image.resize emits half_pixel_centers=true).
  T UpsampleLike(const std::string& prefix, const T& x, const T& like, bool bilinear) {
    const std::string size = IntConst(prefix + "/size", {like.h, like.w});
    NodeDef* node =
        Op(bilinear ? "ResizeBilinear" : "ResizeNearestNeighbor",
           prefix + (bilinear ? "/ResizeBilinear" : "/ResizeNearestNeighbor"), {x.name, size});
    Attr(node, "align_corners").set_b(false);
    Attr(node, "half_pixel_centers").set_b(true);
    return {node->name(), like.h, like.w, x.c};
  }

  std::string Reshape(const std::string& prefix, const T& x, int last) {
    const std::string shape = IntConst(prefix + "/shape", {1, -1, last});
    NodeDef* node = Op("Reshape", prefix + "/Reshape", {x.name, shape});
    Type(node, "Tshape", tensorflow::DT_INT32);
    return node->name();
  }

  std::string Concat(const std::string& prefix, const std::vector<std::string>& inputs) {
    const std::string axis = IntConst(prefix + "/axis", {1});
    NodeDef* node = Op("ConcatV2", prefix + "/concat", {});
    for (const std::string& in : inputs) node->add_input(in);
    node->add_input(axis);
    Attr(node, "N").set_i(static_cast<int64_t>(inputs.size()));
    Type(node, "Tidx", tensorflow::DT_INT32);
    return node->name();
  }

 private:
  GraphDef* graph_;
  bool dry_run_;
  uint64_t seed_;
  uint64_t parameters_ = 0;
  uint64_t omitted_bytes_ = 0;
};

// Appends tf.map_fn-style box decoding over the batch of `boxes`
// ([1, anchors, 4] deltas) as TensorFlow 1.x writes it: a TensorArray
// scattered from the input, a while loop reading one image per iteration,
// decoding against constant anchors and writing into a second TensorArray,
// gathered after the loop. Returns the decoded boxes' node.
std::string AppendBoxDecoding(Builder& b, const std::string& boxes, int anchors, int image_size);

}  // namespace tflconv::bench

#endif  // TFLCONV_BENCH_SAMPLE_BUILDER_H_
