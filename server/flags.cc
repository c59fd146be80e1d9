#include "server/flags.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace tflconv::server {
namespace {

struct FlagSpec {
  const char* name;
  const char* default_value;
  const char* help;
  bool boolean = false;
};

const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = {
      {"listen", "0.0.0.0:50051", "gRPC address HOST:PORT (port 0 picks one)"},
      {"metrics_listen", "0.0.0.0:9090",
       "Prometheus /metrics address HOST:PORT; empty disables"},
      {"workers", "0", "conversion workers (processes or threads); 0 = one per core"},
      {"isolation", "process",
       "process: each conversion in a sandboxed worker process (a crash costs one job); "
       "thread: in the server's own threads (for benchmarks)"},
      {"max_conversion_seconds", "600",
       "a conversion running longer fails with DEADLINE_EXCEEDED (its worker is killed)"},
      {"max_queued_jobs", "64", "jobs uploading or waiting for a worker before RESOURCE_EXHAUSTED"},
      {"max_memory_bytes", "4G",
       "bytes admitted jobs may reserve before RESOURCE_EXHAUSTED"},
      {"memory_per_graph_byte", "3.2", "a job reserves this many bytes per graph byte"},
      {"min_job_memory_bytes", "64M",
       "a job reserves at least this many bytes; a quarter bounds its constant folding"},
      {"max_graph_bytes", "512M", "largest graph accepted"},
      {"drain_grace_seconds", "25", "on SIGTERM, how long in-flight jobs may take to finish"},
      {"plaintext", "false", "serve without TLS (required when no --tls_cert)", true},
      {"tls_cert", "", "PEM certificate chain for TLS"},
      {"tls_key", "", "PEM private key for TLS"},
      {"tls_client_ca", "", "PEM CA; when set, clients must present a certificate it signed"},
      {"auth_token", "", "when set, calls need 'authorization: Bearer <token>'"},
      {"auth_token_file", "", "file holding the bearer token (e.g. a mounted Secret)"},
      {"max_message_bytes", "16M", "largest gRPC message (upload chunk) accepted"},
      {"keepalive_seconds", "60", "server keepalive ping interval"},
      {"upload_idle_timeout_seconds", "30",
       "fail a call (DEADLINE_EXCEEDED) that sends no request message for this long while its "
       "start or graph data is awaited"},
      {"download_idle_timeout_seconds", "30",
       "fail a call whose client takes no response data for this long"},
  };
  return specs;
}

std::string EnvName(const std::string& flag) {
  return "TFLCONV_" + absl::AsciiStrToUpper(flag);
}

absl::StatusOr<bool> ParseBool(const std::string& name, const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  if (t.empty() || t == "1" || t == "true" || t == "yes") return true;
  if (t == "0" || t == "false" || t == "no") return false;
  return absl::InvalidArgumentError(absl::StrCat("--", name, ": not a boolean: ", text));
}

absl::StatusOr<int64_t> ParseInt(const std::string& name, const std::string& text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": not a count: ", text));
  }
  return value;
}

}  // namespace

absl::StatusOr<uint64_t> ParseBytes(const std::string& text) {
  absl::string_view digits = absl::StripAsciiWhitespace(text);
  uint64_t multiplier = 1;
  if (!digits.empty()) {
    switch (absl::ascii_toupper(digits.back())) {
      case 'K': multiplier = 1ull << 10; break;
      case 'M': multiplier = 1ull << 20; break;
      case 'G': multiplier = 1ull << 30; break;
      case 'T': multiplier = 1ull << 40; break;
      default: break;
    }
    if (multiplier != 1) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(digits, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("not a byte count: ", text));
  }
  return value * multiplier;
}

std::string ServerFlagsHelp() {
  std::string text =
      "usage: tflconv-server [--flag=value ...]\n"
      "Serves tflconv.v1.Converter/ConvertModel, grpc.health.v1 and server reflection.\n"
      "Every flag may also be set from the environment variable shown.\n\n";
  for (const FlagSpec& spec : Specs()) {
    absl::StrAppendFormat(&text, "  --%-20s %-28s default %s\n      %s\n", spec.name,
                          EnvName(spec.name),
                          *spec.default_value ? spec.default_value : "(empty)", spec.help);
  }
  return text;
}

absl::StatusOr<ServerFlags> ParseServerFlags(int argc, char** argv) {
  ServerFlags flags;
  std::map<std::string, std::string> values;
  for (const FlagSpec& spec : Specs()) {
    values[spec.name] = spec.default_value;
    if (const char* env = std::getenv(EnvName(spec.name).c_str())) values[spec.name] = env;
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", arg));
    }
    arg = arg.substr(2);
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    if (values.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    values[name] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  // A bare boolean flag ("--plaintext") comes in as "".
  Server::Options& o = flags.options;
  o.listen = values["listen"];
  o.metrics_listen = values["metrics_listen"];
  auto workers = ParseInt("workers", values["workers"]);
  if (!workers.ok()) return workers.status();
  o.service.workers = static_cast<int>(*workers);
  auto queued = ParseInt("max_queued_jobs", values["max_queued_jobs"]);
  if (!queued.ok()) return queued.status();
  o.service.admission.max_queued_jobs = static_cast<int>(*queued);
  for (const char* name :
       {"max_memory_bytes", "max_graph_bytes", "max_message_bytes", "min_job_memory_bytes"}) {
    auto bytes = ParseBytes(values[name]);
    if (!bytes.ok()) return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", bytes.status().message()));
    if (std::string(name) == "max_memory_bytes") o.service.admission.max_memory_bytes = *bytes;
    if (std::string(name) == "max_graph_bytes") o.service.admission.max_graph_bytes = *bytes;
    if (std::string(name) == "min_job_memory_bytes") {
      o.service.admission.min_reservation_bytes = *bytes;
    }
    if (std::string(name) == "max_message_bytes") {
      if (*bytes < (1u << 20) || *bytes > (1ull << 30)) {
        return absl::InvalidArgumentError("--max_message_bytes must be between 1M and 1G");
      }
      o.grpc.max_receive_message_bytes = static_cast<int>(*bytes);
      o.grpc.max_send_message_bytes = static_cast<int>(*bytes);
    }
  }
  double factor = 0;
  if (!absl::SimpleAtod(values["memory_per_graph_byte"], &factor) || factor < 1) {
    return absl::InvalidArgumentError("--memory_per_graph_byte takes a number >= 1");
  }
  o.service.admission.memory_factor = factor;
  auto grace = ParseInt("drain_grace_seconds", values["drain_grace_seconds"]);
  if (!grace.ok()) return grace.status();
  o.drain_grace = absl::Seconds(*grace);
  if (values["isolation"] == "process") {
    // The running binary itself, whatever its path on disk now.
    o.service.worker_binary = "/proc/self/exe";
  } else if (values["isolation"] != "thread") {
    return absl::InvalidArgumentError(
        absl::StrCat("--isolation takes process or thread, not ", values["isolation"]));
  }
  auto conversion_seconds = ParseInt("max_conversion_seconds", values["max_conversion_seconds"]);
  if (!conversion_seconds.ok()) return conversion_seconds.status();
  if (*conversion_seconds < 1) {
    return absl::InvalidArgumentError("--max_conversion_seconds must be >= 1");
  }
  o.service.max_conversion_time = absl::Seconds(*conversion_seconds);
  auto keepalive = ParseInt("keepalive_seconds", values["keepalive_seconds"]);
  if (!keepalive.ok()) return keepalive.status();
  if (*keepalive < 1) return absl::InvalidArgumentError("--keepalive_seconds must be >= 1");
  o.grpc.keepalive_time_ms = static_cast<int>(*keepalive * 1000);
  for (auto [name, timeout] : {std::pair{"upload_idle_timeout_seconds", &o.rpc.upload_idle_timeout},
                               {"download_idle_timeout_seconds", &o.rpc.download_idle_timeout}}) {
    auto seconds = ParseInt(name, values[name]);
    if (!seconds.ok()) return seconds.status();
    if (*seconds < 1) return absl::InvalidArgumentError(absl::StrCat("--", name, " must be >= 1"));
    *timeout = absl::Seconds(*seconds);
  }
  auto plaintext = ParseBool("plaintext", values["plaintext"]);
  if (!plaintext.ok()) return plaintext.status();
  o.tls.plaintext = *plaintext;
  o.tls.cert_file = values["tls_cert"];
  o.tls.key_file = values["tls_key"];
  o.tls.client_ca_file = values["tls_client_ca"];
  o.rpc.auth_token = values["auth_token"];
  if (!values["auth_token_file"].empty()) {
    if (!o.rpc.auth_token.empty()) {
      return absl::InvalidArgumentError("give --auth_token or --auth_token_file, not both");
    }
    std::ifstream in(values["auth_token_file"]);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--auth_token_file: cannot read ", values["auth_token_file"]));
    }
    std::stringstream text;
    text << in.rdbuf();
    o.rpc.auth_token = std::string(absl::StripAsciiWhitespace(text.str()));
    if (o.rpc.auth_token.empty()) {
      return absl::InvalidArgumentError("--auth_token_file: the file is empty");
    }
  }
  return flags;
}

}  // namespace tflconv::server
