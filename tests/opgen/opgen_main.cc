// Writes the generated op test cases: for each, DIR/<case>/model.pb and
// DIR/<case>/case.json (inputs with dtype, shape and value range; outputs).
// tests/opgen/run_opgen.py computes references, converts and judges them.
//
//   opgen --out=DIR [--list]
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/opgen/op_case.h"

ABSL_FLAG(std::string, out, "", "directory to write the cases into");
ABSL_FLAG(bool, list, false, "only print the case names");

namespace tflconv::opgen {
namespace {

google::protobuf::Value Number(double v) {
  google::protobuf::Value value;
  value.set_number_value(v);
  return value;
}

google::protobuf::Value Text(const std::string& s) {
  google::protobuf::Value value;
  value.set_string_value(s);
  return value;
}

std::string CaseJson(const OpCase& c) {
  google::protobuf::Struct root;
  auto& fields = *root.mutable_fields();
  fields["name"] = Text(c.name);
  auto* inputs = fields["inputs"].mutable_list_value();
  for (const CaseInput& in : c.inputs) {
    auto& entry = *inputs->add_values()->mutable_struct_value()->mutable_fields();
    entry["name"] = Text(in.name);
    entry["dtype"] = Text(DtypeName(in.dtype));
    auto* shape = entry["shape"].mutable_list_value();
    for (int64_t d : in.shape) *shape->add_values() = Number(static_cast<double>(d));
    auto* range = entry["range"].mutable_list_value();
    *range->add_values() = Number(in.low);
    *range->add_values() = Number(in.high);
  }
  auto* outputs = fields["outputs"].mutable_list_value();
  for (const std::string& out : c.outputs) *outputs->add_values() = Text(out);
  if (!c.numpy.empty()) fields["numpy"] = Text(c.numpy);
  if (!c.expect_error.empty()) fields["expect_error"] = Text(c.expect_error);
  if (c.runtime_sized_outputs) fields["runtime_sized_outputs"].set_bool_value(true);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(root, &json);
  return json;
}

int Main() {
  Cases cases;
  AddElementwiseCases(cases);
  AddPatternCases(cases);
  AddNnCases(cases);
  AddReductionCases(cases);
  AddTensorCases(cases);
  AddControlFlowCases(cases);
  absl::flat_hash_set<std::string> names;
  for (const OpCase& c : cases) {
    if (!names.insert(c.name).second) {
      std::cerr << "opgen: duplicate case name " << c.name << "\n";
      return 1;
    }
  }
  if (absl::GetFlag(FLAGS_list)) {
    for (const OpCase& c : cases) std::cout << c.name << "\n";
    return 0;
  }
  const std::filesystem::path out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "opgen: --out=DIR is required\n";
    return 2;
  }
  for (const OpCase& c : cases) {
    const std::filesystem::path dir = out / c.name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "model.pb", std::ios::binary) << c.graph.Binary();
    std::ofstream(dir / "case.json") << CaseJson(c);
  }
  std::cout << "opgen: wrote " << cases.size() << " cases to " << out << "\n";
  return 0;
}

}  // namespace
}  // namespace tflconv::opgen

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tflconv::opgen::Main();
}
