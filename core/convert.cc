#include "core/convert.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "absl/strings/str_cat.h"
#include "core/graph/import.h"
#include "core/legalize/legalizer.h"
#include "core/lite/export.h"
#include "core/lite/optimize.h"
#include "core/lite/versioning.h"
#include "core/quantize/fp16.h"
#include "core/report/report.h"

namespace tflconv {
namespace {

// Runs the stages in order, timing each into the report and stopping at
// the first error or cancellation.
class Pipeline {
 public:
  Pipeline(const ConvertHooks& hooks, v1::ConversionReport& report)
      : hooks_(hooks), report_(report) {}

  // Starts a stage: reports progress and checks for cancellation.
  absl::Status Begin(absl::string_view stage) {
    if (hooks_.cancelled && hooks_.cancelled()) {
      return absl::CancelledError(absl::StrCat("conversion cancelled before ", stage));
    }
    if (hooks_.progress) hooks_.progress(stage, 0.0);
    stage_ = std::string(stage);
    start_ = std::chrono::steady_clock::now();
    return absl::OkStatus();
  }

  void End(int changes = 0, std::string detail = "") {
    v1::PassStat* stat = report_.add_passes();
    stat->set_pass(stage_);
    stat->set_changes(changes);
    stat->set_detail(std::move(detail));
    stat->set_millis(std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start_).count());
    if (hooks_.progress) hooks_.progress(stage_, 1.0);
  }

 private:
  const ConvertHooks& hooks_;
  v1::ConversionReport& report_;
  std::string stage_;
  std::chrono::steady_clock::time_point start_;
};

bool Wants(const v1::ConversionOptions& options, v1::ArtifactKind kind) {
  if (options.artifacts().empty()) return true;
  return std::find(options.artifacts().begin(), options.artifacts().end(), kind) !=
         options.artifacts().end();
}

absl::Status ConvertInto(absl::string_view graph_bytes, const v1::ConversionOptions& options,
                         const ConvertHooks& hooks, ConversionResult& result) {
  v1::ConversionReport& report = result.report;
  Pipeline pipeline(hooks, report);
  const ResolvedLimits limits = ResolveLimits(options.limits());

  if (absl::Status s = pipeline.Begin(kStageParse); !s.ok()) return s;
  auto def = ParseGraphDef(graph_bytes, limits);
  if (!def.ok()) return def.status();
  ImportStats import_stats;
  auto graph = ImportGraph(*std::move(def), options, limits, &import_stats);
  if (!graph.ok()) return graph.status();
  pipeline.End(import_stats.nodes_pruned,
               absl::StrCat(import_stats.nodes_in_graph, " nodes, ", import_stats.nodes_pruned,
                            " pruned, ", import_stats.control_edges_dropped,
                            " control edges dropped"));

  if (absl::Status s = pipeline.Begin(kStageOptimize); !s.ok()) return s;
  InferStats infer_stats;
  if (absl::Status s = InferGraph(*graph, limits, &infer_stats); !s.ok()) return s;
  pipeline.End(infer_stats.nodes_folded,
               absl::StrCat(infer_stats.nodes_folded, " nodes folded to constants"));

  if (absl::Status s = pipeline.Begin(kStageLegalize); !s.ok()) return s;
  LegalizeResult legalized = LegalizeGraph(*graph, options);
  *report.mutable_coverage() = legalized.coverage;
  if (!legalized.status.ok()) return legalized.status;
  LiteModel& model = legalized.model;
  const OptimizeStats optimized = OptimizeLiteModel(model);
  AssignOpVersions(model);
  pipeline.End(optimized.scales_folded + optimized.biases_folded + optimized.activations_fused,
               absl::StrCat(optimized.scales_folded, " scales (batch norms) folded into weights, ",
                            optimized.biases_folded, " biases folded, ",
                            optimized.activations_fused, " activations fused, ",
                            model.operators.size(), " TFLite operators"));

  // The fp16 model is derived and exported on a second thread while the
  // fp32 one exports here; both only read `model`. Progress and
  // cancellation stay on this thread.
  struct Fp16Export {
    Fp16Stats stats;
    absl::StatusOr<std::string> bytes = absl::UnknownError("not run");
  };
  std::future<Fp16Export> fp16;
  if (Wants(options, v1::FP16)) {
    fp16 = std::async(std::launch::async, [&model] {
      Fp16Export out;
      LiteModel half = ToFloat16Weights(model, &out.stats);
      AssignOpVersions(half);
      out.bytes = ExportModel(half);
      return out;
    });
  }
  std::vector<Artifact> artifacts;
  if (Wants(options, v1::FP32)) {
    if (absl::Status s = pipeline.Begin(kStageExportFp32); !s.ok()) return s;
    auto bytes = ExportModel(model);
    if (!bytes.ok()) return bytes.status();
    artifacts.push_back({v1::FP32, "model_fp32.tflite", *std::move(bytes)});
    pipeline.End();
  }
  if (fp16.valid()) {
    if (absl::Status s = pipeline.Begin(kStageExportFp16); !s.ok()) return s;
    Fp16Export half = fp16.get();
    if (!half.bytes.ok()) return half.bytes.status();
    artifacts.push_back({v1::FP16, "model_fp16.tflite", *std::move(half.bytes)});
    pipeline.End(half.stats.tensors_converted,
                 absl::StrCat(half.stats.tensors_converted, " constants stored as float16"));
  }
  *report.mutable_size() = BuildSizeReport(graph_bytes.size(), model, artifacts);
  result.artifacts = std::move(artifacts);
  return absl::OkStatus();
}

}  // namespace

ConversionResult Convert(absl::string_view graph_bytes, const v1::ConversionOptions& options,
                         const ConvertHooks& hooks) {
  ConversionResult result;
  result.report.set_converter_version(kConverterVersion);
  *result.report.mutable_options() = options;
  result.status = ConvertInto(graph_bytes, options, hooks, result);
  if (!result.status.ok()) {
    result.artifacts.clear();
    result.report.set_error(std::string(result.status.message()));
    result.report.mutable_size()->set_input_graph_bytes(graph_bytes.size());
  }
  return result;
}

}  // namespace tflconv
