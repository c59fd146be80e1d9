#include "bench/soak_calls.h"

#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/convert.h"
#include "proto/rpc/grpc_status.h"
#include "tests/server/test_support.h"
#include "tflconv/v1/converter.grpc.pb.h"

namespace tflconv::soak {
namespace {

using Stream = grpc::ClientReaderWriter<v1::ConvertRequest, v1::ConvertResponse>;

Outcome Expected(std::string what) { return {Verdict::kExpectedError, std::move(what), {}}; }
Outcome Unexpected(std::string what) { return {Verdict::kUnexpected, std::move(what), {}}; }

// Whether a finished call's artifacts are the reference's.
Outcome CompareArtifacts(const Reference& reference, const std::map<int, std::string>& got) {
  if (reference.code != absl::StatusCode::kOk) {
    return Unexpected(absl::StrCat(reference.name, ": OK, but a local conversion fails with ",
                                   absl::StatusCodeToString(reference.code)));
  }
  if (got != reference.artifacts) {
    return {Verdict::kCorrupted,
            absl::StrCat(reference.name, ": artifacts differ from a local conversion"),
            {}};
  }
  return {};
}

// A finished call: OK is judged by its artifacts; an error by `expected`,
// the codes this kind of call provokes (besides the graph's own error and
// a busy server's RESOURCE_EXHAUSTED).
Outcome Judge(const Reference& reference, const absl::Status& status,
              const std::map<int, std::string>& artifacts,
              const std::set<absl::StatusCode>& expected) {
  if (status.ok()) return CompareArtifacts(reference, artifacts);
  if (status.code() == reference.code || expected.count(status.code()) ||
      status.code() == absl::StatusCode::kResourceExhausted) {
    return Expected(absl::StatusCodeToString(status.code()));
  }
  return Unexpected(absl::StrCat(reference.name, ": ", status.ToString()));
}

// Artifact data by kind.
void Collect(const v1::ConvertResponse& response, std::map<int, std::string>& artifacts) {
  if (response.has_artifact()) artifacts[response.artifact().kind()] += response.artifact().data();
}

// Reads what is left of the call.
void Drain(Stream& stream, std::map<int, std::string>& artifacts) {
  v1::ConvertResponse response;
  while (stream.Read(&response)) Collect(response, artifacts);
}

// Sends the whole upload; false when the call ended first.
bool Upload(Stream& stream, const Reference& reference) {
  for (const v1::ConvertRequest& request :
       testing::Requests(reference.graph, reference.options)) {
    if (!stream.Write(request)) return false;
  }
  return stream.WritesDone();
}

}  // namespace

Reference MakeReference(std::string name, std::string graph, v1::ConversionOptions options) {
  Reference reference{std::move(name), std::move(graph), std::move(options)};
  ConversionResult local = tflconv::Convert(reference.graph, reference.options);
  reference.code = local.status.code();
  for (const Artifact& artifact : local.artifacts) {
    reference.artifacts[artifact.kind] = std::string(artifact.bytes);
  }
  return reference;
}

Outcome ConvertLikeTheCli(const Server& server, const Reference& reference) {
  const absl::Time start = absl::Now();
  std::mutex mu;
  std::optional<absl::Time> admitted;
  cli::RemoteOptions remote = server.remote;
  remote.trace = [&](absl::string_view event) {
    std::lock_guard<std::mutex> lock(mu);
    if (event == "accepted" && !admitted) admitted = absl::Now();
  };
  cli::RemoteResult result =
      cli::ConvertRemote(server.channel, reference.graph, "soak.pb", reference.options, remote);
  const absl::Time end = absl::Now();
  std::map<int, std::string> artifacts;
  for (const Artifact& artifact : result.result.artifacts) {
    artifacts[artifact.kind] = std::string(artifact.bytes);
  }
  Outcome outcome;
  if (result.result.status.ok()) {
    outcome = CompareArtifacts(reference, artifacts);
  } else if (result.result.status.code() == reference.code) {
    outcome = Expected(absl::StatusCodeToString(reference.code));
  } else {
    outcome = Unexpected(absl::StrCat(reference.name, ": ", result.result.status.ToString(),
                                      " (a local conversion: ",
                                      absl::StatusCodeToString(reference.code), ")"));
  }
  std::lock_guard<std::mutex> lock(mu);
  outcome.admission_wait = admitted.value_or(end) - start;
  return outcome;
}

Outcome CancelAfter(const Server& server, const Reference& reference, int responses) {
  v1::Converter::Stub stub(server.channel);
  grpc::ClientContext context;
  auto stream = stub.ConvertModel(&context);
  std::map<int, std::string> artifacts;
  if (responses >= 0 && Upload(*stream, reference)) {
    v1::ConvertResponse response;
    for (int i = 0; i < responses && stream->Read(&response); ++i) Collect(response, artifacts);
  }
  context.TryCancel();
  Drain(*stream, artifacts);
  return Judge(reference, FromGrpcStatus(stream->Finish()), artifacts,
               {absl::StatusCode::kCancelled});
}

Outcome ExpireAfter(const Server& server, const Reference& reference, absl::Duration deadline) {
  v1::Converter::Stub stub(server.channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  auto stream = stub.ConvertModel(&context);
  std::map<int, std::string> artifacts;
  Upload(*stream, reference);  // a call past its deadline ends the upload early
  Drain(*stream, artifacts);
  return Judge(reference, FromGrpcStatus(stream->Finish()), artifacts,
               {absl::StatusCode::kDeadlineExceeded});
}

Outcome StopReading(const Server& server, const Reference& reference) {
  v1::Converter::Stub stub(server.channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + 4 * server.idle_timeout +
                                          absl::Seconds(60)));
  auto stream = stub.ConvertModel(&context);
  std::map<int, std::string> artifacts;
  v1::ConvertResponse accepted;
  if (Upload(*stream, reference) && stream->Read(&accepted)) {
    absl::SleepFor(server.idle_timeout + absl::Seconds(2));
  }
  Drain(*stream, artifacts);
  const absl::Status status = FromGrpcStatus(stream->Finish());
  // The server cancels a call whose client took no data for the download
  // idle timeout; an OK means everything fit in the transport's buffers.
  Outcome outcome = Judge(reference, status, artifacts, {absl::StatusCode::kCancelled});
  if (absl::IsCancelled(status)) outcome.detail = "download idle timeout";
  return outcome;
}

Outcome Stall(const Server& server, const Reference& reference, absl::Duration hold,
              bool with_chunk) {
  v1::Converter::Stub stub(server.channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + hold));
  auto stream = stub.ConvertModel(&context);
  const std::vector<v1::ConvertRequest> requests =
      testing::Requests(reference.graph, reference.options, reference.graph.size() / 2 + 1);
  if (stream->Write(requests[0]) && with_chunk) stream->Write(requests[1]);
  std::map<int, std::string> artifacts;
  Drain(*stream, artifacts);
  const absl::Status status = FromGrpcStatus(stream->Finish());
  if (absl::IsDeadlineExceeded(status) &&
      absl::StrContains(status.message(), "no request message")) {
    return Expected("upload idle timeout");
  }
  if (absl::IsResourceExhausted(status)) return Expected("refused, server busy");
  // Our own deadline: fine unless the server should have ended the call
  // first (a margin for a loaded machine).
  if (absl::IsDeadlineExceeded(status)) {
    if (hold > server.idle_timeout + absl::Seconds(3)) {
      return Unexpected(absl::StrCat("a stalled upload held its call for ",
                                     absl::FormatDuration(hold), ", past the idle timeout of ",
                                     absl::FormatDuration(server.idle_timeout)));
    }
    return Expected("gave up");
  }
  return Unexpected(absl::StrCat("stalled upload of ", reference.name, ": ", status.ToString()));
}

}  // namespace tflconv::soak
