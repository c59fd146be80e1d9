// Fusion patterns: every producer followed by every activation, with the
// producer's output also consumed elsewhere or also a model output; these
// are where a converter fuses an activation into an op whose kernel does
// not apply it.
#include "absl/strings/str_cat.h"
#include "tests/opgen/op_case.h"

namespace tflconv::opgen {
namespace {

using tensorflow::DT_FLOAT;
using testing::AttrInt;
using testing::AttrInts;
using testing::AttrString;

// Builds producer "p" over input "x" [1, 6, 6, 4] and returns its name.
using Producer = std::string (*)(OpCase& c);

std::string Conv(OpCase& c) {
  AddWeights(c, "w", {3, 3, 4, 5}, 1);
  auto& conv = AddTyped(c, "Conv2D", "p", {"x", "w"}, DT_FLOAT);
  AttrInts(conv, "strides", {1, 1, 1, 1});
  AttrString(conv, "padding", "SAME");
  return "p";
}
std::string ConvBias(OpCase& c) {
  Conv(c);
  AddWeights(c, "bias", {5}, 2);
  return AddTyped(c, "BiasAdd", "p_bias", {"p", "bias"}, DT_FLOAT).name();
}
std::string Depthwise(OpCase& c) {
  AddWeights(c, "w", {3, 3, 4, 2}, 3);
  auto& conv = AddTyped(c, "DepthwiseConv2dNative", "p", {"x", "w"}, DT_FLOAT);
  AttrInts(conv, "strides", {1, 1, 1, 1});
  AttrString(conv, "padding", "VALID");
  return "p";
}
std::string MatMul(OpCase& c) {
  c.graph.ConstInt("flat_shape", {2}, {1, 144});
  AddTyped(c, "Reshape", "flat", {"x", "flat_shape"}, DT_FLOAT);
  AddWeights(c, "w", {144, 8}, 4);
  return AddTyped(c, "MatMul", "p", {"flat", "w"}, DT_FLOAT).name();
}
std::string AddOp(OpCase& c) {
  AddWeights(c, "k", {4}, 5);
  return AddTyped(c, "AddV2", "p", {"x", "k"}, DT_FLOAT).name();
}
std::string SubOp(OpCase& c) {
  AddWeights(c, "k", {6, 6, 4}, 6);
  return AddTyped(c, "Sub", "p", {"x", "k"}, DT_FLOAT).name();
}
std::string MulOp(OpCase& c) {
  AddWeights(c, "k", {1, 6, 1, 4}, 7, 0.5f, 2);
  return AddTyped(c, "Mul", "p", {"x", "k"}, DT_FLOAT).name();
}
std::string DivOp(OpCase& c) {
  AddWeights(c, "k", {4}, 8, 0.5f, 2);
  return AddTyped(c, "RealDiv", "p", {"x", "k"}, DT_FLOAT).name();
}
std::string Concat(OpCase& c) {
  AddWeights(c, "k", {1, 6, 6, 2}, 9, -2, 2);
  c.graph.ConstInt("axis", {}, {3});
  auto& concat = c.graph.Op("ConcatV2", "p", {"x", "k", "axis"});
  testing::AttrType(concat, "T", DT_FLOAT);
  AttrInt(concat, "N", 2);
  return "p";
}
std::string Pool(OpCase& c, const char* op) {
  auto& pool = AddTyped(c, op, "p", {"x"}, DT_FLOAT);
  AttrInts(pool, "ksize", {1, 2, 2, 1});
  AttrInts(pool, "strides", {1, 2, 2, 1});
  AttrString(pool, "padding", "VALID");
  return "p";
}
std::string MaxPool(OpCase& c) { return Pool(c, "MaxPool"); }
std::string AvgPool(OpCase& c) { return Pool(c, "AvgPool"); }
std::string Mean(OpCase& c) {
  c.graph.ConstInt("axes", {2}, {1, 2});
  return AddTyped(c, "Mean", "p", {"x", "axes"}, DT_FLOAT).name();
}
std::string Transpose(OpCase& c) {
  c.graph.ConstInt("perm", {4}, {0, 3, 1, 2});
  return AddTyped(c, "Transpose", "p", {"x", "perm"}, DT_FLOAT).name();
}
std::string Resize(OpCase& c) {
  c.graph.ConstInt("size", {2}, {9, 9});
  return AddTyped(c, "ResizeBilinear", "p", {"x", "size"}, DT_FLOAT).name();
}

struct NamedProducer {
  const char* name;
  Producer make;
};

const NamedProducer kProducers[] = {
    {"Conv2D", Conv},   {"Conv2D_BiasAdd", ConvBias}, {"Depthwise", Depthwise},
    {"MatMul", MatMul}, {"AddV2", AddOp},             {"Sub", SubOp},
    {"Mul", MulOp},     {"RealDiv", DivOp},           {"ConcatV2", Concat},
    {"MaxPool", MaxPool}, {"AvgPool", AvgPool},       {"Mean", Mean},
    {"Transpose", Transpose}, {"ResizeBilinear", Resize},
};

enum class Consumer { kOnlyActivation, kSecondConsumer, kAlsoOutput };

}  // namespace

void AddPatternCases(Cases& cases) {
  const char* activations[] = {"Relu", "Relu6", "Tanh", "Sigmoid", "Elu", "LeakyRelu",
                               "ReluN1To1"};
  for (const NamedProducer& producer : kProducers) {
    for (const char* activation : activations) {
      for (Consumer consumer :
           {Consumer::kOnlyActivation, Consumer::kSecondConsumer, Consumer::kAlsoOutput}) {
        OpCase c;
        const char* how = consumer == Consumer::kOnlyActivation ? "alone"
                          : consumer == Consumer::kSecondConsumer ? "shared"
                                                                  : "output";
        c.name = absl::StrCat("pattern/", producer.name, "_", activation, "_", how);
        AddInput(c, "x", DT_FLOAT, {1, 6, 6, 4}, -2, 2);
        const std::string p = producer.make(c);
        if (std::string(activation) == "ReluN1To1") {
          // TF has no such op: Minimum(Maximum(x, -1), 1) is what it fuses from.
          c.graph.ConstFloat("lo", {}, {-1});
          c.graph.ConstFloat("hi", {}, {1});
          AddTyped(c, "Maximum", "clamp_lo", {p, "lo"}, DT_FLOAT);
          AddTyped(c, "Minimum", "y", {"clamp_lo", "hi"}, DT_FLOAT);
        } else {
          auto& act = AddTyped(c, activation, "y", {p}, DT_FLOAT);
          if (std::string(activation) == "LeakyRelu") testing::AttrFloat(act, "alpha", 0.2f);
        }
        c.outputs = {"y"};
        if (consumer == Consumer::kSecondConsumer) {
          AddTyped(c, "Neg", "y2", {p}, DT_FLOAT);
          c.outputs.push_back("y2");
        } else if (consumer == Consumer::kAlsoOutput) {
          c.outputs.push_back(p);
        }
        cases.push_back(std::move(c));
      }
    }
  }
}

}  // namespace tflconv::opgen
