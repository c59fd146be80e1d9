// Writes small graphs that exercise kernel contracts, one directory per
// case: graph.pb and case.txt (the inputs for graphdef-reference, the
// outputs, the builtins the converted model must hold and must not hold).
// run_op_cases.sh converts each with the CLI and checks both artifacts on
// the official TFLite runtime.
//
//   tflconv-op-cases --out=DIR
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "tests/testing/graph_builder.h"

namespace tflconv::testing {
namespace {

using tensorflow::DT_BOOL;
using tensorflow::DT_FLOAT;
using tensorflow::DT_INT32;

struct OpCase {
  std::string name;
  // NAME:SHAPE[:DTYPE] for graphdef-reference's --inputs.
  std::vector<std::string> inputs;
  std::string range;  // --range LO:HI of the generated inputs, or ""
  std::vector<std::string> outputs;
  std::vector<std::string> expect_ops;  // each must be in the fp32 model
  std::vector<std::string> forbid_ops;  // none may be
  std::function<void(GraphBuilder&)> build;
};

void Typed(tensorflow::NodeDef& node, tensorflow::DataType dtype) { AttrType(node, "T", dtype); }

// x [1,4,4,2] and y [1,4,4,3] joined on channels, then `activation`; the
// inputs are scaled by 8 first so that Relu6 clips.
void ConcatThen(GraphBuilder& g, const std::string& activation) {
  g.Placeholder("x", DT_FLOAT, {1, 4, 4, 2});
  g.Placeholder("y", DT_FLOAT, {1, 4, 4, 3});
  g.ConstFloat("eight", {}, {8.0f});
  Typed(g.Op("Mul", "x8", {"x", "eight"}), DT_FLOAT);
  g.ConstInt("axis", {}, {3});
  tensorflow::NodeDef& concat = g.Op("ConcatV2", "joined", {"x8", "y", "axis"});
  Typed(concat, DT_FLOAT);
  AttrInt(concat, "N", 2);
  AttrType(concat, "Tidx", DT_INT32);
  Typed(g.Op(activation, "out", {"joined"}), DT_FLOAT);
}

std::vector<OpCase> Cases() {
  return {
      {"concat_relu", {"x:1x4x4x2", "y:1x4x4x3"}, "", {"out"}, {"CONCATENATION", "RELU"}, {},
       [](GraphBuilder& g) { ConcatThen(g, "Relu"); }},
      {"concat_relu6", {"x:1x4x4x2", "y:1x4x4x3"}, "", {"out"}, {"CONCATENATION", "RELU6"}, {},
       [](GraphBuilder& g) { ConcatThen(g, "Relu6"); }},
      {"matmul_int32_transpose_b", {"a:2x3:int32", "b:4x3:int32"}, "-9:9", {"out"},
       {"MUL", "SUM"}, {"BATCH_MATMUL", "FULLY_CONNECTED"},
       [](GraphBuilder& g) {
         g.Placeholder("a", DT_INT32, {2, 3});
         g.Placeholder("b", DT_INT32, {4, 3});
         tensorflow::NodeDef& mm = g.Op("MatMul", "out", {"a", "b"});
         Typed(mm, DT_INT32);
         AttrBool(mm, "transpose_b", true);
       }},
      {"matmul_int32_constant_b", {"a:2x3:int32"}, "-9:9", {"out"}, {"MUL", "SUM"},
       {"BATCH_MATMUL", "FULLY_CONNECTED"},
       [](GraphBuilder& g) {
         g.Placeholder("a", DT_INT32, {2, 3});
         g.ConstInt("b", {3, 4}, {1, -2, 3, 4, 0, 5, -6, 7, 8, 9, -1, 2});
         Typed(g.Op("MatMul", "out", {"a", "b"}), DT_INT32);
       }},
      {"batch_matmul_int32_adj_x_broadcast", {"a:2x4x3:int32", "b:4x5:int32"}, "-9:9", {"out"},
       {"MUL", "SUM", "TRANSPOSE"}, {"BATCH_MATMUL"},
       [](GraphBuilder& g) {
         g.Placeholder("a", DT_INT32, {2, 4, 3});
         g.Placeholder("b", DT_INT32, {4, 5});
         tensorflow::NodeDef& mm = g.Op("BatchMatMulV2", "out", {"a", "b"});
         Typed(mm, DT_INT32);
         AttrBool(mm, "adj_x", true);
       }},
      {"pack_bool", {"x:2x3"}, "", {"out"}, {"CONCATENATION"}, {"PACK"},
       [](GraphBuilder& g) {
         g.Placeholder("x", DT_FLOAT, {2, 3});
         g.ConstFloat("zero", {}, {0.0f});
         g.ConstFloat("half", {}, {0.5f});
         Typed(g.Op("Greater", "positive", {"x", "zero"}), DT_FLOAT);
         Typed(g.Op("Less", "small", {"x", "half"}), DT_FLOAT);
         tensorflow::NodeDef& pack = g.Op("Pack", "packed", {"positive", "small"});
         Typed(pack, DT_BOOL);
         AttrInt(pack, "N", 2);
         AttrInt(pack, "axis", 1);
         tensorflow::NodeDef& cast = g.Op("Cast", "out", {"packed"});
         AttrType(cast, "SrcT", DT_BOOL);
         AttrType(cast, "DstT", DT_INT32);
       }},
      {"cumsum_exclusive_reverse", {"x:2x5"}, "", {"out"}, {"CUMSUM"}, {},
       [](GraphBuilder& g) {
         g.Placeholder("x", DT_FLOAT, {2, 5});
         // A positive axis: the reference (tfjs) mishandles a negative one.
         g.ConstInt("axis", {}, {1});
         tensorflow::NodeDef& cumsum = g.Op("Cumsum", "out", {"x", "axis"});
         Typed(cumsum, DT_FLOAT);
         AttrType(cumsum, "Tidx", DT_INT32);
         AttrBool(cumsum, "exclusive", true);
         AttrBool(cumsum, "reverse", true);
       }},
      {"reverse_v2_two_runs", {"x:2x3x4"}, "", {"out"}, {"REVERSE_V2"}, {},
       [](GraphBuilder& g) {
         g.Placeholder("x", DT_FLOAT, {2, 3, 4});
         g.ConstInt("axis", {2}, {0, -1});
         tensorflow::NodeDef& reverse = g.Op("ReverseV2", "out", {"x", "axis"});
         Typed(reverse, DT_FLOAT);
         AttrType(reverse, "Tidx", DT_INT32);
       }},
      {"one_hot", {"indices:6:int32"}, "0:5", {"out"}, {"ONE_HOT"}, {},
       [](GraphBuilder& g) {
         g.Placeholder("indices", DT_INT32, {6});
         g.ConstInt("depth", {}, {5});
         g.ConstFloat("on", {}, {2.5f});
         g.ConstFloat("off", {}, {-1.0f});
         tensorflow::NodeDef& one_hot = g.Op("OneHot", "out", {"indices", "depth", "on", "off"});
         Typed(one_hot, DT_FLOAT);
         AttrType(one_hot, "TI", DT_INT32);
         // The default axis (-1): the reference (tfjs) ignores any other.
         AttrInt(one_hot, "axis", -1);
       }},
      {"any_all", {"x:3x4"}, "", {"any_out", "all_out"}, {"REDUCE_ANY", "REDUCE_ALL"}, {},
       [](GraphBuilder& g) {
         g.Placeholder("x", DT_FLOAT, {3, 4});
         g.ConstFloat("limit", {}, {0.5f});
         Typed(g.Op("Less", "small", {"x", "limit"}), DT_FLOAT);
         g.ConstInt("rows", {1}, {1});
         g.ConstInt("cols", {1}, {0});
         AttrType(g.Op("Any", "any", {"small", "rows"}), "Tidx", DT_INT32);
         tensorflow::NodeDef& all = g.Op("All", "all", {"small", "cols"});
         AttrType(all, "Tidx", DT_INT32);
         AttrBool(all, "keep_dims", true);
         for (const char* name : {"any", "all"}) {
           tensorflow::NodeDef& cast = g.Op("Cast", std::string(name) + "_out", {name});
           AttrType(cast, "SrcT", DT_BOOL);
           AttrType(cast, "DstT", DT_INT32);
         }
       }},
      {"sparse_to_dense", {"values:3"}, "", {"out"}, {"SPARSE_TO_DENSE"}, {},
       [](GraphBuilder& g) {
         g.Placeholder("values", DT_FLOAT, {3});
         g.ConstInt("indices", {3, 2}, {0, 1, 2, 3, 1, 0});
         g.ConstInt("shape", {2}, {3, 4});
         g.ConstFloat("default", {}, {0.25f});
         tensorflow::NodeDef& dense =
             g.Op("SparseToDense", "out", {"indices", "shape", "values", "default"});
         Typed(dense, DT_FLOAT);
         AttrType(dense, "Tindices", DT_INT32);
       }},
  };
}

std::string Joined(const std::vector<std::string>& items) {
  std::string line;
  for (const std::string& item : items) line += (line.empty() ? "" : " ") + item;
  return line;
}

int Main(int argc, char** argv) {
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--out=", 0) == 0) out = arg.substr(6);
  }
  if (out.empty()) {
    std::cerr << "usage: tflconv-op-cases --out=DIR\n";
    return 2;
  }
  for (const OpCase& c : Cases()) {
    const std::filesystem::path dir = std::filesystem::path(out) / c.name;
    std::filesystem::create_directories(dir);
    GraphBuilder g;
    c.build(g);
    std::ofstream(dir / "graph.pb", std::ios::binary) << g.Binary();
    std::ofstream meta(dir / "case.txt");
    meta << "inputs " << Joined(c.inputs) << "\n"
         << "range " << c.range << "\n"
         << "outputs " << Joined(c.outputs) << "\n"
         << "expect " << Joined(c.expect_ops) << "\n"
         << "forbid " << Joined(c.forbid_ops) << "\n";
    if (!meta) {
      std::cerr << "cannot write " << dir << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace tflconv::testing

int main(int argc, char** argv) { return tflconv::testing::Main(argc, argv); }
