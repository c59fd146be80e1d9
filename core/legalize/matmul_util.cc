#include "core/legalize/matmul_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/legalize/conv_util.h"
#include "core/legalize/shape_util.h"
#include "core/lite/kernel_contract.h"
#include "core/status_macros.h"

namespace tflconv {
namespace {

// MUL's broadcasting kernel handles up to 6 dimensions (mul.cc
// BroadcastMul6DSlow).
constexpr int kMaxProductRank = 6;

// `shape` with its last two dims swapped, through a TRANSPOSE when `swap`.
absl::StatusOr<std::pair<int, Shape>> MaybeSwapLastTwo(LegalizeContext& ctx, int x,
                                                      const Shape& shape, bool swap,
                                                      DataType dtype, absl::string_view suffix) {
  if (!swap) return std::make_pair(x, shape);
  if (!shape.known_rank) {
    return ctx.Unsupported(absl::StrCat("an adjoint ", suffix, " of unknown rank"));
  }
  const int rank = shape.rank();
  std::vector<int> perm(rank);
  for (int i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[rank - 1], perm[rank - 2]);
  Shape swapped = shape;
  std::swap(swapped.dims[rank - 1], swapped.dims[rank - 2]);
  return std::make_pair(EmitTranspose(ctx, x, perm, dtype, swapped, suffix), swapped);
}

// EXPAND_DIMS(x, axis) with its output shape; `axis` counts from the end.
int EmitExpandDims(LegalizeContext& ctx, int x, const Shape& shape, int axis_from_end,
                   DataType dtype, Shape* out_shape, absl::string_view suffix) {
  *out_shape = Shape::Unknown();
  if (shape.known_rank) {
    *out_shape = shape;
    out_shape->dims.insert(out_shape->dims.end() + axis_from_end + 1, 1);
  }
  const int axis = ctx.Constant(Int32Tensor({axis_from_end}, /*as_scalar=*/true),
                                absl::StrCat(suffix, "/axis"));
  const int out = ctx.Intermediate(dtype, *out_shape, suffix);
  ctx.Emit(tflite::BuiltinOperator_EXPAND_DIMS, {x, axis}, {out},
           MakeOptions(tflite::ExpandDimsOptionsT{}));
  return out;
}

}  // namespace

bool BatchMatMulComputes(DataType dtype) { return dtype == tensorflow::DT_FLOAT; }

absl::Status EmitProductSum(LegalizeContext& ctx, int a, int b, bool adj_x, bool adj_y) {
  const DataType dtype = ctx.output(0).dtype;
  auto type = ToLiteType(dtype);
  // int8/int16 MUL and SUM are quantized kernels: only 32- and 64-bit
  // integers multiply as plain numbers.
  const bool plain_integer = dtype == tensorflow::DT_INT32 || dtype == tensorflow::DT_INT64;
  if (!type.ok() || !plain_integer || !KernelTakes(tflite::BuiltinOperator_MUL, 0, *type) ||
      !KernelTakes(tflite::BuiltinOperator_SUM, 0, *type)) {
    return ctx.Unsupported(absl::StrCat("a matrix product of ", DataTypeName(dtype),
                                        " (BATCH_MATMUL takes float32, MUL and SUM int32 and "
                                        "int64)"));
  }
  const Shape& sa = ctx.input_shape(0);
  const Shape& sb = ctx.input_shape(1);
  if (sa.known_rank && sb.known_rank && std::max(sa.rank(), sb.rank()) + 1 > kMaxProductRank) {
    return ctx.Unsupported(absl::StrCat("a ", DataTypeName(dtype), " matrix product of ranks ",
                                        sa.rank(), " and ", sb.rank(), " (MUL broadcasts up to ",
                                        kMaxProductRank, " dimensions)"));
  }
  TFLCONV_ASSIGN_OR_RETURN(auto lhs, MaybeSwapLastTwo(ctx, a, sa, adj_x, dtype, "adj_x"));
  TFLCONV_ASSIGN_OR_RETURN(auto rhs, MaybeSwapLastTwo(ctx, b, sb, adj_y, dtype, "adj_y"));
  Shape column_shape, row_shape;
  const int column = EmitExpandDims(ctx, lhs.first, lhs.second, -1, dtype, &column_shape,
                                    "lhs_column");
  const int row = EmitExpandDims(ctx, rhs.first, rhs.second, -3, dtype, &row_shape, "rhs_row");
  auto product_shape = BroadcastShapes(column_shape, row_shape);
  const int product = ctx.Intermediate(
      dtype, product_shape.ok() ? *product_shape : Shape::Unknown(), "outer_product");
  ctx.Emit(tflite::BuiltinOperator_MUL, {column, row}, {product},
           MakeOptions(tflite::MulOptionsT{}));
  const int inner_axis = ctx.Constant(Int32Tensor({-2}), "inner_axis");
  tflite::ReducerOptionsT sum;
  sum.keep_dims = false;
  ctx.Emit(tflite::BuiltinOperator_SUM, {product, inner_axis}, {ctx.Output(0)},
           MakeOptions(sum));
  return absl::OkStatus();
}

}  // namespace tflconv
