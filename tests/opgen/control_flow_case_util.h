// What the control-flow cases (control_flow_cases.cc, array_cases.cc) build
// their graphs from. Constants of a loop body or cond branch are tied to it
// by a control edge from its pivot, as TensorFlow writes them.
#ifndef TFLCONV_TESTS_OPGEN_CONTROL_FLOW_CASE_UTIL_H_
#define TFLCONV_TESTS_OPGEN_CONTROL_FLOW_CASE_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "tests/opgen/op_case.h"
#include "tests/testing/graph_builder.h"

namespace tflconv::opgen {

using TypedNames = std::vector<std::pair<std::string, tensorflow::DataType>>;

// A scalar float Const that lives in the frame of `pivot`.
inline std::string ScalarIn(testing::GraphBuilder& g, const std::string& name, float value,
                            const std::string& pivot) {
  g.ConstFloat(name, {}, {value});
  g.AddControlInput(name, pivot);
  return name;
}

// An int32 Const of `shape` that lives in the frame of `pivot`.
inline std::string IntIn(testing::GraphBuilder& g, const std::string& name,
                         std::vector<int32_t> values, std::vector<int64_t> shape,
                         const std::string& pivot) {
  g.ConstInt(name, std::move(shape), std::move(values));
  g.AddControlInput(name, pivot);
  return name;
}

// Cast int32 -> float32.
inline std::string ToFloat(testing::GraphBuilder& g, const std::string& name,
                           const std::string& int_tensor) {
  tensorflow::NodeDef& cast = g.Op("Cast", name, {int_tensor});
  testing::AttrType(cast, "SrcT", tensorflow::DT_INT32);
  testing::AttrType(cast, "DstT", tensorflow::DT_FLOAT);
  return name;
}

// dynamic_rnn's TensorArrays and TF2's TensorLists (array_cases.cc).
void AddArrayCases(Cases& cases);

}  // namespace tflconv::opgen

#endif  // TFLCONV_TESTS_OPGEN_CONTROL_FLOW_CASE_UTIL_H_
