// digest_bench: SHA-256 throughput of the service's digests (OpenSSL EVP
// behind proto/rpc/sha256.h) on buffers of the sizes the service hashes (a
// small graph, one 1 MiB upload chunk, the 141 MB sample), in one call
// and in 1 MiB pieces as the follower threads feed it. The side-by-side
// run against the project's former SHA-NI code is in bench/README.md.
//
//   digest_bench [--mb=141] [--runs=7]
//
// Prints one markdown table: size, how it is fed, best and median GB/s
// (10^9 bytes per second).
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "proto/rpc/sha256.h"

namespace {

std::string Hash(const std::string& bytes, size_t piece) {
  if (piece == 0) return tflconv::Sha256Hex(bytes);
  tflconv::Sha256 hash;
  for (size_t offset = 0; offset < bytes.size(); offset += piece) {
    hash.Update(absl::string_view(bytes).substr(offset, piece));
  }
  return hash.HexDigest();
}

double Seconds(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  double mb = 141;
  int runs = 7;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool ok = false;
    if (arg.rfind("--mb=", 0) == 0) ok = absl::SimpleAtod(arg.substr(5), &mb) && mb > 0;
    if (arg.rfind("--runs=", 0) == 0) ok = absl::SimpleAtoi(arg.substr(7), &runs) && runs > 0;
    if (!ok) {
      std::cerr << "usage: digest_bench [--mb=141] [--runs=7]\n";
      return 2;
    }
  }
  const size_t big = static_cast<size_t>(mb * 1e6);
  std::string bytes(big, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);

  struct Case {
    size_t size;
    size_t piece;  // 0: in one call
  };
  const std::vector<Case> cases = {{4 << 10, 0}, {1 << 20, 0}, {big, 0}, {big, 1 << 20}};
  std::cout << "| bytes | fed | GB/s best | median |\n|---:|---|---:|---:|\n";
  for (const Case& c : cases) {
    const std::string input = bytes.substr(0, c.size);
    // Small inputs are hashed repeatedly so that each timing covers ~64 MB.
    const size_t repeats = std::max<size_t>(1, (64 << 20) / c.size);
    const std::string expected = Hash(input, 0);
    std::vector<double> rates;
    for (int run = 0; run < runs; ++run) {
      std::string digest;
      const double seconds = Seconds([&] {
        for (size_t r = 0; r < repeats; ++r) digest = Hash(input, c.piece);
      });
      if (digest != expected || digest.empty()) {
        std::cerr << "the digests of " << c.size << " bytes disagree\n";
        return 1;
      }
      rates.push_back(static_cast<double>(c.size) * repeats / seconds / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    std::cout << absl::StrFormat("| %d | %s | %.2f | %.2f |\n", c.size,
                                 c.piece == 0 ? "one call" : "1 MiB pieces", rates.back(),
                                 rates[rates.size() / 2]);
  }
  return 0;
}
