// SHA-256 (FIPS 180-4). The portable block function follows the standard
// directly; the SHA-NI one keeps the state as the two registers the
// instructions want ({A,B,E,F} and {C,D,G,H}), does two rounds per
// SHA256RNDS2 and extends the message schedule four words at a time with
// SHA256MSG1/SHA256MSG2.
#include "server/sha256.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TFLCONV_SHA256_X86 1
#else
#define TFLCONV_SHA256_X86 0
#endif

namespace tflconv {
namespace {

constexpr uint32_t kInitialState[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void PortableBlocks(uint32_t state[8], const uint8_t* data, size_t count) {
  uint32_t w[64];
  for (; count > 0; --count, data += 64) {
    for (int t = 0; t < 16; ++t) w[t] = LoadBigEndian32(data + 4 * t);
    for (int t = 16; t < 64; ++t) {
      const uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; ++t) {
      const uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      const uint32_t ch = (e & f) ^ (~e & g);
      const uint32_t t1 = h + s1 + ch + kRound[t] + w[t];
      const uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

#if TFLCONV_SHA256_X86

// One group of four rounds: adds the round constants to the four schedule
// words `w`, then two SHA256RNDS2 (the second on the upper two words).
// `abef` and `cdgh` swap roles between the two: each RNDS2 returns the
// new {A,B,E,F}, and the old {A,B,E,F} is the new {C,D,G,H}.
__attribute__((target("sha,sse4.1"), always_inline)) inline void FourRounds(
    __m128i& abef, __m128i& cdgh, __m128i w, int group) {
  __m128i wk = _mm_add_epi32(w, _mm_load_si128(reinterpret_cast<const __m128i*>(kRound) + group));
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  wk = _mm_shuffle_epi32(wk, 0x0E);  // words 2,3 down to 0,1
  abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
}

// The next four schedule words from the previous sixteen (w0 oldest):
// W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]. MSG1 adds s0 of the
// following word to each of w0's words, the ALIGNR picks W[t-7] (words 1..3
// of w2 and word 0 of w3), and MSG2 adds s1 of W[t-2], two words of which
// it computes itself.
__attribute__((target("sha,sse4.1"), always_inline)) inline __m128i NextSchedule(
    __m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  __m128i t = _mm_sha256msg1_epu32(w0, w1);
  t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));
  return _mm_sha256msg2_epu32(t, w3);
}

__attribute__((target("sha,sse4.1"))) void ShaNiBlocks(uint32_t state[8], const uint8_t* data,
                                                     size_t count) {
  // Big-endian words: reverse the bytes within each 32-bit lane.
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  // state[0..3] = A,B,C,D and state[4..7] = E,F,G,H (lane 0 first) into
  // abef = lanes F,E,B,A and cdgh = lanes H,G,D,C.
  __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  abcd = _mm_shuffle_epi32(abcd, 0xB1);                 // B,A,D,C
  efgh = _mm_shuffle_epi32(efgh, 0x1B);                 // H,G,F,E
  __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);        // F,E,B,A
  __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);     // H,G,D,C

  for (; count > 0; --count, data += 64) {
    const __m128i saved_abef = abef;
    const __m128i saved_cdgh = cdgh;
    const __m128i* in = reinterpret_cast<const __m128i*>(data);
    __m128i w0 = _mm_shuffle_epi8(_mm_loadu_si128(in + 0), byte_swap);
    __m128i w1 = _mm_shuffle_epi8(_mm_loadu_si128(in + 1), byte_swap);
    __m128i w2 = _mm_shuffle_epi8(_mm_loadu_si128(in + 2), byte_swap);
    __m128i w3 = _mm_shuffle_epi8(_mm_loadu_si128(in + 3), byte_swap);
    FourRounds(abef, cdgh, w0, 0);
    FourRounds(abef, cdgh, w1, 1);
    FourRounds(abef, cdgh, w2, 2);
    FourRounds(abef, cdgh, w3, 3);
    // Groups 4..15, rotating the last sixteen words through w0..w3.
    for (int group = 4; group < 16; group += 4) {
      w0 = NextSchedule(w0, w1, w2, w3);
      FourRounds(abef, cdgh, w0, group);
      w1 = NextSchedule(w1, w2, w3, w0);
      FourRounds(abef, cdgh, w1, group + 1);
      w2 = NextSchedule(w2, w3, w0, w1);
      FourRounds(abef, cdgh, w2, group + 2);
      w3 = NextSchedule(w3, w0, w1, w2);
      FourRounds(abef, cdgh, w3, group + 3);
    }
    abef = _mm_add_epi32(abef, saved_abef);
    cdgh = _mm_add_epi32(cdgh, saved_cdgh);
  }

  // Back to A..D and E..H.
  __m128i tmp = _mm_shuffle_epi32(abef, 0x1B);        // A,B,E,F
  cdgh = _mm_shuffle_epi32(cdgh, 0xB1);               // G,H,C,D
  abcd = _mm_blend_epi16(tmp, cdgh, 0xF0);            // A,B,C,D
  efgh = _mm_alignr_epi8(cdgh, tmp, 8);               // E,F,G,H
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), abcd);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), efgh);
}

bool CpuHasShaNi() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
         __builtin_cpu_supports("ssse3");
}

#else  // !TFLCONV_SHA256_X86

bool CpuHasShaNi() { return false; }

#endif

bool ShaNiSupported() {
  static const bool supported = CpuHasShaNi();
  return supported;
}

Sha256::BlockFn BlockFnFor(Sha256::Implementation implementation) {
#if TFLCONV_SHA256_X86
  if (implementation != Sha256::Implementation::kPortable && ShaNiSupported()) {
    return &ShaNiBlocks;
  }
#endif
  (void)implementation;
  return &PortableBlocks;
}

void Hex(const uint8_t* digest, size_t length, std::string* hex) {
  static constexpr char kHex[] = "0123456789abcdef";
  hex->resize(2 * length);
  for (size_t i = 0; i < length; ++i) {
    (*hex)[2 * i] = kHex[digest[i] >> 4];
    (*hex)[2 * i + 1] = kHex[digest[i] & 15];
  }
}

}  // namespace

bool Sha256::Supported(Implementation implementation) {
  return implementation != Implementation::kShaNi || ShaNiSupported();
}

Sha256::Implementation Sha256::Selected() {
  return ShaNiSupported() ? Implementation::kShaNi : Implementation::kPortable;
}

Sha256::Sha256(Implementation implementation) : blocks_(BlockFnFor(implementation)) { Reset(); }

void Sha256::Reset() {
  std::memcpy(state_, kInitialState, sizeof(state_));
  length_ = 0;
  buffered_ = 0;
}

void Sha256::Update(absl::string_view bytes) {
  const uint8_t* data = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t size = bytes.size();
  length_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(size, sizeof(buffer_) - buffered_);
    std::memcpy(buffer_ + buffered_, data, take);
    buffered_ += take;
    data += take;
    size -= take;
    if (buffered_ < sizeof(buffer_)) return;
    blocks_(state_, buffer_, 1);
    buffered_ = 0;
  }
  if (size >= 64) {
    blocks_(state_, data, size / 64);
    data += size & ~size_t{63};
    size &= 63;
  }
  if (size > 0) {
    std::memcpy(buffer_, data, size);
    buffered_ = size;
  }
}

void Sha256::Digest(uint8_t out[32]) {
  // Padding: 0x80, zeros up to 56 mod 64, the bit length big-endian.
  const uint64_t bits = length_ * 8;
  uint8_t tail[128] = {0x80};
  const size_t pad = (buffered_ < 56 ? 56 : 120) - buffered_;
  for (int i = 0; i < 8; ++i) tail[pad + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  Update(absl::string_view(reinterpret_cast<const char*>(tail), pad + 8));
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(state_[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(state_[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(state_[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(state_[i]);
  }
  Reset();
}

std::string Sha256::HexDigest() {
  uint8_t digest[32];
  Digest(digest);
  std::string hex;
  Hex(digest, sizeof(digest), &hex);
  return hex;
}

std::string Sha256Hex(absl::string_view bytes) {
  Sha256 hash;
  hash.Update(bytes);
  return hash.HexDigest();
}

Sha256Follower::~Sha256Follower() { Stop(); }

void Sha256Follower::Advance(const char* data, size_t size) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_ || stopping_ || size <= available_) return;
    data_ = data;
    available_ = size;
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  }
  cv_.notify_one();
}

void Sha256Follower::Loop() {
  // Hashes in steps, so that Stop() is not kept waiting long.
  constexpr size_t kStep = 1 << 20;
  size_t hashed = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || finishing_ || available_ > hashed; });
    if (stopping_) return;
    if (available_ == hashed) {  // finishing, and all caught up
      digest_ = hash_.HexDigest();
      return;
    }
    const char* data = data_ + hashed;
    const size_t size = std::min(kStep, available_ - hashed);
    lock.unlock();
    hash_.Update(absl::string_view(data, size));
    lock.lock();
    hashed += size;
  }
}

std::string Sha256Follower::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ || stopping_) return digest_;
    finishing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    digest_ = hash_.HexDigest();  // nothing was advanced
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  return digest_;
}

void Sha256Follower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool IsSha256Hex(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace tflconv
