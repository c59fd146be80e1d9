// What the converter hands out: its artifacts and the version it stamps
// into them and into reports. Lower layers include this, never the facade.
#ifndef TFLCONV_CORE_ARTIFACT_H_
#define TFLCONV_CORE_ARTIFACT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv {

inline constexpr char kConverterVersion[] = "0.1.0";

// Memory an artifact is built in: `size` uninitialized bytes, freed when
// the last copy of the pointer goes; throws std::bad_alloc when there is
// none, as operator new does. A finished artifact lies inside one such
// block, and its Artifact::storage points to the block's start. The
// server's worker processes build artifacts straight into shared memory
// this way; by default they are built on the heap.
using ArtifactAllocator = std::function<std::shared_ptr<char>(size_t size)>;

struct Artifact {
  v1::ArtifactKind kind = v1::ARTIFACT_KIND_UNSPECIFIED;
  std::string file_name;  // "model_fp32.tflite" / "model_fp16.tflite"
  absl::string_view bytes;  // a flatbuffer that passed the TFLite Verifier
  std::shared_ptr<const void> storage;  // owns `bytes`
};

}  // namespace tflconv

#endif  // TFLCONV_CORE_ARTIFACT_H_
