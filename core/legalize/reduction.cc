// Reductions over constant axes: Mean, Sum, Max, Min, Prod, ArgMax, ArgMin.
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"

namespace tflconv {

void RegisterReductionRules(RuleRegistry& registry) { (void)registry; }

}  // namespace tflconv
