#include "core/legalize/registry.h"

#include <algorithm>

namespace tflconv {

const RuleRegistry& RuleRegistry::Global() {
  static const RuleRegistry* registry = [] {
    auto* r = new RuleRegistry;
    RegisterStructureRules(*r);
    RegisterElementwiseRules(*r);
    RegisterActivationRules(*r);
    RegisterCompositeMathRules(*r);
    RegisterNnRules(*r);
    RegisterConv3DRules(*r);
    RegisterSpatialRules(*r);
    RegisterReshapeRules(*r);
    RegisterJoinSplitRules(*r);
    RegisterSliceRules(*r);
    RegisterFillRules(*r);
    RegisterGatherSelectRules(*r);
    RegisterReductionRules(*r);
    RegisterDetectionRules(*r);
    RegisterCropRules(*r);
    RegisterQuantizationRules(*r);
    RegisterRandomRules(*r);
    RegisterIndexingRules(*r);
    return r;
  }();
  return *registry;
}

const OpRule* RuleRegistry::Find(absl::string_view op) const {
  auto it = rules_.find(op);
  return it == rules_.end() ? nullptr : &it->second;
}

std::vector<std::string> RuleRegistry::OpNames() const {
  std::vector<std::string> names;
  for (const auto& [name, rule] : rules_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

void RuleRegistry::Add(absl::string_view op, OpRule rule) {
  rules_[std::string(op)] = rule;
}

}  // namespace tflconv
