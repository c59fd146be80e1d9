// What the converter hands out: its artifacts and the version it stamps
// into them and into reports. Lower layers include this, never the facade.
#ifndef TFLCONV_CORE_ARTIFACT_H_
#define TFLCONV_CORE_ARTIFACT_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv {

inline constexpr char kConverterVersion[] = "0.1.0";

struct Artifact {
  v1::ArtifactKind kind = v1::ARTIFACT_KIND_UNSPECIFIED;
  std::string file_name;  // "model_fp32.tflite" / "model_fp16.tflite"
  absl::string_view bytes;  // a flatbuffer that passed the TFLite Verifier
  std::shared_ptr<const void> storage;  // owns `bytes`
};

}  // namespace tflconv

#endif  // TFLCONV_CORE_ARTIFACT_H_
