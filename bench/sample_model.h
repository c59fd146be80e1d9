// A RetinaNet-like frozen GraphDef, generated with deterministic weights, for
// the benchmark, the sample-model CI test and the demo.
//
// The graph is what a frozen Keras RetinaNet looks like to the converter:
//   image [1, S, S, 3] float
//   -> backbone: 7x7/2 conv + FusedBatchNormV3 + Relu, 3x3/2 MaxPool, four
//      stages of ResNet-34 basic blocks (3, 4, 6, 3 blocks; conv/BN/Relu,
//      1x1/2 projection shortcuts, AddV2) with widths W/4, W/2, W, 2W
//   -> FPN: lateral 1x1 convs on C3..C5, top-down ResizeNearestNeighbor (or
//      ResizeBilinear) + AddV2, 3x3 output convs (P3..P5), P6 = 3x3/2 conv
//      of C5, P7 = 3x3/2 conv of Relu(P6); all W channels
//   -> box and class heads: one shared tower of `head_convs` 3x3 convs
//      (Conv2D + BiasAdd + Relu) per head, applied to every level, then a
//      3x3 output conv; each level reshaped to [1, -1, 4] and
//      [1, -1, num_classes], ConcatV2'd along axis 1; Sigmoid on the classes
//   -> Identity nodes `box_regression` and `classification`.
// With W = 256 the backbone has ResNet-34's channels. Almost every byte of
// the .pb is weights (Const tensor_content), which grow with W^2, so
// `target_mb` is met by choosing W.
#ifndef TFLCONV_BENCH_SAMPLE_MODEL_H_
#define TFLCONV_BENCH_SAMPLE_MODEL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tensorflow/framework/graph_def.pb.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv::bench {

inline constexpr char kSampleInput[] = "image";
inline constexpr char kSampleBoxOutput[] = "box_regression";
inline constexpr char kSampleClassOutput[] = "classification";
// With `postprocess`: the boxes decoded against the anchors.
inline constexpr char kSampleDecodedOutput[] = "decoded_boxes";

struct SampleModelOptions {
  int image_size = 640;      // input is [1, image_size, image_size, 3]
  double target_mb = 141.0;  // serialized size to aim for (MB = 1e6 bytes)
  int width = 0;             // W; when > 0 it wins over target_mb
  int head_convs = 4;        // convs in each head tower
  int num_classes = 80;
  int num_anchors = 9;
  bool bilinear = false;  // ResizeBilinear instead of ResizeNearestNeighbor
  // Appends the seed model's post-processing: tf.map_fn box decoding over
  // the batch, with TensorArrays and a while loop as TensorFlow 1.x writes
  // them, ending in `decoded_boxes` [1, anchors, 4].
  bool postprocess = false;
  uint64_t seed = 0;
};

struct SampleModelInfo {
  int width = 0;  // the W used
  int nodes = 0;
  uint64_t parameters = 0;   // float weights
  uint64_t graph_bytes = 0;  // serialized binary size
};

// The serialized size a model with these options (and width W) will have,
// computed without generating weights; exact up to a few bytes.
uint64_t EstimateSampleModelBytes(const SampleModelOptions& options, int width);

// The W whose model comes closest to options.target_mb.
int WidthForTarget(const SampleModelOptions& options);

// Builds the graph. INVALID_ARGUMENT for out-of-range options.
absl::StatusOr<tensorflow::GraphDef> BuildSampleModel(const SampleModelOptions& options,
                                                      SampleModelInfo* info = nullptr);

// Options that convert the sample: its input, both outputs, both artifacts.
v1::ConversionOptions SampleConversionOptions();

// Binary serialization with sorted map keys, so the same options always
// give the same bytes (plain SerializeToString orders attr maps by hash).
std::string SerializeDeterministic(const tensorflow::GraphDef& graph);

}  // namespace tflconv::bench

#endif  // TFLCONV_BENCH_SAMPLE_MODEL_H_
