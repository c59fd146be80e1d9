// Rewrites on the TFLite IR that the official converter's optimize pass also
// does: fold per-channel MUL (batch-norm scale) into the weights of the
// preceding CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED, fold a constant
// ADD (BiasAdd, batch-norm offset) into their bias, fuse RELU / RELU6 /
// RELU_N1_TO_1 into the producer's fused_activation_function where its kernel
// applies it (kernel_contract.h), and drop
// tensors and buffers nothing uses. Each subgraph is rewritten on its own:
// a tensor a subgraph takes or returns is used by its caller, so nothing
// is fused across a WHILE or IF boundary.
#ifndef TFLCONV_CORE_LITE_OPTIMIZE_H_
#define TFLCONV_CORE_LITE_OPTIMIZE_H_

#include "core/lite/lite_model.h"

namespace tflconv {

struct OptimizeStats {
  int scales_folded = 0;       // MUL into weights
  int biases_folded = 0;       // ADD into bias
  int activations_fused = 0;
  int tensors_removed = 0;
};

OptimizeStats OptimizeLiteModel(LiteModel& model);

// Removes, in every subgraph, the tensors no operator or signature uses,
// then the buffers no tensor of any subgraph uses.
int RemoveUnusedTensors(LiteModel& model);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LITE_OPTIMIZE_H_
