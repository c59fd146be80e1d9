#include "core/lite/versioning.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "core/lite/builtin_spec.h"

namespace tflconv {
namespace {

namespace tfl = tflite;
using tfl::BuiltinOperator;
using tfl::TensorType;

using Cond = VersionCond;
using Flag = VersionFlag;

// Null when `op` has no version rules (it always gets version 1).
const std::vector<VersionRule>* RulesFor(BuiltinOperator op) {
  const BuiltinSpec* spec = FindBuiltinSpec(op);
  return spec != nullptr && !spec->versions.empty() ? &spec->versions : nullptr;
}

// Missing options read as the schema's defaults.
template <typename T>
const T& OrDefault(const T* options) {
  static const T* const kDefault = new T();
  return options != nullptr ? *options : *kDefault;
}

class OpView {
 public:
  OpView(const LiteSubgraph& graph, const LiteOperator& op)
      : graph_(graph), op_(op) {}

  bool Holds(const Cond& c) const {
    switch (c.kind) {
      case Cond::kInput:
        return TypeOf(op_.inputs, c.index) == c.value;
      case Cond::kOutput:
        return TypeOf(op_.outputs, c.index) == c.value;
      case Cond::kRankAbove:
        return Rank(c.index) > c.value;
      case Cond::kRankIs:
        return Rank(c.index) == c.value;
      case Cond::kRankIsNot:
        return Rank(c.index) != c.value;
      case Cond::kFlag:
        return Holds(static_cast<Flag>(c.value));
    }
    return false;
  }

 private:
  // -1 for an omitted or absent tensor, matching no type.
  int TypeOf(const std::vector<int>& tensors, int i) const {
    if (i >= static_cast<int>(tensors.size()) || tensors[i] < 0) return -1;
    return graph_.tensors[tensors[i]].type;
  }

  // The shape as exported, where dynamic dimensions are written as 1; the
  // official rules read that shape.
  std::vector<int32_t> Dims(int i) const {
    if (i >= static_cast<int>(op_.inputs.size()) || op_.inputs[i] < 0) {
      return {};
    }
    std::vector<int32_t> dims = graph_.tensors[op_.inputs[i]].shape;
    for (int32_t& d : dims) d = d < 0 ? 1 : d;
    return dims;
  }

  int Rank(int i) const { return static_cast<int>(Dims(i).size()); }

  bool Holds(Flag flag) const {
    const tfl::BuiltinOptionsUnion& o = op_.options;
    switch (flag) {
      case Flag::kBroadcastOver4D: {
        if (op_.inputs.size() < 2 || Dims(0) == Dims(1)) return false;
        for (int i = 0; i < static_cast<int>(op_.inputs.size()); ++i) {
          if (Rank(i) > 4) return true;
        }
        return false;
      }
      case Flag::kGroupedConv: {
        const std::vector<int32_t> input = Dims(0);
        const std::vector<int32_t> filter = Dims(1);
        return input.size() >= 4 && filter.size() >= 4 &&
               input[3] != filter[3];
      }
      case Flag::kDilated: {
        const auto& dw = OrDefault(o.AsDepthwiseConv2DOptions());
        return dw.dilation_w_factor != 1 || dw.dilation_h_factor != 1;
      }
      case Flag::kTwoInputs:
        return op_.inputs.size() == 2;
      case Flag::kBiasInput:
        return op_.inputs.size() == 4 && op_.inputs[3] >= 0;
      case Flag::kKeepNumDims:
        return OrDefault(o.AsFullyConnectedOptions()).keep_num_dims;
      case Flag::kAsymmetricInputs:
        return o.type == tfl::BuiltinOptions_BatchMatMulOptions
                   ? o.AsBatchMatMulOptions()->asymmetric_quantize_inputs
                   : OrDefault(o.AsFullyConnectedOptions())
                         .asymmetric_quantize_inputs;
      case Flag::kShuffledWeights:
        return OrDefault(o.AsFullyConnectedOptions()).weights_format ==
               tfl::FullyConnectedOptionsWeightsFormat_SHUFFLED4x16INT8;
      case Flag::kGatherBatchDims:
        return OrDefault(o.AsGatherOptions()).batch_dims != 0;
      case Flag::kSliceOffset:
        return OrDefault(o.AsStridedSliceOptions()).offset;
      case Flag::kEllipsisOrNewAxis: {
        const auto& ss = OrDefault(o.AsStridedSliceOptions());
        return ss.ellipsis_mask != 0 || ss.new_axis_mask != 0;
      }
      case Flag::kHalfPixelCenters:
        return OrDefault(o.AsResizeBilinearOptions()).half_pixel_centers;
      case Flag::kHalfPixelOrAlignCorners: {
        const auto& nn = OrDefault(o.AsResizeNearestNeighborOptions());
        return nn.half_pixel_centers || nn.align_corners;
      }
      case Flag::kFusedActivation:
        return OrDefault(o.AsTransposeConvOptions())
                   .fused_activation_function !=
               tfl::ActivationFunctionType_NONE;
      case Flag::kNarrowRange:
        return OrDefault(o.AsFakeQuantOptions()).narrow_range;
      case Flag::kQuantizedBiasType:
        return o.type != tfl::BuiltinOptions_NONE;
    }
    return false;
  }

  const LiteSubgraph& graph_;
  const LiteOperator& op_;
};

// Numeric, so that "2.13.0" sorts after "2.2.0".
std::array<int, 3> ParseVersion(const std::string& version) {
  std::array<int, 3> parts = {0, 0, 0};
  const char* p = version.c_str();
  for (int& part : parts) {
    char* end = nullptr;
    part = static_cast<int>(std::strtol(p, &end, 10));
    if (*end != '.') break;
    p = end + 1;
  }
  return parts;
}

}  // namespace

bool HasVersionRule(BuiltinOperator op) {
  if (RulesFor(op) != nullptr) return true;
  const BuiltinSpec* spec = FindBuiltinSpec(op);
  return spec != nullptr && spec->runtime_since.size() == 1;
}

// "" when the table has no entry, as in the official lookup.
std::string RuntimeVersionOf(BuiltinOperator op, int version) {
  const BuiltinSpec* spec = FindBuiltinSpec(op);
  if (spec == nullptr) return "";
  const int i = version - spec->first_version;
  if (i < 0 || i >= static_cast<int>(spec->runtime_since.size())) return "";
  return spec->runtime_since[i];
}

int OpVersion(const LiteSubgraph& graph, const LiteOperator& op) {
  const std::vector<VersionRule>* rules = RulesFor(op.builtin);
  if (rules == nullptr) return 1;
  const OpView view(graph, op);
  for (const VersionRule& rule : *rules) {
    bool holds = true;
    for (const Cond& c : rule.all) holds = holds && view.Holds(c);
    if (holds) return rule.version;
  }
  return 1;
}

void AssignOpVersions(LiteModel& model) {
  for (int g = 0; g < model.subgraph_count(); ++g) {
    LiteSubgraph& graph = model.subgraph(g);
    for (LiteOperator& op : graph.operators) op.version = OpVersion(graph, op);
  }
}

// An empty string when no op is in the table (e.g. an empty model), as the
// official converter leaves it.
std::string MinRuntimeVersion(const LiteModel& model) {
  std::string min_version;
  for (int g = 0; g < model.subgraph_count(); ++g) {
    for (const LiteOperator& op : model.subgraph(g).operators) {
      std::string version = RuntimeVersionOf(op.builtin, op.version);
      if (version.empty()) continue;
      if (min_version.empty() || ParseVersion(min_version) < ParseVersion(version)) {
        min_version = std::move(version);
      }
    }
  }
  return min_version;
}

}  // namespace tflconv
