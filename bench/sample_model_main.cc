// tflconv-sample-model: writes the RetinaNet-like sample GraphDef (see
// bench/sample_model.h) as a binary .pb, or a .pbtxt with --text.
//
//   tflconv-sample-model --out=M.pb [--target_mb=141 | --width=W]
//   [--image_size=640]
//                        [--head_convs=4] [--num_classes=80] [--anchors=9]
//                        [--bilinear] [--postprocess] [--seed=0] [--text]
//
// Exit status: 0 written, 1 I/O error, 2 bad usage.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/sample_model.h"
#include "google/protobuf/text_format.h"

namespace {

constexpr char kUsage[] =
    "usage: tflconv-sample-model --out=M.pb "
    "[--target_mb=141 | --width=W] [--image_size=640]\n"
    "         [--head_convs=4] [--num_classes=80] "
    "[--anchors=9] [--bilinear] [--postprocess] [--seed=0] [--text]\n";

int Usage(const std::string& message) {
  std::cerr << "tflconv-sample-model: " << message << "\n" << kUsage;
  return 2;
}

bool ParseInt(const std::string& text, long long* out) {
  char* end = nullptr;
  *out = std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  tflconv::bench::SampleModelOptions options;
  std::string out;
  bool text = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg.rfind("--", 0) != 0) return Usage("unexpected argument '" + arg + "'");
    const size_t eq = arg.find('=');
    const std::string key = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    long long n = 0;
    if (key == "text" || key == "bilinear" || key == "postprocess") {
      if (eq != std::string::npos) return Usage("--" + key + " takes no value");
      (key == "text" ? text : key == "bilinear" ? options.bilinear : options.postprocess) = true;
    } else if (key == "out") {
      out = value;
    } else if (key == "target_mb") {
      char* end = nullptr;
      options.target_mb = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return Usage("--target_mb wants a number");
    } else if (!ParseInt(value, &n) || n < 0 || n > (1ll << 31) - 1) {
      return Usage("--" + key + " wants a non-negative integer (or is unknown)");
    } else if (key == "width") {
      options.width = static_cast<int>(n);
    } else if (key == "image_size") {
      options.image_size = static_cast<int>(n);
    } else if (key == "head_convs") {
      options.head_convs = static_cast<int>(n);
    } else if (key == "num_classes") {
      options.num_classes = static_cast<int>(n);
    } else if (key == "anchors") {
      options.num_anchors = static_cast<int>(n);
    } else if (key == "seed") {
      options.seed = static_cast<uint64_t>(n);
    } else {
      return Usage("unknown flag --" + key);
    }
  }
  if (out.empty()) return Usage("--out is required");

  tflconv::bench::SampleModelInfo info;
  auto graph = tflconv::bench::BuildSampleModel(options, &info);
  if (!graph.ok()) return Usage(std::string(graph.status().message()));
  std::string bytes;
  if (text) {
    google::protobuf::TextFormat::PrintToString(*graph, &bytes);
  } else {
    bytes = tflconv::bench::SerializeDeterministic(*graph);
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    std::cerr << "tflconv-sample-model: could not write " << out << "\n";
    return 1;
  }
  std::printf(
      "%s: %.2f MB (%llu bytes), %d nodes, width %d, %.2fM parameters, "
      "image %dx%d\n",
      out.c_str(), bytes.size() / 1e6, static_cast<unsigned long long>(bytes.size()), info.nodes,
      info.width, info.parameters / 1e6, options.image_size, options.image_size);
  std::printf("inputs: %s:1x%dx%dx3  outputs: %s,%s\n", tflconv::bench::kSampleInput,
              options.image_size, options.image_size, tflconv::bench::kSampleBoxOutput,
              tflconv::bench::kSampleClassOutput);
  return 0;
}
