#include "core/lite/versioning.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/lite/tensor_types.h"

namespace tflconv {
namespace {

namespace tfl = tflite;
using tfl::BuiltinOperator;
using tfl::TensorType;
using namespace tensor_types;

// What an op's version depends on besides the types and ranks of its
// tensors.
enum class Flag {
  kBroadcastOver4D,
  kGroupedConv,
  kDilated,
  kTwoInputs,
  kBiasInput,
  kKeepNumDims,
  kAsymmetricInputs,
  kShuffledWeights,
  kGatherBatchDims,
  kSliceOffset,
  kEllipsisOrNewAxis,
  kHalfPixelCenters,
  kHalfPixelOrAlignCorners,
  kFusedActivation,
  kNoPotScaleInt16,
  kNarrowRange,
  // The official quantized_bias_type checks test the TfLiteType converted
  // from the options, which is non-zero for every schema type, so they hold
  // whenever the options exist.
  kQuantizedBiasType,
};

struct Cond {
  enum Kind { kInput, kOutput, kRankAbove, kRankIs, kRankIsNot, kFlag };
  Kind kind;
  int index;
  int value;
};

Cond In(int i, TensorType t) { return {Cond::kInput, i, t}; }
Cond In(TensorType t) { return In(0, t); }
Cond Out(int i, TensorType t) { return {Cond::kOutput, i, t}; }
Cond Out(TensorType t) { return Out(0, t); }
Cond RankAbove(int n) { return {Cond::kRankAbove, 0, n}; }
Cond RankIs(int i, int n) { return {Cond::kRankIs, i, n}; }
Cond RankIsNot(int n) { return {Cond::kRankIsNot, 0, n}; }
Cond If(Flag f) { return {Cond::kFlag, 0, static_cast<int>(f)}; }

// The first rule whose conditions all hold gives the version; none gives 1.
struct Rule {
  int version;
  std::vector<Cond> all;
};

struct OpRules {
  std::vector<BuiltinOperator> ops;
  std::vector<Rule> rules;
};

// The rules of op_version.cc in its order. Rules that need quantization
// parameters or sparsity, which the IR does not carry, are left out; int16
// MUL/ADD/ABS are therefore the non-quantized kernels.
const std::vector<OpRules>& VersionRules() {
  static const auto* const kRules = new std::vector<OpRules>{
      {{tfl::BuiltinOperator_CONV_2D},
       {{8, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {6, {If(Flag::kGroupedConv)}},
        {3, {In(kI8), In(1, kI8), Out(kI8)}},
        {7, {In(kI8), In(1, kI4), Out(kI8)}},
        {2, {In(kF32), In(1, kI8), Out(kF32)}}}},
      {{tfl::BuiltinOperator_DEPTHWISE_CONV_2D},
       {{4, {In(kF32), In(1, kI8), Out(kF32)}},
        {3, {In(kI8), In(1, kI8), Out(kI8)}},
        {7, {In(kI8), In(1, kI4), Out(kI8)}},
        {2, {If(Flag::kDilated)}}}},
      {{tfl::BuiltinOperator_EMBEDDING_LOOKUP},
       {{4, {In(1, kI4)}}, {5, {In(1, kI2)}}}},
      {{tfl::BuiltinOperator_FAKE_QUANT}, {{2, {If(Flag::kNarrowRange)}}}},
      {{tfl::BuiltinOperator_FULLY_CONNECTED},
       {{14, {In(1, kI2)}},
        {13, {In(kI16), In(1, kI4), Out(kI16)}},
        {11, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {7, {In(kI16), In(1, kI16), Out(kI16)}},
        {6, {If(Flag::kTwoInputs)}},
        {5, {If(Flag::kKeepNumDims)}},
        {4, {In(kI8), In(1, kI8), Out(kI8)}},
        {10, {In(kI8), In(1, kI4), Out(kI8)}},
        {9, {In(kF32), In(1, kI8), Out(kF32), If(Flag::kAsymmetricInputs)}},
        {3, {In(kF32), In(1, kI8), Out(kF32)}},
        {2, {If(Flag::kShuffledWeights)}}}},
      {{tfl::BuiltinOperator_GATHER},
       {{7, {In(kI4)}},
        {6, {In(1, kI16)}},
        {5, {If(Flag::kGatherBatchDims)}},
        {4, {In(kI16)}},
        {3, {In(kBool)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_SIGN}, {{2, {In(kI32)}}}},
      {{tfl::BuiltinOperator_SIN, tfl::BuiltinOperator_COS},
       {{2, {In(kF16)}}}},
      {{tfl::BuiltinOperator_MUL},
       {{8, {In(kF16)}},
        {7, {In(kI16)}},
        {7, {In(kU32)}},
        {6, {In(kC64)}},
        {5, {In(kI64)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_MAX_POOL_2D, tfl::BuiltinOperator_AVERAGE_POOL_2D},
       {{3, {In(kI16), Out(kI16)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_TRANSPOSE},
       {{9, {In(kF16)}},
        {8, {RankAbove(6)}},
        {8, {In(kBf16)}},
        {7, {In(kI4)}},
        {6, {RankAbove(5)}},
        {5, {In(kI16)}},
        {4, {RankAbove(4)}},
        {3, {In(kBool)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_TRANSPOSE_CONV},
       {{5, {In(kI16), In(1, kI8), Out(kI16), If(Flag::kQuantizedBiasType)}},
        {4, {If(Flag::kFusedActivation)}},
        {3, {If(Flag::kBiasInput)}},
        {2, {In(1, kI8)}}}},
      // SPLIT's data is input 1; input 0 is the axis.
      {{tfl::BuiltinOperator_SPLIT},
       {{4, {In(1, kI16)}}, {3, {In(1, kI32)}}, {2, {In(1, kI8)}}}},
      {{tfl::BuiltinOperator_SPARSE_TO_DENSE},
       {{3, {In(2, kI8)}}, {3, {In(2, kU8)}}, {2, {In(2, kI64)}}}},
      {{tfl::BuiltinOperator_SLICE},
       {{8, {In(kF16)}},
        {7, {In(kI4)}},
        {6, {In(kU32)}},
        {5, {RankAbove(4)}},
        {4, {In(kI16)}},
        {3, {In(kString)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_UNPACK},
       {{2, {In(kI8)}},
        {2, {In(kU8)}},
        {3, {In(kBool)}},
        {4, {In(kI16), Out(kI16)}},
        {5, {In(kF16)}},
        {5, {In(kBf16)}}}},
      {{tfl::BuiltinOperator_DEQUANTIZE},
       {{8, {In(kU4)}},
        {7, {In(kI2)}},
        {6, {In(kI4)}},
        {3, {In(kI16)}},
        {3, {In(kF16)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_QUANTIZE},
       {{5, {In(kU4)}},
        {5, {Out(kU4)}},
        {4, {In(kI4)}},
        {4, {Out(kI4)}},
        {2, {Out(kI16)}}}},
      {{tfl::BuiltinOperator_FLOOR_DIV},
       {{3, {In(kI16)}}, {3, {In(kI8)}}, {2, {In(kF32)}}}},
      {{tfl::BuiltinOperator_FLOOR_MOD}, {{2, {In(kI16)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_L2_NORMALIZATION}, {{2, {Out(kI8)}}}},
      {{tfl::BuiltinOperator_ABS},
       {{5, {In(kI32)}}, {4, {In(kI16)}}, {2, {In(kI8)}}, {2, {In(kU8)}}}},
      {{tfl::BuiltinOperator_RELU},
       {{3, {In(kI16)}}, {2, {In(kI8)}}, {2, {In(kU8)}}}},
      {{tfl::BuiltinOperator_STRIDED_SLICE},
       {{8, {If(Flag::kSliceOffset)}},
        {7, {In(kU32)}},
        {6, {If(Flag::kEllipsisOrNewAxis)}},
        {5, {In(kString)}},
        {4, {RankAbove(4)}},
        {3, {In(kBool)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_REVERSE_V2}, {{3, {In(kI8)}}, {2, {In(kBool)}}}},
      {{tfl::BuiltinOperator_RESIZE_BILINEAR},
       {{4, {In(kI16)}},
        {3, {If(Flag::kHalfPixelCenters)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR},
       {{4, {In(kI16)}},
        {3, {If(Flag::kHalfPixelOrAlignCorners)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_MAXIMUM, tfl::BuiltinOperator_MINIMUM},
       {{4, {In(kI16), Out(kI16)}},
        {3, {If(Flag::kBroadcastOver4D)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_PACK},
       {{2, {In(kI8)}}, {3, {In(kI16), Out(kI16)}}, {4, {In(kU32)}}}},
      {{tfl::BuiltinOperator_TILE}, {{3, {In(kI8)}}, {2, {In(kString)}}}},
      {{tfl::BuiltinOperator_SQUEEZE}, {{2, {In(kString)}}}},
      {{tfl::BuiltinOperator_SPACE_TO_BATCH_ND,
        tfl::BuiltinOperator_BATCH_TO_SPACE_ND},
       {{4, {In(kI16)}}, {3, {RankIsNot(4)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_ADD},
       {{6, {In(kF16)}}, {5, {In(kI16)}}, {4, {In(kI64)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_SUB},
       {{5, {In(kI16), Out(kI16), If(Flag::kNoPotScaleInt16)}},
        {4, {In(kI64)}},
        {3, {If(Flag::kBroadcastOver4D)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_GATHER_ND},
       {{5, {In(kBool)}},
        {4, {In(1, kI16)}},
        {3, {In(kI16)}},
        {2, {In(kString)}}}},
      {{tfl::BuiltinOperator_DIV}, {{2, {If(Flag::kBroadcastOver4D)}}}},
      {{tfl::BuiltinOperator_TANH, tfl::BuiltinOperator_LOGISTIC},
       {{3, {In(kI16), Out(kI16)}}, {2, {In(kI8)}}}},
      // FILL's value is input 1; input 0 is the shape.
      {{tfl::BuiltinOperator_FILL},
       {{4, {In(1, kF16)}},
        {3, {In(1, kI8)}},
        {3, {In(1, kI16)}},
        {2, {In(1, kBool)}},
        {2, {In(1, kString)}}}},
      {{tfl::BuiltinOperator_EQUAL},
       {{5, {In(kI16)}}, {3, {In(kString)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_NOT_EQUAL},
       {{4, {In(kI16)}}, {3, {In(kString)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_LEAKY_RELU}, {{2, {In(kI16)}}}},
      {{tfl::BuiltinOperator_RANGE}, {{2, {In(kI64)}}}},
      {{tfl::BuiltinOperator_BATCH_MATMUL},
       {{3, {In(kI16)}},
        {2, {In(kI8)}},
        {4, {In(kF32), In(1, kI8), Out(kF32), If(Flag::kAsymmetricInputs)}}}},
      {{tfl::BuiltinOperator_PAD, tfl::BuiltinOperator_PADV2},
       {{5, {In(kBool)}},
        {4, {RankAbove(4)}},
        {3, {In(kI16)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_CONCATENATION},
       {{6, {In(kF16)}},
        {5, {In(kI4)}},
        {4, {In(kU32)}},
        {3, {In(kI16)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_SOFTMAX},
       {{4, {In(kF16)}}, {3, {In(kI16)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_MEAN, tfl::BuiltinOperator_MIRROR_PAD,
        tfl::BuiltinOperator_REDUCE_MAX, tfl::BuiltinOperator_REDUCE_MIN,
        tfl::BuiltinOperator_RELU6, tfl::BuiltinOperator_RSQRT},
       {{3, {In(kI16)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_ARG_MAX, tfl::BuiltinOperator_ARG_MIN},
       {{3, {In(kBool)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_SELECT},
       {{4, {In(kU32)}},
        {3, {RankIs(0, 5)}},
        {3, {RankIs(1, 5)}},
        {3, {RankIs(2, 5)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_LESS, tfl::BuiltinOperator_GREATER_EQUAL},
       {{3, {In(kI16)}}, {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_SELECT_V2}, {{2, {In(kU32)}}}},
      {{tfl::BuiltinOperator_SPACE_TO_DEPTH, tfl::BuiltinOperator_SPLIT_V,
        tfl::BuiltinOperator_SUM, tfl::BuiltinOperator_LOG_SOFTMAX,
        tfl::BuiltinOperator_GREATER, tfl::BuiltinOperator_LESS_EQUAL,
        tfl::BuiltinOperator_SQUARED_DIFFERENCE,
        tfl::BuiltinOperator_DEPTH_TO_SPACE},
       {{2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_TOPK_V2},
       {{3, {In(kI16)}},
        {3, {In(1, kI16)}},
        {3, {Out(1, kI16)}},
        {2, {In(kI8)}}}},
      {{tfl::BuiltinOperator_EXP, tfl::BuiltinOperator_LOG,
        tfl::BuiltinOperator_REDUCE_PROD, tfl::BuiltinOperator_SQRT},
       {{2, {In(kI8)}}, {2, {In(kI16)}}}},
      {{tfl::BuiltinOperator_DYNAMIC_UPDATE_SLICE},
       {{6, {In(kBf16)}},
        {5, {In(kI4)}},
        {4, {In(kI16)}},
        {3, {In(kF16)}},
        {2, {In(2, kI64)}}}},
      // BROADCAST_TO version 1 was rolled back, so it starts at 2.
      {{tfl::BuiltinOperator_BROADCAST_TO},
       {{3, {In(kI8)}}, {3, {In(kI16)}}, {2, {}}}},
      {{tfl::BuiltinOperator_CAST},
       {{8, {In(kI2)}},
        {8, {Out(kI2)}},
        {8, {In(kU4)}},
        {8, {Out(kU4)}},
        {7, {In(kBf16)}},
        {7, {Out(kBf16)}},
        {6, {In(kI4), Out(kF32)}},
        {5, {In(kF64)}},
        {5, {Out(kF64)}},
        {5, {In(kF16)}},
        {5, {Out(kF16)}},
        {4, {In(kU16)}},
        {4, {Out(kU16)}},
        {3, {In(kI8)}},
        {3, {Out(kI8)}},
        {2, {In(kU32)}},
        {2, {Out(kU32)}}}},
      {{tfl::BuiltinOperator_WHERE}, {{1, {In(kBool)}}, {2, {}}}},
      {{tfl::BuiltinOperator_GELU}, {{2, {In(kI8)}}, {2, {In(kU8)}}}},
  };
  return *kRules;
}

const std::vector<Rule>* RulesFor(BuiltinOperator op) {
  static const auto* const kByOp = [] {
    auto* by_op = new std::map<BuiltinOperator, const std::vector<Rule>*>;
    for (const OpRules& group : VersionRules()) {
      for (BuiltinOperator o : group.ops) (*by_op)[o] = &group.rules;
    }
    return by_op;
  }();
  auto it = kByOp->find(op);
  return it == kByOp->end() ? nullptr : it->second;
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
      case Flag::kNoPotScaleInt16:
        return !OrDefault(o.AsSubOptions()).pot_scale_int16;
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

// The minimum runtime of each (op, version) from runtime_version.cc:
// since[v - first_version] is the runtime that added version v.
struct RuntimeVersions {
  std::vector<BuiltinOperator> ops;
  std::vector<const char*> since;
  int first_version = 1;
};

const std::vector<RuntimeVersions>& RuntimeTable() {
  static const auto* const kTable = new std::vector<RuntimeVersions>{
      {{tfl::BuiltinOperator_AVERAGE_POOL_2D, tfl::BuiltinOperator_MAX_POOL_2D},
       {"1.5.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_BATCH_MATMUL},
       {"2.3.0", "2.3.0", "2.4.0", "2.5.0"}},
      {{tfl::BuiltinOperator_BROADCAST_TO}, {"2.5.0", "2.5.0"}, 2},
      {{tfl::BuiltinOperator_CONV_2D},
       {"1.5.0", "1.14.0", "1.14.0", "2.3.0", "2.4.0", "2.9.0", "2.11.0",
        "2.15.0"}},
      {{tfl::BuiltinOperator_DEPTHWISE_CONV_2D},
       {"1.5.0", "1.12.0", "1.14.0", "2.2.0", "2.3.0", "2.3.0", "2.11.0"}},
      {{tfl::BuiltinOperator_ADD},
       {"1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.13.0", "2.23.0"}},
      {{tfl::BuiltinOperator_SPACE_TO_BATCH_ND,
        tfl::BuiltinOperator_BATCH_TO_SPACE_ND},
       {"1.6.0", "1.14.0", "2.3.0", "2.12.0"}},
      {{tfl::BuiltinOperator_SUB},
       {"1.6.0", "1.14.0", "2.3.0", "2.4.0", "2.4.0"}},
      {{tfl::BuiltinOperator_DIV}, {"1.6.0", "2.3.0"}},
      {{tfl::BuiltinOperator_CAST},
       {"1.5.0", "2.7.0", "2.8.0", "2.9.0", "2.12.0", "2.15.0", "2.17.0",
        "2.21.0"}},
      {{tfl::BuiltinOperator_CONCATENATION},
       {"1.5.0", "1.14.0", "2.3.0", "2.14.0", "2.21.0", "2.23.0"}},
      {{tfl::BuiltinOperator_DEPTH_TO_SPACE}, {"2.1.0", "2.5.0"}},
      {{tfl::BuiltinOperator_EMBEDDING_LOOKUP},
       {"1.13.0", "1.14.0", "1.14.0", "2.18.0", "2.21.0"}},
      {{tfl::BuiltinOperator_FAKE_QUANT}, {"1.5.0", "1.10.0"}},
      {{tfl::BuiltinOperator_FULLY_CONNECTED},
       {"1.5.0", "1.10.0", "1.14.0", "1.14.0", "2.0.0", "2.1.0", "2.3.0",
        "2.3.0", "2.3.0", "2.11.0", "2.15.0", "2.17.0", "2.18.0", "2.21.0"}},
      {{tfl::BuiltinOperator_GATHER},
       {"1.6.0", "1.14.0", "1.15.0", "2.4.0", "2.5.0", "2.13.0", "2.15.0"}},
      {{tfl::BuiltinOperator_GATHER_ND},
       {"1.14.0", "2.3.0", "2.5.0", "2.13.0", "2.16.0"}},
      {{tfl::BuiltinOperator_SVDF}, {"1.5.0", "1.14.0", "2.2.0", "2.3.0"}},
      {{tfl::BuiltinOperator_L2_NORMALIZATION}, {"1.5.0", "1.14.0"}},
      {{tfl::BuiltinOperator_MAXIMUM, tfl::BuiltinOperator_MINIMUM},
       {"1.14.0", "1.14.0", "2.3.0", "2.3.0"}},
      {{tfl::BuiltinOperator_MUL},
       {"1.5.0", "1.14.0", "1.15.0", "2.3.0", "2.6.0", "2.11.0", "2.13.0",
        "2.23.0"}},
      {{tfl::BuiltinOperator_PAD},
       {"1.5.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"}},
      {{tfl::BuiltinOperator_TILE}, {"1.10.1", "2.2.0", "2.8.0"}},
      {{tfl::BuiltinOperator_PADV2},
       {"1.9.0", "1.14.0", "2.4.0", "2.6.0", "2.20.0"}},
      {{tfl::BuiltinOperator_SOFTMAX}, {"1.5.0", "1.14.0", "2.3.0", "2.23.0"}},
      {{tfl::BuiltinOperator_SPACE_TO_DEPTH}, {"1.5.0", "1.14.0"}},
      {{tfl::BuiltinOperator_TRANSPOSE},
       {"1.6.0", "1.14.0", "1.15.0", "2.3.0", "2.4.0", "2.12.0", "2.14.4",
        "2.22.0", "2.23.0"}},
      {{tfl::BuiltinOperator_LSTM}, {"1.7.0", "1.10.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM},
       {"1.13.1", "1.14.0", "2.3.0", "2.12.0"}},
      {{tfl::BuiltinOperator_BIDIRECTIONAL_SEQUENCE_LSTM},
       {"1.14.0", "1.14.0", "1.14.0"}},
      {{tfl::BuiltinOperator_BIDIRECTIONAL_SEQUENCE_RNN,
        tfl::BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_RNN},
       {"1.14.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_MEAN}, {"1.6.0", "1.14.0", "2.4.0"}},
      {{tfl::BuiltinOperator_SUM}, {"1.10.0", "1.15.0"}},
      {{tfl::BuiltinOperator_REDUCE_MAX, tfl::BuiltinOperator_REDUCE_MIN},
       {"1.11.0", "1.14.0", "2.5.0"}},
      {{tfl::BuiltinOperator_REDUCE_PROD}, {"1.11.0", "2.6.0"}},
      {{tfl::BuiltinOperator_RELU6}, {"1.5.0", "1.14.0", "2.5.0"}},
      {{tfl::BuiltinOperator_RESIZE_BILINEAR},
       {"1.7.0", "1.14.0", "2.2.0", "2.5.0"}},
      {{tfl::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR},
       {"1.13.1", "1.14.0", "2.3.0", "2.4.0"}},
      {{tfl::BuiltinOperator_RNN}, {"1.5.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_SQUEEZE}, {"1.6.0", "2.5.0"}},
      {{tfl::BuiltinOperator_SPLIT}, {"1.5.0", "1.14.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_SPLIT_V}, {"1.13.1", "2.3.0"}},
      {{tfl::BuiltinOperator_STRIDED_SLICE},
       {"1.6.0", "1.14.0", "2.1.0", "2.2.0", "2.5.0", "2.6.0", "2.14.0",
        "2.14.0"}},
      {{tfl::BuiltinOperator_TOPK_V2}, {"1.7.0", "1.14.0", "2.13.0"}},
      {{tfl::BuiltinOperator_ARG_MAX, tfl::BuiltinOperator_ARG_MIN},
       {"1.9.0", "1.14.0", "2.9.0"}},
      {{tfl::BuiltinOperator_TRANSPOSE_CONV},
       {"1.9.0", "2.2.0", "2.3.0", "2.13.0", "2.15.0"}},
      {{tfl::BuiltinOperator_SPARSE_TO_DENSE}, {"1.9.0", "1.14.0", "1.15.0"}},
      {{tfl::BuiltinOperator_PACK}, {"1.11.0", "1.14.0", "2.3.0", "2.13.0"}},
      {{tfl::BuiltinOperator_SLICE},
       {"1.14.0", "1.14.0", "1.14.0", "2.4.0", "2.5.0", "2.14.0", "2.21.0",
        "2.23.0"}},
      {{tfl::BuiltinOperator_TANH, tfl::BuiltinOperator_LOGISTIC},
       {"1.14.0", "1.14.0", "2.3.0"}},
      {{tfl::BuiltinOperator_UNPACK},
       {"1.11.0", "1.14.0", "2.2.0", "2.3.0", "2.22.0"}},
      {{tfl::BuiltinOperator_LEAKY_RELU}, {"1.13.1", "2.3.0"}},
      {{tfl::BuiltinOperator_LOG_SOFTMAX, tfl::BuiltinOperator_GREATER,
        tfl::BuiltinOperator_LESS_EQUAL},
       {"1.14.0", "1.14.0"}},
      {{tfl::BuiltinOperator_SQUARED_DIFFERENCE}, {"1.13.1", "2.5.0"}},
      {{tfl::BuiltinOperator_MIRROR_PAD}, {"1.13.1", "2.3.0", "2.12.0"}},
      {{tfl::BuiltinOperator_WHERE}, {"1.14.0", "2.8.0"}},
      {{tfl::BuiltinOperator_DEQUANTIZE},
       {"1.13.1", "1.14.0", "1.15.0", "2.2.0", "2.7.0", "2.18.0", "2.21.0",
        "2.22.0"}},
      {{tfl::BuiltinOperator_EQUAL},
       {"1.14.0", "1.14.0", "2.3.0", "2.13.0", "2.21.0"}},
      {{tfl::BuiltinOperator_NOT_EQUAL},
       {"1.14.0", "1.14.0", "2.3.0", "2.21.0"}},
      {{tfl::BuiltinOperator_GREATER_EQUAL, tfl::BuiltinOperator_LESS},
       {"1.14.0", "1.14.0", "2.13.0"}},
      {{tfl::BuiltinOperator_SELECT},
       {"1.14.0", "1.14.0", "2.12.0", "2.12.0"}},
      {{tfl::BuiltinOperator_SELECT_V2}, {"2.2.0", "2.12.0"}},
      {{tfl::BuiltinOperator_FLOOR_DIV}, {"1.14.0", "1.14.0", "2.13.0"}},
      {{tfl::BuiltinOperator_QUANTIZE},
       {"1.14.0", "1.15.0", "2.7.0", "2.21.0", "2.21.0", "2.21.0"}},
      {{tfl::BuiltinOperator_RELU}, {"1.5.0", "2.1.0", "2.5.0"}},
      {{tfl::BuiltinOperator_EXP}, {"1.7.0", "2.12.0"}},
      {{tfl::BuiltinOperator_COS}, {"1.14.0", "2.23.0"}},
      {{tfl::BuiltinOperator_SIN}, {"1.9.0", "2.23.0"}},
      {{tfl::BuiltinOperator_FLOOR_MOD}, {"1.13.0", "2.13.0"}},
      {{tfl::BuiltinOperator_RANGE}, {"1.13.0", "2.14.0"}},
      {{tfl::BuiltinOperator_LOG}, {"1.14.0", "2.15.0"}},
      {{tfl::BuiltinOperator_SQRT}, {"1.10.0", "2.21.0"}},
      {{tfl::BuiltinOperator_RSQRT}, {"1.10.0", "2.5.0", "2.15.0"}},
      {{tfl::BuiltinOperator_ABS},
       {"1.13.0", "2.4.0", "2.5.0", "2.6.0", "2.12.0"}},
      {{tfl::BuiltinOperator_FILL}, {"1.13.0", "2.3.0", "2.5.0", "2.12.0"}},
      {{tfl::BuiltinOperator_REVERSE_V2}, {"1.14.0", "2.2.0", "2.5.0"}},
      {{tfl::BuiltinOperator_GELU}, {"2.9.0", "2.9.0"}},
      {{tfl::BuiltinOperator_DYNAMIC_UPDATE_SLICE},
       {"2.9.0", "2.17.0", "2.19.0", "2.20.0", "2.21.0", "2.22.0"}},
      {{tfl::BuiltinOperator_SIGN}, {"2.11.0", "2.12.0"}},
      // Ops with a single version.
      {{tfl::BuiltinOperator_ADD_N}, {"1.14.0"}},
      {{tfl::BuiltinOperator_EMBEDDING_LOOKUP_SPARSE,
        tfl::BuiltinOperator_HASHTABLE_LOOKUP, tfl::BuiltinOperator_L2_POOL_2D,
        tfl::BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION,
        tfl::BuiltinOperator_RESHAPE, tfl::BuiltinOperator_SKIP_GRAM,
        tfl::BuiltinOperator_LSH_PROJECTION,
        tfl::BuiltinOperator_RELU_N1_TO_1},
       {"1.5.0"}},
      {{tfl::BuiltinOperator_DENSIFY, tfl::BuiltinOperator_SEGMENT_SUM},
       {"2.2.0"}},
      {{tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V4,
        tfl::BuiltinOperator_NON_MAX_SUPPRESSION_V5,
        tfl::BuiltinOperator_SCATTER_ND},
       {"2.1.0"}},
      {{tfl::BuiltinOperator_REDUCE_ANY, tfl::BuiltinOperator_ONE_HOT,
        tfl::BuiltinOperator_LOGICAL_OR, tfl::BuiltinOperator_LOGICAL_AND,
        tfl::BuiltinOperator_LOGICAL_NOT},
       {"1.11.0"}},
      {{tfl::BuiltinOperator_EXPAND_DIMS, tfl::BuiltinOperator_SHAPE,
        tfl::BuiltinOperator_POW},
       {"1.10.0"}},
      {{tfl::BuiltinOperator_UNIQUE, tfl::BuiltinOperator_REVERSE_SEQUENCE,
        tfl::BuiltinOperator_CEIL, tfl::BuiltinOperator_MATRIX_DIAG,
        tfl::BuiltinOperator_MATRIX_SET_DIAG, tfl::BuiltinOperator_ELU,
        tfl::BuiltinOperator_ROUND, tfl::BuiltinOperator_RANK},
       {"1.14.0"}},
      {{tfl::BuiltinOperator_IF, tfl::BuiltinOperator_HARD_SWISH,
        tfl::BuiltinOperator_WHILE},
       {"1.15.0"}},
      {{tfl::BuiltinOperator_FLOOR, tfl::BuiltinOperator_NEG}, {"1.9.0"}},
      {{tfl::BuiltinOperator_PRELU}, {"1.8.0"}},
      {{tfl::BuiltinOperator_SQUARE, tfl::BuiltinOperator_ZEROS_LIKE},
       {"1.12.0"}},
      {{tfl::BuiltinOperator_RELU_0_TO_1}, {"2.10.0"}},
      {{tfl::BuiltinOperator_CUMSUM}, {"2.4.0"}},
      {{tfl::BuiltinOperator_CALL_ONCE, tfl::BuiltinOperator_RFFT2D,
        tfl::BuiltinOperator_CONV_3D, tfl::BuiltinOperator_IMAG,
        tfl::BuiltinOperator_REAL, tfl::BuiltinOperator_COMPLEX_ABS,
        tfl::BuiltinOperator_HASHTABLE, tfl::BuiltinOperator_HASHTABLE_FIND,
        tfl::BuiltinOperator_HASHTABLE_IMPORT,
        tfl::BuiltinOperator_HASHTABLE_SIZE},
       {"2.5.0"}},
      {{tfl::BuiltinOperator_REDUCE_ALL, tfl::BuiltinOperator_CONV_3D_TRANSPOSE,
        tfl::BuiltinOperator_VAR_HANDLE, tfl::BuiltinOperator_READ_VARIABLE,
        tfl::BuiltinOperator_ASSIGN_VARIABLE,
        tfl::BuiltinOperator_BROADCAST_ARGS},
       {"2.6.0"}},
      {{tfl::BuiltinOperator_RANDOM_STANDARD_NORMAL,
        tfl::BuiltinOperator_BUCKETIZE, tfl::BuiltinOperator_RANDOM_UNIFORM,
        tfl::BuiltinOperator_MULTINOMIAL},
       {"2.8.0"}},
      {{tfl::BuiltinOperator_UNSORTED_SEGMENT_PROD,
        tfl::BuiltinOperator_UNSORTED_SEGMENT_MAX,
        tfl::BuiltinOperator_UNSORTED_SEGMENT_SUM, tfl::BuiltinOperator_ATAN2},
       {"2.10.0"}},
      {{tfl::BuiltinOperator_UNSORTED_SEGMENT_MIN}, {"2.11.0"}},
      {{tfl::BuiltinOperator_BITCAST, tfl::BuiltinOperator_BITWISE_XOR,
        tfl::BuiltinOperator_RIGHT_SHIFT},
       {"2.13.0"}},
      {{tfl::BuiltinOperator_STABLEHLO_SCATTER, tfl::BuiltinOperator_DILATE,
        tfl::BuiltinOperator_STABLEHLO_RNG_BIT_GENERATOR,
        tfl::BuiltinOperator_REDUCE_WINDOW},
       {"2.15.0"}},
      {{tfl::BuiltinOperator_STABLEHLO_GATHER, tfl::BuiltinOperator_STABLEHLO_ADD,
        tfl::BuiltinOperator_STABLEHLO_MULTIPLY,
        tfl::BuiltinOperator_STABLEHLO_REDUCE_WINDOW,
        tfl::BuiltinOperator_STABLEHLO_MAXIMUM,
        tfl::BuiltinOperator_STABLEHLO_MINIMUM,
        tfl::BuiltinOperator_STABLEHLO_PAD},
       {"2.16.0"}},
      {{tfl::BuiltinOperator_STABLEHLO_COMPOSITE,
        tfl::BuiltinOperator_STABLEHLO_AND,
        tfl::BuiltinOperator_STABLEHLO_SHIFT_LEFT,
        tfl::BuiltinOperator_STABLEHLO_CBRT, tfl::BuiltinOperator_STABLEHLO_CASE},
       {"2.17.0"}},
  };
  return *kTable;
}

const RuntimeVersions* RuntimeVersionsOf(BuiltinOperator op) {
  static const auto* const kByOp = [] {
    auto* by_op = new std::map<BuiltinOperator, const RuntimeVersions*>;
    for (const RuntimeVersions& entry : RuntimeTable()) {
      for (BuiltinOperator o : entry.ops) (*by_op)[o] = &entry;
    }
    return by_op;
  }();
  auto it = kByOp->find(op);
  return it == kByOp->end() ? nullptr : it->second;
}

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
  const RuntimeVersions* versions = RuntimeVersionsOf(op);
  return versions != nullptr && versions->since.size() == 1;
}

// "" when the table has no entry, as in the official lookup.
std::string RuntimeVersionOf(BuiltinOperator op, int version) {
  const RuntimeVersions* versions = RuntimeVersionsOf(op);
  if (versions == nullptr) return "";
  const int i = version - versions->first_version;
  if (i < 0 || i >= static_cast<int>(versions->since.size())) return "";
  return versions->since[i];
}

int OpVersion(const LiteSubgraph& graph, const LiteOperator& op) {
  const std::vector<Rule>* rules = RulesFor(op.builtin);
  if (rules == nullptr) return 1;
  const OpView view(graph, op);
  for (const Rule& rule : *rules) {
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
