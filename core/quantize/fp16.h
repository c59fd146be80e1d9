// Float16 weights, as TensorFlow's float16 post-training quantization does
// it: every float32 constant an operator reads is stored as FLOAT16 and
// feeds one DEQUANTIZE to float32, in every subgraph (a DEQUANTIZE in a
// loop body runs at each iteration, which keeps the weights halved). Inputs,
// outputs and constants that a subgraph takes or returns stay float32.
#ifndef TFLCONV_CORE_QUANTIZE_FP16_H_
#define TFLCONV_CORE_QUANTIZE_FP16_H_

#include <cstdint>

#include "core/lite/lite_model.h"

namespace tflconv {

// IEEE 754 binary16 bits of `value`, rounded to nearest even.
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t bits);
// FloatToHalf over an array, with the CPU's F16C instructions when it has
// them (same rounding).
void FloatsToHalves(const float* in, uint16_t* out, size_t count);
// Whether the CPU has AVX and F16C and the OS enables AVX state (read with
// CPUID and XGETBV: clang 14's __builtin_cpu_supports does not know "f16c").
bool CpuHasAvxF16c();

struct Fp16Stats {
  int tensors_converted = 0;
};

// The fp16 variant of `model`; `model` is left as it is, and the two share
// every buffer that is not converted.
LiteModel ToFloat16Weights(const LiteModel& model, Fp16Stats* stats);

}  // namespace tflconv

#endif  // TFLCONV_CORE_QUANTIZE_FP16_H_
