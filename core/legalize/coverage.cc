#include "core/legalize/coverage.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tflconv {
namespace {

template <typename List, typename T>
bool Contains(const List& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "folded into CONV_2D weights and bias", "fused into CONV_2D": one phrase
// per absorbing op type and kind of absorption, in the order they happened.
std::vector<std::string> DescribeAbsorbed(const std::vector<AbsorbedOperator>& absorbed) {
  std::vector<tflite::BuiltinOperator> absorbers;
  for (const AbsorbedOperator& a : absorbed) {
    if (!Contains(absorbers, a.absorber)) absorbers.push_back(a.absorber);
  }
  std::vector<std::string> phrases;
  for (tflite::BuiltinOperator absorber : absorbers) {
    bool weights = false, bias = false, activation = false;
    for (const AbsorbedOperator& a : absorbed) {
      if (a.absorber != absorber) continue;
      weights |= a.into == AbsorbedOperator::Into::kWeights;
      bias |= a.into == AbsorbedOperator::Into::kBias;
      activation |= a.into == AbsorbedOperator::Into::kActivation;
    }
    const char* name = tflite::EnumNameBuiltinOperator(absorber);
    if (weights || bias) {
      phrases.push_back(absl::StrCat("folded into ", name, " ",
                                     weights && bias ? "weights and bias"
                                     : weights       ? "weights"
                                                     : "bias"));
    }
    if (activation) phrases.push_back(absl::StrCat("fused into ", name));
  }
  return phrases;
}

}  // namespace

void CoverageBuilder::Add(const Node& node, v1::Disposition disposition,
                          std::vector<std::string> lite_ops, std::string warning) {
  index_of_[node.name] = nodes_.size();
  nodes_.push_back({node.op, node.name, disposition, std::move(lite_ops), std::move(warning), {}});
}

void CoverageBuilder::ApplyAbsorbed(const std::vector<AbsorbedOperator>& absorbed) {
  for (const AbsorbedOperator& a : absorbed) {
    auto it = index_of_.find(a.removed_tf_node);
    if (it == index_of_.end()) continue;
    NodeCoverage& node = nodes_[it->second];
    auto op = std::find(node.lite_ops.begin(), node.lite_ops.end(),
                        tflite::EnumNameBuiltinOperator(a.removed));
    if (op == node.lite_ops.end()) continue;
    node.lite_ops.erase(op);
    node.absorbed.push_back(a);
    if (node.lite_ops.empty() && node.disposition == v1::BUILTIN) node.disposition = v1::FUSED;
  }
}

v1::OpCoverageReport CoverageBuilder::Build() const {
  // Ordered by op type, then disposition, then where the nodes went.
  std::map<std::tuple<std::string, int, std::string>, v1::OpCoverage> entries;
  for (const NodeCoverage& node : nodes_) {
    const std::vector<std::string> absorbed_into = DescribeAbsorbed(node.absorbed);
    v1::OpCoverage& entry =
        entries[{node.tf_op, node.disposition, absl::StrJoin(absorbed_into, "\n")}];
    if (entry.count() == 0) {
      entry.set_tf_op(node.tf_op);
      entry.set_disposition(node.disposition);
      for (const std::string& phrase : absorbed_into) entry.add_absorbed_into(phrase);
    }
    entry.set_count(entry.count() + 1);
    entry.add_node_names(node.name);
    for (const std::string& op : node.lite_ops) {
      if (!Contains(entry.tflite_ops(), op)) entry.add_tflite_ops(op);
    }
    if (!node.warning.empty() && !Contains(entry.warnings(), node.warning)) {
      entry.add_warnings(node.warning);
    }
  }
  v1::OpCoverageReport report;
  for (const auto& [key, entry] : entries) {
    *report.add_ops() = entry;
    switch (entry.disposition()) {
      case v1::BUILTIN: report.set_builtin_ops(report.builtin_ops() + entry.count()); break;
      case v1::FUSED: report.set_fused_ops(report.fused_ops() + entry.count()); break;
      case v1::FLEX: report.set_flex_ops(report.flex_ops() + entry.count()); break;
      case v1::CUSTOM: report.set_custom_ops(report.custom_ops() + entry.count()); break;
      case v1::UNSUPPORTED:
        report.set_unsupported_ops(report.unsupported_ops() + entry.count());
        break;
      default: break;
    }
    if (!entry.warnings().empty() && entry.disposition() != v1::UNSUPPORTED) {
      report.set_has_runtime_warnings(true);
    }
  }
  return report;
}

}  // namespace tflconv
