// SHA-256: the FIPS 180-4 vectors through each implementation, SHA-NI
// against the portable one (and both against OpenSSL) on random input fed
// in odd pieces, and the follower thread.
#include "server/sha256.h"

#include <openssl/evp.h>

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace tflconv {
namespace {

using Implementation = Sha256::Implementation;

std::string Hash(Implementation implementation, absl::string_view bytes) {
  Sha256 hash(implementation);
  hash.Update(bytes);
  return hash.HexDigest();
}

// OpenSSL as an independent reference.
std::string OpenSslHex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string RandomBytes(std::mt19937& random, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// The implementations this machine runs (SHA-NI only where the CPU has it).
std::vector<Implementation> Implementations() {
  std::vector<Implementation> all = {Implementation::kPortable};
  if (Sha256::Supported(Implementation::kShaNi)) all.push_back(Implementation::kShaNi);
  return all;
}

const char* Name(Implementation implementation) {
  return implementation == Implementation::kShaNi ? "sha-ni" : "portable";
}

TEST(Sha256Test, KnownVectors) {
  struct Vector {
    std::string input;
    const char* digest;
  };
  const std::vector<Vector> vectors = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      // 448 bits: the padding no longer fits the first block.
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
       "mnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (Implementation implementation : Implementations()) {
    for (const Vector& v : vectors) {
      EXPECT_EQ(Hash(implementation, v.input), v.digest) << Name(implementation) << " " << v.input;
    }
  }
}

TEST(Sha256Test, OneMillionAsInOneGoAndInPieces) {
  const std::string million(1'000'000, 'a');
  const char* expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  for (Implementation implementation : Implementations()) {
    EXPECT_EQ(Hash(implementation, million), expected) << Name(implementation);
    for (size_t piece : {1, 3, 55, 56, 63, 64, 65, 1000, 4099}) {
      Sha256 hash(implementation);
      for (size_t offset = 0; offset < million.size(); offset += piece) {
        hash.Update(absl::string_view(million).substr(offset, piece));
      }
      EXPECT_EQ(hash.HexDigest(), expected) << Name(implementation) << " pieces of " << piece;
    }
  }
}

TEST(Sha256Test, ShaNiMatchesPortableOnEveryLengthUpTo300) {
  if (!Sha256::Supported(Implementation::kShaNi)) GTEST_SKIP() << "this CPU has no SHA-NI";
  std::mt19937 random(1);
  for (size_t size = 0; size <= 300; ++size) {
    const std::string bytes = RandomBytes(random, size);
    const std::string portable = Hash(Implementation::kPortable, bytes);
    EXPECT_EQ(Hash(Implementation::kShaNi, bytes), portable) << size;
    EXPECT_EQ(OpenSslHex(bytes), portable) << size;
  }
}

TEST(Sha256Test, ShaNiMatchesPortableWhenFedAtOddOffsets) {
  if (!Sha256::Supported(Implementation::kShaNi)) GTEST_SKIP() << "this CPU has no SHA-NI";
  std::mt19937 random(2);
  for (size_t size : {0, 1, 63, 64, 65, 127, 128, 129, 300, 4096 + 17, (1 << 20) + 5}) {
    const std::string bytes = RandomBytes(random, size);
    const std::string expected = OpenSslHex(bytes);
    for (int trial = 0; trial < 8; ++trial) {
      // The same random split for both: pieces of 0..130 bytes.
      std::vector<size_t> cuts;
      for (size_t at = 0; at < size;) {
        at = std::min(size, at + random() % 131);
        cuts.push_back(at);
      }
      for (Implementation implementation : Implementations()) {
        Sha256 hash(implementation);
        size_t from = 0;
        for (size_t to : cuts) {
          hash.Update(absl::string_view(bytes).substr(from, to - from));
          from = to;
        }
        EXPECT_EQ(hash.HexDigest(), expected) << Name(implementation) << " size " << size;
      }
    }
  }
}

TEST(Sha256Test, AutoPicksShaNiWhereSupportedAndStartsOverAfterADigest) {
  EXPECT_EQ(Sha256::Selected(), Sha256::Supported(Implementation::kShaNi)
                                    ? Implementation::kShaNi
                                    : Implementation::kPortable);
  Sha256 hash;
  hash.Update("abc");
  EXPECT_EQ(hash.HexDigest(), Sha256Hex("abc"));
  EXPECT_EQ(hash.HexDigest(), Sha256Hex(""));  // started over
  uint8_t raw[32];
  hash.Update("abc");
  hash.Digest(raw);
  EXPECT_EQ(absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(raw), 32)),
            Sha256Hex("abc"));
}

TEST(Sha256Test, FollowerHashesAGrowingBuffer) {
  std::mt19937 random(3);
  const std::string source = RandomBytes(random, 3 * (1 << 20) + 12345);
  std::string buffer;
  buffer.reserve(source.size());  // never moves
  Sha256Follower follower;
  for (size_t offset = 0; offset < source.size();) {
    const size_t piece = std::min<size_t>(source.size() - offset, 1 + random() % 300'000);
    buffer.append(source, offset, piece);
    offset += piece;
    follower.Advance(buffer.data(), buffer.size());
  }
  EXPECT_EQ(follower.Finish(), Sha256Hex(source));
  EXPECT_EQ(follower.Finish(), Sha256Hex(source));  // again, the same
}

TEST(Sha256Test, FollowerWithNothingAdvancedAndStopped) {
  Sha256Follower empty;
  EXPECT_EQ(empty.Finish(), Sha256Hex(""));
  std::string buffer(1 << 20, 'x');
  Sha256Follower stopped;
  stopped.Advance(buffer.data(), buffer.size());
  stopped.Stop();
  EXPECT_EQ(stopped.Finish(), "");
  stopped.Stop();  // idempotent
}

TEST(Sha256Test, IsSha256Hex) {
  EXPECT_TRUE(IsSha256Hex(Sha256Hex("x")));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace tflconv
