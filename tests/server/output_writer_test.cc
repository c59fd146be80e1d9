// The CLI's OutputWriter: artifacts staged under temporary names get their
// names only when the conversion succeeded.
#include "client/output_writer.h"

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace tflconv::cli {
namespace {

Artifact MakeArtifact(v1::ArtifactKind kind, const std::string& file_name,
                      const std::string& content) {
  auto storage = std::make_shared<std::string>(content);
  return {kind, file_name, *storage, storage};
}

std::string Contents(const std::string& path) {
  auto bytes = ReadFile(path);
  return bytes.ok() ? *bytes : "<missing>";
}

v1::ConversionReport Report() {
  v1::ConversionReport report;
  report.set_converter_version("test");
  return report;
}

TEST(OutputWriterTest, ArtifactsGetTheirNamesOnlyWhenTheConversionSucceeds) {
  const std::string dir = tflconv::testing::TempDir("writer_ok") + "/out";
  OutputWriter writer({dir, ""});
  ASSERT_TRUE(writer.Stage(MakeArtifact(v1::FP32, "model_fp32.tflite", "thirty-two")).ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/model_fp32.tflite"));
  EXPECT_EQ(Contents(dir + "/model_fp32.tflite.partial"), "thirty-two");
  ASSERT_TRUE(writer.Stage(MakeArtifact(v1::FP16, "model_fp16.tflite", "sixteen")).ok());
  ASSERT_TRUE(writer.Finish(absl::OkStatus(), Report()).ok());
  EXPECT_EQ(Contents(dir + "/model_fp32.tflite"), "thirty-two");
  EXPECT_EQ(Contents(dir + "/model_fp16.tflite"), "sixteen");
  EXPECT_NE(Contents(dir + "/report.json").find("\"converter_version\": \"test\""),
            std::string::npos);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 3);
}

TEST(OutputWriterTest, AFailureAfterAnArtifactWasStagedLeavesOnlyTheReport) {
  const std::string dir = tflconv::testing::TempDir("writer_failed") + "/out";
  OutputWriter writer({dir, ""});
  ASSERT_TRUE(writer.Stage(MakeArtifact(v1::FP32, "model_fp32.tflite", "thirty-two")).ok());
  ASSERT_TRUE(writer.Finish(absl::CancelledError("stopped during export_fp16"), Report()).ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/model_fp32.tflite"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/model_fp32.tflite.partial"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/report.json"));
}

TEST(OutputWriterTest, AWriterDroppedWithoutFinishRemovesWhatItStaged) {
  const std::string dir = tflconv::testing::TempDir("writer_dropped") + "/out";
  {
    OutputWriter writer({dir, ""});
    ASSERT_TRUE(writer.Stage(MakeArtifact(v1::FP32, "model_fp32.tflite", "x")).ok());
    EXPECT_TRUE(std::filesystem::exists(dir + "/model_fp32.tflite.partial"));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(OutputWriterTest, OutputFileTakesOneArtifactAndNoReport) {
  const std::string dir = tflconv::testing::TempDir("writer_single");
  const std::string file = dir + "/model.tflite";
  OutputWriter writer({"", file});
  ASSERT_TRUE(writer.Stage(MakeArtifact(v1::FP16, "model_fp16.tflite", "sixteen")).ok());
  const absl::Status second = writer.Stage(MakeArtifact(v1::FP32, "model_fp32.tflite", "x"));
  EXPECT_EQ(second.code(), absl::StatusCode::kInternal) << second;
  ASSERT_TRUE(writer.Finish(absl::OkStatus(), Report()).ok());
  EXPECT_EQ(Contents(file), "sixteen");
  EXPECT_FALSE(std::filesystem::exists(dir + "/report.json"));
}

}  // namespace
}  // namespace tflconv::cli
