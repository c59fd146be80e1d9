// What the graph fuzz targets share: the limits and options a fuzzed graph
// is imported and converted with.
#ifndef TFLCONV_TESTS_FUZZ_FUZZ_GRAPH_H_
#define TFLCONV_TESTS_FUZZ_FUZZ_GRAPH_H_

#include "tensorflow/framework/graph_def.pb.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv::fuzz {

// Small limits, so that one execution stays fast and small.
v1::Limits FuzzLimits();

// Outputs: the graph's sink nodes (none consumes them; at most a few), or
// its last node when every node is consumed. Inputs: every Placeholder,
// with the shape the graph gives it (a converter refuses a Placeholder
// that is not an input array). Every op set, custom ops allowed, so that
// as many graphs as possible reach legalization and export; the fp16
// artifact only (built from the fp32 model, through the same exporter).
v1::ConversionOptions FuzzOptions(const tensorflow::GraphDef& graph);

}  // namespace tflconv::fuzz

#endif  // TFLCONV_TESTS_FUZZ_FUZZ_GRAPH_H_
