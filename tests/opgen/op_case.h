// One generated op test: a small GraphDef, its inputs (with the value range
// the reference draws them from) and its outputs. Families of cases are
// grids over an op's dtypes, ranks and attributes, in the spirit of
// TensorFlow Lite's generated example tests.
#ifndef TFLCONV_TESTS_OPGEN_OP_CASE_H_
#define TFLCONV_TESTS_OPGEN_OP_CASE_H_

#include <string>
#include <vector>

#include "tests/testing/graph_builder.h"

namespace tflconv::opgen {

struct CaseInput {
  std::string name;
  tensorflow::DataType dtype = tensorflow::DT_FLOAT;
  std::vector<int64_t> shape;
  float low = -1, high = 1;  // the reference draws values in [low, high]
};

struct OpCase {
  std::string name;    // unique, "<family>/<op>_<attributes>"
  testing::GraphBuilder graph;
  std::vector<CaseInput> inputs;
  std::vector<std::string> outputs;
  // TensorFlow's semantics as a numpy expression over the inputs (one per
  // output, joined by ';'), for ops where the tfjs reference departs from
  // TensorFlow (integer division and mean, strided slices with shrink or
  // negative strides). The driver checks and judges against it instead.
  std::string numpy;
  // For graphs TensorFlow itself rejects: what the converter's error must say.
  std::string expect_error;
  // The kernel sizes the outputs only in Eval (their shape depends on an
  // input's values), which the oracle's runtime API cannot return: the
  // driver judges them through a padded copy of the graph.
  bool runtime_sized_outputs = false;
};

using Cases = std::vector<OpCase>;

// Adds a Placeholder to the case's graph and lists it as an input.
std::string AddInput(OpCase& c, const std::string& name, tensorflow::DataType dtype,
                     std::vector<int64_t> shape, float low = -1, float high = 1);
// Deterministic values in [low, high] for a tensor of `shape`.
std::vector<float> WeightValues(const std::vector<int64_t>& shape, int seed, float low = -1,
                                float high = 1);
// A float Const of `shape` with deterministic values in [low, high].
std::string AddWeights(OpCase& c, const std::string& name, std::vector<int64_t> shape,
                       int seed, float low = -1, float high = 1);
// An op node with attribute T set to `dtype`.
tensorflow::NodeDef& AddTyped(OpCase& c, const std::string& op, const std::string& name,
                              std::vector<std::string> inputs, tensorflow::DataType dtype);

std::string DtypeName(tensorflow::DataType dtype);  // "float32", "int32", "bool"
std::string ShapeName(const std::vector<int64_t>& shape);  // "2x3x4", "scalar"
// A numpy literal: "np.array([1,2,3,4],dtype=np.int32).reshape([2,2])".
std::string NumpyInt32(const std::vector<int32_t>& values, const std::vector<int64_t>& shape);
std::string NumpyFloat32(const std::vector<float>& values, const std::vector<int64_t>& shape);

void AddElementwiseCases(Cases& cases);
void AddPatternCases(Cases& cases);
void AddNnCases(Cases& cases);
void AddReductionCases(Cases& cases);
void AddTensorCases(Cases& cases);
void AddControlFlowCases(Cases& cases);

}  // namespace tflconv::opgen

#endif  // TFLCONV_TESTS_OPGEN_OP_CASE_H_
