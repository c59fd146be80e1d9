// The .tflite reader behind `tflconv inspect`: the Verifier, then the text
// and the JSON listings of whatever it let through.
#include <cstdint>

#include "client/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)tflconv::cli::InspectModel(bytes, /*json=*/false);
  (void)tflconv::cli::InspectModel(bytes, /*json=*/true);
  return 0;
}
