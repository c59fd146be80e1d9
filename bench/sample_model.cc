#include "bench/sample_model.h"

#include "bench/sample_builder.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace tflconv::bench {
namespace {

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
  if (o.postprocess) {
    int anchors = 0;
    for (const T& level : levels) anchors += level.h * level.w * o.num_anchors;
    const std::string decoded = AppendBoxDecoding(b, kSampleBoxOutput, anchors, o.image_size);
    b.Op("Identity", kSampleDecodedOutput, {decoded});
  }
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

v1::ConversionOptions SampleConversionOptions() {
  v1::ConversionOptions options;
  options.add_input_arrays()->set_name(kSampleInput);
  options.add_output_arrays(kSampleBoxOutput);
  options.add_output_arrays(kSampleClassOutput);
  return options;
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
