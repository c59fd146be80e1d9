#include "core/quantize/fp16.h"

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "core/lite/optimize.h"

namespace tflconv {

uint16_t FloatToHalf(float value) {
  uint32_t f;
  std::memcpy(&f, &value, 4);
  const uint32_t sign = (f >> 16) & 0x8000u;
  const uint32_t abs = f & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN
    return static_cast<uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  }
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow
  if (abs < 0x38800000u) {  // subnormal or zero in half
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t exponent = abs >> 23;
    const uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    // value * 2^24 counts half subnormal steps: mantissa * 2^(exponent - 126).
    const uint32_t shift = 126 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = ((abs - 0x38000000u) >> 13);
  const uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<uint16_t>(sign | half);
}

float HalfToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t f;
  if (exponent == 0) {
    if (mantissa == 0) {
      f = sign;
    } else {
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      f = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 0x1f) {
    f = sign | 0x7f800000u | (mantissa << 13);
  } else {
    f = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &f, 4);
  return out;
}

bool CpuHasAvxF16c() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_AVX) || !(ecx & bit_F16C) ||
      !(ecx & bit_OSXSAVE)) {
    return false;
  }
  // The CPU having AVX is not enough: the OS must save the YMM state
  // (XCR0 bits 1 and 2), as __builtin_cpu_supports("avx") checked.
  unsigned xcr0_low = 0, xcr0_high = 0;
  __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  return (xcr0_low & 6) == 6;
#else
  return false;
#endif
}

#if defined(__x86_64__)
namespace {

__attribute__((target("avx,f16c"))) void FloatsToHalvesF16c(const float* in, uint16_t* out,
                                                           size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 v = _mm256_loadu_ps(in + i);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < count; ++i) out[i] = FloatToHalf(in[i]);
}

}  // namespace
#endif

void FloatsToHalves(const float* in, uint16_t* out, size_t count) {
#if defined(__x86_64__)
  static const bool has_f16c = CpuHasAvxF16c();
  if (has_f16c) return FloatsToHalvesF16c(in, out, count);
#endif
  for (size_t i = 0; i < count; ++i) out[i] = FloatToHalf(in[i]);
}

namespace {

// Converts the float32 constants `graph` reads; new buffers go to `model`.
void ToFloat16WeightsOf(LiteModel& model, LiteSubgraph& graph, Fp16Stats* stats) {
  // What the subgraph takes or returns stays float32: its caller (the
  // model's user, a WHILE or IF) hands over and expects float32.
  std::vector<bool> is_signature(graph.tensors.size(), false);
  for (int t : graph.inputs) is_signature[t] = true;
  for (int t : graph.outputs) is_signature[t] = true;
  std::vector<bool> read(graph.tensors.size(), false);
  for (const LiteOperator& op : graph.operators) {
    for (int t : op.inputs) {
      if (t >= 0) read[t] = true;
    }
  }
  std::vector<LiteOperator> dequantize;
  // Operators keep reading the float32 tensor (same index, same name); its
  // data moves to a new FLOAT16 constant that DEQUANTIZE expands.
  const size_t count = graph.tensors.size();
  for (size_t t = 0; t < count; ++t) {
    const LiteBuffer* buffer = model.buffer_of(graph, static_cast<int>(t));
    if (buffer == nullptr || graph.tensors[t].type != tflite::TensorType_FLOAT32 ||
        is_signature[t] || !read[t]) {
      continue;
    }
    // Rounded while the exporter writes it.
    LiteBuffer halves = *buffer;
    halves.transform.to_float16 = true;
    LiteTensor half = graph.tensors[t];
    half.name = absl::StrCat(half.name, "_fp16");
    half.type = tflite::TensorType_FLOAT16;
    half.buffer = model.AddBuffer(std::move(halves));
    const int half_index = graph.AddTensor(std::move(half));
    graph.tensors[t].buffer = -1;
    LiteOperator op;
    op.builtin = tflite::BuiltinOperator_DEQUANTIZE;
    op.inputs = {half_index};
    op.outputs = {static_cast<int>(t)};
    op.tf_node = graph.tensors[t].name;
    dequantize.push_back(std::move(op));
    ++stats->tensors_converted;
  }
  graph.operators.insert(graph.operators.begin(), std::make_move_iterator(dequantize.begin()),
                         std::make_move_iterator(dequantize.end()));
}

}  // namespace

LiteModel ToFloat16Weights(const LiteModel& model, Fp16Stats* stats) {
  LiteModel out = model;
  for (int g = 0; g < out.subgraph_count(); ++g) ToFloat16WeightsOf(out, out.subgraph(g), stats);
  RemoveUnusedTensors(out);  // drops the float32 copies of converted buffers
  return out;
}

}  // namespace tflconv
