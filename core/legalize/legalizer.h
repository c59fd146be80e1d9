// Runs the rules over an imported graph: inference with constant folding,
// then legalization into a LiteModel, with the op-coverage report.
#ifndef TFLCONV_CORE_LEGALIZE_LEGALIZER_H_
#define TFLCONV_CORE_LEGALIZE_LEGALIZER_H_

#include "absl/status/status.h"
#include "core/graph/graph.h"
#include "core/graph/import.h"
#include "core/legalize/coverage.h"
#include "core/legalize/rule.h"
#include "core/lite/lite_model.h"
#include "tflconv/v1/options.pb.h"
#include "tflconv/v1/report.pb.h"

namespace tflconv {

struct InferStats {
  int nodes_folded = 0;
  int folds_declined = 0;  // over limits.max_folded_bytes, left to run time
  uint64_t folded_bytes = 0;  // taken from limits.max_folded_bytes
};

// Runs each node's rule to set its outputs' dtypes, shapes and (when its
// inputs are constant) values, with one fold budget for the whole graph.
// Nodes may be added to the graph between calls (control-flow lowering
// infers each node it makes).
class NodeInferrer {
 public:
  // `shared_budget`, when given, is the budget of several inferrers (the
  // graphs one control-flow lowering makes); else the inferrer has its own.
  NodeInferrer(Graph& graph, const ResolvedLimits& limits, InferStats* stats,
               FoldBudget* shared_budget = nullptr);
  // `outputs_used`: one past the highest output index any consumer reads.
  absl::Status Infer(int node, int64_t outputs_used);

 private:
  Graph& graph_;
  const ResolvedLimits& limits_;
  InferStats* stats_;
  FoldBudget own_budget_;
  FoldBudget& budget_;
};

// Per node, one past the highest output index a consumer or output reads.
std::vector<int64_t> OutputsUsed(const Graph& graph);

// Sets dtype, shape and (when constant) value of every node output, in
// topological order. Errors name the node.
absl::Status InferGraph(Graph& graph, const ResolvedLimits& limits, InferStats* stats);

struct LegalizeResult {
  absl::Status status;
  LiteModel model;
  CoverageBuilder coverage;  // filled even when status is not OK
};

// Legalizes every live node: rules for builtins, then Flex or custom ops
// as the options allow. Unsupported ops fail the whole conversion with one
// FAILED_PRECONDITION error listing every op type and its nodes.
LegalizeResult LegalizeGraph(const Graph& graph, const v1::ConversionOptions& options);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_LEGALIZER_H_
