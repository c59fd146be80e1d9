#include "proto/rpc/sha256.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace tflconv {
namespace {

// Fetched once: an implicit fetch on every EVP_DigestInit_ex costs a
// provider lookup per digest.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) { Start(); }

void Sha256::Start() {
  ok_ = context_ != nullptr && Sha256Md() != nullptr &&
        EVP_DigestInit_ex(context_, Sha256Md(), nullptr) == 1;
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

void Sha256::Update(absl::string_view bytes) {
  if (ok_) ok_ = EVP_DigestUpdate(context_, bytes.data(), bytes.size()) == 1;
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const bool ok = ok_ && EVP_DigestFinal_ex(context_, digest, &size) == 1;
  Start();
  if (!ok) return "";
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
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
