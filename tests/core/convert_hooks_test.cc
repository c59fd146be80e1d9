// ConvertHooks: artifacts handed over through artifact_ready, errors from
// the hook, cancellation during export, and the report when the hook
// takes the artifacts.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/convert.h"
#include "core/lite/export.h"
#include "core/quantize/fp16.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace tflconv::testing;

constexpr int kIn = 40, kOut = 30;

std::vector<float> Weights() {
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> w(kIn * kOut);
  for (float& v : w) v = dist(rng);
  return w;
}

// x [1, 40] MatMul w [40, 30]: one constant (the weights, 4800 bytes).
GraphBuilder MatMulGraph() {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, kIn});
  g.ConstFloat("w", {kIn, kOut}, Weights());
  AttrType(g.Op("MatMul", "fc", {"x", "w"}), "T", tensorflow::DT_FLOAT);
  return g;
}

// What the hook received, copied while it was called, plus the artifact
// itself (kept to check its storage keeps the bytes alive).
struct Received {
  v1::ArtifactKind kind;
  std::string file_name;
  std::string bytes_copy;
  bool verified;
  Artifact artifact;
};

std::vector<float> WeightsOf(const tflite::Model* model) {
  const tflite::Operator* fc = OperatorAt(model, 0);
  return FloatBuffer(model, fc->inputs()->Get(1));
}

std::vector<float> Transposed(const std::vector<float>& w) {
  std::vector<float> t(w.size());
  for (int i = 0; i < kIn; ++i) {
    for (int o = 0; o < kOut; ++o) t[o * kIn + i] = w[i * kOut + o];
  }
  return t;
}

uint64_t WeightBytes(absl::string_view flatbuffer) {
  const tflite::Model* model = tflite::GetModel(flatbuffer.data());
  uint64_t total = 0;
  for (const tflite::Buffer* buffer : *model->buffers()) {
    if (buffer->data()) total += buffer->data()->size();
  }
  return total;
}

TEST(ConvertHooksTest, ArtifactReadyReceivesVerifiedFp32ThenFp16) {
  const GraphBuilder g = MatMulGraph();
  const std::string graph = g.Binary();
  std::vector<Received> received;
  std::vector<std::string> stages_at_delivery;
  std::string stage;
  ConvertHooks hooks;
  hooks.progress = [&](absl::string_view s, double fraction) {
    if (fraction == 0.0) stage = std::string(s);
  };
  hooks.artifact_ready = [&](Artifact artifact) {
    Received r{artifact.kind, artifact.file_name, std::string(artifact.bytes),
               VerifyTfliteModel(artifact.bytes).ok(), artifact};
    stages_at_delivery.push_back(stage);
    received.push_back(std::move(r));
    return absl::OkStatus();
  };
  ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, /*fp16=*/true), hooks);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_TRUE(result.artifacts.empty());
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].kind, v1::FP32);
  EXPECT_EQ(received[0].file_name, "model_fp32.tflite");
  EXPECT_EQ(received[1].kind, v1::FP16);
  EXPECT_EQ(received[1].file_name, "model_fp16.tflite");
  EXPECT_THAT(stages_at_delivery, ElementsAre(kStageExportFp32, kStageExportFp16));
  for (const Received& r : received) {
    SCOPED_TRACE(r.file_name);
    EXPECT_TRUE(r.verified);
    ASSERT_NE(r.artifact.storage, nullptr);
    // Kept artifacts stay valid after Convert() returns.
    EXPECT_EQ(std::string(r.artifact.bytes), r.bytes_copy);
  }

  // The values: fp32 weights transposed to [out, in], fp16 the same
  // rounded to nearest even.
  const std::vector<float> expected = Transposed(Weights());
  EXPECT_EQ(WeightsOf(tflite::GetModel(received[0].bytes_copy.data())), expected);
  const tflite::Model* fp16 = tflite::GetModel(received[1].bytes_copy.data());
  ASSERT_THAT(OperatorNames(fp16), ElementsAre("DEQUANTIZE", "FULLY_CONNECTED"));
  const tflite::Tensor* half = TensorAt(fp16, OperatorAt(fp16, 0)->inputs()->Get(0));
  EXPECT_EQ(half->type(), tflite::TensorType_FLOAT16);
  const flatbuffers::Vector<uint8_t>* data = fp16->buffers()->Get(half->buffer())->data();
  ASSERT_EQ(data->size(), expected.size() * 2);
  for (size_t i = 0; i < expected.size(); ++i) {
    uint16_t bits;
    std::memcpy(&bits, data->data() + 2 * i, 2);
    ASSERT_EQ(bits, FloatToHalf(expected[i])) << i;
  }

  // The same bytes as without the hook.
  ConversionResult plain = Convert(graph, Options({"x"}, {"fc"}, /*fp16=*/true));
  ASSERT_TRUE(plain.status.ok()) << plain.status;
  ASSERT_EQ(plain.artifacts.size(), 2u);
  EXPECT_EQ(std::string(plain.artifacts[0].bytes), received[0].bytes_copy);
  EXPECT_EQ(std::string(plain.artifacts[1].bytes), received[1].bytes_copy);
}

TEST(ConvertHooksTest, ReportHasBothArtifactSizesWhenTheHookTakesThem) {
  const std::string graph = MatMulGraph().Binary();
  std::vector<std::string> taken;
  ConvertHooks hooks;
  hooks.artifact_ready = [&](Artifact artifact) {
    taken.emplace_back(artifact.bytes);
    return absl::OkStatus();
  };
  ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, /*fp16=*/true), hooks);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(taken.size(), 2u);
  const v1::SizeReport& size = result.report.size();
  EXPECT_EQ(size.input_graph_bytes(), graph.size());
  ASSERT_EQ(size.artifacts_size(), 2);
  EXPECT_EQ(size.artifacts(0).kind(), v1::FP32);
  EXPECT_EQ(size.artifacts(0).file_name(), "model_fp32.tflite");
  EXPECT_EQ(size.artifacts(0).bytes(), taken[0].size());
  EXPECT_EQ(size.artifacts(1).kind(), v1::FP16);
  EXPECT_EQ(size.artifacts(1).file_name(), "model_fp16.tflite");
  EXPECT_EQ(size.artifacts(1).bytes(), taken[1].size());
  EXPECT_EQ(size.artifacts(0).weight_bytes(), WeightBytes(taken[0]));
  EXPECT_EQ(size.artifacts(1).weight_bytes(), WeightBytes(taken[1]));
  EXPECT_GE(size.artifacts(0).weight_bytes(), kIn * kOut * 4u);
  EXPECT_GE(size.artifacts(1).weight_bytes(), kIn * kOut * 2u);
  EXPECT_LT(size.artifacts(1).weight_bytes(), kIn * kOut * 4u);
  EXPECT_EQ(size.artifacts(0).operators(), 1);
  EXPECT_EQ(size.artifacts(1).operators(), 2);  // DEQUANTIZE + FULLY_CONNECTED
  EXPECT_DOUBLE_EQ(size.fp16_to_fp32_ratio(),
                   static_cast<double>(taken[1].size()) / taken[0].size());
  ASSERT_GE(size.largest_tensors_size(), 1);
  EXPECT_EQ(size.largest_tensors(0).bytes(), kIn * kOut * 4u);

  // Identical to the report of a conversion without the hook.
  ConversionResult plain = Convert(graph, Options({"x"}, {"fc"}, /*fp16=*/true));
  ASSERT_TRUE(plain.status.ok()) << plain.status;
  EXPECT_EQ(plain.report.size().SerializeAsString(), size.SerializeAsString());
}

TEST(ConvertHooksTest, HookErrorBecomesTheStatus) {
  const std::string graph = MatMulGraph().Binary();
  {
    SCOPED_TRACE("fails on fp32");
    int calls = 0;
    ConvertHooks hooks;
    hooks.artifact_ready = [&](Artifact) {
      ++calls;
      return absl::DataLossError("disk full writing model_fp32.tflite");
    };
    ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, true), hooks);
    EXPECT_EQ(result.status.code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(result.status.message(), "disk full writing model_fp32.tflite");
    EXPECT_EQ(result.report.error(), "disk full writing model_fp32.tflite");
    EXPECT_EQ(calls, 1);  // fp16 is not exported after the failure
    EXPECT_TRUE(result.artifacts.empty());
  }
  {
    SCOPED_TRACE("fails on fp16");
    std::vector<v1::ArtifactKind> kinds;
    ConvertHooks hooks;
    hooks.artifact_ready = [&](Artifact artifact) {
      kinds.push_back(artifact.kind);
      if (artifact.kind == v1::FP16) return absl::UnavailableError("client went away");
      return absl::OkStatus();
    };
    ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, true), hooks);
    EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(std::string(result.status.message()), HasSubstr("client went away"));
    EXPECT_THAT(kinds, ElementsAre(v1::FP32, v1::FP16));
    EXPECT_TRUE(result.artifacts.empty());
  }
}

// Cancellation requested by the progress hook when `stage` starts: the
// pipeline's own check before the stage has passed, so only polling during
// the export can notice it.
struct CancelAt {
  std::string stage;
  bool flag = false;
  int polls_after_flag = 0;
  int delivered = 0;
  ConvertHooks hooks;

  explicit CancelAt(std::string s, bool with_artifact_hook) : stage(std::move(s)) {
    hooks.progress = [this](absl::string_view current, double fraction) {
      if (current == stage && fraction == 0.0) flag = true;
    };
    hooks.cancelled = [this] {
      if (flag) ++polls_after_flag;
      return flag;
    };
    if (with_artifact_hook) {
      hooks.artifact_ready = [this](Artifact) {
        ++delivered;
        return absl::OkStatus();
      };
    }
  }
};

TEST(ConvertHooksTest, CancelledDuringFp32ExportGivesCancelledAndNoArtifacts) {
  const std::string graph = MatMulGraph().Binary();
  for (bool with_artifact_hook : {false, true}) {
    SCOPED_TRACE(with_artifact_hook);
    CancelAt cancel(kStageExportFp32, with_artifact_hook);
    ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, true), cancel.hooks);
    EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled) << result.status;
    EXPECT_TRUE(result.artifacts.empty());
    EXPECT_EQ(cancel.delivered, 0);
    EXPECT_GE(cancel.polls_after_flag, 1);
    EXPECT_EQ(result.report.error(), std::string(result.status.message()));
  }
  // fp32 only: no later stage boundary to catch it, the export itself must.
  CancelAt cancel(kStageExportFp32, /*with_artifact_hook=*/true);
  ConversionResult result = Convert(graph, Options({"x"}, {"fc"}), cancel.hooks);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled) << result.status;
  EXPECT_EQ(cancel.delivered, 0);
  EXPECT_TRUE(result.artifacts.empty());
}

TEST(ConvertHooksTest, CancelledDuringFp16ExportKeepsOnlyWhatWasHandedOver) {
  const std::string graph = MatMulGraph().Binary();
  CancelAt cancel(kStageExportFp16, /*with_artifact_hook=*/true);
  ConversionResult result = Convert(graph, Options({"x"}, {"fc"}, true), cancel.hooks);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled) << result.status;
  EXPECT_EQ(cancel.delivered, 1);  // fp32 went out before the cancellation
  EXPECT_TRUE(result.artifacts.empty());

  CancelAt no_hook(kStageExportFp16, /*with_artifact_hook=*/false);
  result = Convert(graph, Options({"x"}, {"fc"}, true), no_hook.hooks);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled) << result.status;
  EXPECT_TRUE(result.artifacts.empty());
}

TEST(ConvertHooksTest, CancelledWhileWritingManyBuffersIsNoticed) {
  // Several constants, fp32 only: the export writes them on several
  // threads and must still notice the cancellation.
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1, kIn});
  std::string last = "x";
  for (int i = 0; i < 6; ++i) {
    std::vector<float> c(kIn);
    for (int j = 0; j < kIn; ++j) c[j] = static_cast<float>(i * 100 + j);
    const std::string name = "c" + std::to_string(i);
    g.ConstFloat(name, {1, kIn}, c);
    const std::string sum = "sum" + std::to_string(i);
    AttrType(g.Op("Add", sum, {last, name}), "T", tensorflow::DT_FLOAT);
    last = sum;
  }
  const std::string graph = g.Binary();
  for (int run = 0; run < 200; ++run) {
    CancelAt cancel(kStageExportFp32, /*with_artifact_hook=*/true);
    ConversionResult result = Convert(graph, Options({"x"}, {last}), cancel.hooks);
    ASSERT_EQ(result.status.code(), absl::StatusCode::kCancelled)
        << "run " << run << ": " << result.status;
    ASSERT_EQ(cancel.delivered, 0) << "run " << run;
  }
}

}  // namespace
}  // namespace tflconv
