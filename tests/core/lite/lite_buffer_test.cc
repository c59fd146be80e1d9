// LiteBuffer applies its pending transform (2-D transpose, per-channel
// scale, float16) while writing. Every case is checked against a naive
// element-by-element reference computed here, independently of the
// AVX2/tiled code paths under test.
#include "core/lite/lite_buffer.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/quantize/fp16.h"

namespace tflconv {
namespace {

using ::testing::ElementsAreArray;

// Bytes after the stored data that no write may touch.
constexpr size_t kGuardBytes = 64;
constexpr unsigned char kGuard = 0xA5;

float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Finite values over the whole float16 range and beyond: ordinary values,
// exact float16 rounding ties (round to even matters), float16 subnormals,
// values that flush to zero and values that overflow to infinity.
std::vector<float> TestValues(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> mantissa(0, (1u << 23) - 1);
  std::uniform_int_distribution<int> kind(0, 9);
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t sign = (rng() & 1u) << 31;
    uint32_t exponent;
    uint32_t m = mantissa(rng);
    switch (kind(rng)) {
      case 0:  // a float16 tie: the 13 dropped bits are exactly 1000...0
        exponent = 127 + static_cast<int>(rng() % 20) - 10;
        m = (m & ~0x1fffu) | 0x1000u;
        break;
      case 1:  // float16 subnormal range [2^-25, 2^-14)
        exponent = 102 + rng() % 11;
        break;
      case 2:  // below half the smallest float16 subnormal: rounds to zero
        exponent = 90 + rng() % 12;
        break;
      case 3:  // around the float16 maximum (65504) and beyond
        exponent = 127 + 15 + rng() % 3;
        break;
      default:  // ordinary magnitudes 2^-8 .. 2^8
        exponent = 127 - 8 + rng() % 17;
        break;
    }
    values[i] = FloatFromBits(sign | (exponent << 23) | m);
  }
  return values;
}

std::vector<float> Scales(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.05f, 3.0f);
  std::vector<float> scales(count);
  for (float& s : scales) s = (rng() & 1) ? dist(rng) : -dist(rng);
  return scales;
}

// The naive reference: result[c * rows + r] = source[r * cols + c] when
// transposing, then result[i] *= scale[(i / stride) % scale.size()].
std::vector<float> Reference(const std::vector<float>& source, const WeightTransform& t) {
  std::vector<float> result(source.size());
  if (t.transpose_rows != 0) {
    const int64_t rows = t.transpose_rows, cols = t.transpose_cols;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) result[c * rows + r] = source[r * cols + c];
    }
  } else {
    result = source;
  }
  if (!t.channel_scale.empty()) {
    for (size_t i = 0; i < result.size(); ++i) {
      result[i] = result[i] *
                  t.channel_scale[(static_cast<int64_t>(i) / t.channel_stride) %
                                  t.channel_scale.size()];
    }
  }
  return result;
}

std::vector<uint16_t> ReferenceHalves(const std::vector<float>& values) {
  std::vector<uint16_t> halves(values.size());
  for (size_t i = 0; i < values.size(); ++i) halves[i] = FloatToHalf(values[i]);
  return halves;
}

absl::string_view BytesOf(const std::vector<float>& values) {
  return absl::string_view(reinterpret_cast<const char*>(values.data()),
                           values.size() * sizeof(float));
}

LiteBuffer BufferOver(const std::vector<float>& values, WeightTransform t) {
  LiteBuffer buffer;
  buffer.source = BytesOf(values);
  buffer.transform = std::move(t);
  return buffer;
}

// WriteTo into a guarded block; fails the test if it writes past size().
std::string Written(const LiteBuffer& buffer) {
  std::string out(buffer.size() + kGuardBytes, static_cast<char>(kGuard));
  buffer.WriteTo(out.data());
  for (size_t i = buffer.size(); i < out.size(); ++i) {
    EXPECT_EQ(static_cast<unsigned char>(out[i]), kGuard) << "wrote past the end at +"
                                                          << (i - buffer.size());
  }
  out.resize(buffer.size());
  return out;
}

std::vector<float> WrittenFloats(const LiteBuffer& buffer) {
  const std::string bytes = Written(buffer);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

std::vector<uint16_t> WrittenHalves(const LiteBuffer& buffer) {
  const std::string bytes = Written(buffer);
  std::vector<uint16_t> halves(bytes.size() / 2);
  std::memcpy(halves.data(), bytes.data(), halves.size() * 2);
  return halves;
}

// Float comparison on the bits: -0.0 and 0.0 differ, infinities match.
std::vector<uint32_t> Bits(const std::vector<float>& values) {
  std::vector<uint32_t> bits(values.size());
  std::memcpy(bits.data(), values.data(), values.size() * 4);
  return bits;
}

// Checks float32 and float16 output of `t` over `source` against the
// reference, through WriteTo and ReadFloats.
void ExpectMatchesReference(const std::vector<float>& source, WeightTransform t) {
  t.to_float16 = false;
  const std::vector<float> expected = Reference(source, t);
  const LiteBuffer f32 = BufferOver(source, t);
  EXPECT_EQ(f32.size(), source.size() * 4);
  EXPECT_EQ(Bits(WrittenFloats(f32)), Bits(expected));
  EXPECT_EQ(Bits(f32.ReadFloats()), Bits(expected));
  const std::string materialized = Written(f32);
  ASSERT_EQ(materialized.size(), expected.size() * 4);
  EXPECT_EQ(std::memcmp(materialized.data(), expected.data(), materialized.size()), 0);

  t.to_float16 = true;
  const LiteBuffer f16 = BufferOver(source, t);
  EXPECT_EQ(f16.size(), source.size() * 2);
  const std::vector<uint16_t> expected_halves = ReferenceHalves(expected);
  const std::vector<uint16_t> halves = WrittenHalves(f16);
  ASSERT_EQ(halves.size(), expected_halves.size());
  for (size_t i = 0; i < halves.size(); ++i) {
    ASSERT_EQ(halves[i], expected_halves[i])
        << "element " << i << " of " << halves.size() << ": " << expected[i];
  }
  const std::string materialized_halves = Written(f16);
  ASSERT_EQ(materialized_halves.size(), halves.size() * 2);
  EXPECT_EQ(std::memcmp(materialized_halves.data(), expected_halves.data(),
                        materialized_halves.size()),
            0);
}

struct MatrixSize {
  int64_t rows, cols;
};

const MatrixSize kSizes[] = {{1, 1},   {1, 9},   {9, 1},   {7, 13},  {8, 8},   {16, 24},
                             {33, 70}, {300, 17}, {8, 1},  {1, 8},   {64, 72}, {65, 129},
                             {17, 8},  {8, 17},  {40, 30}, {2, 300}};

std::string Describe(const MatrixSize& s) {
  return std::to_string(s.rows) + "x" + std::to_string(s.cols);
}

TEST(LiteBufferTest, DefaultTransformIsIdentity) {
  WeightTransform t;
  EXPECT_TRUE(t.is_identity());
  t.transpose_rows = 2;
  t.transpose_cols = 3;
  EXPECT_FALSE(t.is_identity());
  WeightTransform scaled;
  scaled.channel_scale = {2.0f};
  EXPECT_FALSE(scaled.is_identity());
  WeightTransform half;
  half.to_float16 = true;
  EXPECT_FALSE(half.is_identity());
  EXPECT_FALSE(t == scaled);
  EXPECT_TRUE(t == t);
}

TEST(LiteBufferTest, IdentityCopiesTheSourceBytes) {
  // Any bytes, not only floats: identity buffers hold int32, shapes, ...
  std::string source;
  for (int i = 0; i < 1001; ++i) source.push_back(static_cast<char>((i * 37 + 11) & 0xff));
  LiteBuffer buffer;
  buffer.source = source;
  EXPECT_EQ(buffer.size(), source.size());
  EXPECT_EQ(Written(buffer), source);
  EXPECT_EQ(Written(buffer), source);
  LiteBuffer empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(Written(empty), "");
}

TEST(LiteBufferTest, TransposeMatchesReferenceForManyShapes) {
  for (const MatrixSize& s : kSizes) {
    SCOPED_TRACE(Describe(s));
    const std::vector<float> source = TestValues(s.rows * s.cols, s.rows * 1000 + s.cols);
    WeightTransform t;
    t.transpose_rows = s.rows;
    t.transpose_cols = s.cols;
    ExpectMatchesReference(source, t);
  }
}

TEST(LiteBufferTest, TransposeIsTheExpectedPermutation) {
  // A hand-checked case: [[1,2,3],[4,5,6]] transposed is [[1,4],[2,5],[3,6]].
  const std::vector<float> source = {1, 2, 3, 4, 5, 6};
  WeightTransform t;
  t.transpose_rows = 2;
  t.transpose_cols = 3;
  EXPECT_THAT(BufferOver(source, t).ReadFloats(), ElementsAreArray({1, 4, 2, 5, 3, 6}));
}

TEST(LiteBufferTest, ScalePerResultRowMatchesReference) {
  // channel_stride == transpose_rows: one scale per result row, i.e. per
  // output channel of a conv filter (the AVX2 register path plus edges).
  for (const MatrixSize& s : kSizes) {
    SCOPED_TRACE(Describe(s));
    const std::vector<float> source = TestValues(s.rows * s.cols, s.rows * 7 + s.cols);
    WeightTransform t;
    t.transpose_rows = s.rows;
    t.transpose_cols = s.cols;
    t.channel_stride = s.rows;
    t.channel_scale = Scales(s.cols, s.cols);
    ExpectMatchesReference(source, t);
  }
}

TEST(LiteBufferTest, ScalePerResultRowWithFewerScalesThanRowsWraps) {
  // channel_scale[(i / stride) % size]: 70 result rows, 7 scales.
  const std::vector<float> source = TestValues(33 * 70, 5);
  WeightTransform t;
  t.transpose_rows = 33;
  t.transpose_cols = 70;
  t.channel_stride = 33;
  t.channel_scale = Scales(7, 6);
  ExpectMatchesReference(source, t);
}

TEST(LiteBufferTest, ScaleWithStrideOneAfterTransposeMatchesReference) {
  // Channel-last scale on a transposed matrix: not per row, so the tiled
  // general path.
  for (const MatrixSize& s : kSizes) {
    if (s.rows == 1) continue;  // stride 1 is then per row
    SCOPED_TRACE(Describe(s));
    const std::vector<float> source = TestValues(s.rows * s.cols, s.rows + s.cols);
    WeightTransform t;
    t.transpose_rows = s.rows;
    t.transpose_cols = s.cols;
    t.channel_stride = 1;
    t.channel_scale = Scales(s.rows, 3);
    ExpectMatchesReference(source, t);
  }
}

TEST(LiteBufferTest, ScaleWithOtherStrideAfterTransposeMatchesReference) {
  // A stride that is neither 1 nor the row length, and a scale count that
  // does not divide anything: the generic tile path.
  for (const MatrixSize& s : kSizes) {
    const int64_t stride = s.rows > 3 ? s.rows / 2 + 1 : 2;
    if (stride == s.rows) continue;
    SCOPED_TRACE(Describe(s));
    const std::vector<float> source = TestValues(s.rows * s.cols, 99 + s.rows);
    WeightTransform t;
    t.transpose_rows = s.rows;
    t.transpose_cols = s.cols;
    t.channel_stride = stride;
    t.channel_scale = Scales(5, 4);
    ExpectMatchesReference(source, t);
  }
}

TEST(LiteBufferTest, ScaleWithoutTransposeMatchesReference) {
  // Depthwise filters: channel-last (stride 1), in order. 3x3x40 values,
  // then a longer buffer crossing several internal runs with a stride whose
  // channels straddle the run boundaries.
  {
    SCOPED_TRACE("stride 1");
    WeightTransform t;
    t.channel_stride = 1;
    t.channel_scale = Scales(40, 8);
    ExpectMatchesReference(TestValues(3 * 3 * 40, 9), t);
  }
  {
    SCOPED_TRACE("stride 7");
    WeightTransform t;
    t.channel_stride = 7;
    t.channel_scale = Scales(11, 10);
    ExpectMatchesReference(TestValues(3001, 11), t);
  }
  {
    SCOPED_TRACE("stride 1024");
    WeightTransform t;
    t.channel_stride = 1024;
    t.channel_scale = Scales(3, 12);
    ExpectMatchesReference(TestValues(3 * 1024 + 5, 13), t);
  }
}

TEST(LiteBufferTest, Float16WithoutTransformMatchesFloatToHalf) {
  // Lengths around the 8-wide vector step and the internal run length.
  for (size_t n : {1u, 7u, 8u, 9u, 1023u, 1024u, 1025u, 5000u}) {
    SCOPED_TRACE(n);
    const std::vector<float> source = TestValues(n, static_cast<uint32_t>(n));
    ExpectMatchesReference(source, WeightTransform{});
  }
}

TEST(LiteBufferTest, Float16OfSpecialValuesIsBitExact) {
  const std::vector<float> source = {0.0f,
                                     -0.0f,
                                     1.0f,
                                     65504.0f,
                                     65519.996f,
                                     65520.0f,  // ties to even: infinity
                                     -1e9f,
                                     INFINITY,
                                     -INFINITY,
                                     std::ldexp(1.0f, -24),
                                     std::ldexp(1.0f, -25),  // tie: to zero
                                     std::ldexp(3.0f, -26),  // rounds up to 2^-24
                                     1.0f + 1.0f / 2048,     // tie: to even (down)
                                     1.0f + 3.0f / 2048,     // tie: to even (up)
                                     6.1e-5f,
                                     std::ldexp(1.0f, -14),
                                     1e-30f};
  WeightTransform t;
  t.to_float16 = true;
  const std::vector<uint16_t> halves = WrittenHalves(BufferOver(source, t));
  EXPECT_THAT(halves, ElementsAreArray(ReferenceHalves(source)));
  // A few spelled out, so the reference itself is pinned down.
  EXPECT_EQ(halves[2], 0x3c00);
  EXPECT_EQ(halves[3], 0x7bff);
  EXPECT_EQ(halves[5], 0x7c00);
  EXPECT_EQ(halves[7], 0x7c00);
  EXPECT_EQ(halves[8], 0xfc00);
  EXPECT_EQ(halves[9], 0x0001);
  EXPECT_EQ(halves[10], 0x0000);
  EXPECT_EQ(halves[12], 0x3c00);
  EXPECT_EQ(halves[13], 0x3c02);
}

TEST(LiteBufferTest, UnalignedSourceIsReadCorrectly) {
  // Graph bytes put weights at any address: a view starting at an odd
  // offset of a std::string.
  constexpr int64_t kRows = 33, kCols = 70;
  const std::vector<float> values = TestValues(kRows * kCols, 77);
  std::string storage(values.size() * 4 + 8, '\0');
  size_t offset = 1;
  while ((reinterpret_cast<uintptr_t>(storage.data()) + offset) % 2 == 0) ++offset;
  std::memcpy(storage.data() + offset, values.data(), values.size() * 4);
  const absl::string_view unaligned(storage.data() + offset, values.size() * 4);
  ASSERT_NE(reinterpret_cast<uintptr_t>(unaligned.data()) % 4, 0u);

  std::vector<WeightTransform> transforms(5);
  transforms[1].transpose_rows = kRows;  // AVX2 path
  transforms[1].transpose_cols = kCols;
  transforms[2] = transforms[1];
  transforms[2].channel_stride = kRows;
  transforms[2].channel_scale = Scales(kCols, 1);
  transforms[3] = transforms[1];  // tile path
  transforms[3].channel_stride = 3;
  transforms[3].channel_scale = Scales(4, 2);
  transforms[4].channel_scale = Scales(9, 3);  // in order
  transforms[4].channel_stride = 5;
  for (size_t k = 0; k < transforms.size(); ++k) {
    SCOPED_TRACE(k);
    for (bool half : {false, true}) {
      WeightTransform t = transforms[k];
      t.to_float16 = half;
      LiteBuffer buffer;
      buffer.source = unaligned;
      buffer.transform = t;
      t.to_float16 = false;
      const std::vector<float> expected = Reference(values, t);
      if (half) {
        EXPECT_EQ(WrittenHalves(buffer), ReferenceHalves(expected));
      } else {
        EXPECT_EQ(Bits(WrittenFloats(buffer)), Bits(expected));
      }
    }
  }
  // The identity copy too.
  LiteBuffer identity;
  identity.source = unaligned;
  EXPECT_EQ(Written(identity), std::string(unaligned));
}

TEST(LiteBufferTest, WriteDoesNotModifyTheSource) {
  const std::vector<float> values = TestValues(16 * 24, 3);
  const std::vector<float> copy = values;
  WeightTransform t;
  t.transpose_rows = 16;
  t.transpose_cols = 24;
  t.channel_stride = 16;
  t.channel_scale = Scales(24, 1);
  t.to_float16 = true;
  Written(BufferOver(values, t));
  EXPECT_EQ(Bits(values), Bits(copy));
}

TEST(LiteBufferTest, ScaleChannelsOnAPlainBufferSetsTheScale) {
  const std::vector<float> values = TestValues(6 * 10, 21);
  LiteBuffer buffer = BufferOver(values, {});
  const std::vector<float> scale = Scales(10, 22);
  buffer.ScaleChannels(scale, 1);
  std::vector<float> expected(values.size());
  for (size_t i = 0; i < values.size(); ++i) expected[i] = values[i] * scale[i % 10];
  EXPECT_EQ(Bits(buffer.ReadFloats()), Bits(expected));
  EXPECT_EQ(buffer.source.data(), BytesOf(values).data());  // still deferred
}

TEST(LiteBufferTest, ScaleChannelsWithTheSameStrideMultipliesTheScales) {
  // Powers of two: (v * a) * b == v * (a * b) exactly, so the composed
  // result must equal the naive two-step one bit for bit.
  constexpr int64_t kRows = 12, kCols = 10;
  const std::vector<float> values = TestValues(kRows * kCols, 31);
  const std::vector<float> first = {2, 0.5f, 4, -1, 8, 0.25f, 1, -2, 16, 0.125f};
  const std::vector<float> second = {0.5f, 4, -2, 8, 0.25f, 2, -1, 0.5f, 0.0625f, 32};
  WeightTransform t;
  t.transpose_rows = kRows;
  t.transpose_cols = kCols;
  t.channel_stride = kRows;
  t.channel_scale = first;
  LiteBuffer buffer = BufferOver(values, t);
  buffer.ScaleChannels(second, kRows);
  // Still one pending transform over the original bytes.
  EXPECT_EQ(buffer.source.data(), BytesOf(values).data());
  EXPECT_EQ(buffer.transform.transpose_rows, kRows);
  ASSERT_EQ(buffer.transform.channel_scale.size(), first.size());
  for (size_t c = 0; c < first.size(); ++c) {
    EXPECT_EQ(buffer.transform.channel_scale[c], first[c] * second[c]);
  }
  std::vector<float> expected(values.size());
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      expected[c * kRows + r] = values[r * kCols + c] * first[c] * second[c];
    }
  }
  EXPECT_EQ(Bits(buffer.ReadFloats()), Bits(expected));

  // Arbitrary scales: equal up to the rounding of the product.
  LiteBuffer general = BufferOver(values, t);
  general.transform.channel_scale = Scales(kCols, 40);
  const std::vector<float> a = general.transform.channel_scale;
  const std::vector<float> b = Scales(kCols, 41);
  general.ScaleChannels(b, kRows);
  const std::vector<float> got = general.ReadFloats();
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      EXPECT_FLOAT_EQ(got[c * kRows + r], values[r * kCols + c] * a[c] * b[c]);
    }
  }
}

TEST(LiteBufferTest, ScaleChannelsWithAnotherStrideAppliesBothScales) {
  // First a per-output-channel scale on a transposed filter, then a scale
  // along the other axis: the pending work is materialized, then rescaled.
  constexpr int64_t kRows = 12, kCols = 10;
  const std::vector<float> values = TestValues(kRows * kCols, 51);
  const std::vector<float> source_copy = values;
  const std::vector<float> per_row = Scales(kCols, 52);
  const std::vector<float> per_column = Scales(kRows, 53);
  WeightTransform t;
  t.transpose_rows = kRows;
  t.transpose_cols = kCols;
  t.channel_stride = kRows;
  t.channel_scale = per_row;
  LiteBuffer buffer = BufferOver(values, t);
  buffer.ScaleChannels(per_column, 1);
  std::vector<float> expected(values.size());
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      // Applied one after the other, in this order.
      expected[c * kRows + r] = (values[r * kCols + c] * per_row[c]) * per_column[r];
    }
  }
  EXPECT_EQ(Bits(buffer.ReadFloats()), Bits(expected));
  EXPECT_EQ(buffer.size(), values.size() * 4);
  // The source (the graph's bytes) is left as it was.
  EXPECT_EQ(Bits(values), Bits(source_copy));
  // And the result survives the source going away: it owns its values now.
  const std::vector<float> before = buffer.ReadFloats();
  LiteBuffer moved = std::move(buffer);
  EXPECT_EQ(Bits(moved.ReadFloats()), Bits(before));

  // The same with equal scale counts but different strides.
  const std::vector<float> square_values = TestValues(8 * 8, 54);
  LiteBuffer square = BufferOver(square_values, {});
  const std::vector<float> s1 = Scales(8, 55), s2 = Scales(8, 56);
  square.ScaleChannels(s1, 8);
  square.ScaleChannels(s2, 1);
  std::vector<float> square_expected(64);
  for (int i = 0; i < 64; ++i) square_expected[i] = (square_values[i] * s1[i / 8]) * s2[i % 8];
  EXPECT_EQ(Bits(square.ReadFloats()), Bits(square_expected));
}

TEST(LiteBufferTest, ScaleChannelsThenFloat16) {
  // The order the converter uses: layout and scale, then float16 for the
  // fp16 artifact.
  constexpr int64_t kRows = 33, kCols = 70;
  const std::vector<float> values = TestValues(kRows * kCols, 61);
  WeightTransform t;
  t.transpose_rows = kRows;
  t.transpose_cols = kCols;
  t.channel_stride = kRows;
  LiteBuffer buffer = BufferOver(values, t);
  const std::vector<float> a = Scales(kCols, 62), b = Scales(kCols, 63);
  buffer.ScaleChannels(a, kRows);
  buffer.ScaleChannels(b, kRows);
  LiteBuffer half = buffer;
  half.transform.to_float16 = true;
  WeightTransform reference = buffer.transform;  // the composed scale
  EXPECT_EQ(WrittenHalves(half), ReferenceHalves(Reference(values, reference)));
  EXPECT_EQ(half.size(), values.size() * 2);
}

TEST(LiteBufferTest, OwnedBufferOwnsItsValues) {
  std::vector<int32_t> ints = {1, -2, 3, 1 << 30, -7};
  const std::vector<int32_t> copy = ints;
  LiteBuffer buffer = OwnedBuffer(std::move(ints));
  ints.assign(5, 0);  // the moved-from vector is no longer referenced
  ASSERT_NE(buffer.owner, nullptr);
  EXPECT_TRUE(buffer.transform.is_identity());
  EXPECT_EQ(buffer.size(), copy.size() * 4);
  const std::string bytes = Written(buffer);
  EXPECT_EQ(bytes, std::string(reinterpret_cast<const char*>(copy.data()), copy.size() * 4));

  // A copy shares the owner and stays valid after the original is gone.
  LiteBuffer copied;
  {
    LiteBuffer temporary = OwnedBuffer(std::vector<float>{1.5f, -2.5f, 3.25f});
    copied = temporary;
  }
  EXPECT_THAT(copied.ReadFloats(), ElementsAreArray({1.5f, -2.5f, 3.25f}));
  copied.ScaleChannels({2.0f, 4.0f, -1.0f}, 1);
  EXPECT_THAT(copied.ReadFloats(), ElementsAreArray({3.0f, -10.0f, -3.25f}));

  LiteBuffer empty = OwnedBuffer(std::vector<float>{});
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(Written(empty), "");
}

}  // namespace
}  // namespace tflconv
