// soak: many clients of one tflconv-server on loopback for a bounded time,
// mixing valid conversions (each artifact compared byte for byte with a
// local Convert()), the crafted hostile graphs of the tests
// (tests/testing/hostile_graphs.h), cancellations at every stage, expired
// deadlines, clients that stop reading their download and stalled uploads
// that come and go. Prints the totals per kind of client, the server's
// restarts and its resident memory over time; exits 1 on an unexpected
// error, a corrupted artifact, a restart, an idle RSS more than
// --max_rss_growth above the idle RSS after the warm-up, or (a server
// started here) a server count of INVALID_ARGUMENT other than the hostile
// graphs answered so.
//
//   soak [--duration=600] [--warmup=30] [--clients=16] [--stalled=64]
//        [--idle_timeout=5] [--max_requests=N] [--mix=valid=50,hostile=20,...]
//        [--target=127.0.0.1:PORT [--server_pid=PID]] [--server_bin=PATH]
//        [--server_flags=--workers=2,...] [--server_log=FILE]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/sample_model.h"
#include "bench/server_watch.h"
#include "bench/soak_calls.h"
#include "tests/testing/hostile_graphs.h"

ABSL_FLAG(int, duration, 600, "seconds of load after the warm-up");
ABSL_FLAG(int, warmup, 30, "seconds of load before the baseline RSS is taken");
ABSL_FLAG(int64_t, max_requests, 0, "stop after this many calls in all (0: no bound)");
ABSL_FLAG(int, clients, 16, "client threads, each making one call after another");
ABSL_FLAG(int, stalled, 64, "stalled uploads at most at a time, each coming and going");
ABSL_FLAG(int, idle_timeout, 5, "the server's upload and download idle timeouts, seconds");
ABSL_FLAG(std::string, mix, "valid=50,hostile=20,cancel=12,deadline=12,stop_reading=6",
          "relative weights of the clients' calls");
ABSL_FLAG(std::string, target, "", "a running server, 127.0.0.1:PORT (default: start one)");
ABSL_FLAG(int, server_pid, 0, "with --target: its pid (default: whichever process listens)");
ABSL_FLAG(std::string, server_bin, TFLCONV_SERVER_BIN, "the tflconv-server to start");
ABSL_FLAG(std::string, server_flags, "", "more flags for the server started, comma-separated");
ABSL_FLAG(std::string, server_log, "/dev/null", "the started server's stderr (its request log)");
ABSL_FLAG(int, valid_graphs, 6, "distinct small sample models the valid calls convert");
ABSL_FLAG(double, stop_reading_mb, 6, "size of the graph the clients that stop reading convert");
ABSL_FLAG(int, report_every, 30, "seconds between progress lines");
ABSL_FLAG(double, max_rss_growth, 0.10, "idle RSS after the run over idle RSS after the warm-up");
ABSL_FLAG(int, seed, 1, "random seed of the clients' choices");

namespace tflconv::soak {
namespace {

enum Kind { kValid, kHostile, kCancel, kDeadline, kStopReading, kStall, kKinds };
const char* const kKindNames[kKinds] = {"valid",    "hostile",      "cancel",
                                        "deadline", "stop_reading", "stalled"};
struct Tally {
  int64_t calls = 0, ok = 0, expected = 0, unexpected = 0, corrupted = 0;
  std::map<std::string, int64_t> expected_by_class;
};

// Counters shared by every thread.
class Totals {
 public:
  void Add(Kind kind, const Outcome& outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    Tally& t = tally_[kind];
    ++t.calls;
    switch (outcome.verdict) {
      case Verdict::kOk: ++t.ok; break;
      case Verdict::kExpectedError: ++t.expected, ++t.expected_by_class[outcome.detail]; break;
      case Verdict::kUnexpected: ++t.unexpected, Note(outcome.detail); break;
      case Verdict::kCorrupted: ++t.corrupted, Note(outcome.detail); break;
    }
    if (kind == kValid) longest_wait_ = std::max(longest_wait_, outcome.admission_wait);
  }
  // An event outside the calls (a restart).
  void Event(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    Note(what);
  }
  Tally Sum() {
    std::lock_guard<std::mutex> lock(mu_);
    Tally sum;
    for (const Tally& t : tally_) {
      sum.calls += t.calls, sum.ok += t.ok, sum.expected += t.expected;
      sum.unexpected += t.unexpected, sum.corrupted += t.corrupted;
    }
    return sum;
  }
  Tally Of(Kind kind) {
    std::lock_guard<std::mutex> lock(mu_);
    return tally_[kind];
  }
  absl::Duration longest_wait() {
    std::lock_guard<std::mutex> lock(mu_);
    return longest_wait_;
  }
  std::vector<std::string> notes() {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }

 private:
  void Note(const std::string& what) {
    if (notes_.size() < 10) notes_.push_back(what);
  }

  std::mutex mu_;
  Tally tally_[kKinds];
  absl::Duration longest_wait_;
  std::vector<std::string> notes_;
};

// Small sample models of different shapes and weights.
std::vector<Reference> ValidReferences(int count) {
  std::vector<Reference> references;
  for (int i = 0; i < count; ++i) {
    bench::SampleModelOptions sample;
    sample.image_size = 32 + 32 * (i % 2);
    sample.width = 8 + 4 * (i % 3);
    sample.head_convs = 1 + i % 2;
    sample.num_classes = 2 + i;
    sample.bilinear = i % 2 == 1;
    sample.seed = i;
    auto graph = bench::BuildSampleModel(sample);
    if (!graph.ok()) {
      std::fprintf(stderr, "soak: sample %d: %s\n", i, graph.status().ToString().c_str());
      continue;
    }
    references.push_back(MakeReference(absl::StrCat("sample", i), graph->SerializeAsString(),
                                       bench::SampleConversionOptions()));
  }
  return references;
}

std::vector<Reference> HostileReferences() {
  std::vector<Reference> references;
  for (testing::HostileRequest& request : testing::HostileRequests()) {
    references.push_back(MakeReference(request.name, std::move(request.graph),
                                       std::move(request.options)));
  }
  return references;
}

std::vector<double> ParseMix(const std::string& text) {
  std::vector<double> weights(kKinds, 0);
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(entry, '=');
    for (int k = 0; k < kStall; ++k) {
      if (kv.first == kKindNames[k] && !absl::SimpleAtod(kv.second, &weights[k])) weights[k] = 0;
    }
  }
  return weights;
}

struct Plan {
  Server server;
  std::vector<Reference> valid, hostile;
  Reference stop_reading;
  std::vector<double> mix;
  int clients = 0, stalled = 0;
  int64_t max_requests = 0;
};

// Load for `seconds`: the clients and the stalled uploads, until the time
// is up or --max_requests calls were made.
void RunLoad(const Plan& plan, absl::Duration seconds, std::atomic<int64_t>& issued,
             Totals& totals, int seed) {
  const absl::Time end = absl::Now() + seconds;
  auto more = [&] {
    return absl::Now() < end && (plan.max_requests == 0 || issued.load() < plan.max_requests);
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < plan.clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 random(seed * 1000 + c);
      std::discrete_distribution<int> pick(plan.mix.begin(), plan.mix.end());
      while (more()) {
        ++issued;
        const Kind kind = static_cast<Kind>(pick(random));
        const Reference& valid = plan.valid[random() % plan.valid.size()];
        switch (kind) {
          case kValid:
            totals.Add(kind, ConvertLikeTheCli(plan.server, valid));
            break;
          case kHostile:
            totals.Add(kind, ConvertLikeTheCli(plan.server,
                                               plan.hostile[random() % plan.hostile.size()]));
            break;
          case kCancel:
            totals.Add(kind, CancelAfter(plan.server, valid, static_cast<int>(random() % 8) - 1));
            break;
          case kDeadline:
            totals.Add(kind, ExpireAfter(plan.server, valid,
                                         absl::Milliseconds(static_cast<int>(random() % 60) - 10)));
            break;
          default:
            totals.Add(kStopReading, StopReading(plan.server, plan.stop_reading));
        }
      }
    });
  }
  // Each stalled upload comes (after a pause of up to the idle timeout) and
  // goes (giving up after up to twice the idle timeout, or ended by it).
  const double idle = absl::ToDoubleSeconds(plan.server.idle_timeout);
  for (int s = 0; s < plan.stalled; ++s) {
    threads.emplace_back([&, s] {
      std::mt19937 random(seed * 1000 + 500 + s);
      std::uniform_real_distribution<double> pause(0, idle), hold(0.5, 2 * idle + 2);
      for (absl::SleepFor(absl::Seconds(pause(random))); more();
           absl::SleepFor(absl::Seconds(pause(random)))) {
        ++issued;
        const absl::Duration held =
            std::min(absl::Seconds(hold(random)), std::max(end - absl::Now(), absl::Seconds(0.1)));
        totals.Add(kStall, Stall(plan.server, plan.valid[s % plan.valid.size()], held,
                                 random() % 2 == 0));
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

struct RssSamples {
  std::mutex mu;
  double fresh = -1, start = -1, max = -1, end = -1, workers_max = -1;
  std::string start_parts, end_parts;
};

std::string Row(const char* name, const Tally& t) {
  std::vector<std::string> classes;
  for (const auto& [what, count] : t.expected_by_class) {
    classes.push_back(absl::StrCat(what, " ", count));
  }
  char line[200];
  std::snprintf(line, sizeof(line), "  %-13s %8lld %8lld %9lld %11lld %10lld   ", name,
                static_cast<long long>(t.calls), static_cast<long long>(t.ok),
                static_cast<long long>(t.expected), static_cast<long long>(t.unexpected),
                static_cast<long long>(t.corrupted));
  return absl::StrCat(line, absl::StrJoin(classes, ", "), "\n");
}

int Main() {
  const absl::Duration idle = absl::Seconds(absl::GetFlag(FLAGS_idle_timeout));
  std::unique_ptr<ServerWatch> watch;
  if (std::string target = absl::GetFlag(FLAGS_target); !target.empty()) {
    std::pair<std::string, std::string> host_port = absl::StrSplit(target, ':');
    int port = 0;
    if ((host_port.first != "127.0.0.1" && host_port.first != "localhost") ||
        !absl::SimpleAtoi(host_port.second, &port)) {
      std::fprintf(stderr, "soak: --target must be 127.0.0.1:PORT (loopback only), not %s\n",
                   target.c_str());
      return 2;
    }
    auto attached = ServerWatch::Attach(port, absl::GetFlag(FLAGS_server_pid));
    if (!attached.ok()) {
      std::fprintf(stderr, "soak: %s\n", std::string(attached.status().message()).c_str());
      return 1;
    }
    watch = *std::move(attached);
  } else {
    std::vector<std::string> argv = {
        absl::GetFlag(FLAGS_server_bin), "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
        "--plaintext",
        absl::StrCat("--upload_idle_timeout_seconds=", absl::GetFlag(FLAGS_idle_timeout)),
        absl::StrCat("--download_idle_timeout_seconds=", absl::GetFlag(FLAGS_idle_timeout))};
    for (absl::string_view flag :
         absl::StrSplit(absl::GetFlag(FLAGS_server_flags), ',', absl::SkipEmpty())) {
      argv.emplace_back(flag);
    }
    auto started = ServerWatch::Start(argv, absl::GetFlag(FLAGS_server_log));
    if (!started.ok()) {
      std::fprintf(stderr, "soak: %s\n", std::string(started.status().message()).c_str());
      return 1;
    }
    watch = *std::move(started);
  }

  Plan plan;
  plan.server.remote.target = absl::StrCat("127.0.0.1:", watch->port());
  plan.server.remote.plaintext = true;
  plan.server.remote.timeout = absl::Seconds(120);
  auto channel = cli::MakeChannel(plan.server.remote);
  if (!channel.ok()) {
    std::fprintf(stderr, "soak: %s\n", channel.status().ToString().c_str());
    return 1;
  }
  plan.server.channel = *channel;
  plan.server.idle_timeout = idle;
  plan.valid = ValidReferences(absl::GetFlag(FLAGS_valid_graphs));
  plan.hostile = HostileReferences();
  bench::SampleModelOptions big;
  big.target_mb = absl::GetFlag(FLAGS_stop_reading_mb);
  big.image_size = 64;
  plan.stop_reading = MakeReference("stop_reading", bench::BuildSampleModel(big)->SerializeAsString(),
                                    bench::SampleConversionOptions());
  plan.mix = ParseMix(absl::GetFlag(FLAGS_mix));
  plan.clients = absl::GetFlag(FLAGS_clients);
  plan.stalled = absl::GetFlag(FLAGS_stalled);
  plan.max_requests = absl::GetFlag(FLAGS_max_requests);
  for (const Reference& valid : plan.valid) {
    if (valid.code != absl::StatusCode::kOk) {
      std::fprintf(stderr, "soak: %s does not convert locally\n", valid.name.c_str());
      return 1;
    }
  }
  if (plan.valid.empty() || plan.mix[kValid] + plan.mix[kHostile] + plan.mix[kCancel] +
                                    plan.mix[kDeadline] + plan.mix[kStopReading] <= 0) {
    std::fprintf(stderr, "soak: no valid graph or an empty --mix\n");
    return 2;
  }
  std::printf(
      "soak: server pid %d on 127.0.0.1:%d, idle timeouts %s; %d clients (%s), %d stalled "
      "uploads; %d s warm-up + %d s; %zu valid graphs, %zu hostile graphs, stop-reading graph "
      "%.1f MB\n",
      watch->pid(), watch->port(), absl::FormatDuration(idle).c_str(), plan.clients,
      absl::GetFlag(FLAGS_mix).c_str(), plan.stalled, absl::GetFlag(FLAGS_warmup),
      absl::GetFlag(FLAGS_duration), plan.valid.size(), plan.hostile.size(),
      plan.stop_reading.graph.size() / 1e6);
  std::fflush(stdout);

  Totals totals;
  RssSamples rss;
  rss.fresh = watch->RssMiB();
  std::atomic<bool> done{false};
  const absl::Time started = absl::Now();
  // Every second: restarts and RSS; every --report_every: a progress line.
  std::thread monitor([&] {
    absl::Time next_report = started + absl::Seconds(absl::GetFlag(FLAGS_report_every));
    while (!done.load()) {
      absl::SleepFor(absl::Seconds(1));
      if (std::string what = watch->Check(); !what.empty()) totals.Event(what);
      const double now = watch->RssMiB(), workers = watch->WorkersRssMiB();
      {
        std::lock_guard<std::mutex> lock(rss.mu);
        rss.max = std::max(rss.max, now);
        rss.workers_max = std::max(rss.workers_max, workers);
      }
      if (absl::Now() >= next_report) {
        next_report += absl::Seconds(absl::GetFlag(FLAGS_report_every));
        const Tally sum = totals.Sum();
        std::printf("[%5.0f s] calls %lld: ok %lld, expected errors %lld, unexpected %lld, "
                    "corrupted %lld; server RSS %.1f MiB, workers %.1f MiB\n",
                    absl::ToDoubleSeconds(absl::Now() - started),
                    static_cast<long long>(sum.calls), static_cast<long long>(sum.ok),
                    static_cast<long long>(sum.expected), static_cast<long long>(sum.unexpected),
                    static_cast<long long>(sum.corrupted), now, workers);
        std::fflush(stdout);
      }
    }
  });
  // Idle RSS: once the load has stopped, the calls have ended and the
  // resident size has stopped falling (within 1% over a second; 30 s at most).
  auto settled_rss = [&] {
    absl::SleepFor(absl::Seconds(2));
    double before = watch->RssMiB();
    for (int i = 0; i < 30; ++i) {
      absl::SleepFor(absl::Seconds(1));
      const double now = watch->RssMiB();
      if (now > before * 0.99) return now;
      before = now;
    }
    return before;
  };
  std::atomic<int64_t> issued{0};
  if (absl::GetFlag(FLAGS_warmup) > 0) {
    RunLoad(plan, absl::Seconds(absl::GetFlag(FLAGS_warmup)), issued, totals,
            absl::GetFlag(FLAGS_seed));
  }
  rss.start = settled_rss();
  rss.start_parts = watch->RssParts();
  RunLoad(plan, absl::Seconds(absl::GetFlag(FLAGS_duration)), issued, totals,
          absl::GetFlag(FLAGS_seed) + 1);
  rss.end = settled_rss();
  rss.end_parts = watch->RssParts();
  done = true;
  monitor.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - started);

  std::printf("\nsoak: %lld calls in %.0f s\n", static_cast<long long>(issued.load()), elapsed);
  std::printf("  %-13s %8s %8s %9s %11s %10s   %s\n", "kind", "calls", "ok", "expected",
              "unexpected", "corrupted", "expected errors by class");
  for (int k = 0; k < kKinds; ++k) {
    std::printf("%s", Row(kKindNames[k], totals.Of(static_cast<Kind>(k))).c_str());
  }
  const Tally sum = totals.Sum();
  std::printf("%s", Row("total", sum).c_str());
  const absl::Duration longest = totals.longest_wait();
  std::printf("  server restarts: %d\n", watch->restarts());
  std::printf("  longest a valid client waited to be admitted or refused: %s "
              "(idle timeout %s: %s)\n",
              absl::FormatDuration(absl::Trunc(longest, absl::Milliseconds(1))).c_str(),
              absl::FormatDuration(idle).c_str(), longest <= idle ? "within" : "OVER");
  const double growth = rss.start > 0 ? rss.end / rss.start - 1 : 1;
  const bool rss_ok = rss.end > 0 && growth <= absl::GetFlag(FLAGS_max_rss_growth);
  std::printf("  server RSS: fresh %.1f MiB, idle after warm-up %.1f, max %.1f, idle at the end "
              "%.1f (%+.1f%%; limit %+.0f%%: %s); workers' RSS max %.1f MiB\n",
              rss.fresh, rss.start, rss.max, rss.end, 100 * growth,
              100 * absl::GetFlag(FLAGS_max_rss_growth), rss_ok ? "within" : "OVER",
              rss.workers_max);
  std::printf("  idle RSS after warm-up: %s; at the end: %s\n", rss.start_parts.c_str(),
              rss.end_parts.c_str());
  // The server's own count of graphs refused as invalid must be the
  // hostile graphs answered so: a call cancelled or past its deadline
  // before its start message is no invalid argument.
  bool counts_agree = true;
  if (watch->metrics_port() != 0 && watch->restarts() == 0) {
    const double server_invalid = testing::Metric(
        watch->metrics_port(), "tflconv_requests_total{code=\"INVALID_ARGUMENT\"}");
    const int64_t clients_invalid = totals.Of(kHostile).expected_by_class["INVALID_ARGUMENT"];
    counts_agree = server_invalid == clients_invalid;
    std::printf("  INVALID_ARGUMENT counted by the server: %.0f, by the clients: %lld (%s)\n",
                server_invalid, static_cast<long long>(clients_invalid),
                counts_agree ? "agree" : "DIFFER");
  }
  const std::vector<std::string> notes = totals.notes();
  if (!notes.empty()) std::printf("  first unexpected events:\n");
  for (const std::string& note : notes) std::printf("    %s\n", note.c_str());
  const bool pass = sum.unexpected == 0 && sum.corrupted == 0 && watch->restarts() == 0 &&
                    rss_ok && counts_agree;
  std::printf("soak: %s\n", pass ? "PASS" : "FAIL");
  const int exit_code = watch->Stop();
  if (exit_code != 0) std::printf("soak: the server exited with %d\n", exit_code);
  return pass && exit_code == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tflconv::soak

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tflconv::soak::Main();
}
