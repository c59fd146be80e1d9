#include "tests/opgen/op_case.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/graph/tensor.h"

namespace tflconv::opgen {

std::string AddInput(OpCase& c, const std::string& name, tensorflow::DataType dtype,
                     std::vector<int64_t> shape, float low, float high) {
  c.graph.Placeholder(name, dtype, shape);
  c.inputs.push_back({name, dtype, std::move(shape), low, high});
  return name;
}

std::vector<float> WeightValues(const std::vector<int64_t>& shape, int seed, float low,
                                float high) {
  std::vector<float> values(NumElements(shape));
  uint32_t state = 2654435761u * static_cast<uint32_t>(seed + 1);
  for (float& v : values) {
    state = state * 1664525u + 1013904223u;
    v = low + (high - low) * static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
  }
  return values;
}

std::string AddWeights(OpCase& c, const std::string& name, std::vector<int64_t> shape,
                       int seed, float low, float high) {
  std::vector<float> values = WeightValues(shape, seed, low, high);
  return c.graph.ConstFloat(name, std::move(shape), std::move(values));
}

tensorflow::NodeDef& AddTyped(OpCase& c, const std::string& op, const std::string& name,
                              std::vector<std::string> inputs, tensorflow::DataType dtype) {
  tensorflow::NodeDef& node = c.graph.Op(op, name, std::move(inputs));
  testing::AttrType(node, "T", dtype);
  return node;
}

std::string DtypeName(tensorflow::DataType dtype) { return DataTypeName(dtype); }

std::string ShapeName(const std::vector<int64_t>& shape) {
  return shape.empty() ? "scalar" : absl::StrJoin(shape, "x");
}

std::string NumpyInt32(const std::vector<int32_t>& values, const std::vector<int64_t>& shape) {
  return absl::StrCat("np.array([", absl::StrJoin(values, ","), "],dtype=np.int32).reshape([",
                      absl::StrJoin(shape, ","), "])");
}

std::string NumpyFloat32(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  // %.9g round-trips a float exactly.
  return absl::StrCat(
      "np.array([",
      absl::StrJoin(values, ",",
                    [](std::string* out, float v) { absl::StrAppendFormat(out, "%.9g", v); }),
      "],dtype=np.float32).reshape([", absl::StrJoin(shape, ","), "])");
}

}  // namespace tflconv::opgen
