// The op-coverage report: what became of every TF node. The legalizer
// records each node's first answer (builtin operators, Flex, folded, ...);
// after the Lite optimizer ran, the operators it absorbed into others are
// moved to where they went, so the report describes the model as exported.
// Nodes are grouped per (op type, disposition, where they were absorbed).
#ifndef TFLCONV_CORE_LEGALIZE_COVERAGE_H_
#define TFLCONV_CORE_LEGALIZE_COVERAGE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/graph/graph.h"
#include "core/lite/optimize.h"
#include "tflconv/v1/report.pb.h"

namespace tflconv {

class CoverageBuilder {
 public:
  // `lite_ops` are the TFLite operators the node became, by name
  // ("CONV_2D", "FlexFoo"); `warning` may be empty.
  void Add(const Node& node, v1::Disposition disposition, std::vector<std::string> lite_ops,
           std::string warning);

  // Takes each absorbed operator out of its node's TFLite operators and
  // notes where it went; a builtin node left with no operator is FUSED.
  void ApplyAbsorbed(const std::vector<AbsorbedOperator>& absorbed);

  v1::OpCoverageReport Build() const;

 private:
  struct NodeCoverage {
    std::string tf_op;
    std::string name;
    v1::Disposition disposition;
    std::vector<std::string> lite_ops;
    std::string warning;
    std::vector<AbsorbedOperator> absorbed;
  };

  std::vector<NodeCoverage> nodes_;
  absl::flat_hash_map<std::string, size_t> index_of_;  // node name -> nodes_ index
};

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_COVERAGE_H_
