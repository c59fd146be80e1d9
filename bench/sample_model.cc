#include "bench/sample_model.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace tflconv::bench {
namespace {

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

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

int VarintSize(uint64_t v) {
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
constexpr int kProducer = 1205;
constexpr uint64_t kMaxGraphBytes = (1ull << 31) - 1;

int SameOut(int in, int stride) { return (in + stride - 1) / stride; }

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

  std::string IntConst(const std::string& name, std::vector<int32_t> values) {
    NodeDef* node = Op("Const", name, {}, /*typed=*/false);
    Type(node, "dtype", tensorflow::DT_INT32);
    tensorflow::TensorProto* tensor = Attr(node, "value").mutable_tensor();
    tensor->set_dtype(tensorflow::DT_INT32);
    if (values.size() != 1) {
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

// ResNet-34 basic block: conv-BN-Relu, conv-BN (small gamma), shortcut
// (identity, or 1x1 conv + BN when the shape changes), AddV2, Relu.
T BasicBlock(Builder& b, const std::string& prefix, const T& x, int cout, int stride) {
  T y = b.ConvBn(prefix + "/conv1", x, 3, cout, stride, /*relu=*/true);
  y = b.ConvBn(prefix + "/conv2", y, 3, cout, 1, /*relu=*/false,
               /*gamma=*/0.3f);
  T shortcut = x;
  if (stride != 1 || x.c != cout) {
    shortcut = b.ConvBn(prefix + "/shortcut", x, 1, cout, stride, /*relu=*/false);
  }
  T sum = b.Add(prefix + "/add", shortcut, y);
  return b.Unary("Relu", prefix + "/out", sum);
}

void Build(Builder& b, const SampleModelOptions& o, int width) {
  const T image = b.Placeholder(kSampleInput, o.image_size);

  // Backbone.
  T x = b.ConvBn("backbone/conv1", image, 7, std::max(1, width / 4), 2,
                 /*relu=*/true);
  x = b.MaxPool("backbone/pool1/MaxPool", x);
  const int blocks[4] = {3, 4, 6, 3};
  const int channels[4] = {std::max(1, width / 4), std::max(1, width / 2), width, 2 * width};
  T c[4];
  for (int stage = 0; stage < 4; ++stage) {
    for (int i = 0; i < blocks[stage]; ++i) {
      const int stride = (stage > 0 && i == 0) ? 2 : 1;
      x = BasicBlock(b, absl::StrCat("backbone/stage", stage + 2, "/block", i + 1), x,
                     channels[stage], stride);
    }
    c[stage] = x;
  }
  const T& c3 = c[1];
  const T& c4 = c[2];
  const T& c5 = c[3];

  // Feature pyramid.
  T p5 = b.ConvWithBias("fpn/C5_reduced", c5, 1, width, 1, false);
  T p5_up = b.UpsampleLike("fpn/P5_upsampled", p5, c4, o.bilinear);
  p5 = b.ConvWithBias("fpn/P5", p5, 3, width, 1, false);
  T p4 = b.ConvWithBias("fpn/C4_reduced", c4, 1, width, 1, false);
  p4 = b.Add("fpn/P4_merged/add", p5_up, p4);
  T p4_up = b.UpsampleLike("fpn/P4_upsampled", p4, c3, o.bilinear);
  p4 = b.ConvWithBias("fpn/P4", p4, 3, width, 1, false);
  T p3 = b.ConvWithBias("fpn/C3_reduced", c3, 1, width, 1, false);
  p3 = b.Add("fpn/P3_merged/add", p4_up, p3);
  p3 = b.ConvWithBias("fpn/P3", p3, 3, width, 1, false);
  T p6 = b.ConvWithBias("fpn/P6", c5, 3, width, 2, false);
  T p7 = b.Unary("Relu", "fpn/C6_relu/Relu", p6);
  p7 = b.ConvWithBias("fpn/P7", p7, 3, width, 2, false);
  const T levels[5] = {p3, p4, p5, p6, p7};

  // Heads: one set of weights per head, applied to every level.
  struct Head {
    std::string name;
    int outputs;       // per anchor
    float prior_bias;  // output bias (RetinaNet's class prior for classes)
  };
  const Head heads[2] = {
      {"box_head", 4, 0.0f},
      {"class_head", o.num_classes, -std::log((1.0f - 0.01f) / 0.01f)},
  };
  std::vector<std::string> outputs[2];
  for (int h = 0; h < 2; ++h) {
    const Head& head = heads[h];
    std::vector<std::string> kernels, biases;
    for (int i = 0; i < o.head_convs; ++i) {
      const std::string p = absl::StrCat(head.name, "/conv", i + 1);
      kernels.push_back(b.Kernel(p + "/kernel", 3, width, width));
      biases.push_back(b.Bias(p + "/bias", width));
    }
    const int out_c = o.num_anchors * head.outputs;
    // RetinaNet initializes the output convs with std 0.01.
    const float gain = 0.01f / std::sqrt(2.0f / (9.0f * width));
    const std::string out_kernel = b.Kernel(head.name + "/output/kernel", 3, width, out_c, gain);
    const std::string out_bias = b.Bias(head.name + "/output/bias", out_c, head.prior_bias);
    for (int l = 0; l < 5; ++l) {
      const std::string level = absl::StrCat("_P", l + 3);
      T y = levels[l];
      for (int i = 0; i < o.head_convs; ++i) {
        y = b.ConvBias(absl::StrCat(head.name, "/conv", i + 1, level), y, kernels[i], biases[i],
                       width, 1, true);
      }
      y = b.ConvBias(head.name + "/output" + level, y, out_kernel, out_bias, out_c, 1, false);
      outputs[h].push_back(b.Reshape(head.name + "/reshape" + level, y, head.outputs));
    }
  }
  const std::string boxes = b.Concat("box_head", outputs[0]);
  b.Op("Identity", kSampleBoxOutput, {boxes});
  const std::string classes = b.Concat("class_head", outputs[1]);
  b.Op("Sigmoid", "class_head/Sigmoid", {classes});
  b.Op("Identity", kSampleClassOutput, {"class_head/Sigmoid"});
}

absl::Status Validate(const SampleModelOptions& o) {
  if (o.image_size < 1 || o.image_size > 8192) {
    return absl::InvalidArgumentError("image_size must be in [1, 8192]");
  }
  if (o.width < 0 || o.width > 8192) {
    return absl::InvalidArgumentError("width must be in [0, 8192]");
  }
  if (o.width == 0 && !(o.target_mb > 0 && o.target_mb <= 1900)) {
    return absl::InvalidArgumentError("target_mb must be in (0, 1900]");
  }
  if (o.head_convs < 0 || o.head_convs > 64) {
    return absl::InvalidArgumentError("head_convs must be in [0, 64]");
  }
  if (o.num_classes < 1 || o.num_anchors < 1) {
    return absl::InvalidArgumentError("num_classes and num_anchors must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t EstimateSampleModelBytes(const SampleModelOptions& options, int width) {
  GraphDef graph;
  graph.mutable_versions()->set_producer(kProducer);
  Builder b(&graph, /*dry_run=*/true, options.seed);
  Build(b, options, width);
  return graph.ByteSizeLong() + b.omitted_bytes();
}

int WidthForTarget(const SampleModelOptions& options) {
  const double target = options.target_mb * 1e6;
  // Size grows monotonically with W: binary search, then take the closer
  // of the two neighbours.
  int lo = 4, hi = 4;
  while (hi < 8192 && static_cast<double>(EstimateSampleModelBytes(options, hi)) < target) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (static_cast<double>(EstimateSampleModelBytes(options, mid)) < target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const double below = target - static_cast<double>(EstimateSampleModelBytes(options, lo));
  const double above = static_cast<double>(EstimateSampleModelBytes(options, hi)) - target;
  return below <= above ? lo : hi;
}

absl::StatusOr<GraphDef> BuildSampleModel(const SampleModelOptions& options,
                                          SampleModelInfo* info) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  const int width = options.width > 0 ? options.width : WidthForTarget(options);
  if (EstimateSampleModelBytes(options, width) > kMaxGraphBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("width ", width, " makes a graph over protobuf's 2 GB limit"));
  }
  GraphDef graph;
  graph.mutable_versions()->set_producer(kProducer);
  Builder b(&graph, /*dry_run=*/false, options.seed);
  Build(b, options, width);
  if (info != nullptr) {
    info->width = width;
    info->nodes = graph.node_size();
    info->parameters = b.parameters();
    info->graph_bytes = graph.ByteSizeLong();
  }
  return graph;
}

std::string SerializeDeterministic(const GraphDef& graph) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    graph.SerializeToCodedStream(&out);
  }
  return bytes;
}

}  // namespace tflconv::bench
