#include "tests/testing/oracle_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tflconv::testing {
namespace {

template <typename T>
std::string BytesOf(const std::vector<T>& values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string ShapeTuple(const std::vector<int64_t>& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

// Format version 1: magic, version, header length, then a header padded so
// that the data starts on a 64-byte boundary.
void WriteNpy(const std::string& path, const NpyArray& array) {
  std::string header = absl::StrCat("{'descr': '", array.descr, "', 'fortran_order': False, ",
                                    "'shape': ", ShapeTuple(array.shape), ", }");
  header.append(63 - (10 + header.size()) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  const uint16_t length = static_cast<uint16_t>(header.size());
  out << "\x93NUMPY" << '\x01' << '\x00';
  out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
  out << header << array.bytes;
}

std::string DtypeName(const std::string& descr) {
  if (descr == "<f4") return "float32";
  if (descr == "<i4") return "int32";
  return "bool";
}

void WriteFile(const std::string& path, absl::string_view bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

NpyArray Float32Array(std::string name, std::vector<int64_t> shape,
                      const std::vector<float>& values) {
  return {std::move(name), "<f4", std::move(shape), BytesOf(values)};
}

NpyArray Int32Array(std::string name, std::vector<int64_t> shape,
                    const std::vector<int32_t>& values) {
  return {std::move(name), "<i4", std::move(shape), BytesOf(values)};
}

NpyArray BoolArray(std::string name, std::vector<int64_t> shape, const std::vector<bool>& values) {
  std::string bytes;
  for (bool v : values) bytes.push_back(v ? 1 : 0);
  return {std::move(name), "|b1", std::move(shape), std::move(bytes)};
}

OracleRun CheckOnOracle(const std::string& oracle, absl::string_view model,
                        const std::vector<NpyArray>& inputs, const std::vector<NpyArray>& expected,
                        double rtol) {
  static std::atomic<int> runs{0};
  const char* base = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(base ? base : std::filesystem::temp_directory_path().string(),
                   "/tflconv_oracle_", getpid(), "_", runs++);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> input_meta;
  for (size_t i = 0; i < inputs.size(); ++i) {
    WriteNpy(absl::StrCat(dir, "/in_", i, ".npy"), inputs[i]);
    input_meta.push_back(absl::StrCat("{\"name\": \"", inputs[i].name, "\", \"dtype\": \"",
                                      DtypeName(inputs[i].descr), "\", \"shape\": [",
                                      absl::StrJoin(inputs[i].shape, ", "), "]}"));
  }
  std::vector<std::string> output_names;
  for (size_t j = 0; j < expected.size(); ++j) {
    WriteNpy(absl::StrCat(dir, "/ref_", j, ".npy"), expected[j]);
    output_names.push_back(absl::StrCat("\"", expected[j].name, "\""));
  }
  WriteFile(dir + "/meta.json",
            absl::StrCat("{\"inputs\": [", absl::StrJoin(input_meta, ", "), "], \"outputs\": [",
                         absl::StrJoin(output_names, ", "), "]}"));
  WriteFile(dir + "/model.tflite", model);
  const std::string log = dir + "/oracle.log";
  const std::string command = absl::StrCat("'", oracle, "' check '", dir, "/model.tflite' '", dir,
                                           "' --rtol ", rtol, " >'", log, "' 2>&1");
  const int status = std::system(command.c_str());
  OracleRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  run.log = ReadFile(log);
  if (run.exit_code == 0) std::filesystem::remove_all(dir);
  return run;
}

void OracleTest::SetUp() {
  oracle_ = TFLCONV_SOURCE_DIR "/../shared/tflite-oracle/oracle";
  if (access(oracle_.c_str(), X_OK) != 0) {
    GTEST_SKIP() << "SKIP: " << oracle_ << " is absent; models were NOT run on the runtime";
  }
}

void OracleTest::ExpectRuns(absl::string_view model, const std::vector<NpyArray>& inputs,
                            const std::vector<NpyArray>& expected, double rtol) {
  const OracleRun run = CheckOnOracle(oracle_, model, inputs, expected, rtol);
  EXPECT_EQ(run.exit_code, 0) << run.log;
}

}  // namespace tflconv::testing
