// Binary GraphDef import: ParseGraphDef (the wire split that keeps large
// Const payloads in the caller's bytes) and ImportGraph. Whatever the split
// accepts must read the same as protobuf's own parse of the bytes, with the
// functional ops lowered as ParseGraphDef lowers them: a difference aborts,
// so the fuzzer reports it like a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/graph/functional.h"
#include "core/graph/import.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "tests/fuzz/fuzz_graph.h"

namespace tflconv::fuzz {
namespace {

void Fail(const char* what, int node) {
  std::fprintf(stderr, "wire split differs from protobuf: %s of node #%d\n", what, node);
  std::abort();
}

class SilentErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, int, const std::string&) override {}
};

// Printable bytes are read as text by ParseGraphDef, not as binary.
bool ParsesAsText(absl::string_view bytes) {
  SilentErrors errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  tensorflow::GraphDef graph;
  return parser.ParseFromString(std::string(bytes), &graph);
}

void CheckAgainstProtobuf(absl::string_view bytes, const ParsedGraphDef& parsed,
                          const ResolvedLimits& limits) {
  tensorflow::GraphDef reference;
  if (!reference.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  if (ParsesAsText(bytes)) return;
  // ParseGraphDef inlines calls and lowers If/While, which renames and adds
  // nodes; the reference goes through the same lowering.
  if (!LowerFunctionalOps(reference, limits.max_nodes).ok()) Fail("lowering", -1);
  if (parsed.def.node_size() != reference.node_size()) Fail("node count", -1);
  for (int i = 0; i < reference.node_size(); ++i) {
    const tensorflow::NodeDef& got = parsed.def.node(i);
    const tensorflow::NodeDef& want = reference.node(i);
    if (got.name() != want.name() || got.op() != want.op()) Fail("name or op", i);
    if (got.input_size() != want.input_size()) Fail("inputs", i);
    if (got.attr_size() != want.attr_size()) Fail("attributes", i);
    auto value = want.attr().find("value");
    if (value == want.attr().end() || !value->second.has_tensor()) continue;
    auto got_value = got.attr().find("value");
    if (got_value == got.attr().end()) Fail("value attribute", i);
    if (parsed.TensorContent(got_value->second.tensor()) !=
        value->second.tensor().tensor_content()) {
      Fail("tensor_content", i);
    }
  }
}

}  // namespace
}  // namespace tflconv::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tflconv;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const ResolvedLimits limits = ResolveLimits(fuzz::FuzzLimits());
  auto parsed = ParseGraphDef(bytes, limits);
  if (!parsed.ok()) return 0;
  fuzz::CheckAgainstProtobuf(bytes, **parsed, limits);
  v1::ConversionOptions options = fuzz::FuzzOptions((*parsed)->def);
  ImportStats stats;
  (void)ImportGraph(*parsed, options, limits, &stats);
  // Cut the graph at one of its nodes too (chosen by the input's size).
  const auto& nodes = (*parsed)->def.node();
  if (nodes.empty()) return 0;
  options.add_input_arrays()->set_name(nodes[size % nodes.size()].name());
  (void)ImportGraph(*parsed, options, limits, &stats);
  return 0;
}
