// convert_bench: how fast, and in how much memory, core Convert() turns the
// sample RetinaNet (or any graph given with --graph) into both artifacts.
//
//   convert_bench [--graph=M.pb --inputs=a --outputs=x,y] [--target_mb=141]
//                 [--image_size=640] [--runs=3] [--no_rss] [--keep=M.pb]
//
// Prints one table: sizes, wall time (best / median of --runs in-process
// conversions), input MB/s, and peak RSS of a fresh child process that only
// reads the graph file and converts it once; then the per-stage breakdown
// from the report's passes and the targets (>= 1 GB/s, peak RSS
// <= 2.5x the input size) with PASS/MISS.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "bench/sample_model.h"
#include "client/output_writer.h"
#include "core/convert.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kMB = 1e6;
constexpr double kTargetBytesPerSecond = 1e9;
constexpr double kTargetRssRatio = 2.5;

constexpr char kUsage[] =
    "usage: convert_bench [--graph=M.pb [--inputs=image "
    "--outputs=box_regression,classification]]\n"
    "         [--target_mb=141] [--image_size=640] "
    "[--runs=3] [--no_rss] [--keep=M.pb]\n";

// A field of /proc/self/status in kB ("VmHWM", "VmRSS"); 0 if absent.
long StatusKb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return 0;
}

// CPU seconds (user + system) this process has used.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one + " " + five;
}

// Per-stage CPU time and memory, from ConvertHooks::progress (called with
// fraction 0 when a stage starts and 1 when it ends).
struct StageSample {
  std::string stage;
  double cpu_s = 0;
  long rss_begin_kb = 0, rss_end_kb = 0, hwm_end_kb = 0;
};

class StageRecorder {
 public:
  explicit StageRecorder(bool memory) : memory_(memory) {}
  tflconv::ConvertHooks Hooks() {
    tflconv::ConvertHooks hooks;
    hooks.progress = [this](absl::string_view stage, double fraction) {
      if (fraction == 0.0) {
        StageSample sample;
        sample.stage = std::string(stage);
        sample.cpu_s = ProcessCpuSeconds();
        if (memory_) sample.rss_begin_kb = StatusKb("VmRSS");
        samples_.push_back(sample);
      } else if (!samples_.empty()) {
        StageSample& sample = samples_.back();
        sample.cpu_s = ProcessCpuSeconds() - sample.cpu_s;
        if (memory_) {
          sample.rss_end_kb = StatusKb("VmRSS");
          sample.hwm_end_kb = StatusKb("VmHWM");
        }
      }
    };
    // Each artifact is taken as soon as it is ready and released, as the
    // server does once it has streamed one and the CLI once it has written
    // one: memory holds one artifact at a time.
    hooks.artifact_ready = [this](tflconv::Artifact artifact) {
      artifact_bytes_[artifact.kind] = artifact.bytes.size();
      return absl::OkStatus();
    };
    return hooks;
  }
  const std::vector<StageSample>& samples() const { return samples_; }
  uint64_t artifact_bytes(tflconv::v1::ArtifactKind kind) const {
    auto it = artifact_bytes_.find(kind);
    return it == artifact_bytes_.end() ? 0 : it->second;
  }

 private:
  bool memory_;
  std::vector<StageSample> samples_;
  std::map<int, uint64_t> artifact_bytes_;
};

tflconv::v1::ConversionOptions MakeOptions(const std::string& inputs, const std::string& outputs) {
  tflconv::v1::ConversionOptions options;
  for (absl::string_view name : absl::StrSplit(inputs, ',', absl::SkipEmpty())) {
    options.add_input_arrays()->set_name(std::string(name));
  }
  for (absl::string_view name : absl::StrSplit(outputs, ',', absl::SkipEmpty())) {
    options.add_output_arrays(std::string(name));
  }
  options.add_artifacts(tflconv::v1::FP32);
  options.add_artifacts(tflconv::v1::FP16);
  return options;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// --child_rss mode: a fresh process reads the graph and converts it once;
// prints "baseline_kb after_read_kb peak_kb status", then one line
// "stage rss_begin_kb rss_end_kb hwm_end_kb" per stage.
int ChildRss(const std::string& path, const std::string& inputs, const std::string& outputs) {
  const long baseline = StatusKb("VmRSS");
  absl::StatusOr<std::string> bytes = tflconv::cli::ReadFile(path);
  if (!bytes.ok()) return 1;
  const long after_read = StatusKb("VmHWM");
  StageRecorder recorder(/*memory=*/true);
  tflconv::ConversionResult result =
      tflconv::Convert(*bytes, MakeOptions(inputs, outputs), recorder.Hooks());
  const long peak = StatusKb("VmHWM");
  std::printf("%ld %ld %ld %d\n", baseline, after_read, peak, result.status.ok() ? 0 : 1);
  for (const StageSample& s : recorder.samples()) {
    std::printf("%s %ld %ld %ld\n", s.stage.c_str(), s.rss_begin_kb, s.rss_end_kb, s.hwm_end_kb);
  }
  return 0;
}

struct ChildPeak {
  bool ok = false;
  long baseline_kb = 0, after_read_kb = 0, peak_kb = 0;
  std::vector<StageSample> stages;
};

ChildPeak MeasureInChild(const std::string& path, const std::string& inputs,
                         const std::string& outputs) {
  ChildPeak peak;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return peak;
  self[n] = '\0';
  int fds[2];
  if (pipe(fds) != 0) return peak;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string a1 = "--child_rss=" + path, a2 = "--inputs=" + inputs,
                      a3 = "--outputs=" + outputs;
    execl(self, self, a1.c_str(), a2.c_str(), a3.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string text;
  char buf[256];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(got));
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  int converted = 1;
  std::istringstream in(text);
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 &&
      (in >> peak.baseline_kb >> peak.after_read_kb >> peak.peak_kb >> converted)) {
    peak.ok = converted == 0;
    StageSample stage;
    while (in >> stage.stage >> stage.rss_begin_kb >> stage.rss_end_kb >> stage.hwm_end_kb) {
      peak.stages.push_back(stage);
    }
  }
  return peak;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0) {
      std::cerr << "convert_bench: unexpected argument '" << arg << "'\n" << kUsage;
      return 2;
    }
    const std::string key = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    static const char* kKnown[] = {"graph", "inputs", "outputs", "target_mb", "image_size",
                                   "runs",  "no_rss", "keep",    "child_rss"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return key == k; }) == std::end(kKnown)) {
      std::cerr << "convert_bench: unknown flag --" << key << "\n" << kUsage;
      return 2;
    }
    flags[key] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  auto flag = [&](const std::string& k, const std::string& fallback) {
    auto it = flags.find(k);
    return it == flags.end() ? fallback : it->second;
  };
  const std::string inputs = flag("inputs", tflconv::bench::kSampleInput);
  const std::string outputs = flag("outputs", std::string(tflconv::bench::kSampleBoxOutput) + "," +
                                                  tflconv::bench::kSampleClassOutput);
  if (flags.count("child_rss")) return ChildRss(flags["child_rss"], inputs, outputs);

  const int runs = std::max(1, std::atoi(flag("runs", "3").c_str()));
  std::string graph_path = flag("graph", "");
  std::string bytes;
  std::string source;
  bool temp_file = false;
  if (!graph_path.empty()) {
    absl::StatusOr<std::string> read = tflconv::cli::ReadFile(graph_path);
    if (!read.ok()) {
      std::cerr << "convert_bench: " << read.status().message() << "\n";
      return 1;
    }
    bytes = *std::move(read);
    source = graph_path;
  } else {
    tflconv::bench::SampleModelOptions sample;
    sample.target_mb = std::atof(flag("target_mb", "141").c_str());
    sample.image_size = std::atoi(flag("image_size", "640").c_str());
    tflconv::bench::SampleModelInfo info;
    const auto start = Clock::now();
    {
      auto graph = tflconv::bench::BuildSampleModel(sample, &info);
      if (!graph.ok()) {
        std::cerr << "convert_bench: " << graph.status() << "\n";
        return 2;
      }
      bytes = tflconv::bench::SerializeDeterministic(*graph);
    }
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "sample RetinaNet, width %d, %d nodes, image %d (built in %.1f s)", info.width,
                  info.nodes, sample.image_size,
                  std::chrono::duration<double>(Clock::now() - start).count());
    source = buf;
    if (flags.count("keep")) {
      graph_path = flags["keep"];
    } else if (!flags.count("no_rss")) {
      char tmpl[] = "/tmp/convert_bench_XXXXXX.pb";
      const int fd = mkstemps(tmpl, 3);
      if (fd < 0) {
        std::cerr << "convert_bench: cannot create a temp file\n";
        return 1;
      }
      close(fd);
      graph_path = tmpl;
      temp_file = true;
    }
    if (!graph_path.empty()) {
      if (absl::Status s = tflconv::cli::WriteFile(graph_path, bytes); !s.ok()) {
        std::cerr << "convert_bench: " << s.message() << "\n";
        return 1;
      }
    }
  }
  const tflconv::v1::ConversionOptions options = MakeOptions(inputs, outputs);
  const long parent_rss_before_kb = StatusKb("VmRSS");

  std::vector<double> walls, cpus, outside_ms, outside_cpu_s;
  std::map<std::string, std::vector<double>> stage_ms, stage_cpu_s;
  std::vector<std::string> stage_order;
  std::map<std::string, std::string> stage_detail;
  uint64_t fp32_bytes = 0, fp16_bytes = 0;
  for (int run = 0; run < runs; ++run) {
    StageRecorder recorder(/*memory=*/false);
    const tflconv::ConvertHooks hooks = recorder.Hooks();
    const double cpu_start = ProcessCpuSeconds();
    const auto start = Clock::now();
    tflconv::ConversionResult result = tflconv::Convert(bytes, options, hooks);
    walls.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    cpus.push_back(ProcessCpuSeconds() - cpu_start);
    if (!result.status.ok()) {
      std::cerr << "convert_bench: conversion failed: " << result.status << "\n";
      if (temp_file) std::remove(graph_path.c_str());
      return 1;
    }
    fp32_bytes = recorder.artifact_bytes(tflconv::v1::FP32);
    fp16_bytes = recorder.artifact_bytes(tflconv::v1::FP16);
    for (const auto& pass : result.report.passes()) {
      if (!stage_ms.count(pass.pass())) stage_order.push_back(pass.pass());
      stage_ms[pass.pass()].push_back(pass.millis());
      stage_detail[pass.pass()] = pass.detail();
    }
    double stages_ms = 0, stages_cpu_s = 0;
    for (const auto& pass : result.report.passes()) stages_ms += pass.millis();
    for (const StageSample& sample : recorder.samples()) {
      stage_cpu_s[sample.stage].push_back(sample.cpu_s);
      stages_cpu_s += sample.cpu_s;
    }
    outside_ms.push_back(walls.back() * 1e3 - stages_ms);
    outside_cpu_s.push_back(cpus.back() - stages_cpu_s);
  }
  const long parent_hwm_kb = StatusKb("VmHWM");

  ChildPeak child;
  if (!flags.count("no_rss") && !graph_path.empty()) {
    child = MeasureInChild(graph_path, inputs, outputs);
  }
  if (temp_file) std::remove(graph_path.c_str());

  const double in_mb = bytes.size() / kMB;
  const double wall_best = *std::min_element(walls.begin(), walls.end());
  const double wall_median = Median(walls);
  const double cpu_median = Median(cpus);
  std::printf("graph: %s\n", source.c_str());
  std::printf(
      "converted to fp32 + fp16 by core Convert(), %d run(s); load average %s on %ld CPUs\n", runs,
      LoadAverage().c_str(), sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "(Convert() writes the weights on every core, so CPU time exceeds wall time on an idle"
      " machine; artifacts are taken through ConvertHooks::artifact_ready and released)\n\n");
  std::printf(
      "| input MB | fp32 MB | fp16 MB | fp16/fp32 | wall best s | wall median s |"
      " CPU median s | MB/s (wall) | MB/s (CPU) | peak RSS MB | peak RSS / input |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  char rss[64] = "n/a", ratio[64] = "n/a";
  if (child.ok) {
    std::snprintf(rss, sizeof(rss), "%.1f", child.peak_kb * 1024 / kMB);
    std::snprintf(ratio, sizeof(ratio), "%.2fx", child.peak_kb * 1024 / kMB / in_mb);
  }
  std::printf("| %.1f | %.1f | %.1f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f | %s | %s |\n", in_mb,
              fp32_bytes / kMB, fp16_bytes / kMB,
              fp32_bytes ? static_cast<double>(fp16_bytes) / fp32_bytes : 0.0, wall_best,
              wall_median, cpu_median, in_mb / wall_median, in_mb / cpu_median, rss, ratio);

  std::printf(
      "\nper stage (medians over runs; wall from report.passes(), CPU and memory from"
      " the progress hook):\n");
  std::printf("| stage | wall ms | CPU ms | CPU share | RSS at end MB | peak MB | detail |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---|\n");
  double total_cpu = 0;
  for (const auto& stage : stage_order) total_cpu += Median(stage_cpu_s[stage]);
  for (const auto& stage : stage_order) {
    const double ms = Median(stage_ms[stage]);
    const double cpu = Median(stage_cpu_s[stage]);
    std::string rss_end = "n/a", hwm = "n/a";
    for (const StageSample& sample : child.stages) {
      if (sample.stage != stage) continue;
      rss_end = std::to_string(static_cast<long>(sample.rss_end_kb * 1024 / kMB));
      hwm = std::to_string(static_cast<long>(sample.hwm_end_kb * 1024 / kMB));
    }
    std::printf("| %s | %.1f | %.1f | %.0f%% | %s | %s | %s |\n", stage.c_str(), ms, cpu * 1e3,
                total_cpu > 0 ? 100 * cpu / total_cpu : 0.0, rss_end.c_str(), hwm.c_str(),
                stage_detail[stage].c_str());
  }
  std::printf("| (outside stages) | %.1f | %.1f | | | | Convert() minus its stages |\n",
              Median(outside_ms), Median(outside_cpu_s) * 1e3);

  std::printf("\nmemory:\n");
  if (child.ok) {
    std::printf(
        "  child (reads the file, converts once): baseline %.1f MB, after reading %.1f MB,"
        " peak %.1f MB\n",
        child.baseline_kb * 1024 / kMB, child.after_read_kb * 1024 / kMB,
        child.peak_kb * 1024 / kMB);
    std::printf("  conversion alone (peak - after reading): %.1f MB = %.2fx input\n",
                (child.peak_kb - child.after_read_kb) * 1024 / kMB,
                (child.peak_kb - child.after_read_kb) * 1024 / kMB / in_mb);
  } else {
    std::printf("  child measurement %s\n",
                flags.count("no_rss") ? "skipped (--no_rss)" : "failed");
  }
  std::printf(
      "  this process: VmHWM %.1f MB (includes building the graph), VmRSS before the"
      " runs %.1f MB\n",
      parent_hwm_kb * 1024 / kMB, parent_rss_before_kb * 1024 / kMB);

  const double wall_rate = bytes.size() / wall_median, cpu_rate = bytes.size() / cpu_median;
  std::printf("\ntargets:\n  throughput >= 1 GB/s of input: %.3f GB/s wall, %.3f GB/s CPU  %s\n",
              wall_rate / 1e9, cpu_rate / 1e9,
              wall_rate >= kTargetBytesPerSecond  ? "PASS"
              : cpu_rate >= kTargetBytesPerSecond ? "MISS (PASS by CPU time)"
                                                  : "MISS");
  if (child.ok) {
    const double r = child.peak_kb * 1024.0 / bytes.size();
    std::printf("  peak RSS <= %.1fx input: %.2fx  %s\n", kTargetRssRatio, r,
                r <= kTargetRssRatio ? "PASS" : "MISS");
  }
  return 0;
}
