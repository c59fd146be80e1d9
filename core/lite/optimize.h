// Rewrites on the TFLite IR that the official converter's optimize pass also
// does: fold per-channel MUL (batch-norm scale) into the weights of the
// preceding CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, fold a constant
// ADD (BiasAdd, batch-norm offset) into their bias, fuse RELU / RELU6 /
// RELU_N1_TO_1 into the producer's fused_activation_function where its kernel
// applies it (kernel_contract.h), and drop
// tensors and buffers nothing uses. Each subgraph is rewritten on its own:
// a tensor a subgraph takes or returns is used by its caller, so nothing
// is fused across a WHILE or IF boundary. What it removed, and where each
// removed operator went, is returned for the op-coverage report.
#ifndef TFLCONV_CORE_LITE_OPTIMIZE_H_
#define TFLCONV_CORE_LITE_OPTIMIZE_H_

#include <string>
#include <vector>

#include "core/lite/lite_model.h"

namespace tflconv {

// An operator the optimizer removed by absorbing it into another.
struct AbsorbedOperator {
  enum class Into {
    kWeights,     // a per-channel MUL scaled the weights (and bias)
    kBias,        // a per-channel ADD was added to the bias
    kActivation,  // became the fused_activation_function
  };
  tflite::BuiltinOperator removed;
  std::string removed_tf_node;  // LiteOperator::tf_node of the removed operator
  Into into;
  tflite::BuiltinOperator absorber;  // CONV_2D, DEPTHWISE_CONV_2D, ...
};

struct OptimizeStats {
  int scales_folded = 0;       // MUL into weights
  int biases_folded = 0;       // ADD into bias
  int activations_fused = 0;
  int tensors_removed = 0;
  std::vector<AbsorbedOperator> absorbed;  // in the order they happened
};

OptimizeStats OptimizeLiteModel(LiteModel& model);

// Removes, in every subgraph, the tensors no operator or signature uses,
// then the buffers no tensor of any subgraph uses.
int RemoveUnusedTensors(LiteModel& model);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_OPTIMIZE_H_
