// Spatial and batched ops: transposed convolution, batched matmul, resizing,
// padding and the space/batch/depth rearrangements.
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"

namespace tflconv {

void RegisterSpatialRules(RuleRegistry& registry) { (void)registry; }

}  // namespace tflconv
