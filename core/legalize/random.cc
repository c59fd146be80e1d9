// Random number ops. Dropout in frozen graphs draws from RandomUniform; with
// keep_prob fed as 1.0 the result is deterministic, so it must convert to
// the builtin rather than a Flex op the runtime may lack.
#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

absl::Status InferRandomUniform(InferContext& ctx) {
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

absl::Status LegalizeRandomUniform(LegalizeContext& ctx) {
  if (ctx.output(0).dtype != tensorflow::DT_FLOAT) {
    return ctx.Unsupported("RandomUniform of a dtype other than float32");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto seed, GetIntAttr(ctx.node(), "seed", 0));
  TFLCONV_ASSIGN_OR_RETURN(auto seed2, GetIntAttr(ctx.node(), "seed2", 0));
  int shape;
  if (const Tensor* dims = ctx.input_value(0)) {
    shape = ctx.Constant(Int32Tensor(dims->AsInt64Vector()), "shape");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto computed, ctx.Input(0));
    shape = computed;
  }
  tflite::RandomOptionsT options;
  options.seed = seed;
  options.seed2 = seed2;
  ctx.Emit(tflite::BuiltinOperator_RANDOM_UNIFORM, {shape}, {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

}  // namespace

void RegisterRandomRules(RuleRegistry& registry) {
  registry.Add("RandomUniform", {InferRandomUniform, LegalizeRandomUniform});
}

}  // namespace tflconv
