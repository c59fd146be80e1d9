#include "core/convert.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/graph/import.h"
#include "core/legalize/control_flow.h"
#include "core/legalize/legalizer.h"
#include "core/lite/export.h"
#include "core/lite/kernel_contract.h"
#include "core/lite/optimize.h"
#include "core/lite/versioning.h"
#include "core/quantize/fp16.h"
#include "core/report/report.h"
#include "core/status_macros.h"

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

  TFLCONV_RETURN_IF_ERROR(pipeline.Begin(kStageParse));
  TFLCONV_ASSIGN_OR_RETURN(auto def, ParseGraphDef(graph_bytes, limits));
  ImportStats import_stats;
  TFLCONV_ASSIGN_OR_RETURN(auto graph,
                           ImportGraph(std::move(def), options, limits, &import_stats));
  pipeline.End(import_stats.nodes_pruned,
               absl::StrCat(import_stats.nodes_in_graph, " nodes, ", import_stats.nodes_pruned,
                            " pruned, ", import_stats.control_edges_dropped,
                            " control edges dropped",
                            import_stats.functional_ops_lowered == 0
                                ? ""
                                : absl::StrCat(", ", import_stats.functional_ops_lowered,
                                               " functional ops lowered (If, While, calls)")));

  TFLCONV_RETURN_IF_ERROR(pipeline.Begin(kStageOptimize));
  InferStats infer_stats;
  std::optional<LoweredGraph> lowered;
  std::string control_flow_kept;  // why control flow stays as TF ops
  if (HasControlFlow(graph)) {
    const uint64_t unroll_limit =
        options.has_unroll_limit() ? options.unroll_limit() : kDefaultUnrollLimit;
    auto lowering = LowerControlFlow(graph, limits, unroll_limit, &infer_stats);
    if (lowering.ok()) {
      lowered = *std::move(lowering);
      graph = std::move(lowered->graph);
      for (const v1::ControlFlowRegion& region : lowered->regions) {
        *report.add_control_flow() = region;
      }
    } else if (lowering.status().code() == absl::StatusCode::kUnimplemented) {
      control_flow_kept = std::string(lowering.status().message());
      v1::ControlFlowRegion* region = report.add_control_flow();
      region->set_kind("control flow");
      region->set_disposition(absl::StrCat("kept as TensorFlow ops: ", control_flow_kept));
      infer_stats = InferStats();
    } else {
      return lowering.status();
    }
  }
  if (!lowered) TFLCONV_RETURN_IF_ERROR(InferGraph(graph, limits, &infer_stats));
  pipeline.End(infer_stats.nodes_folded,
               absl::StrCat(infer_stats.nodes_folded, " nodes folded to constants (",
                            infer_stats.folded_bytes, " bytes)",
                            infer_stats.folds_declined == 0
                                ? ""
                                : absl::StrCat(", ", infer_stats.folds_declined,
                                               " left to run time over limits.max_folded_bytes")));

  TFLCONV_RETURN_IF_ERROR(pipeline.Begin(kStageLegalize));
  LegalizeResult legalized = LegalizeGraph(graph, options);
  if (lowered) AddLoweredCoverage(*lowered, legalized.coverage);
  if (!legalized.status.ok()) {
    *report.mutable_coverage() = legalized.coverage.Build();
    if (control_flow_kept.empty()) return legalized.status;
    return absl::Status(legalized.status.code(),
                        absl::StrCat(legalized.status.message(),
                                     "; control flow was not lowered: ", control_flow_kept));
  }
  LiteModel& model = legalized.model;
  const OptimizeStats optimized = OptimizeLiteModel(model);
  // The report tells what the model became, not the legalizer's first answer.
  legalized.coverage.ApplyAbsorbed(optimized.absorbed);
  *report.mutable_coverage() = legalized.coverage.Build();
  AssignOpVersions(model);
  pipeline.End(optimized.scales_folded + optimized.biases_folded + optimized.activations_fused,
               absl::StrCat(optimized.scales_folded, " scales (batch norms) folded into weights, ",
                            optimized.biases_folded, " biases folded, ",
                            optimized.activations_fused, " activations fused, ",
                            model.operator_count(), " TFLite operators"));

  *report.mutable_size() = StartSizeReport(graph_bytes.size(), model);
  ExportOptions export_options;
  export_options.cancelled = hooks.cancelled;
  export_options.allocate = hooks.artifact_memory;
  // One artifact at a time, each written by several threads: as fast as
  // exporting both at once, and only one is in memory when the caller takes
  // them through artifact_ready.
  auto deliver = [&](v1::ArtifactKind kind, const char* file_name,
                     const LiteModel& lite) -> absl::Status {
    // Rules, the optimizer and the fp16 pass all had their say: a model the
    // runtime's kernels would refuse (or run wrongly) is a converter bug.
    TFLCONV_RETURN_IF_ERROR(CheckKernelContracts(lite));
    TFLCONV_ASSIGN_OR_RETURN(auto serialized, ExportModel(lite, export_options));
    Artifact artifact{kind, file_name, serialized.bytes, std::move(serialized.storage)};
    AddArtifactSize(artifact, *report.mutable_size());
    if (hooks.artifact_ready) return hooks.artifact_ready(std::move(artifact));
    result.artifacts.push_back(std::move(artifact));
    return absl::OkStatus();
  };
  if (Wants(options, v1::FP32)) {
    TFLCONV_RETURN_IF_ERROR(pipeline.Begin(kStageExportFp32));
    TFLCONV_RETURN_IF_ERROR(deliver(v1::FP32, "model_fp32.tflite", model));
    pipeline.End();
  }
  if (Wants(options, v1::FP16)) {
    TFLCONV_RETURN_IF_ERROR(pipeline.Begin(kStageExportFp16));
    Fp16Stats stats;
    LiteModel half = ToFloat16Weights(model, &stats);
    AssignOpVersions(half);
    TFLCONV_RETURN_IF_ERROR(deliver(v1::FP16, "model_fp16.tflite", half));
    pipeline.End(stats.tensors_converted,
                 absl::StrCat(stats.tensors_converted, " constants stored as float16"));
  }
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
