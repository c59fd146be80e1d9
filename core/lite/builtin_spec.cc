#include "core/lite/builtin_spec.h"

#include <map>

#include "core/lite/builtins/spec_dsl.h"

namespace tflconv {

const std::vector<BuiltinSpec>& BuiltinSpecs() {
  static const auto* const kSpecs = [] {
    auto* specs = new std::vector<BuiltinSpec>;
    for (auto family : {spec_dsl::MathBuiltins, spec_dsl::TensorBuiltins, spec_dsl::NnBuiltins,
                        spec_dsl::ControlFlowBuiltins, spec_dsl::UnemittedBuiltins}) {
      for (BuiltinSpec& spec : family()) specs->push_back(std::move(spec));
    }
    return specs;
  }();
  return *kSpecs;
}

const BuiltinSpec* FindBuiltinSpec(tflite::BuiltinOperator op) {
  static const auto* const kByOp = [] {
    auto* by_op = new std::map<tflite::BuiltinOperator, const BuiltinSpec*>;
    for (const BuiltinSpec& spec : BuiltinSpecs()) by_op->emplace(spec.op, &spec);
    return by_op;
  }();
  auto it = kByOp->find(op);
  return it == kByOp->end() ? nullptr : it->second;
}

}  // namespace tflconv
