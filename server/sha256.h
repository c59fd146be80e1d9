// SHA-256 in lowercase hex, as the ConvertModel RPC carries it (graph and
// artifact digests). Shared by the server and the CLI's remote mode.
#ifndef TFLCONV_SERVER_SHA256_H_
#define TFLCONV_SERVER_SHA256_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace tflconv {

std::string Sha256Hex(absl::string_view bytes);

// Incremental form, for hashing a stream chunk by chunk as it arrives.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(absl::string_view bytes);
  // The digest of everything so far; the hasher starts over afterwards.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// True for 64 lowercase hex digits.
bool IsSha256Hex(absl::string_view text);

}  // namespace tflconv

#endif  // TFLCONV_SERVER_SHA256_H_
