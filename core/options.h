// ConversionOptions from the string spellings of TensorFlow's converter
// flags (tflite_convert / TFLiteConverter.from_frozen_graph), shared by the
// CLI's local and remote modes.
#ifndef TFLCONV_CORE_OPTIONS_H_
#define TFLCONV_CORE_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tflconv/v1/options.pb.h"

namespace tflconv {

struct ConverterFlags {
  std::string input_arrays;   // "a,b" or "name:1"
  std::string input_shapes;   // "1,224,224,3:1,10"; "" entries are scalars
  std::string output_arrays;  // "x,y"
  std::string target_ops;     // "TFLITE_BUILTINS,SELECT_TF_OPS"
  bool allow_custom_ops = false;
  std::string artifacts;      // "fp32,fp16"
  std::string unroll_limit;   // "" (the default), "0", "4096"
};

// Errors name the flag and the offending entry.
absl::StatusOr<v1::ConversionOptions> OptionsFromFlags(const ConverterFlags& flags);

}  // namespace tflconv

#endif  // TFLCONV_CORE_OPTIONS_H_
