// Detection post-processing: TopKV2 and non-max suppression.
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"

namespace tflconv {

void RegisterDetectionRules(RuleRegistry& registry) { (void)registry; }

}  // namespace tflconv
