// Builds LiteModels operator by operator for tests of the Lite passes
// (versioning, kernel contracts, control flow), without going through a
// GraphDef. Tensors and operators go to the subgraph in focus
// (SubgraphFocus).
#ifndef TFLCONV_TESTS_TESTING_LITE_MODEL_BUILDER_H_
#define TFLCONV_TESTS_TESTING_LITE_MODEL_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include "core/lite/lite_model.h"

namespace tflconv::testing {

class LiteModelBuilder {
 public:
  int Tensor(std::vector<int32_t> shape, tflite::TensorType type = tflite::TensorType_FLOAT32,
             std::string name = "") {
    LiteTensor tensor;
    tensor.name = std::move(name);
    tensor.type = type;
    tensor.shape = std::move(shape);
    return model_.AddTensor(std::move(tensor));
  }

  // A constant holding `values`.
  template <typename T>
  int Constant(std::vector<int32_t> shape, tflite::TensorType type, std::vector<T> values,
               std::string name) {
    const int tensor = Tensor(std::move(shape), type, std::move(name));
    model_.tensors[tensor].buffer = model_.AddBuffer(OwnedBuffer(std::move(values)));
    return tensor;
  }

  // An operator from TF node "node".
  LiteOperator& Op(tflite::BuiltinOperator builtin, std::vector<int> inputs,
                   std::vector<int> outputs, tflite::BuiltinOptionsUnion options = {}) {
    LiteOperator op;
    op.builtin = builtin;
    op.inputs = std::move(inputs);
    op.outputs = std::move(outputs);
    op.options = std::move(options);
    op.tf_node = "node";
    model_.operators.push_back(std::move(op));
    return model_.operators.back();
  }

  LiteModel& model() { return model_; }
  const LiteModel& model() const { return model_; }

 private:
  LiteModel model_;
};

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_LITE_MODEL_BUILDER_H_
