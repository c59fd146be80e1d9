// tflconv: convert TensorFlow frozen graphs to TFLite, locally or through a
// tflconv server, and inspect TFLite models.
//
// Exit status: 0 success, 1 conversion (or I/O) error, 2 bad usage.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/flags.h"
#include "client/inspect.h"
#include "client/output_writer.h"
#include "client/progress.h"
#include "client/remote.h"
#include "core/convert.h"
#include "core/options.h"
#include "core/report/report.h"

namespace tflconv::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(usage:
  tflconv convert --graph_def_file=M.pb --output_arrays=x[,y] --output_dir=DIR
                  [--input_arrays=a,b --input_shapes=1,224,224,3:1,10]
                  [--target_ops=TFLITE_BUILTINS,SELECT_TF_OPS] [--allow_custom_ops]
                  [--artifacts=fp32,fp16] [--unroll_limit=OPERATORS]
                  [--output_file=M.tflite [--post_training_quantize --quantize_to_float16]]
  tflconv inspect MODEL.tflite [--json]

remote mode (same flags, same files; add):
  --server=TARGET       host:port, ipv4:127.0.0.1:5001,127.0.0.1:5002 or dns:///name:port
                        (several servers are balanced round-robin)
  --timeout=SECONDS     overall limit, retries included (default 600)
  --connect_timeout=SECONDS  give up when no server can be reached for this long
                        (default 10)
  --plaintext           no TLS (the server must run with --plaintext)
  --tls_ca=CA.pem       CA that signed the server's certificate (default: system roots)
  --tls_cert=C.pem --tls_key=K.pem   client certificate for mutual TLS
  --tls_server_name=N   name expected in the server's certificate
  --auth_token=T | --auth_token_file=F   bearer token (default: $TFLCONV_AUTH_TOKEN)
  --chunk_size=BYTES    upload chunk size (default 1048576)
  What the server marks retryable (busy, draining) is retried with backoff; a
  call that broke off without the server's verdict is not (the server may have
  crashed on the graph). Progress bars are drawn when stderr is a terminal (not
  with --quiet).
)";

int Usage(absl::string_view message) {
  if (!message.empty()) std::cerr << "tflconv: " << message << "\n";
  std::cerr << kUsage;
  return kExitUsage;
}

const std::set<std::string> kConvertFlags = {
    "graph_def_file", "input_arrays", "input_shapes", "output_arrays", "target_ops",
    "allow_custom_ops", "artifacts", "output_dir", "output_file", "post_training_quantize",
    "quantize_to_float16", "unroll_limit", "quiet", "server", "timeout", "connect_timeout", "plaintext", "tls_ca",
    "tls_cert", "tls_key", "tls_server_name", "auth_token", "auth_token_file", "chunk_size"};

const std::set<std::string> kRemoteOnlyFlags = {
    "timeout", "connect_timeout", "plaintext", "tls_ca", "tls_cert", "tls_key", "tls_server_name", "auth_token",
    "auth_token_file", "chunk_size"};

// The remote-mode flags into RemoteOptions (usage errors as status).
absl::StatusOr<RemoteOptions> RemoteFromArgs(const ParsedArgs& args) {
  RemoteOptions remote;
  remote.target = args.Get("server");
  if (remote.target.empty()) return absl::InvalidArgumentError("--server needs a target");
  for (auto [flag, duration] : {std::pair{"timeout", &remote.timeout},
                                 {"connect_timeout", &remote.connect_timeout}}) {
    if (!args.Has(flag)) continue;
    double seconds = 0;
    if (!absl::SimpleAtod(args.Get(flag), &seconds) || seconds <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " takes a positive number of seconds"));
    }
    *duration = absl::Seconds(seconds);
  }
  if (args.Has("chunk_size")) {
    uint64_t bytes = 0;
    if (!absl::SimpleAtoi(args.Get("chunk_size"), &bytes) || bytes < 1024 || bytes > (8 << 20)) {
      return absl::InvalidArgumentError("--chunk_size takes 1024 .. 8388608 bytes");
    }
    remote.chunk_bytes = bytes;
  }
  remote.plaintext = args.Has("plaintext");
  remote.tls_ca_file = args.Get("tls_ca");
  remote.tls_cert_file = args.Get("tls_cert");
  remote.tls_key_file = args.Get("tls_key");
  remote.tls_server_name = args.Get("tls_server_name");
  remote.auth_token = args.Get("auth_token");
  if (args.Has("auth_token_file")) {
    auto token = ReadFile(args.Get("auth_token_file"));
    if (!token.ok()) return token.status();
    remote.auth_token = std::string(absl::StripAsciiWhitespace(*token));
  }
  if (remote.auth_token.empty()) {
    if (const char* env = std::getenv("TFLCONV_AUTH_TOKEN")) remote.auth_token = env;
  }
  remote.show_progress = !args.Has("quiet") && StderrIsTty();
  return remote;
}

int Convert(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, 2, kConvertFlags);
  if (!args.ok()) return Usage(args.status().message());
  if (!args->positional.empty()) return Usage("convert takes no positional arguments");
  if (!args->Has("graph_def_file")) return Usage("--graph_def_file is required");
  if (!args->Has("output_arrays")) return Usage("--output_arrays is required");
  OutputTarget target{args->Get("output_dir"), args->Get("output_file")};
  if (target.output_dir.empty() == target.output_file.empty()) {
    return Usage("give exactly one of --output_dir and --output_file");
  }
  ConverterFlags flags;
  flags.input_arrays = args->Get("input_arrays");
  flags.input_shapes = args->Get("input_shapes");
  flags.output_arrays = args->Get("output_arrays");
  flags.target_ops = args->Get("target_ops");
  flags.allow_custom_ops = args->Has("allow_custom_ops");
  flags.artifacts = args->Get("artifacts");
  flags.unroll_limit = args->Get("unroll_limit");
  if (!target.output_file.empty()) {
    // tflite_convert's spelling: one artifact, fp16 when asked for.
    if (args->Has("artifacts")) return Usage("--artifacts goes with --output_dir");
    const bool fp16 = args->Has("post_training_quantize") && args->Has("quantize_to_float16");
    flags.artifacts = fp16 ? "fp16" : "fp32";
  } else if (args->Has("post_training_quantize") || args->Has("quantize_to_float16")) {
    return Usage("--post_training_quantize goes with --output_file; use --artifacts");
  }
  auto options = OptionsFromFlags(flags);
  if (!options.ok()) return Usage(options.status().message());
  const bool remote_mode = args->Has("server");
  std::optional<RemoteOptions> remote;
  if (remote_mode) {
    auto parsed = RemoteFromArgs(*args);
    if (!parsed.ok()) return Usage(parsed.status().message());
    remote = *std::move(parsed);
  } else {
    for (const std::string& flag : kRemoteOnlyFlags) {
      if (args->Has(flag)) return Usage(absl::StrCat("--", flag, " goes with --server"));
    }
  }
  auto graph = ReadFile(args->Get("graph_def_file"));
  if (!graph.ok()) {
    std::cerr << "tflconv: " << graph.status().message() << "\n";
    return kExitFailed;
  }
  ConversionResult result;
  bool have_report = true;
  OutputWriter writer(target);
  absl::Status staged;  // the first failure to write an artifact
  if (remote_mode) {
    auto channel = MakeChannel(*remote);
    if (!channel.ok()) return Usage(channel.status().message());
    const std::string name =
        std::filesystem::path(args->Get("graph_def_file")).filename().string();
    RemoteResult remote_result = ConvertRemote(*channel, *graph, name, *options, *remote);
    result = std::move(remote_result.result);
    have_report = remote_result.has_report;
    for (const Artifact& artifact : result.artifacts) {
      if (staged.ok()) staged = writer.Stage(artifact);
    }
  } else {
    ConvertHooks hooks;
    hooks.artifact_ready = [&writer](Artifact artifact) { return writer.Stage(artifact); };
    result = tflconv::Convert(*graph, *options, hooks);
  }
  if (!have_report) {  // the server never got to convert: nothing to write
    std::cerr << "tflconv: conversion failed: " << result.status << "\n";
    return kExitFailed;
  }
  const bool write_report = target.output_file.empty();
  if (absl::Status s = staged.ok() ? writer.Finish(result.status, result.report) : staged;
      !s.ok() && (result.status.ok() || write_report)) {
    std::cerr << "tflconv: " << s.message() << "\n";
    return kExitFailed;
  }
  if (!args->Has("quiet")) std::cout << ReportSummary(result.report);
  if (!result.status.ok()) {
    std::cerr << "tflconv: conversion failed: " << result.status << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

int Inspect(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, 2, {"json"});
  if (!args.ok()) return Usage(args.status().message());
  if (args->positional.size() != 1) return Usage("inspect takes one MODEL.tflite");
  auto bytes = ReadFile(args->positional[0]);
  if (!bytes.ok()) {
    std::cerr << "tflconv: " << bytes.status().message() << "\n";
    return kExitFailed;
  }
  auto text = InspectModel(*bytes, args->Has("json"));
  if (!text.ok()) {
    std::cerr << "tflconv: " << args->positional[0] << ": " << text.status().message() << "\n";
    return kExitFailed;
  }
  std::cout << *text;
  return kExitOk;
}

}  // namespace
}  // namespace tflconv::cli

int main(int argc, char** argv) {
  using namespace tflconv::cli;
  if (argc < 2) return Usage("");
  const std::string command = argv[1];
  if (command == "convert") return Convert(argc, argv);
  if (command == "inspect") return Inspect(argc, argv);
  if (command == "--help" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  return Usage(absl::StrCat("unknown command '", command, "'"));
}
