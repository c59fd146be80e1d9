// The calls bench/soak makes against a tflconv-server, one function per
// kind of client, each judged against what a local Convert() made of the
// same request: the answer is OK with byte-identical artifacts, an error the
// kind of client provokes (its own cancellation, its deadline, the server's
// idle timeouts, a busy server's refusal, the graph's own error), or else
// unexpected; an OK whose artifacts differ is corrupted.
#ifndef TFLCONV_BENCH_SOAK_CALLS_H_
#define TFLCONV_BENCH_SOAK_CALLS_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/remote.h"
#include "grpcpp/grpcpp.h"
#include "tflconv/v1/converter.pb.h"

namespace tflconv::soak {

// A request and what a local Convert() made of it.
struct Reference {
  std::string name;
  std::string graph;
  v1::ConversionOptions options;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::map<int, std::string> artifacts;  // by v1::ArtifactKind, when OK
};
Reference MakeReference(std::string name, std::string graph, v1::ConversionOptions options);

enum class Verdict { kOk, kExpectedError, kUnexpected, kCorrupted };

struct Outcome {
  Verdict verdict = Verdict::kOk;
  // The error's class for an expected one ("CANCELLED", "upload idle
  // timeout", ...); what went wrong for the others.
  std::string detail;
  // ConvertRemote calls: from the call's start until the server admitted
  // it (its "accepted" message) or, never admitted, until it ended.
  absl::Duration admission_wait;
};

struct Server {
  std::shared_ptr<grpc::Channel> channel;
  cli::RemoteOptions remote;         // for ConvertRemote (plaintext, loopback)
  absl::Duration idle_timeout;       // the server's upload and download idle timeouts
};

// ConvertRemote, as the CLI converts (retrying what the server marks busy).
Outcome ConvertLikeTheCli(const Server& server, const Reference& reference);
// Cancels after reading `responses` response messages (-1: before sending
// the start message).
Outcome CancelAfter(const Server& server, const Reference& reference, int responses);
// A call whose deadline is `deadline` from now (<= 0: already past).
Outcome ExpireAfter(const Server& server, const Reference& reference, absl::Duration deadline);
// Uploads, reads the first message, then stops reading for longer than the
// download idle timeout before reading the rest.
Outcome StopReading(const Server& server, const Reference& reference);
// Opens a call, sends the start message (and, `with_chunk`, part of the
// graph), then nothing until it gives up after `hold`.
Outcome Stall(const Server& server, const Reference& reference, absl::Duration hold,
              bool with_chunk);

}  // namespace tflconv::soak

#endif  // TFLCONV_BENCH_SOAK_CALLS_H_
