// FakeQuant ops of quantization-aware training. In a float model they stay
// float: constant inputs (weights) are fake-quantized at conversion time,
// activations become TFLite's FAKE_QUANT, which nudges min/max as
// TensorFlow does.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

struct QuantRange {
  float min = -6.0f;
  float max = 6.0f;
};

struct FakeQuantParams {
  int num_bits = 8;
  bool narrow_range = false;
};

// TensorFlow's nudging: the zero point is rounded to an integer in the
// quantized range, and min/max shift with it.
void FakeQuantize(absl::Span<const float> in, absl::Span<float> out, QuantRange range,
                  const FakeQuantParams& params) {
  const float quant_min = params.narrow_range ? 1.0f : 0.0f;
  const float quant_max = static_cast<float>((1 << params.num_bits) - 1);
  const float scale = (range.max - range.min) / (quant_max - quant_min);
  const float zero_point_from_min = quant_min - range.min / scale;
  const float nudged_zero_point =
      zero_point_from_min < quant_min   ? quant_min
      : zero_point_from_min > quant_max ? quant_max
                                        : std::round(zero_point_from_min);
  const float nudged_min = (quant_min - nudged_zero_point) * scale;
  const float nudged_max = (quant_max - nudged_zero_point) * scale;
  for (size_t i = 0; i < in.size(); ++i) {
    const float clamped = std::min(std::max(in[i], nudged_min), nudged_max);
    out[i] = std::floor((clamped - nudged_min) / scale + 0.5f) * scale + nudged_min;
  }
}

absl::StatusOr<FakeQuantParams> ReadParams(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto bits, GetIntAttr(node, "num_bits", 8));
  TFLCONV_ASSIGN_OR_RETURN(auto narrow, GetBoolAttr(node, "narrow_range", false));
  if (bits < 2 || bits > 16) {
    return NodeInvalid(node, absl::StrCat("num_bits ", bits, " is out of range [2, 16]"));
  }
  return FakeQuantParams{static_cast<int>(bits), narrow};
}

// Per-tensor ranges: attributes for ...Args, constant inputs for ...Vars.
template <typename Ctx>
absl::StatusOr<QuantRange> ReadRange(const Ctx& ctx) {
  if (ctx.node().op == "FakeQuantWithMinMaxArgs") {
    TFLCONV_ASSIGN_OR_RETURN(const float min, GetFloatAttr(ctx.node(), "min", -6.0f));
    TFLCONV_ASSIGN_OR_RETURN(const float max, GetFloatAttr(ctx.node(), "max", 6.0f));
    return QuantRange{min, max};
  }
  const Tensor* min = ctx.input_value(1);
  const Tensor* max = ctx.input_value(2);
  if (min == nullptr || max == nullptr) {
    return NodeInvalid(ctx.node(), "min and max (inputs 1, 2) must be constants for TFLite");
  }
  if (min->num_elements() != 1 || max->num_elements() != 1) {
    return NodeInvalid(ctx.node(), absl::StrCat("min and max (inputs 1, 2) must be scalars, have ",
                                                min->num_elements(), " and ",
                                                max->num_elements(), " values"));
  }
  return QuantRange{static_cast<float>(min->ScalarAsDouble(0)),
                    static_cast<float>(max->ScalarAsDouble(0))};
}

absl::Status InferFakeQuant(InferContext& ctx) {
  const bool ranges_are_inputs = ctx.node().op != "FakeQuantWithMinMaxArgs";
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(ranges_are_inputs ? 3 : 1));
  TFLCONV_RETURN_IF_ERROR(InferSameAsInput(ctx));
  const Tensor* x = ctx.input_value(0);
  if (x == nullptr || x->dtype() != tensorflow::DT_FLOAT) return absl::OkStatus();
  TFLCONV_ASSIGN_OR_RETURN(auto params, ReadParams(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto out, ctx.NewTensor(tensorflow::DT_FLOAT, x->dims()));
  if (ctx.node().op == "FakeQuantWithMinMaxVarsPerChannel") {
    const Tensor* min = ctx.input_value(1);
    const Tensor* max = ctx.input_value(2);
    if (min == nullptr || max == nullptr) return absl::OkStatus();
    const int64_t channels = min->num_elements();
    if (x->rank() == 0 || x->dims().back() != channels || max->num_elements() != channels) {
      return ctx.Invalid(absl::StrCat("per-channel min/max have ", channels,
                                      " values but the last dimension is ",
                                      x->rank() ? x->dims().back() : 0));
    }
    // Channels are innermost: quantize each strided column on its own.
    std::vector<float> column, quantized;
    const auto values = x->flat<float>();
    auto dst = out.mutable_flat<float>();
    const int64_t rows = x->num_elements() / std::max<int64_t>(channels, 1);
    for (int64_t c = 0; c < channels; ++c) {
      column.resize(rows);
      quantized.resize(rows);
      for (int64_t r = 0; r < rows; ++r) column[r] = values[r * channels + c];
      FakeQuantize(column, absl::MakeSpan(quantized),
                   {static_cast<float>(min->ScalarAsDouble(c)),
                    static_cast<float>(max->ScalarAsDouble(c))},
                   params);
      for (int64_t r = 0; r < rows; ++r) dst[r * channels + c] = quantized[r];
    }
  } else {
    auto range = ReadRange(ctx);
    if (!range.ok()) return absl::OkStatus();  // min/max computed: left to run time
    FakeQuantize(x->flat<float>(), out.mutable_flat<float>(), *range, params);
  }
  ctx.SetValue(0, std::move(out));
  return absl::OkStatus();
}

absl::Status LegalizeFakeQuant(LegalizeContext& ctx) {
  if (ctx.node().op == "FakeQuantWithMinMaxVarsPerChannel") {
    return ctx.Unsupported("per-channel fake quantization of a computed tensor");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto params, ReadParams(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto range, ReadRange(ctx));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  tflite::FakeQuantOptionsT options;
  options.min = range.min;
  options.max = range.max;
  options.num_bits = params.num_bits;
  options.narrow_range = params.narrow_range;
  ctx.Emit(tflite::BuiltinOperator_FAKE_QUANT, {x}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

}  // namespace

void RegisterQuantizationRules(RuleRegistry& registry) {
  for (const char* op : {"FakeQuantWithMinMaxArgs", "FakeQuantWithMinMaxVars",
                         "FakeQuantWithMinMaxVarsPerChannel"}) {
    registry.Add(op, {InferFakeQuant, LegalizeFakeQuant});
  }
}

}  // namespace tflconv
