// The whole Convert() (import, inference and folding, legalization, the
// TFLite optimizer, versioning, fp32 and fp16 export with the Verifier) on
// a binary or text GraphDef, with the graph's sinks as outputs and small
// limits. A conversion may fail; it must not crash.
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
  (void)Convert(bytes, fuzz::FuzzOptions((*parsed)->def));
  return 0;
}
