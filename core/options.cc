#include "core/options.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tflconv {
namespace {

std::vector<std::string> SplitList(absl::string_view list) {
  if (list.empty()) return {};
  return absl::StrSplit(list, ',');
}

}  // namespace

absl::StatusOr<v1::ConversionOptions> OptionsFromFlags(const ConverterFlags& flags) {
  v1::ConversionOptions options;
  const std::vector<std::string> inputs = SplitList(flags.input_arrays);
  for (const std::string& name : inputs) {
    if (name.empty()) return absl::InvalidArgumentError("--input_arrays has an empty name");
    options.add_input_arrays()->set_name(name);
  }
  if (!flags.input_shapes.empty()) {
    const std::vector<std::string> shapes = absl::StrSplit(flags.input_shapes, ':');
    if (shapes.size() != inputs.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--input_shapes has ", shapes.size(), " entries for ", inputs.size(),
          " input arrays (separate arrays with ':', dims with ',')"));
    }
    for (size_t i = 0; i < shapes.size(); ++i) {
      v1::InputArray* array = options.mutable_input_arrays(i);
      array->set_has_shape(true);
      for (const std::string& dim : SplitList(shapes[i])) {
        int64_t value;
        if (!absl::SimpleAtoi(dim, &value) || value < -1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "--input_shapes entry '", shapes[i], "' for '", array->name(),
              "' has an invalid dimension '", dim, "'"));
        }
        array->add_shape(value);
      }
    }
  }
  for (const std::string& name : SplitList(flags.output_arrays)) {
    if (name.empty()) return absl::InvalidArgumentError("--output_arrays has an empty name");
    options.add_output_arrays(name);
  }
  for (const std::string& op_set : SplitList(flags.target_ops)) {
    v1::TargetOpSet value;
    if (!v1::TargetOpSet_Parse(op_set, &value) || value == v1::TARGET_OP_SET_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--target_ops: unknown op set '", op_set, "' (TFLITE_BUILTINS, SELECT_TF_OPS)"));
    }
    options.add_target_ops(value);
  }
  options.set_allow_custom_ops(flags.allow_custom_ops);
  for (const std::string& kind : SplitList(flags.artifacts)) {
    v1::ArtifactKind value;
    if (!v1::ArtifactKind_Parse(absl::AsciiStrToUpper(kind), &value) ||
        value == v1::ARTIFACT_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("--artifacts: unknown artifact '", kind, "' (fp32, fp16)"));
    }
    options.add_artifacts(value);
  }
  if (!flags.unroll_limit.empty()) {
    uint64_t limit = 0;
    if (!absl::SimpleAtoi(flags.unroll_limit, &limit)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--unroll_limit: '", flags.unroll_limit, "' is not a count of operators (0 or more)"));
    }
    options.set_unroll_limit(limit);
  }
  return options;
}

}  // namespace tflconv
