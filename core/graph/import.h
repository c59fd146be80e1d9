// GraphDef import: parse binary or text GraphDef (told apart by content),
// validate it, cut it at the input arrays, prune it to what the output
// arrays need and order it topologically.
#ifndef TFLCONV_CORE_GRAPH_IMPORT_H_
#define TFLCONV_CORE_GRAPH_IMPORT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/graph/graph.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv {

// Defaults for ConversionOptions.limits fields left at zero.
inline constexpr uint64_t kDefaultMaxGraphBytes = 2ull << 30;  // protobuf's own cap
inline constexpr uint64_t kDefaultMaxNodes = 1'000'000;
inline constexpr uint64_t kDefaultMaxTensorElements = 1ull << 30;
inline constexpr uint64_t kDefaultMaxFoldedBytes = 1ull << 30;

struct ResolvedLimits {
  uint64_t max_graph_bytes;
  uint64_t max_nodes;
  uint64_t max_tensor_elements;  // at most INT32_MAX: TFLite shapes are int32
  uint64_t max_folded_bytes;
};
ResolvedLimits ResolveLimits(const v1::Limits& limits);

// Parses `bytes` as a binary GraphDef, or as a text GraphDef when the bytes
// are text. Large weights of a binary graph are not copied: the result
// refers into `bytes` (see ParsedGraphDef).
absl::StatusOr<std::shared_ptr<ParsedGraphDef>> ParseGraphDef(absl::string_view bytes,
                                                              const ResolvedLimits& limits);

struct ImportStats {
  int nodes_in_graph = 0;
  int nodes_pruned = 0;
  int control_edges_dropped = 0;
  int functional_ops_lowered = 0;  // If, While and calls, nested ones included
};

// Builds the Graph for `options.input_arrays` and `options.output_arrays`.
absl::StatusOr<Graph> ImportGraph(std::shared_ptr<const ParsedGraphDef> parsed,
                                  const v1::ConversionOptions& options,
                                  const ResolvedLimits& limits,
                                  ImportStats* stats);

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_IMPORT_H_
