// The whole Convert() (import, inference and folding, legalization, the
// TFLite optimizer, versioning, fp32 and fp16 export with the Verifier) on
// a binary or text GraphDef, with the graph's sinks as outputs and small
// limits, and for a graph with loops once more with every loop a WHILE. A
// conversion may fail; it must not crash.
#include <algorithm>
#include <cstdint>

#include "core/convert.h"
#include "core/graph/import.h"
#include "tests/fuzz/fuzz_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tflconv;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Parsed once here only to choose the outputs; Convert() parses again.
  auto parsed = ParseGraphDef(bytes, ResolveLimits(fuzz::FuzzLimits()));
  if (!parsed.ok()) return 0;
  v1::ConversionOptions options = fuzz::FuzzOptions((*parsed)->def);
  (void)Convert(bytes, options);
  // Loops once more as WHILEs (their arrays as one tensor, their conds as
  // IFs), which the unrolling above leaves out when the trip count folds.
  const auto& nodes = (*parsed)->def.node();
  if (std::any_of(nodes.begin(), nodes.end(), [](const tensorflow::NodeDef& node) {
        return node.op() == "LoopCond" || node.op() == "While" || node.op() == "StatelessWhile";
      })) {
    options.set_unroll_limit(0);
    (void)Convert(bytes, options);
  }
  return 0;
}
