// CropAndResize, the crops of a detection model's second stage.
//
// CropAndResize has no builtin (the official converter leaves it to Flex).
// It is written with builtins the way TensorFlow's CPU kernel
// (crop_and_resize_op.cc) computes it, for all boxes at once, every tensor
// laid out as [num_boxes, crop_height, crop_width, 1] and broadcast:
//   y1, x1, y2, x2 = SPLIT(RESHAPE(boxes, [-1, 1, 1, 4]))          [n,1,1,1]
//   in_y = y1 * (h-1) + row * ((y2 - y1) * (h-1) / (crop_height-1)) [n,ch,1,1]
//          ((y1 + y2) * (0.5 * (h-1)) when crop_height is 1), in_x alike
//   a pixel = GATHER_ND(RESHAPE(image, [-1, depth]),
//                       box_ind * h * w + row * w + column)          [n,ch,cw,d]
//   bilinear: rows FLOOR/CEIL(in_y), columns FLOOR/CEIL(in_x), blended
//     with the kernel's lerps in its order; nearest: FLOOR(in + 0.5), its
//     roundf for the in >= 0 it reads (but for the float just below 0.5,
//     which float addition rounds up)
//   out = SELECT_V2(0 <= in_y <= h-1 AND 0 <= in_x <= w-1, pixel,
//                   extrapolation_value)
// Coordinates are clamped into the image before they index it, so a sample
// outside it reads some pixel that SELECT_V2 then discards; a box_ind
// outside [0, batch) still indexes outside the image, and GATHER_ND fails
// at run time as TensorFlow's kernel does. crop_size must be constant. The
// image's height, width and depth are int32 constants when its shape is
// known, else read from SHAPE(image) at run time; h-1 and w-1 become float
// through a CAST either way, so that the fp16 artifact, whose float
// constants are float16, still samples where TensorFlow does on images
// larger than 2049 pixels.
#include <algorithm>
#include <array>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/legalize/conv_util.h"
#include "core/legalize/registry.h"
#include "core/legalize/shape_util.h"
#include "core/lite/kernel_contract.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

enum class CropMethod { kBilinear, kNearest };

absl::StatusOr<CropMethod> ReadCropMethod(const Node& node) {
  TFLCONV_ASSIGN_OR_RETURN(auto method, GetStringAttr(node, "method", "bilinear"));
  if (method == "bilinear") return CropMethod::kBilinear;
  if (method == "nearest") return CropMethod::kNearest;
  return NodeInvalid(
      node, absl::StrCat("attribute 'method' is '", method, "' (must be 'bilinear' or 'nearest')"));
}

absl::Status InferCropAndResize(InferContext& ctx) {
  TFLCONV_RETURN_IF_ERROR(ctx.ExpectInputs(4));
  TFLCONV_RETURN_IF_ERROR(ReadCropMethod(ctx.node()).status());
  if (ctx.input_dtype(1) != tensorflow::DT_FLOAT) {
    return ctx.Invalid(
        absl::StrCat("boxes (input 1) must be float32, is ", DataTypeName(ctx.input_dtype(1))));
  }
  if (ctx.input_dtype(2) != tensorflow::DT_INT32) {
    return ctx.Invalid(
        absl::StrCat("box_ind (input 2) must be int32, is ", DataTypeName(ctx.input_dtype(2))));
  }
  const Shape& image = ctx.input_shape(0);
  if (image.known_rank && image.rank() != 4) {
    return ctx.Invalid(absl::StrCat("image (input 0) must be 4-D, is ", image.ToString()));
  }
  if (image.known_rank && (image.dims[1] == 0 || image.dims[2] == 0)) {
    return ctx.Invalid(
        absl::StrCat("image (input 0) height and width must be positive, is ", image.ToString()));
  }
  const Shape& boxes = ctx.input_shape(1);
  if (boxes.known_rank && (boxes.rank() != 2 || (boxes.dims[1] >= 0 && boxes.dims[1] != 4))) {
    return ctx.Invalid(
        absl::StrCat("boxes (input 1) must be [num_boxes, 4], is ", boxes.ToString()));
  }
  const Shape& box_ind = ctx.input_shape(2);
  if (box_ind.known_rank && box_ind.rank() != 1) {
    return ctx.Invalid(absl::StrCat("box_ind (input 2) must be 1-D, is ", box_ind.ToString()));
  }
  const int64_t boxes_count = boxes.known_rank ? boxes.dims[0] : -1;
  const int64_t ind_count = box_ind.known_rank ? box_ind.dims[0] : -1;
  if (boxes_count >= 0 && ind_count >= 0 && boxes_count != ind_count) {
    return ctx.Invalid(
        absl::StrCat("box_ind (input 2) has ", ind_count, " entries for ", boxes_count, " boxes"));
  }
  Dims crop = {-1, -1};
  if (const Tensor* size = ctx.input_value(3)) {
    crop = size->AsInt64Vector();
    if (crop.size() != 2 || crop[0] <= 0 || crop[1] <= 0) {
      return ctx.Invalid(
          absl::StrCat("crop_size (input 3) must be 2 positive values "
                       "(crop_height, crop_width), is ",
                       DimsToString(crop)));
    }
  }
  ctx.SetOutput(0, tensorflow::DT_FLOAT,
                Shape::Of({std::max(boxes_count, ind_count), crop[0], crop[1],
                           image.known_rank ? image.dims[3] : -1}));
  return absl::OkStatus();
}

// Emits the decomposition's builtins, each into a new intermediate named
// "<node>/<name>".
class CropEmitter {
 public:
  explicit CropEmitter(LegalizeContext& ctx) : ctx_(ctx) {}

  int Op(tflite::BuiltinOperator op, std::vector<int> inputs, DataType dtype, const Dims& dims,
         absl::string_view name, tflite::BuiltinOptionsUnion options) {
    const int out = ctx_.Intermediate(dtype, Shape::Of(dims), name);
    ctx_.Emit(op, std::move(inputs), {out}, std::move(options));
    return out;
  }
  // Element-wise ops, with the options table each carries.
  int Op(tflite::BuiltinOperator op, std::vector<int> inputs, DataType dtype, const Dims& dims,
         absl::string_view name) {
    return Op(op, std::move(inputs), dtype, dims, name, BinaryOptions(op));
  }
  int Float(tflite::BuiltinOperator op, std::vector<int> inputs, const Dims& dims,
            absl::string_view name) {
    return Op(op, std::move(inputs), tensorflow::DT_FLOAT, dims, name);
  }
  int Int(tflite::BuiltinOperator op, std::vector<int> inputs, const Dims& dims,
          absl::string_view name) {
    return Op(op, std::move(inputs), tensorflow::DT_INT32, dims, name);
  }
  int FloatConstant(std::vector<float> values, Dims dims, absl::string_view name) {
    return ctx_.Constant(FloatTensor(values).Reshaped(std::move(dims)), name);
  }
  int IntConstant(int64_t value, absl::string_view name) {
    return ctx_.Constant(Int32Tensor({value}, /*as_scalar=*/true), name);
  }
  // RESHAPE to `dims` (-1 for the one dim the runtime works out).
  int Reshape(int x, DataType dtype, const Dims& dims, absl::string_view name) {
    tflite::ReshapeOptionsT options;
    options.new_shape.assign(dims.begin(), dims.end());
    const int shape = ctx_.Constant(Int32Tensor(dims), absl::StrCat(name, "/shape"));
    return Op(tflite::BuiltinOperator_RESHAPE, {x, shape}, dtype, dims, name, MakeOptions(options));
  }
  LegalizeContext& ctx() { return ctx_; }

 private:
  LegalizeContext& ctx_;
};

// Where the crop samples one image axis: in_y (or in_x) for `crop`
// positions laid along dim `axis` (1: rows, 2: columns) of
// [num_boxes, crop_height, crop_width, 1], from the box edges `lo` and `hi`
// ([num_boxes, 1, 1, 1]) and the axis's last pixel `last` (a float scalar,
// size - 1).
struct AxisSamples {
  Dims dims;
  int inside;   // bool: 0 <= in <= size - 1, else the sample is extrapolated
  int clamped;  // float: in, clamped into [0, size - 1] so that it indexes a pixel
};

AxisSamples EmitAxisSamples(CropEmitter& e, int lo, int hi, int last, int64_t num_boxes,
                            int64_t crop, int axis, absl::string_view name) {
  const auto suffix = [&](absl::string_view what) { return absl::StrCat(name, "_", what); };
  const Dims box_dims = {num_boxes, 1, 1, 1};
  AxisSamples samples{box_dims, -1, -1};
  int in;
  if (crop > 1) {
    // (hi - lo) * (size - 1) / (crop - 1), then lo * (size - 1) + p * that,
    // in the kernel's order, so that in lands where its in lands.
    const int extent = e.Float(tflite::BuiltinOperator_SUB, {hi, lo}, box_dims, suffix("extent"));
    const int scaled =
        e.Float(tflite::BuiltinOperator_MUL, {extent, last}, box_dims, suffix("scaled_extent"));
    const int step =
        e.Float(tflite::BuiltinOperator_DIV,
                {scaled, e.FloatConstant({static_cast<float>(crop - 1)}, {}, suffix("intervals"))},
                box_dims, suffix("step"));
    std::vector<float> positions(crop);
    for (int64_t p = 0; p < crop; ++p) positions[p] = static_cast<float>(p);
    Dims position_dims = {1, 1, 1, 1};
    position_dims[axis] = crop;
    samples.dims[axis] = crop;
    const int offsets =
        e.Float(tflite::BuiltinOperator_MUL,
                {e.FloatConstant(positions, position_dims, suffix("positions")), step},
                samples.dims, suffix("offsets"));
    const int start = e.Float(tflite::BuiltinOperator_MUL, {lo, last}, box_dims, suffix("start"));
    in = e.Float(tflite::BuiltinOperator_ADD, {start, offsets}, samples.dims, suffix("in"));
  } else {
    // The kernel computes 0.5 * (lo + hi) * (size - 1) in double and rounds
    // once; one float MUL by the exact 0.5 * (size - 1) rounds the same.
    const int half_last =
        e.Float(tflite::BuiltinOperator_MUL, {last, e.FloatConstant({0.5f}, {}, suffix("half"))},
                {}, suffix("half_last"));
    const int sum = e.Float(tflite::BuiltinOperator_ADD, {lo, hi}, box_dims, suffix("sum"));
    in = e.Float(tflite::BuiltinOperator_MUL, {sum, half_last}, box_dims, suffix("in"));
  }
  const int zero = e.FloatConstant({0.0f}, {}, suffix("first"));
  const int above_first = e.Op(tflite::BuiltinOperator_GREATER_EQUAL, {in, zero},
                               tensorflow::DT_BOOL, samples.dims, suffix("from_first"));
  const int below_last = e.Op(tflite::BuiltinOperator_LESS_EQUAL, {in, last}, tensorflow::DT_BOOL,
                              samples.dims, suffix("to_last"));
  samples.inside = e.Op(tflite::BuiltinOperator_LOGICAL_AND, {above_first, below_last},
                        tensorflow::DT_BOOL, samples.dims, suffix("inside"));
  const int raised =
      e.Float(tflite::BuiltinOperator_MAXIMUM, {in, zero}, samples.dims, suffix("raised"));
  samples.clamped =
      e.Float(tflite::BuiltinOperator_MINIMUM, {raised, last}, samples.dims, suffix("clamped"));
  return samples;
}

// The image's extent as the decomposition reads it, int32 tensors.
struct ImageExtent {
  int last_row;     // height - 1, a scalar
  int last_column;  // width - 1, a scalar
  int width;        // a scalar
  int pixels;       // height * width, a scalar
  int flat_shape;   // [-1, depth]: one row per pixel of every image
};

// Constants when the image's height, width and depth are known, else read
// from SHAPE(image) at run time.
ImageExtent EmitImageExtent(CropEmitter& e, int image, const Shape& shape) {
  const bool known =
      shape.known_rank && shape.dims[1] >= 0 && shape.dims[2] >= 0 && shape.dims[3] >= 0;
  if (known) {
    const int64_t height = shape.dims[1];
    const int64_t width = shape.dims[2];
    return {e.IntConstant(height - 1, "last_row"), e.IntConstant(width - 1, "last_column"),
            e.IntConstant(width, "width"), e.IntConstant(height * width, "image_pixels"),
            e.ctx().Constant(Int32Tensor({-1, shape.dims[3]}), "pixels/shape")};
  }
  tflite::ShapeOptionsT shape_options;
  shape_options.out_type = tflite::TensorType_INT32;
  const int dims = e.Op(tflite::BuiltinOperator_SHAPE, {image}, tensorflow::DT_INT32, {4},
                        "image_shape", MakeOptions(shape_options));
  const auto dim = [&](int axis, absl::string_view name) {
    return e.Op(tflite::BuiltinOperator_GATHER,
                {dims, e.IntConstant(axis, absl::StrCat(name, "/axis"))}, tensorflow::DT_INT32, {},
                name, MakeOptions(tflite::GatherOptionsT{}));
  };
  const int height = dim(1, "height");
  const int width = dim(2, "width");
  const int one = e.IntConstant(1, "one");
  const int depth = e.Op(tflite::BuiltinOperator_SLICE,
                         {dims, e.ctx().Constant(Int32Tensor({3}), "depth/begin"),
                          e.ctx().Constant(Int32Tensor({1}), "depth/size")},
                         tensorflow::DT_INT32, {1}, "depth", MakeOptions(tflite::SliceOptionsT{}));
  tflite::ConcatenationOptionsT concat;
  concat.axis = 0;
  return {e.Int(tflite::BuiltinOperator_SUB, {height, one}, {}, "last_row"),
          e.Int(tflite::BuiltinOperator_SUB, {width, one}, {}, "last_column"), width,
          e.Int(tflite::BuiltinOperator_MUL, {height, width}, {}, "image_pixels"),
          e.Op(tflite::BuiltinOperator_CONCATENATION,
               {e.ctx().Constant(Int32Tensor({-1}), "pixels/rows"), depth}, tensorflow::DT_INT32,
               {2}, "pixels/shape", MakeOptions(concat))};
}

// Reads pixels of the image viewed as [batch * height * width, depth] at
// integer rows and columns of the crop grid.
class PixelReader {
 public:
  PixelReader(CropEmitter& e, int pixels, int base, int width, Dims out_dims)
      : e_(e), pixels_(pixels), base_(base), width_(width), out_dims_(std::move(out_dims)) {}

  // box_ind * height * width + row * width for float rows (whole numbers).
  int RowStart(int rows, const Dims& dims, absl::string_view name) {
    const int index = Index(rows, dims, name);
    const int offset =
        e_.Int(tflite::BuiltinOperator_MUL, {index, width_}, dims, absl::StrCat(name, "_offset"));
    return e_.Int(tflite::BuiltinOperator_ADD, {base_, offset}, dims, absl::StrCat(name, "_start"));
  }
  // Float columns (whole numbers) as int32 indices.
  int Index(int values, const Dims& dims, absl::string_view name) {
    return EmitCast(e_.ctx(), values, tensorflow::DT_FLOAT, tensorflow::DT_INT32, Shape::Of(dims),
                    absl::StrCat(name, "_index"));
  }
  // The pixels at row start `row` and column index `column`: [n, ch, cw, depth].
  int Read(int row, int column, absl::string_view name) {
    Dims index_dims = out_dims_;
    index_dims.back() = 1;
    const int flat = e_.Int(tflite::BuiltinOperator_ADD, {row, column}, index_dims,
                            absl::StrCat(name, "_flat_index"));
    return e_.Op(tflite::BuiltinOperator_GATHER_ND, {pixels_, flat}, tensorflow::DT_FLOAT,
                 out_dims_, name, MakeOptions(tflite::GatherNdOptionsT{}));
  }

 private:
  CropEmitter& e_;
  int pixels_;
  int base_;
  int width_;
  Dims out_dims_;
};

// a + (b - a) * t, the kernel's lerp.
int EmitLerp(CropEmitter& e, int a, int b, int t, const Dims& dims, absl::string_view name) {
  const int diff = e.Float(tflite::BuiltinOperator_SUB, {b, a}, dims, absl::StrCat(name, "_diff"));
  const int step =
      e.Float(tflite::BuiltinOperator_MUL, {diff, t}, dims, absl::StrCat(name, "_step"));
  return e.Float(tflite::BuiltinOperator_ADD, {a, step}, dims, name);
}

absl::Status LegalizeCropAndResize(LegalizeContext& ctx) {
  TFLCONV_ASSIGN_OR_RETURN(auto method, ReadCropMethod(ctx.node()));
  TFLCONV_ASSIGN_OR_RETURN(auto crop, ConstantInts(ctx, 3, "crop_size"));
  const Shape& image_shape = ctx.input_shape(0);
  const Dims image_dims = image_shape.known_rank ? image_shape.dims : Dims(4, -1);
  const int64_t batch = image_dims[0];
  const int64_t height = image_dims[1];
  const int64_t width = image_dims[2];
  const int64_t depth = image_dims[3];
  constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max();
  if ((height > 0 && width > 0 && height * width > kMaxIndex) ||
      (batch > 0 && height > 0 && width > 0 && batch * height * width > kMaxIndex)) {
    return ctx.Unsupported(absl::StrCat("an image (input 0) of shape ", image_shape.ToString(),
                                        " (its pixels are indexed with int32)"));
  }
  const DataType image_dtype = ctx.input(0).dtype;
  auto image_type = ToLiteType(image_dtype);
  if (image_dtype != tensorflow::DT_FLOAT &&
      (!image_type.ok() || !KernelTakes(tflite::BuiltinOperator_CAST, 0, *image_type))) {
    return ctx.Unsupported(absl::StrCat("an image (input 0) of dtype ", DataTypeName(image_dtype),
                                        " (CAST does not take it)"));
  }

  CropEmitter e(ctx);
  const int64_t num_boxes = ctx.output(0).shape.dims[0];
  const Dims out_dims = {num_boxes, crop[0], crop[1], depth};
  TFLCONV_ASSIGN_OR_RETURN(int image, ctx.Input(0));
  if (image_dtype != tensorflow::DT_FLOAT) {
    image = EmitCast(ctx, image, image_dtype, tensorflow::DT_FLOAT, image_shape, "image_float");
  }
  const ImageExtent extent = EmitImageExtent(e, image, Shape::Of(image_dims));
  tflite::ReshapeOptionsT flat;
  if (depth >= 0) flat.new_shape = {-1, static_cast<int32_t>(depth)};
  const int pixels = e.Op(tflite::BuiltinOperator_RESHAPE, {image, extent.flat_shape},
                          tensorflow::DT_FLOAT, {-1, depth}, "pixels", MakeOptions(flat));

  TFLCONV_ASSIGN_OR_RETURN(auto boxes, ctx.Input(1));
  const int columns = e.Reshape(boxes, tensorflow::DT_FLOAT, {-1, 1, 1, 4}, "box_columns");
  std::vector<int> edges;
  const Dims box_dims = {num_boxes, 1, 1, 1};
  for (const char* edge : {"y1", "x1", "y2", "x2"}) {
    edges.push_back(ctx.Intermediate(tensorflow::DT_FLOAT, Shape::Of(box_dims), edge));
  }
  tflite::SplitOptionsT split;
  split.num_splits = 4;
  ctx.Emit(tflite::BuiltinOperator_SPLIT, {e.IntConstant(3, "box_columns/axis"), columns}, edges,
           MakeOptions(split));
  const auto last = [&](int index, absl::string_view name) {
    return EmitCast(ctx, index, tensorflow::DT_INT32, tensorflow::DT_FLOAT, Shape::Of({}), name);
  };
  const AxisSamples rows = EmitAxisSamples(e, edges[0], edges[2], last(extent.last_row, "row_last"),
                                           num_boxes, crop[0], 1, "row");
  const AxisSamples cols =
      EmitAxisSamples(e, edges[1], edges[3], last(extent.last_column, "column_last"), num_boxes,
                      crop[1], 2, "column");

  TFLCONV_ASSIGN_OR_RETURN(auto box_ind, ctx.Input(2));
  const int box_image = e.Reshape(box_ind, tensorflow::DT_INT32, {-1, 1, 1, 1}, "box_image");
  const int base =
      e.Int(tflite::BuiltinOperator_MUL, {box_image, extent.pixels}, box_dims, "box_start");
  PixelReader reader(e, pixels, base, extent.width, out_dims);
  int value;
  if (method == CropMethod::kBilinear) {
    const auto floor_ceil = [&](const AxisSamples& axis, absl::string_view name) {
      const int low = e.Float(tflite::BuiltinOperator_FLOOR, {axis.clamped}, axis.dims,
                              absl::StrCat(name, "_floor"));
      const int high = e.Float(tflite::BuiltinOperator_CEIL, {axis.clamped}, axis.dims,
                               absl::StrCat(name, "_ceil"));
      const int lerp = e.Float(tflite::BuiltinOperator_SUB, {axis.clamped, low}, axis.dims,
                               absl::StrCat(name, "_lerp"));
      return std::array<int, 3>{low, high, lerp};
    };
    const auto [top, bottom, y_lerp] = floor_ceil(rows, "row");
    const auto [left, right, x_lerp] = floor_ceil(cols, "column");
    const int top_row = reader.RowStart(top, rows.dims, "top");
    const int bottom_row = reader.RowStart(bottom, rows.dims, "bottom");
    const int left_column = reader.Index(left, cols.dims, "left");
    const int right_column = reader.Index(right, cols.dims, "right");
    const int upper =
        EmitLerp(e, reader.Read(top_row, left_column, "top_left"),
                 reader.Read(top_row, right_column, "top_right"), x_lerp, out_dims, "top");
    const int lower =
        EmitLerp(e, reader.Read(bottom_row, left_column, "bottom_left"),
                 reader.Read(bottom_row, right_column, "bottom_right"), x_lerp, out_dims, "bottom");
    value = EmitLerp(e, upper, lower, y_lerp, out_dims, "bilinear");
  } else {
    const auto nearest = [&](const AxisSamples& axis, absl::string_view name) {
      const int shifted =
          e.Float(tflite::BuiltinOperator_ADD,
                  {axis.clamped, e.FloatConstant({0.5f}, {}, absl::StrCat(name, "_half"))},
                  axis.dims, absl::StrCat(name, "_shifted"));
      return e.Float(tflite::BuiltinOperator_FLOOR, {shifted}, axis.dims,
                     absl::StrCat(name, "_nearest"));
    };
    value =
        reader.Read(reader.RowStart(nearest(rows, "row"), rows.dims, "nearest_row"),
                    reader.Index(nearest(cols, "column"), cols.dims, "nearest_column"), "nearest");
  }
  Dims inside_dims = out_dims;
  inside_dims.back() = 1;
  const int inside = e.Op(tflite::BuiltinOperator_LOGICAL_AND, {rows.inside, cols.inside},
                          tensorflow::DT_BOOL, inside_dims, "inside");
  TFLCONV_ASSIGN_OR_RETURN(auto extrapolation,
                           GetFloatAttr(ctx.node(), "extrapolation_value", 0.0f));
  ctx.Emit(tflite::BuiltinOperator_SELECT_V2,
           {inside, value, e.FloatConstant({extrapolation}, {}, "extrapolation_value")},
           {ctx.Output(0)}, MakeOptions(tflite::SelectV2OptionsT{}));
  return absl::OkStatus();
}

}  // namespace

void RegisterCropRules(RuleRegistry& registry) {
  registry.Add("CropAndResize", {InferCropAndResize, LegalizeCropAndResize});
}

}  // namespace tflconv
