#include "core/lite/lite_buffer.h"

#include <algorithm>
#include <cstring>

#include "core/quantize/fp16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tflconv {
namespace {

// Elements handled per step: a 32x32 float tile (4 KiB) and a run of 1024
// floats both stay in L1.
constexpr int64_t kTile = 32;
constexpr int64_t kRun = 1024;

// Stores `n` values that are result elements [first, first + n): scaled per
// channel, then written as float32 or float16.
void EmitRun(const float* values, int64_t n, int64_t first, const WeightTransform& t,
             char* out) {
  float scaled[kRun];
  if (!t.channel_scale.empty()) {
    const int64_t channels = static_cast<int64_t>(t.channel_scale.size());
    int64_t channel = (first / t.channel_stride) % channels;
    int64_t left_in_channel = t.channel_stride - first % t.channel_stride;
    for (int64_t k = 0; k < n; ++k) {
      scaled[k] = values[k] * t.channel_scale[channel];
      if (--left_in_channel == 0) {
        left_in_channel = t.channel_stride;
        if (++channel == channels) channel = 0;
      }
    }
    values = scaled;
  }
  if (t.to_float16) {
    FloatsToHalves(values, reinterpret_cast<uint16_t*>(out) + first, static_cast<size_t>(n));
  } else {
    std::memcpy(out + first * sizeof(float), values, static_cast<size_t>(n) * sizeof(float));
  }
}

// Any transform: a tile at a time through EmitRun.
void WriteTransposedTiles(const char* src, const WeightTransform& t, char* out) {
  const int64_t rows = t.transpose_rows, cols = t.transpose_cols;
  alignas(64) float tile[kTile][kTile];
  // Column blocks outermost: each result row is written front to back.
  for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
    const int64_t c1 = std::min(cols, c0 + kTile);
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t r = r0; r < r1; ++r) {
        const char* row = src + (r * cols + c0) * sizeof(float);
        for (int64_t c = c0; c < c1; ++c) {
          std::memcpy(&tile[c - c0][r - r0], row + (c - c0) * sizeof(float), sizeof(float));
        }
      }
      for (int64_t c = c0; c < c1; ++c) EmitRun(tile[c - c0], r1 - r0, c * rows + r0, t, out);
    }
  }
}

#if defined(__x86_64__)
// 8x8 blocks transposed in AVX registers, each result row scaled by
// row_scale[row] (when given) and stored as float32 or float16. Covers the
// blocks inside [rows8, cols8]; the caller does the edges.
__attribute__((target("avx2,f16c"))) void TransposeBlocksAvx2(const char* src, int64_t rows,
                                                              int64_t cols, int64_t rows8,
                                                              int64_t cols8,
                                                              const float* row_scale,
                                                              bool to_float16, char* out) {
  constexpr int64_t kColumnBlock = 64;  // 64 result rows written side by side
  for (int64_t cb = 0; cb < cols8; cb += kColumnBlock) {
    const int64_t cb_end = std::min(cols8, cb + kColumnBlock);
    for (int64_t r0 = 0; r0 < rows8; r0 += 8) {
      for (int64_t c0 = cb; c0 < cb_end; c0 += 8) {
        const float* in = reinterpret_cast<const float*>(src) + r0 * cols + c0;
        const __m256 a0 = _mm256_loadu_ps(in), a1 = _mm256_loadu_ps(in + cols),
                     a2 = _mm256_loadu_ps(in + 2 * cols), a3 = _mm256_loadu_ps(in + 3 * cols),
                     a4 = _mm256_loadu_ps(in + 4 * cols), a5 = _mm256_loadu_ps(in + 5 * cols),
                     a6 = _mm256_loadu_ps(in + 6 * cols), a7 = _mm256_loadu_ps(in + 7 * cols);
        const __m256 b0 = _mm256_unpacklo_ps(a0, a1), b1 = _mm256_unpackhi_ps(a0, a1),
                     b2 = _mm256_unpacklo_ps(a2, a3), b3 = _mm256_unpackhi_ps(a2, a3),
                     b4 = _mm256_unpacklo_ps(a4, a5), b5 = _mm256_unpackhi_ps(a4, a5),
                     b6 = _mm256_unpacklo_ps(a6, a7), b7 = _mm256_unpackhi_ps(a6, a7);
        const __m256 c0v = _mm256_shuffle_ps(b0, b2, 0x44), c1v = _mm256_shuffle_ps(b0, b2, 0xEE),
                     c2v = _mm256_shuffle_ps(b1, b3, 0x44), c3v = _mm256_shuffle_ps(b1, b3, 0xEE),
                     c4v = _mm256_shuffle_ps(b4, b6, 0x44), c5v = _mm256_shuffle_ps(b4, b6, 0xEE),
                     c6v = _mm256_shuffle_ps(b5, b7, 0x44), c7v = _mm256_shuffle_ps(b5, b7, 0xEE);
        __m256 result[8] = {
            _mm256_permute2f128_ps(c0v, c4v, 0x20), _mm256_permute2f128_ps(c1v, c5v, 0x20),
            _mm256_permute2f128_ps(c2v, c6v, 0x20), _mm256_permute2f128_ps(c3v, c7v, 0x20),
            _mm256_permute2f128_ps(c0v, c4v, 0x31), _mm256_permute2f128_ps(c1v, c5v, 0x31),
            _mm256_permute2f128_ps(c2v, c6v, 0x31), _mm256_permute2f128_ps(c3v, c7v, 0x31)};
        for (int j = 0; j < 8; ++j) {
          const int64_t position = (c0 + j) * rows + r0;
          __m256 v = result[j];
          if (row_scale) v = _mm256_mul_ps(v, _mm256_set1_ps(row_scale[c0 + j]));
          if (to_float16) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + position * 2),
                             _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
          } else {
            _mm256_storeu_ps(reinterpret_cast<float*>(out + position * 4), v);
          }
        }
      }
    }
  }
}

bool HasAvx2F16c() {
  static const bool has = __builtin_cpu_supports("avx2") && CpuHasAvxF16c();
  return has;
}
#endif

void WriteTransposed(const char* src, const WeightTransform& t, char* out) {
#if defined(__x86_64__)
  const int64_t rows = t.transpose_rows, cols = t.transpose_cols;
  // The common case, a scale per result row (a conv's output channel),
  // runs in registers; the edges that do not fill an 8x8 block take the
  // general path element by element.
  const bool per_row_scale = t.channel_scale.empty() || t.channel_stride == rows;
  if (per_row_scale && HasAvx2F16c()) {
    std::vector<float> row_scale;
    if (!t.channel_scale.empty()) {
      row_scale.resize(cols);
      for (int64_t c = 0; c < cols; ++c) row_scale[c] = t.channel_scale[c % t.channel_scale.size()];
    }
    const int64_t rows8 = rows - rows % 8, cols8 = cols - cols % 8;
    TransposeBlocksAvx2(src, rows, cols, rows8, cols8, row_scale.empty() ? nullptr : row_scale.data(),
                        t.to_float16, out);
    auto emit_one = [&](int64_t r, int64_t c) {
      float value;
      std::memcpy(&value, src + (r * cols + c) * sizeof(float), sizeof(float));
      EmitRun(&value, 1, c * rows + r, t, out);
    };
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t r = rows8; r < rows; ++r) emit_one(r, c);
    }
    for (int64_t c = cols8; c < cols; ++c) {
      for (int64_t r = 0; r < rows8; ++r) emit_one(r, c);
    }
    return;
  }
#endif
  WriteTransposedTiles(src, t, out);
}

void WriteInOrder(const char* src, int64_t count, const WeightTransform& t, char* out) {
  alignas(64) float run[kRun];
  for (int64_t first = 0; first < count; first += kRun) {
    const int64_t n = std::min(kRun, count - first);
    std::memcpy(run, src + first * sizeof(float), static_cast<size_t>(n) * sizeof(float));
    EmitRun(run, n, first, t, out);
  }
}

}  // namespace

bool WeightTransform::operator==(const WeightTransform& other) const {
  return transpose_rows == other.transpose_rows && transpose_cols == other.transpose_cols &&
         channel_scale == other.channel_scale && channel_stride == other.channel_stride &&
         to_float16 == other.to_float16;
}

size_t LiteBuffer::size() const {
  return transform.to_float16 ? source.size() / 2 : source.size();
}

void LiteBuffer::WriteTo(char* out) const {
  if (source.empty()) return;
  if (transform.is_identity()) {
    std::memcpy(out, source.data(), source.size());
    return;
  }
  if (transform.transpose_rows != 0) {
    WriteTransposed(source.data(), transform, out);
  } else {
    WriteInOrder(source.data(), static_cast<int64_t>(source.size() / sizeof(float)), transform,
                 out);
  }
}

void LiteBuffer::ScaleChannels(const std::vector<float>& scale, int64_t stride) {
  const std::vector<float>& pending = transform.channel_scale;
  if (!pending.empty() &&
      (pending.size() != scale.size() || transform.channel_stride != stride)) {
    // Two scales along different channels: apply the pending work now.
    *this = OwnedBuffer(ReadFloats());
  }
  if (transform.channel_scale.empty()) {
    transform.channel_scale = scale;
    transform.channel_stride = stride;
    return;
  }
  for (size_t c = 0; c < scale.size(); ++c) transform.channel_scale[c] *= scale[c];
}

std::vector<float> LiteBuffer::ReadFloats() const {
  std::vector<float> values(size() / sizeof(float));
  WriteTo(reinterpret_cast<char*>(values.data()));
  return values;
}

}  // namespace tflconv
