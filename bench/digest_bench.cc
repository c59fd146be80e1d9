// digest_bench: SHA-256 throughput of each implementation side by side,
// on buffers of the sizes the service hashes (a small graph, one 1 MiB
// upload chunk, the 141 MB sample), hashed in one call and in 1 MiB
// pieces as the follower threads do. The runs of the implementations are
// interleaved so that load on the machine hits them alike.
//
//   digest_bench [--mb=141] [--runs=7]
//
// Prints one markdown table: size, how it is fed, then per implementation
// the best and median GB/s (10^9 bytes per second).
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/sha256.h"

namespace {

using HashFn = std::function<std::string(const std::string& bytes, size_t piece)>;

struct Implementation {
  std::string name;
  HashFn hash;  // piece == 0: in one call
};

std::string Hex(const unsigned char* digest, unsigned int size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string Evp(const std::string& bytes, size_t piece) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, sha256, nullptr);
  const size_t step = piece == 0 ? bytes.size() : piece;
  for (size_t offset = 0; offset < bytes.size(); offset += step) {
    EVP_DigestUpdate(context, bytes.data() + offset, std::min(step, bytes.size() - offset));
  }
  EVP_DigestFinal_ex(context, digest, &size);
  EVP_MD_CTX_free(context);
  return Hex(digest, size);
}

HashFn Own(tflconv::Sha256::Implementation implementation) {
  return [implementation](const std::string& bytes, size_t piece) {
    tflconv::Sha256 hash(implementation);
    const size_t step = piece == 0 ? bytes.size() : piece;
    for (size_t offset = 0; offset < bytes.size(); offset += step) {
      hash.Update(absl::string_view(bytes).substr(offset, step));
    }
    return hash.HexDigest();
  };
}

std::vector<Implementation> Implementations() {
  using Own256 = tflconv::Sha256::Implementation;
  std::vector<Implementation> all = {{"OpenSSL EVP", Evp}};
  if (tflconv::Sha256::Supported(Own256::kShaNi)) {
    all.push_back({"tflconv SHA-NI", Own(Own256::kShaNi)});
  }
  all.push_back({"tflconv portable", Own(Own256::kPortable)});
  return all;
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

  const std::vector<Implementation> implementations = Implementations();
  struct Case {
    size_t size;
    size_t piece;
  };
  const std::vector<Case> cases = {{4 << 10, 0}, {1 << 20, 0}, {big, 0}, {big, 1 << 20}};

  std::string header = "| bytes | fed |";
  std::string rule = "|---:|---|";
  for (const Implementation& implementation : implementations) {
    absl::StrAppend(&header, " ", implementation.name, " GB/s best | median |");
    absl::StrAppend(&rule, "---:|---:|");
  }
  std::cout << header << "\n" << rule << "\n";
  for (const Case& c : cases) {
    const std::string input = bytes.substr(0, c.size);
    // Small inputs are hashed repeatedly so that each timing covers ~64 MB.
    const size_t repeats = std::max<size_t>(1, (64 << 20) / c.size);
    const std::string expected = implementations[0].hash(input, c.piece);
    std::vector<std::vector<double>> rates(implementations.size());
    for (int run = 0; run < runs; ++run) {
      for (size_t k = 0; k < implementations.size(); ++k) {
        std::string digest;
        const double seconds = Seconds([&] {
          for (size_t r = 0; r < repeats; ++r) digest = implementations[k].hash(input, c.piece);
        });
        if (digest != expected) {
          std::cerr << implementations[k].name << " disagrees on " << c.size << " bytes\n";
          return 1;
        }
        rates[k].push_back(static_cast<double>(c.size) * repeats / seconds / 1e9);
      }
    }
    std::string row = absl::StrFormat("| %d | %s |", c.size,
                                      c.piece == 0 ? "one call" : "1 MiB pieces");
    for (std::vector<double>& r : rates) {
      std::sort(r.begin(), r.end());
      absl::StrAppendFormat(&row, " %.2f | %.2f |", r.back(), r[r.size() / 2]);
    }
    std::cout << row << "\n";
  }
  return 0;
}
