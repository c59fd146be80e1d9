// Runs a model on the official TFLite runtime (../shared/tflite-oracle) from
// a unit test: writes the model and a fixture (meta.json, in_<i>.npy,
// ref_<j>.npy: the layout of ../shared/fixtures) to a temporary directory
// and runs `oracle check` on them.
#ifndef TFLCONV_TESTS_TESTING_ORACLE_FIXTURE_H_
#define TFLCONV_TESTS_TESTING_ORACLE_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tflconv::testing {

// A named array for a fixture: `descr` is the numpy dtype ("<f4", "<i4",
// "|b1") and `bytes` the little-endian elements in C order.
struct NpyArray {
  std::string name;
  std::string descr;
  std::vector<int64_t> shape;
  std::string bytes;
};

NpyArray Float32Array(std::string name, std::vector<int64_t> shape,
                      const std::vector<float>& values);
NpyArray Int32Array(std::string name, std::vector<int64_t> shape,
                    const std::vector<int32_t>& values);
NpyArray BoolArray(std::string name, std::vector<int64_t> shape, const std::vector<bool>& values);

struct OracleRun {
  int exit_code = -1;  // 0: every output matched (see the oracle's README)
  std::string log;     // what the oracle printed
};

// Feeds `inputs` to `model` on the runtime and compares its outputs, by
// name, with `expected` (rel_l2 <= rtol).
OracleRun CheckOnOracle(const std::string& oracle, absl::string_view model,
                        const std::vector<NpyArray>& inputs, const std::vector<NpyArray>& expected,
                        double rtol);

// A test that runs models on the runtime; skipped, loudly, where
// ../shared/tflite-oracle is absent.
class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // CheckOnOracle, expecting every output to match.
  void ExpectRuns(absl::string_view model, const std::vector<NpyArray>& inputs,
                  const std::vector<NpyArray>& expected, double rtol);

  std::string oracle_;
};

}  // namespace tflconv::testing

#endif  // TFLCONV_TESTS_TESTING_ORACLE_FIXTURE_H_
