// SHA-256 through OpenSSL: the FIPS 180-4 vectors, the incremental form
// fed in odd pieces and started over, and the follower thread.
#include "proto/rpc/sha256.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tflconv {
namespace {

std::string RandomBytes(std::mt19937& random, size_t size) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
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
  for (const Vector& v : vectors) {
    EXPECT_EQ(Sha256Hex(v.input), v.digest) << v.input;
    Sha256 hash;
    hash.Update(v.input);
    EXPECT_EQ(hash.HexDigest(), v.digest) << v.input;
  }
}

TEST(Sha256Test, OneMillionAsInOneGoAndInPieces) {
  const std::string million(1'000'000, 'a');
  const char* expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(Sha256Hex(million), expected);
  for (size_t piece : {1, 3, 55, 56, 63, 64, 65, 1000, 4099}) {
    Sha256 hash;
    for (size_t offset = 0; offset < million.size(); offset += piece) {
      hash.Update(absl::string_view(million).substr(offset, piece));
    }
    EXPECT_EQ(hash.HexDigest(), expected) << "pieces of " << piece;
  }
}

TEST(Sha256Test, RandomSplitsGiveTheDigestOfTheWhole) {
  std::mt19937 random(2);
  for (size_t size : {0, 1, 63, 64, 65, 127, 128, 129, 300, 4096 + 17, (1 << 20) + 5}) {
    const std::string bytes = RandomBytes(random, size);
    const std::string expected = Sha256Hex(bytes);
    for (int trial = 0; trial < 8; ++trial) {
      Sha256 hash;
      for (size_t from = 0; from < size;) {
        const size_t to = std::min(size, from + random() % 131);
        hash.Update(absl::string_view(bytes).substr(from, to - from));
        from = to;
      }
      EXPECT_EQ(hash.HexDigest(), expected) << "size " << size;
    }
  }
}

TEST(Sha256Test, StartsOverAfterADigest) {
  Sha256 hash;
  hash.Update("abc");
  EXPECT_EQ(hash.HexDigest(), Sha256Hex("abc"));
  EXPECT_EQ(hash.HexDigest(), Sha256Hex(""));
  hash.Update("abc");
  EXPECT_EQ(hash.HexDigest(), Sha256Hex("abc"));
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
