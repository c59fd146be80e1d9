// The table of legalization rules, TF op name -> OpRule.
#ifndef TFLCONV_CORE_LEGALIZE_REGISTRY_H_
#define TFLCONV_CORE_LEGALIZE_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/legalize/rule.h"

namespace tflconv {

class RuleRegistry {
 public:
  static const RuleRegistry& Global();

  // Null when no rule handles `op` (it goes to Flex, custom or unsupported).
  const OpRule* Find(absl::string_view op) const;
  void Add(absl::string_view op, OpRule rule);
  // Every op with a rule, sorted (for tests that sweep all rules).
  std::vector<std::string> OpNames() const;

 private:
  absl::flat_hash_map<std::string, OpRule> rules_;
};

// One per op-family file; each adds its rules.
void RegisterStructureRules(RuleRegistry& registry);
void RegisterElementwiseRules(RuleRegistry& registry);
void RegisterActivationRules(RuleRegistry& registry);
void RegisterCompositeMathRules(RuleRegistry& registry);
void RegisterNnRules(RuleRegistry& registry);
void RegisterConv3DRules(RuleRegistry& registry);
void RegisterSpatialRules(RuleRegistry& registry);
void RegisterReshapeRules(RuleRegistry& registry);
void RegisterJoinSplitRules(RuleRegistry& registry);
void RegisterSliceRules(RuleRegistry& registry);
void RegisterFillRules(RuleRegistry& registry);
void RegisterGatherSelectRules(RuleRegistry& registry);
void RegisterReductionRules(RuleRegistry& registry);
void RegisterDetectionRules(RuleRegistry& registry);
void RegisterCropRules(RuleRegistry& registry);
void RegisterQuantizationRules(RuleRegistry& registry);
void RegisterRandomRules(RuleRegistry& registry);
void RegisterIndexingRules(RuleRegistry& registry);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_REGISTRY_H_
