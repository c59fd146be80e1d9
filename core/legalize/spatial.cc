// Spatial and batched ops: transposed convolution, batched matmul, resizing,
// padding and the space/batch/depth rearrangements.
//
// Each becomes the TFLite builtin the official converter's legalization
// patterns produce:
//   Conv2DBackpropInput -> TRANSPOSE_CONV(output_shape, weights, input, bias)
//     with weights OHWI (TF's [H, W, out, in] filter transposed by
//     {2, 0, 1, 3}) and the optional bias omitted (-1), as the official
//     converter writes it; NCHW graphs get TRANSPOSEs around it as nn.cc does.
//   BatchMatMul{,V2,V3} -> BATCH_MATMUL(adj_x, adj_y); the kernel broadcasts
//     batch dims itself. Integer products become MUL + SUM (matmul_util.h).
//   ResizeBilinear / ResizeNearestNeighbor -> RESIZE_* (align_corners,
//     half_pixel_centers), size as an int32 tensor.
//   Pad / PadV2 / MirrorPad -> PAD / PADV2 / MIRROR_PAD(mode).
//   SpaceToBatchND / BatchToSpaceND -> *_ND with int32 block shape and
//     paddings/crops.
//   SpaceToDepth / DepthToSpace -> SPACE_TO_DEPTH / DEPTH_TO_SPACE(block_size),
//     NHWC only.
// Integer side inputs (shapes, paddings, block shapes) are written as int32
// constants when constant and cast to int32 when computed as int64.
#include <algorithm>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/legalize/conv_util.h"
#include "core/legalize/matmul_util.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

using tflite::BuiltinOperator;

// ---------------------------------------------------------------------------
// Shared helpers.

// Rejects a data_format other than NHWC, naming the attribute.
absl::Status RequireNhwc(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto format, GetStringAttr(node, "data_format", "NHWC"));
  if (format != "NHWC") {
    return NodeInvalid(node, absl::StrCat("data_format '", format,
                                          "' is not supported (NHWC only)"));
  }
  return absl::OkStatus();
}

// A dim divided by / multiplied by a factor, unknown staying unknown.
int64_t DivDim(int64_t d, int64_t f) { return d < 0 || f <= 0 ? -1 : d / f; }
int64_t MulDim(int64_t d, int64_t f) { return d < 0 || f < 0 ? -1 : SaturatingMul(d, f); }

Shape UnknownOfRank(int rank) { return Shape::Of(Dims(rank, -1)); }

// ---------------------------------------------------------------------------
// Conv2DBackpropInput (transposed convolution).

// Inputs: input_sizes (int32 [4]), filter [H, W, out_ch, in_ch], out_backprop.
absl::StatusOr<Window> ReadTransposeConvWindow(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadWindow(node, /*with_ksize=*/false));
  if (window.dilation_h != 1 || window.dilation_w != 1) {
    return NodeInvalid(node, "attribute 'dilations' must be all ones for TRANSPOSE_CONV");
  }
  return window;
}

absl::Status InferConv2DBackpropInput(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadTransposeConvWindow(ctx.node()));
  const Shape& filter = ctx.input_shape(1);
  const Shape& grad = ctx.input_shape(2);
  if (filter.known_rank && filter.rank() != 4) return ctx.Invalid("filter must be 4-D");
  if (grad.known_rank && grad.rank() != 4) return ctx.Invalid("out_backprop must be 4-D");
  Shape out;
  if (const Tensor* sizes = ctx.input_value(0)) {
    std::vector<int64_t> dims = sizes->AsInt64Vector();
    if (dims.size() != 4) return ctx.Invalid("input_sizes must have 4 values");
    for (int64_t d : dims) {
      if (d < 0) {
        return ctx.Invalid(absl::StrCat("input_sizes ", DimsToString(dims), " has a negative "
                                        "dimension"));
      }
    }
    out = Shape::Of(dims);
  } else {
    // Batch from out_backprop, channels from the filter.
    Shape nhwc = UnknownOfRank(4);
    if (grad.known_rank) nhwc.dims[0] = grad.dims[0];
    if (filter.known_rank) nhwc.dims[3] = filter.dims[2];
    out = window.nchw ? ToNchw(nhwc) : nhwc;
  }
  ctx.SetOutput(0, ctx.input_dtype(2), out);
  return absl::OkStatus();
}

absl::Status LegalizeConv2DBackpropInput(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto window, ReadTransposeConvWindow(ctx.node()));
  const DataType dtype = ctx.output(0).dtype;
  if (dtype != tensorflow::DT_FLOAT) {
    return ctx.Unsupported(absl::StrCat("T=", DataTypeName(dtype), " (float32 only)"));
  }
  // output_shape, NHWC int32.
  int output_shape;
  if (const Tensor* sizes = ctx.input_value(0)) {
    std::vector<int64_t> dims = sizes->AsInt64Vector();
    if (dims.size() != 4) return NodeInvalid(ctx.node(), "input_sizes must have 4 values");
    if (window.nchw) dims = {dims[0], dims[2], dims[3], dims[1]};
    output_shape = ctx.Constant(Int32Tensor(dims), "output_shape");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto computed, Int32Input(ctx, 0, "output_shape"));
    output_shape = computed;
    if (window.nchw) {
      const int out = ctx.Intermediate(tensorflow::DT_INT32, Shape::Of({4}), "output_shape_nhwc");
      const int indices = ctx.Constant(Int32Tensor({0, 2, 3, 1}), "output_shape_nhwc/indices");
      ctx.Emit(BuiltinOperator::BuiltinOperator_GATHER, {output_shape, indices}, {out},
               MakeOptions(tflite::GatherOptionsT{}));
      output_shape = out;
    }
  }
  // Weights OHWI from [H, W, O, I].
  int weights;
  const Shape& filter_shape = ctx.input_shape(1);
  if (const Tensor* filter = ctx.input_value(1)) {
    if (filter->rank() != 4) return NodeInvalid(ctx.node(), "filter must be 4-D");
    weights = ctx.Constant(TransposeTensor(filter->CastTo(tensorflow::DT_FLOAT), {2, 0, 1, 3}),
                           "filter");
  } else {
    TFLCONV_ASSIGN_OR_RETURN(auto f, ctx.Input(1));
    Shape ohwi = filter_shape.known_rank && filter_shape.rank() == 4
                     ? Shape::Of({filter_shape.dims[2], filter_shape.dims[0],
                                  filter_shape.dims[1], filter_shape.dims[3]})
                     : UnknownOfRank(4);
    weights = EmitTranspose(ctx, f, {2, 0, 1, 3}, dtype, ohwi, "filter_ohwi");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(2));
  int input = x;
  if (window.nchw) {
    input = EmitTranspose(ctx, input, {0, 2, 3, 1}, dtype, ToNhwc(ctx.input_shape(2)),
                          "input_nhwc");
  }
  tflite::TransposeConvOptionsT options;
  options.padding = window.padding;
  options.stride_w = window.stride_w;
  options.stride_h = window.stride_h;
  const int result =
      window.nchw ? ctx.Intermediate(dtype, ToNhwc(ctx.output(0).shape), "nhwc") : ctx.Output(0);
  ctx.Emit(BuiltinOperator::BuiltinOperator_TRANSPOSE_CONV, {output_shape, weights, input, -1},
           {result}, MakeOptions(options));
  if (window.nchw) EmitTransposeInto(ctx, result, {0, 3, 1, 2}, ctx.Output(0), "output_nchw");
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// BatchMatMul, BatchMatMulV2 (broadcasting), BatchMatMulV3 (Ta, Tb, Tout).

struct MatMulAttrs {
  bool adj_x = false;
  bool adj_y = false;
};

absl::StatusOr<MatMulAttrs> ReadMatMulAttrs(const Node& node) {
  MatMulAttrs a;
  TFLCONV_ASSIGN_OR_RETURN(auto adj_x, GetBoolAttr(node, "adj_x", false));
  TFLCONV_ASSIGN_OR_RETURN(auto adj_y, GetBoolAttr(node, "adj_y", false));
  a.adj_x = adj_x;
  a.adj_y = adj_y;
  return a;
}

absl::Status InferBatchMatMul(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_ASSIGN_OR_RETURN(auto attrs, ReadMatMulAttrs(ctx.node()));
  const bool v1 = ctx.node().op == "BatchMatMul";
  DataType out_dtype = ctx.input_dtype(0);
  if (ctx.node().op == "BatchMatMulV3") {
    TFLCONV_ASSIGN_OR_RETURN(auto tout, GetTypeAttr(ctx.node(), "Tout", ctx.input_dtype(0)));
    out_dtype = tout;
  } else if (ctx.input_dtype(0) != ctx.input_dtype(1)) {
    return ctx.Invalid(absl::StrCat("inputs have different dtypes (",
                                    DataTypeName(ctx.input_dtype(0)), ", ",
                                    DataTypeName(ctx.input_dtype(1)), ")"));
  }
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if ((a.known_rank && a.rank() < 2) || (b.known_rank && b.rank() < 2)) {
    return ctx.Invalid("inputs must have rank >= 2");
  }
  if (!a.known_rank || !b.known_rank) {
    ctx.SetOutput(0, out_dtype, Shape::Unknown());
    return absl::OkStatus();
  }
  const int ra = a.rank(), rb = b.rank();
  const int64_t m = a.dims[attrs.adj_x ? ra - 1 : ra - 2];
  const int64_t ka = a.dims[attrs.adj_x ? ra - 2 : ra - 1];
  const int64_t kb = b.dims[attrs.adj_y ? rb - 1 : rb - 2];
  const int64_t n = b.dims[attrs.adj_y ? rb - 2 : rb - 1];
  if (ka >= 0 && kb >= 0 && ka != kb) {
    return ctx.Invalid(absl::StrCat("inner dimensions differ (", ka, " and ", kb, ") for shapes ",
                                    a.ToString(), " and ", b.ToString()));
  }
  Shape batch_a = Shape::Of(Dims(a.dims.begin(), a.dims.end() - 2));
  Shape batch_b = Shape::Of(Dims(b.dims.begin(), b.dims.end() - 2));
  Shape batch;
  if (v1) {
    // BatchMatMul (V1) does not broadcast: batch dims must match.
    if (ra != rb) return ctx.Invalid("BatchMatMul inputs must have the same rank");
    batch = batch_a;
    for (int i = 0; i < ra - 2; ++i) {
      const int64_t da = batch_a.dims[i], db = batch_b.dims[i];
      if (da >= 0 && db >= 0 && da != db) {
        return ctx.Invalid(absl::StrCat("batch dimensions differ: ", a.ToString(), " and ",
                                        b.ToString()));
      }
      batch.dims[i] = da >= 0 ? da : db;
    }
  } else {
    auto broadcast = BroadcastShapes(batch_a, batch_b);
    if (!broadcast.ok()) {
      return ctx.Invalid(absl::StrCat("batch dimensions do not broadcast: ",
                                      broadcast.status().message()));
    }
    batch = *broadcast;
  }
  batch.dims.push_back(m);
  batch.dims.push_back(n);
  ctx.SetOutput(0, out_dtype, batch);
  return absl::OkStatus();
}

absl::Status LegalizeBatchMatMul(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto attrs, ReadMatMulAttrs(ctx.node()));
  const DataType ta = ctx.input(0).dtype;
  const DataType tb = ctx.input(1).dtype;
  const DataType tout = ctx.output(0).dtype;
  if (ta != tb || ta != tout) {
    return ctx.Unsupported(absl::StrCat("a matrix product of ", DataTypeName(ta), " x ",
                                        DataTypeName(tb), " -> ", DataTypeName(tout)));
  }
  if (!BatchMatMulComputes(tout)) {
    TFLCONV_ASSIGN_OR_RETURN(auto a, ctx.Input(0));
    TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
    return EmitProductSum(ctx, a, b, attrs.adj_x, attrs.adj_y);
  }
  for (int i = 0; i < 2; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (s.known_rank && s.rank() > 5) {
      return ctx.Unsupported(absl::StrCat("input ", i, " of rank ", s.rank(),
                                          " (BATCH_MATMUL takes rank <= 5)"));
    }
  }
  TFLCONV_ASSIGN_OR_RETURN(auto a, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto b, ctx.Input(1));
  tflite::BatchMatMulOptionsT options;
  options.adj_x = attrs.adj_x;
  options.adj_y = attrs.adj_y;
  ctx.Emit(BuiltinOperator::BuiltinOperator_BATCH_MATMUL, {a, b}, {ctx.Output(0)},
           MakeOptions(options));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// ResizeBilinear, ResizeNearestNeighbor.

struct ResizeAttrs {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

absl::StatusOr<ResizeAttrs> ReadResizeAttrs(const Node& node) {
  ResizeAttrs r;
  TFLCONV_ASSIGN_OR_RETURN(auto align, GetBoolAttr(node, "align_corners", false));
  TFLCONV_ASSIGN_OR_RETURN(auto half, GetBoolAttr(node, "half_pixel_centers", false));
  if (align && half) {
    return NodeInvalid(node, "attributes 'align_corners' and 'half_pixel_centers' cannot both "
                             "be true");
  }
  r.align_corners = align;
  r.half_pixel_centers = half;
  return r;
}

template <bool kBilinear>
absl::Status InferResize(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(2));
  TFLCONV_RETURN_IF_ERROR(ReadResizeAttrs(ctx.node()).status());
  const Shape& in = ctx.input_shape(0);
  if (in.known_rank && in.rank() != 4) return ctx.Invalid("images must be 4-D");
  Shape out = in.known_rank ? in : UnknownOfRank(4);
  out.dims[1] = out.dims[2] = -1;
  if (const Tensor* size = ctx.input_value(1)) {
    std::vector<int64_t> hw = size->AsInt64Vector();
    if (hw.size() != 2) return ctx.Invalid("size must have 2 values (new_height, new_width)");
    if (hw[0] <= 0 || hw[1] <= 0) return ctx.Invalid("size must be positive");
    out.dims[1] = hw[0];
    out.dims[2] = hw[1];
  }
  // ResizeBilinear always outputs float; ResizeNearestNeighbor keeps T.
  ctx.SetOutput(0, kBilinear ? tensorflow::DT_FLOAT : ctx.input_dtype(0), out);
  return absl::OkStatus();
}

template <bool kBilinear>
absl::Status LegalizeResize(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto attrs, ReadResizeAttrs(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  int images = x;
  const DataType in_dtype = ctx.input(0).dtype;
  if (kBilinear && in_dtype != tensorflow::DT_FLOAT) {
    // TFLite resizes in the input's type; TF's result is float.
    images = EmitCast(ctx, images, in_dtype, tensorflow::DT_FLOAT, ctx.input_shape(0),
                      "images_float");
  }
  TFLCONV_ASSIGN_OR_RETURN(auto size, Int32Input(ctx, 1, "size"));
  if (kBilinear) {
    tflite::ResizeBilinearOptionsT options;
    options.align_corners = attrs.align_corners;
    options.half_pixel_centers = attrs.half_pixel_centers;
    ctx.Emit(BuiltinOperator::BuiltinOperator_RESIZE_BILINEAR, {images, size},
             {ctx.Output(0)}, MakeOptions(options));
  } else {
    tflite::ResizeNearestNeighborOptionsT options;
    options.align_corners = attrs.align_corners;
    options.half_pixel_centers = attrs.half_pixel_centers;
    ctx.Emit(BuiltinOperator::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR, {images, size},
             {ctx.Output(0)}, MakeOptions(options));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Pad, PadV2, MirrorPad.

absl::StatusOr<tflite::MirrorPadMode> ReadMirrorMode(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto mode, GetStringAttr(node, "mode"));
  if (mode == "REFLECT") return tflite::MirrorPadMode_REFLECT;
  if (mode == "SYMMETRIC") return tflite::MirrorPadMode_SYMMETRIC;
  return NodeInvalid(node, absl::StrCat("attribute 'mode' is '", mode,
                                        "' (REFLECT or SYMMETRIC)"));
}

absl::Status InferPad(InferContext& ctx) {
  const bool v2 = ctx.node().op == "PadV2";
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(v2 ? 3 : 2));
  std::optional<tflite::MirrorPadMode> mirror_mode;
  if (ctx.node().op == "MirrorPad") {
    TFLCONV_ASSIGN_OR_RETURN(auto mode, ReadMirrorMode(ctx.node()));
    mirror_mode = mode;
  }
  const Shape& in = ctx.input_shape(0);
  const Shape& pad_shape = ctx.input_shape(1);
  if (pad_shape.known_rank &&
      (pad_shape.rank() != 2 || (pad_shape.dims[1] >= 0 && pad_shape.dims[1] != 2))) {
    return ctx.Invalid("paddings must have shape [rank, 2]");
  }
  int rank = in.rank();
  if (rank < 0 && pad_shape.known_rank) rank = static_cast<int>(pad_shape.dims[0]);
  if (rank < 0) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  Shape out = in.known_rank ? in : UnknownOfRank(rank);
  if (const Tensor* pads = ctx.input_value(1)) {
    std::vector<int64_t> p = pads->AsInt64Vector();
    if (static_cast<int>(p.size()) != 2 * rank) {
      return ctx.Invalid(absl::StrCat("paddings has ", p.size() / 2, " rows for rank ", rank));
    }
    for (int i = 0; i < rank; ++i) {
      const int64_t before = p[2 * i], after = p[2 * i + 1];
      if (before < 0 || after < 0) {
        return ctx.Invalid(absl::StrCat("paddings ", DimsToString(p), " must be non-negative"));
      }
      const int64_t dim = out.dims[i];
      // MirrorPad reflects the input: each padding is at most its size
      // (REFLECT excludes the edge, so one less); TensorFlow checks the same.
      if (mirror_mode && dim >= 0) {
        const int64_t most = *mirror_mode == tflite::MirrorPadMode_REFLECT ? dim - 1 : dim;
        if (before > most || after > most) {
          return ctx.Invalid(absl::StrCat("paddings ", DimsToString(p), " exceed what dimension ",
                                          i, " of size ", dim, " can mirror (", most, ")"));
        }
      }
      if (dim >= 0) out.dims[i] = SaturatingAdd(dim, SaturatingAdd(before, after));
    }
  } else {
    for (auto& d : out.dims) d = -1;
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

absl::Status LegalizePad(LegalizeContext& ctx) {
  const std::string& op = ctx.node().op;
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto pads, Int32Input(ctx, 1, "paddings"));
  if (op == "MirrorPad") {
    TFLCONV_ASSIGN_OR_RETURN(auto mode, ReadMirrorMode(ctx.node()));
    tflite::MirrorPadOptionsT options;
    options.mode = mode;
    ctx.Emit(BuiltinOperator::BuiltinOperator_MIRROR_PAD, {x, pads}, {ctx.Output(0)},
             MakeOptions(options));
  } else if (op == "PadV2") {
    TFLCONV_ASSIGN_OR_RETURN(auto value, ctx.Input(2));
    ctx.Emit(BuiltinOperator::BuiltinOperator_PADV2, {x, pads, value}, {ctx.Output(0)},
             MakeOptions(tflite::PadV2OptionsT{}));
  } else {
    ctx.Emit(BuiltinOperator::BuiltinOperator_PAD, {x, pads}, {ctx.Output(0)},
             MakeOptions(tflite::PadOptionsT{}));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// SpaceToBatchND, BatchToSpaceND.

template <bool kToBatch>
absl::Status InferSpaceBatch(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(3));
  const Shape& in = ctx.input_shape(0);
  if (!in.known_rank) {
    ctx.SetOutput(0, ctx.input_dtype(0), Shape::Unknown());
    return absl::OkStatus();
  }
  Shape out = in;
  const Tensor* block_value = ctx.input_value(1);
  const Tensor* pads_value = ctx.input_value(2);
  if (block_value == nullptr || pads_value == nullptr) {
    ctx.SetOutput(0, ctx.input_dtype(0), UnknownOfRank(in.rank()));
    return absl::OkStatus();
  }
  const std::vector<int64_t> block = block_value->AsInt64Vector();
  const std::vector<int64_t> pads = pads_value->AsInt64Vector();
  const int m = static_cast<int>(block.size());
  const char* pads_name = kToBatch ? "paddings" : "crops";
  if (m < 1 || m + 1 > in.rank()) {
    return ctx.Invalid(absl::StrCat("block_shape has ", m, " values for input rank ", in.rank()));
  }
  if (static_cast<int>(pads.size()) != 2 * m) {
    return ctx.Invalid(absl::StrCat(pads_name, " must have shape [", m, ", 2]"));
  }
  int64_t block_total = 1;
  for (int i = 0; i < m; ++i) {
    if (block[i] < 1) return ctx.Invalid("block_shape values must be >= 1");
    if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) {
      return ctx.Invalid(absl::StrCat(pads_name, " must be non-negative"));
    }
    block_total = SaturatingMul(block_total, block[i]);
    const int64_t d = in.dims[i + 1];
    if (d < 0) continue;
    if (kToBatch) {
      const int64_t padded = SaturatingAdd(d, SaturatingAdd(pads[2 * i], pads[2 * i + 1]));
      if (padded % block[i] != 0) {
        return ctx.Invalid(absl::StrCat("padded dimension ", i + 1, " (", padded,
                                        ") is not divisible by block size ", block[i]));
      }
      out.dims[i + 1] = padded / block[i];
    } else {
      const int64_t crops = SaturatingAdd(pads[2 * i], pads[2 * i + 1]);
      const int64_t full = SaturatingMul(d, block[i]);
      if (crops > full) return ctx.Invalid("crops exceed the dimension");
      out.dims[i + 1] = full - crops;
    }
  }
  if (kToBatch) {
    out.dims[0] = MulDim(in.dims[0], block_total);
  } else {
    if (in.dims[0] >= 0 && in.dims[0] % block_total != 0) {
      return ctx.Invalid(absl::StrCat("batch ", in.dims[0], " is not divisible by the block size ",
                                      block_total));
    }
    out.dims[0] = DivDim(in.dims[0], block_total);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

template <bool kToBatch>
absl::Status LegalizeSpaceBatch(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  TFLCONV_ASSIGN_OR_RETURN(auto block, Int32Input(ctx, 1, "block_shape"));
  TFLCONV_ASSIGN_OR_RETURN(auto pads, Int32Input(ctx, 2, kToBatch ? "paddings" : "crops"));
  if (kToBatch) {
    ctx.Emit(BuiltinOperator::BuiltinOperator_SPACE_TO_BATCH_ND, {x, block, pads},
             {ctx.Output(0)}, MakeOptions(tflite::SpaceToBatchNDOptionsT{}));
  } else {
    ctx.Emit(BuiltinOperator::BuiltinOperator_BATCH_TO_SPACE_ND, {x, block, pads},
             {ctx.Output(0)}, MakeOptions(tflite::BatchToSpaceNDOptionsT{}));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// SpaceToDepth, DepthToSpace (NHWC).

absl::StatusOr<int> ReadBlockSize(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto block, GetIntAttr(node, "block_size"));
  if (block < 2 || block > std::numeric_limits<int32_t>::max()) {
    return NodeInvalid(node, absl::StrCat("attribute 'block_size' is ", block,
                                          " (must be in [2, ",
                                          std::numeric_limits<int32_t>::max(), "])"));
  }
  TFLCONV_RETURN_IF_ERROR(RequireNhwc(node));
  return static_cast<int>(block);
}

template <bool kToDepth>
absl::Status InferSpaceDepth(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(1));
  TFLCONV_ASSIGN_OR_RETURN(auto block, ReadBlockSize(ctx.node()));
  const Shape& in = ctx.input_shape(0);
  if (in.known_rank && in.rank() != 4) return ctx.Invalid("input must be 4-D");
  Shape out = in.known_rank ? in : UnknownOfRank(4);
  const int64_t b = block;
  if (kToDepth) {
    for (int i : {1, 2}) {
      if (out.dims[i] >= 0 && out.dims[i] % b != 0) {
        return ctx.Invalid(absl::StrCat("dimension ", i, " (", out.dims[i],
                                        ") is not divisible by block_size ", b));
      }
      out.dims[i] = DivDim(out.dims[i], b);
    }
    out.dims[3] = MulDim(out.dims[3], b * b);
  } else {
    if (out.dims[3] >= 0 && out.dims[3] % (b * b) != 0) {
      return ctx.Invalid(absl::StrCat("depth ", out.dims[3], " is not divisible by block_size^2 ",
                                      b * b));
    }
    out.dims[1] = MulDim(out.dims[1], b);
    out.dims[2] = MulDim(out.dims[2], b);
    out.dims[3] = DivDim(out.dims[3], b * b);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

template <bool kToDepth>
absl::Status LegalizeSpaceDepth(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto block, ReadBlockSize(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto x, ctx.Input(0));
  if (kToDepth) {
    tflite::SpaceToDepthOptionsT options;
    options.block_size = block;
    ctx.Emit(BuiltinOperator::BuiltinOperator_SPACE_TO_DEPTH, {x}, {ctx.Output(0)},
             MakeOptions(options));
  } else {
    tflite::DepthToSpaceOptionsT options;
    options.block_size = block;
    ctx.Emit(BuiltinOperator::BuiltinOperator_DEPTH_TO_SPACE, {x}, {ctx.Output(0)},
             MakeOptions(options));
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterSpatialRules(RuleRegistry& registry) {
  registry.Add("Conv2DBackpropInput", {InferConv2DBackpropInput, LegalizeConv2DBackpropInput});
  for (const char* op : {"BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"}) {
    registry.Add(op, {InferBatchMatMul, LegalizeBatchMatMul});
  }
  registry.Add("ResizeBilinear", {InferResize<true>, LegalizeResize<true>});
  registry.Add("ResizeNearestNeighbor", {InferResize<false>, LegalizeResize<false>});
  for (const char* op : {"Pad", "PadV2", "MirrorPad"}) registry.Add(op, {InferPad, LegalizePad});
  registry.Add("SpaceToBatchND", {InferSpaceBatch<true>, LegalizeSpaceBatch<true>});
  registry.Add("BatchToSpaceND", {InferSpaceBatch<false>, LegalizeSpaceBatch<false>});
  registry.Add("SpaceToDepth", {InferSpaceDepth<true>, LegalizeSpaceDepth<true>});
  registry.Add("DepthToSpace", {InferSpaceDepth<false>, LegalizeSpaceDepth<false>});
}

}  // namespace tflconv
