// Detection post-processing: TopKV2 and non-max suppression.
//
// TopKV2 becomes TOPK_V2 (always sorted, so "sorted" is ignored, as in the
// official LegalizeTopKV2 pattern); TFLite's indices are int32. ApproxTopK's
// max-k over the last dimension becomes the same exact TOPK_V2.
//
// NonMaxSuppressionV4/V5 become NON_MAX_SUPPRESSION_V4/V5; the official
// patterns drop pad_to_max_output_size, and TFLite always pads its
// selected_indices (and V5's selected_scores) to max_output_size with
// zeros. With pad_to_max_output_size=true that is TensorFlow's result. With
// false (the default) TensorFlow returns only the valid_outputs first
// entries, so here the padded result is cut to that length: SLICE(padded,
// begin [0], size RESHAPE(valid_outputs, [1])), a run-time (dynamic) size.
//
// max_output_size must be constant: TFLite pads only to a constant size.
//
// The official converter has no pattern for NonMaxSuppression (V1), V2 or
// V3 (they stay Flex ops there). They are V4 without padding, so they are
// lowered the same way: V3 passes its score_threshold; V1/V2 have none and
// TensorFlow's kernels then use the lowest float, which is passed as a
// constant; V1's iou_threshold comes from its attribute. Their single
// output is the sliced selected_indices.
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

// The values and int32 indices of the top k (-1: unknown) over the last
// dimension of input 0.
absl::Status SetTopKOutputs(InferContext& ctx, int64_t k) {
  const Shape& in = ctx.input_shape(0);
  Shape out = Shape::Unknown();
  if (in.known_rank) {
    if (in.rank() < 1) return ctx.Invalid("input must have rank >= 1");
    const int64_t last = in.dims.back();
    if (k >= 0 && last >= 0 && k > last) {
      return ctx.Invalid(absl::StrCat("k (", k, ") exceeds the last dimension (", last, ")"));
    }
    out = in;
    out.dims.back() = k;
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  ctx.SetOutput(1, tensorflow::DT_INT32, out);
  return absl::OkStatus();
}

absl::Status InferTopKV2(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_ASSIGN_OR_RETURN(auto index_type,
                           GetTypeAttr(ctx.node(), "index_type", tensorflow::DT_INT32));
  if (index_type != tensorflow::DT_INT32) {
    return ctx.Invalid(absl::StrCat("index_type ", DataTypeName(index_type),
                                    " is not supported (TFLite's TOPK_V2 gives int32)"));
  }
  int64_t k = -1;
  if (const Tensor* kv = ctx.input_value(1)) {
    if (kv->num_elements() != 1) return ctx.Invalid("k (input 1) must be a scalar");
    k = kv->ScalarAsInt(0);
    if (k < 0 || k > std::numeric_limits<int32_t>::max()) {
      return ctx.Invalid(absl::StrCat("k (input 1) is ", k, " (must be in [0, ",
                                      std::numeric_limits<int32_t>::max(), "])"));
    }
  }
  return SetTopKOutputs(ctx, k);
}

absl::Status LegalizeTopKV2(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  int k;
  if (const Tensor* kv = ctx.input_value(1)) {
    k = ctx.Constant(Int32Tensor({kv->ScalarAsInt(0)}, /*as_scalar=*/true), "k");
  } else {
    if (ctx.input(1).dtype != tensorflow::DT_INT32) {
      return ctx.Unsupported(absl::StrCat("a computed k (input 1) of dtype ",
                                          DataTypeName(ctx.input(1).dtype), " (int32 only)"));
    }
    TFLCONV_ASSIGN_OR_RETURN(auto kt, ctx.Input(1));
    k = kt;
  }
  ctx.Emit(tflite::BuiltinOperator_TOPK_V2, {x, k}, {ctx.Output(0), ctx.Output(1)},
           MakeOptions(tflite::TopKV2OptionsT{}));
  return absl::OkStatus();
}

// ApproxTopK(input; k, reduction_dimension, is_max_k): TensorFlow's
// converter makes the max-k over the last dimension an exact TOPK_V2; other
// forms (min-k, another dimension) stay Flex.
bool ApproxTopKIsMaxOnLastAxis(const Node& node, const Shape& in) {
  const auto dimension = GetIntAttr(node, "reduction_dimension", -1);
  const auto max_k = GetBoolAttr(node, "is_max_k", true);
  return dimension.ok() && max_k.ok() && *max_k &&
         (*dimension == -1 || (in.known_rank && *dimension == in.rank() - 1));
}

absl::Status InferApproxTopK(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1, 1));
  TFLCONV_ASSIGN_OR_RETURN(const int64_t k, GetIntAttr(ctx.node(), "k"));
  if (k < 0 || k > std::numeric_limits<int32_t>::max()) {
    return ctx.Invalid(absl::StrCat("attribute k is ", k, " (must be in [0, ",
                                    std::numeric_limits<int32_t>::max(), "])"));
  }
  if (!ApproxTopKIsMaxOnLastAxis(ctx.node(), ctx.input_shape(0))) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    ctx.SetOutput(1, tensorflow::DT_INT32, Shape::Unknown());
    return absl::OkStatus();
  }
  return SetTopKOutputs(ctx, k);
}

absl::Status LegalizeApproxTopK(LegalizeContext& ctx) {
  if (!ApproxTopKIsMaxOnLastAxis(ctx.node(), ctx.input_shape(0))) {
    return ctx.Unsupported("ApproxTopK other than the max-k over the last dimension");
  }
  TFLCONV_ASSIGN_OR_RETURN(const int64_t k, GetIntAttr(ctx.node(), "k"));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  const int k_tensor = ctx.Constant(Int32Tensor({k}, /*as_scalar=*/true), "k");
  ctx.Emit(tflite::BuiltinOperator_TOPK_V2, {x, k_tensor}, {ctx.Output(0), ctx.Output(1)},
           MakeOptions(tflite::TopKV2OptionsT{}));
  return absl::OkStatus();
}

// The TF NonMaxSuppression family: 1 (iou_threshold attribute), 2, 3, 4, 5.
struct NmsKind {
  int version;
  int num_inputs;
};

NmsKind NmsKindOf(const Node& node) {
  if (node.op == "NonMaxSuppression") return {1, 3};
  if (node.op == "NonMaxSuppressionV2") return {2, 4};
  if (node.op == "NonMaxSuppressionV3") return {3, 5};
  if (node.op == "NonMaxSuppressionV4") return {4, 5};
  return {5, 6};
}

absl::StatusOr<bool> PadToMax(const Node& node, const NmsKind& kind) {
  if (kind.version < 4) return false;
  return GetBoolAttr(node, "pad_to_max_output_size", false);
}

absl::Status InferNms(InferContext& ctx) {
  const NmsKind kind = NmsKindOf(ctx.node());
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(kind.num_inputs));
  TFLCONV_ASSIGN_OR_RETURN(auto pad, PadToMax(ctx.node(), kind));
  if (ctx.input_dtype(0) != tensorflow::DT_FLOAT || ctx.input_dtype(1) != tensorflow::DT_FLOAT) {
    return ctx.Invalid(absl::StrCat("boxes and scores of dtype ",
                                    DataTypeName(ctx.input_dtype(0)),
                                    " are not supported (T float32)"));
  }
  const Shape& boxes = ctx.input_shape(0);
  if (boxes.known_rank && (boxes.rank() != 2 || (boxes.dims[1] >= 0 && boxes.dims[1] != 4))) {
    return ctx.Invalid(absl::StrCat("boxes must be [num_boxes, 4], is ", boxes.ToString()));
  }
  const Shape& scores = ctx.input_shape(1);
  if (scores.known_rank && scores.rank() != 1) {
    return ctx.Invalid(absl::StrCat("scores must be 1-D, is ", scores.ToString()));
  }
  // TFLite's kernel pads to max_output_size only when that is a constant
  // (and its V4 path fails on a computed one), so it must be constant.
  TFLCONV_ASSIGN_OR_RETURN(auto max_size, ConstantInts(ctx, 2, "max_output_size"));
  if (max_size.size() != 1 || max_size[0] < 0 ||
      max_size[0] > std::numeric_limits<int32_t>::max()) {
    return ctx.Invalid(absl::StrCat("max_output_size (input 2) must be a scalar in [0, ",
                                    std::numeric_limits<int32_t>::max(), "], is ",
                                    DimsToString(max_size)));
  }
  const int64_t selected = pad ? max_size[0] : -1;
  const Shape out = Shape::Of({selected});
  ctx.SetOutput(0, tensorflow::DT_INT32, out);
  if (kind.version == 4) ctx.SetOutput(1, tensorflow::DT_INT32, Shape::Of({}));
  if (kind.version == 5) {
    ctx.SetOutput(1, tensorflow::DT_FLOAT, out);
    ctx.SetOutput(2, tensorflow::DT_INT32, Shape::Of({}));
  }
  return absl::OkStatus();
}

Tensor FloatScalar(float value) {
  Tensor t = Tensor::Zeros(tensorflow::DT_FLOAT, {});
  t.mutable_flat<float>()[0] = value;
  return t;
}

// Input i as a float32 threshold tensor.
absl::StatusOr<int> FloatInput(LegalizeContext& ctx, int i, absl::string_view what) {
  if (const Tensor* v = ctx.input_value(i); v != nullptr && v->num_elements() != 1) {
    return NodeInvalid(ctx.node(), absl::StrCat(what, " (input ", i, ") must be a scalar, has ",
                                                v->num_elements(), " values"));
  }
  if (ctx.input(i).dtype != tensorflow::DT_FLOAT) {
    if (const Tensor* v = ctx.input_value(i)) {
      return ctx.Constant(FloatScalar(static_cast<float>(v->ScalarAsDouble(0))), what);
    }
    return ctx.Unsupported(absl::StrCat(what, " (input ", i, ") of dtype ",
                                        DataTypeName(ctx.input(i).dtype), " (float32 only)"));
  }
  return ctx.Input(i);
}

// SLICE(padded, begin [0], size = RESHAPE(valid, [1])) into `out`: the first `valid`
// entries of a padded NMS result.
void EmitCutToValid(LegalizeContext& ctx, int padded, int begin, int size, int out) {
  ctx.Emit(tflite::BuiltinOperator_SLICE, {padded, begin, size}, {out},
           MakeOptions(tflite::SliceOptionsT{}));
}

absl::Status LegalizeNms(LegalizeContext& ctx) {
  const NmsKind kind = NmsKindOf(ctx.node());
  TFLCONV_ASSIGN_OR_RETURN(auto pad, PadToMax(ctx.node(), kind));
  TFLCONV_ASSIGN_OR_RETURN(auto boxes, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto scores, ctx.Input(1));
  TFLCONV_ASSIGN_OR_RETURN(auto max_size, ConstantInts(ctx, 2, "max_output_size"));
  const int max_output = ctx.Constant(Int32Tensor(max_size, /*as_scalar=*/true),
                                      "max_output_size");
  int iou;
  if (kind.version == 1) {
    TFLCONV_ASSIGN_OR_RETURN(auto attr, GetFloatAttr(ctx.node(), "iou_threshold", 0.5f));
    iou = ctx.Constant(FloatScalar(attr), "iou_threshold");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto t, FloatInput(ctx, 3, "iou_threshold"));
    iou = t;
  }
  int score_threshold;
  if (kind.version <= 2) {
    score_threshold =
        ctx.Constant(FloatScalar(std::numeric_limits<float>::lowest()), "score_threshold");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto t, FloatInput(ctx, 4, "score_threshold"));
    score_threshold = t;
  }
  std::vector<int> inputs = {boxes, scores, max_output, iou, score_threshold};
  if (kind.version == 5) {
    TFLCONV_ASSIGN_OR_RETURN(auto sigma, FloatInput(ctx, 5, "soft_nms_sigma"));
    inputs.push_back(sigma);
  }

  // TFLite's padded results: [max_output_size].
  const Shape padded_shape = Shape::Of({std::max<int64_t>(max_size[0], 0)});
  const int valid = kind.version >= 4
                        ? ctx.Output(kind.version == 4 ? 1 : 2)
                        : ctx.Intermediate(tensorflow::DT_INT32, Shape::Of({}), "valid_outputs");
  const int indices = pad ? ctx.Output(0)
                           : ctx.Intermediate(tensorflow::DT_INT32, padded_shape,
                                              "padded_indices");
  int scores_out = -1;
  if (kind.version == 5) {
    scores_out = pad ? ctx.Output(1)
                      : ctx.Intermediate(tensorflow::DT_FLOAT, padded_shape, "padded_scores");
  }
  if (kind.version == 5) {
    ctx.Emit(tflite::BuiltinOperator_NON_MAX_SUPPRESSION_V5, std::move(inputs),
             {indices, scores_out, valid}, MakeOptions(tflite::NonMaxSuppressionV5OptionsT{}));
  } else {
    ctx.Emit(tflite::BuiltinOperator_NON_MAX_SUPPRESSION_V4, std::move(inputs), {indices, valid},
             MakeOptions(tflite::NonMaxSuppressionV4OptionsT{}));
  }
  if (pad) return absl::OkStatus();

  const int size = ctx.Intermediate(tensorflow::DT_INT32, Shape::Of({1}), "valid_size");
  const int shape = ctx.Constant(Int32Tensor({1}), "valid_size/shape");
  tflite::ReshapeOptionsT reshape;
  reshape.new_shape = {1};
  ctx.Emit(tflite::BuiltinOperator_RESHAPE, {valid, shape}, {size}, MakeOptions(reshape));
  const int begin = ctx.Constant(Int32Tensor({0}), "begin");
  EmitCutToValid(ctx, indices, begin, size, ctx.Output(0));
  if (kind.version == 5) EmitCutToValid(ctx, scores_out, begin, size, ctx.Output(1));
  return absl::OkStatus();
}

}  // namespace

void RegisterDetectionRules(RuleRegistry& registry) {
  registry.Add("TopKV2", {InferTopKV2, LegalizeTopKV2});
  registry.Add("ApproxTopK", {InferApproxTopK, LegalizeApproxTopK});
  for (const char* op : {"NonMaxSuppression", "NonMaxSuppressionV2", "NonMaxSuppressionV3",
                         "NonMaxSuppressionV4", "NonMaxSuppressionV5"}) {
    registry.Add(op, {InferNms, LegalizeNms});
  }
}

}  // namespace tflconv
