// SHA-256 in lowercase hex, as the ConvertModel RPC carries it (graph and
// artifact digests). Shared by the server and the CLI's remote mode.
//
// Two block functions behind one class: the x86 SHA extensions (SHA-NI,
// picked at run time when the CPU has them, with SSE4.1) and a portable
// one. Both give the same digests; the tests compare them.
#ifndef TFLCONV_SERVER_SHA256_H_
#define TFLCONV_SERVER_SHA256_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

namespace tflconv {

std::string Sha256Hex(absl::string_view bytes);

// Incremental form, for hashing a stream chunk by chunk as it arrives.
class Sha256 {
 public:
  enum class Implementation {
    kAuto,      // SHA-NI when supported, else portable
    kPortable,  // plain C++
    kShaNi,     // x86 SHA extensions; only where Supported(kShaNi)
  };
  // Whether this CPU (and build) can run `implementation`.
  static bool Supported(Implementation implementation);
  // What kAuto resolves to here (for logs and benchmarks).
  static Implementation Selected();

  // An unsupported `implementation` falls back to kAuto.
  explicit Sha256(Implementation implementation = Implementation::kAuto);
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // The digest of everything so far; the hasher starts over afterwards.
  std::string HexDigest();
  // The same as 32 raw bytes.
  void Digest(uint8_t out[32]);

  using BlockFn = void (*)(uint32_t state[8], const uint8_t* blocks, size_t count);

 private:
  void Reset();

  BlockFn blocks_;
  uint32_t state_[8];
  uint64_t length_ = 0;  // bytes hashed so far
  size_t buffered_ = 0;  // bytes in buffer_
  uint8_t buffer_[64];
};

// Hashes a buffer while it is being filled, on a thread of its own that
// follows the writer, so that the digest is ready soon after the last
// byte arrives and the writer (a gRPC reaction, say) never waits for it.
// The caller serializes its calls (Advance, Finish, Stop).
class Sha256Follower {
 public:
  Sha256Follower() = default;
  ~Sha256Follower();  // Stop()s
  Sha256Follower(const Sha256Follower&) = delete;
  Sha256Follower& operator=(const Sha256Follower&) = delete;

  // Bytes [0, size) at `data` are final and may be hashed. Each call passes
  // the same `data` (the buffer must not move) and a size at least the
  // last one; the buffer stays valid until Finish() or Stop() returns.
  void Advance(const char* data, size_t size);
  // Waits until every byte advanced is hashed; the digest (lowercase hex).
  // Then the follower is done (Finish() again returns the same digest).
  std::string Finish();
  // Stops without a digest (Finish() then returns ""). Idempotent.
  void Stop();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  const char* data_ = nullptr;
  size_t available_ = 0;  // bytes advanced
  bool finishing_ = false;
  bool stopping_ = false;
  bool done_ = false;
  std::string digest_;
  std::thread thread_;
  Sha256 hash_;  // used by thread_ only
};

// True for 64 lowercase hex digits.
bool IsSha256Hex(absl::string_view text);

}  // namespace tflconv

#endif  // TFLCONV_SERVER_SHA256_H_
