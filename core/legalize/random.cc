// Random number ops. Dropout in frozen graphs draws from RandomUniform; with
// keep_prob fed as 1.0 the result is deterministic, so it must convert to
// the builtin rather than a Flex op the runtime may lack. RandomStandardNormal
// is its normal twin.
#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

absl::Status InferRandom(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto dtype, GetTypeAttr(ctx.node(), "dtype"));
  Shape shape = Shape::Unknown();
  if (const Tensor* dims = ctx.input_value(0)) {
    shape = Shape::Of(dims->AsInt64Vector());
    for (int64_t d : shape.dims) {
      if (d < 0) return ctx.Invalid(absl::StrCat("shape ", shape.ToString(), " is negative"));
    }
  }
  ctx.SetOutput(0, dtype, std::move(shape));
  return absl::OkStatus();
}

// RANDOM_UNIFORM and RANDOM_STANDARD_NORMAL (random_ops.cc) draw float32
// only, from an int32 shape: their Prepare refuses an int64 one, which is
// cast as TensorFlow's converter casts it.
template <tflite::BuiltinOperator kOp>
absl::Status LegalizeRandom(LegalizeContext& ctx) {
  if (ctx.output(0).dtype != tensorflow::DT_FLOAT) {
    return ctx.Unsupported(absl::StrCat(ctx.node().op, " of a dtype other than float32"));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto seed, GetIntAttr(ctx.node(), "seed", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto seed2, GetIntAttr(ctx.node(), "seed2", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto shape, Int32Input(ctx, 0, "shape"));
  tflite::RandomOptionsT options;
  options.seed = seed;
  options.seed2 = seed2;
  ctx.Emit(kOp, {shape}, {ctx.Output(0)}, MakeOptions(options));
  return absl::OkStatus();
}

}  // namespace

void RegisterRandomRules(RuleRegistry& registry) {
  registry.Add("RandomUniform",
               {InferRandom, LegalizeRandom<tflite::BuiltinOperator_RANDOM_UNIFORM>});
  registry.Add("RandomStandardNormal",
               {InferRandom, LegalizeRandom<tflite::BuiltinOperator_RANDOM_STANDARD_NORMAL>});
}

}  // namespace tflconv
