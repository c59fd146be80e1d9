// Text GraphDef import: ParseGraphDef on printable bytes goes through
// protobuf's text parser, then ImportGraph.
#include <cstdint>

#include "core/graph/import.h"
#include "tests/fuzz/fuzz_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tflconv;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ResolvedLimits limits = ResolveLimits(fuzz::FuzzLimits());
  auto parsed = ParseGraphDef(bytes, limits);
  if (!parsed.ok()) return 0;
  ImportStats stats;
  (void)ImportGraph(*parsed, fuzz::FuzzOptions((*parsed)->def), limits, &stats);
  return 0;
}
