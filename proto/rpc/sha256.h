// SHA-256 in lowercase hex, as the ConvertModel RPC carries it (graph and
// artifact digests), through OpenSSL's EVP interface (which uses the CPU's
// SHA extensions where it has them; bench/digest_bench measured it as fast
// as the project's former SHA-NI code). Shared by the server and the CLI's
// remote mode.
#ifndef TFLCONV_PROTO_RPC_SHA256_H_
#define TFLCONV_PROTO_RPC_SHA256_H_

#include <openssl/types.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"

namespace tflconv {

// "" only when OpenSSL fails (out of memory): never a valid digest, so
// every comparison with one fails.
std::string Sha256Hex(absl::string_view bytes);

// Incremental form, for hashing a stream chunk by chunk as it arrives.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // The digest of everything so far ("" as Sha256Hex); the hasher starts
  // over afterwards.
  std::string HexDigest();

 private:
  void Start();

  EVP_MD_CTX* context_;
  bool ok_;  // every EVP call so far succeeded
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

#endif  // TFLCONV_PROTO_RPC_SHA256_H_
