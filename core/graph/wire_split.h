// Reading a binary GraphDef without copying its weights. Protobuf (3.21)
// copies every bytes field while parsing, which for a frozen graph means a
// second copy of all weights; this walks the wire format instead, hands
// protobuf the graph without the large Const tensor_content payloads, and
// leaves those as views into the caller's bytes.
#ifndef TFLCONV_CORE_GRAPH_WIRE_SPLIT_H_
#define TFLCONV_CORE_GRAPH_WIRE_SPLIT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace tflconv {

struct SplitGraphDef {
  // The GraphDef with the payloads left out, for protobuf to parse.
  std::string structure;
  // (index of the node in GraphDef.node, the tensor_content of its "value"
  // attribute), for Const nodes whose payload was left out.
  std::vector<std::pair<int, absl::string_view>> contents;
};

// Splits off the tensor_content of Const nodes' "value" of at least
// `min_payload_bytes`. nullopt when `bytes` is not well-formed wire format
// (protobuf's own parse then reports the error).
std::optional<SplitGraphDef> SplitTensorContents(absl::string_view bytes,
                                                 size_t min_payload_bytes);

}  // namespace tflconv

#endif  // TFLCONV_CORE_GRAPH_WIRE_SPLIT_H_
