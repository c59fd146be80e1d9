// Matrix products for the dtypes TFLite's BATCH_MATMUL does not compute.
// Its kernel takes float32, and int8/int16 only as quantized tensors
// (batch_matmul.cc), so MatMul and BatchMatMul on plain integers are
// written as an outer product summed over the inner dimension:
//   EXPAND_DIMS(a, -1) [..., M, K, 1] * EXPAND_DIMS(b, -3) [..., 1, K, N]
//   -> MUL [..., M, K, N] -> SUM over axis -2 -> [..., M, N]
// with the batch dims broadcast by MUL as BatchMatMulV2 broadcasts them.
#ifndef TFLCONV_CORE_LEGALIZE_MATMUL_UTIL_H_
#define TFLCONV_CORE_LEGALIZE_MATMUL_UTIL_H_

#include "core/legalize/rule.h"

namespace tflconv {

// Whether a product of `dtype` tensors can become BATCH_MATMUL (float32).
bool BatchMatMulComputes(DataType dtype);

// Emits node output 0 = matmul(input 0, input 1) with the MUL + SUM
// decomposition; `a` and `b` are the Lite tensors of the node's inputs.
// UNIMPLEMENTED (so Flex can take the node) for dtypes MUL or SUM do not
// compute as plain numbers and for products of more than 6 dimensions.
absl::Status EmitProductSum(LegalizeContext& ctx, int a, int b, bool adj_x, bool adj_y);

}  // namespace tflconv

#endif  // TFLCONV_CORE_LEGALIZE_MATMUL_UTIL_H_
