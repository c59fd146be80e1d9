// Functional ops lowered to v1 control flow: the layout of calls, conds and
// loops, nested lowering, the errors, and the conversion of a graph whose
// only call inlines.
#include "core/graph/functional.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/graph/import.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint64_t kNoLimit = 1'000'000;

tensorflow::GraphDef ParseText(const std::string& text) {
  tensorflow::GraphDef graph;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &graph)) << text;
  return graph;
}

const tensorflow::NodeDef& NodeNamed(const tensorflow::GraphDef& graph, const std::string& name) {
  for (const auto& node : graph.node()) {
    if (node.name() == name) return node;
  }
  ADD_FAILURE() << "no node '" << name << "'";
  static const tensorflow::NodeDef missing;
  return missing;
}

std::vector<std::string> InputsOf(const tensorflow::GraphDef& graph, const std::string& name) {
  const auto& input = NodeNamed(graph, name).input();
  return {input.begin(), input.end()};
}

std::string OpOf(const tensorflow::GraphDef& graph, const std::string& name) {
  return NodeNamed(graph, name).op();
}

std::vector<int> TypesOf(const tensorflow::GraphDef& graph, const std::string& name) {
  const auto& list = NodeNamed(graph, name).attr().at("T").list().type();
  return {list.begin(), list.end()};
}

// `text` with the first `from` replaced by `to`.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

absl::Status LowerError(const std::string& text, uint64_t max_nodes = kNoLimit) {
  tensorflow::GraphDef graph = ParseText(text);
  return LowerFunctionalOps(graph, max_nodes).status();
}

constexpr char kFloatPlaceholder[] = R"(
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { dim { size: 4 } } } } })";

// y = a * 2 + b.
constexpr char kScaleAdd[] = R"(
function {
  signature { name: "scale_add" input_arg { name: "a" type: DT_FLOAT }
              input_arg { name: "b" type: DT_FLOAT } output_arg { name: "y" type: DT_FLOAT } }
  node_def { name: "two" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 2 } } } }
  node_def { name: "mul" op: "Mul" input: "a" input: "two:output:0"
             attr { key: "T" value { type: DT_FLOAT } } }
  node_def { name: "add" op: "AddV2" input: "mul:z:0" input: "b"
             attr { key: "T" value { type: DT_FLOAT } } }
  ret { key: "y" value: "add:z:0" }
})";

std::string CallGraph(const std::string& function_name, const std::string& tout = "DT_FLOAT") {
  return absl::StrCat(kFloatPlaceholder, R"(
node { name: "call" op: "StatefulPartitionedCall" input: "x" input: "x"
  attr { key: "Tin" value { list { type: DT_FLOAT type: DT_FLOAT } } }
  attr { key: "Tout" value { list { type: )", tout, R"( } } }
  attr { key: "f" value { func { name: ")", function_name, R"(" } } } }
node { name: "out" op: "Relu" input: "call" attr { key: "T" value { type: DT_FLOAT } } }
library {)", kScaleAdd, "}\n");
}

TEST(FunctionalTest, PartitionedCallInlinesBodyBehindInputIdentities) {
  tensorflow::GraphDef graph = ParseText(CallGraph("scale_add"));
  auto stats = LowerFunctionalOps(graph, kNoLimit);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->calls_inlined, 1);
  EXPECT_THAT(InputsOf(graph, "call/input_0"), ElementsAre("x"));
  EXPECT_THAT(InputsOf(graph, "call/input_1"), ElementsAre("x"));
  // A constant of an inlined call outside any frame gets no control input.
  EXPECT_THAT(InputsOf(graph, "call/two"), IsEmpty());
  EXPECT_THAT(InputsOf(graph, "call/mul"), ElementsAre("call/input_0", "call/two"));
  EXPECT_THAT(InputsOf(graph, "call/add"), ElementsAre("call/mul", "call/input_1"));
  EXPECT_EQ(OpOf(graph, "call"), "Identity");
  EXPECT_THAT(InputsOf(graph, "call"), ElementsAre("call/add"));
  EXPECT_EQ(NodeNamed(graph, "call").attr().at("T").type(), tensorflow::DT_FLOAT);
  EXPECT_EQ(NodeNamed(graph, "call").attr().count("f"), 0u);
}

TEST(FunctionalTest, InlinedCallConvertsToBuiltins) {
  ConversionResult result = Convert(CallGraph("scale_add"), testing::Options({"x"}, {"out"}));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(testing::OperatorNames(testing::ModelOf(result.artifacts[0])),
              ElementsAre("MUL", "ADD"));  // the Relu fused into ADD
}

TEST(FunctionalTest, CallControlInputsReachBodyConstantsThroughANoOp) {
  tensorflow::GraphDef graph = ParseText(Replaced(CallGraph("scale_add"), R"(input: "x" input: "x")",
                                                 R"(input: "x" input: "x" input: "^x")"));
  ASSERT_TRUE(LowerFunctionalOps(graph, kNoLimit).ok());
  EXPECT_EQ(OpOf(graph, "call/input_control_node"), "NoOp");
  EXPECT_THAT(InputsOf(graph, "call/input_control_node"), ElementsAre("^x"));
  EXPECT_THAT(InputsOf(graph, "call/two"), ElementsAre("^call/input_control_node"));
}

// A direct call whose body splits its input: list outputs, a whole list fed
// to ConcatV2, and the type placeholder bound by the call.
constexpr char kDirectCall[] = R"(
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "h" op: "halves" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
node { name: "use" op: "Relu" input: "h:2" attr { key: "T" value { type: DT_FLOAT } } }
library { function {
  signature { name: "halves" input_arg { name: "x" type_attr: "T" }
              output_arg { name: "lo" type_attr: "T" } output_arg { name: "hi" type_attr: "T" }
              output_arg { name: "both" type_attr: "T" }
              attr { name: "T" type: "type" } }
  node_def { name: "axis" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
             attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
  node_def { name: "split" op: "Split" input: "axis:output:0" input: "x"
             attr { key: "T" value { placeholder: "T" } } attr { key: "num_split" value { i: 2 } } }
  node_def { name: "concat" op: "ConcatV2" input: "split:output" input: "axis:output:0"
             attr { key: "T" value { placeholder: "T" } } attr { key: "N" value { i: 2 } } }
  ret { key: "lo" value: "split:output:0" }
  ret { key: "hi" value: "split:output:1" }
  ret { key: "both" value: "concat:output:0" }
} })";

TEST(FunctionalTest, DirectCallResolvesListOutputsAndBindsPlaceholders) {
  tensorflow::GraphDef graph = ParseText(kDirectCall);
  ASSERT_TRUE(LowerFunctionalOps(graph, kNoLimit).ok());
  EXPECT_EQ(NodeNamed(graph, "h/split").attr().at("T").type(), tensorflow::DT_FLOAT);
  EXPECT_THAT(InputsOf(graph, "h/concat"), ElementsAre("h/split", "h/split:1", "h/axis"));
  EXPECT_EQ(OpOf(graph, "h"), "IdentityN");
  EXPECT_THAT(InputsOf(graph, "h"), ElementsAre("h/split", "h/split:1", "h/concat"));
  EXPECT_THAT(TypesOf(graph, "h"), ElementsAre(tensorflow::DT_FLOAT, tensorflow::DT_FLOAT,
                                               tensorflow::DT_FLOAT));
  EXPECT_THAT(InputsOf(graph, "use"), ElementsAre("h:2"));
}

// The If and While graphs of TensorFlow's functional-ops tests, reduced.
constexpr char kIfGraph[] = R"(
node { name: "pred" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } }
       attr { key: "shape" value { shape {} } } }
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape {} } } }
node { name: "cond" op: "StatelessIf" input: "pred" input: "x"
  attr { key: "Tcond" value { type: DT_BOOL } }
  attr { key: "Tin" value { list { type: DT_FLOAT } } }
  attr { key: "Tout" value { list { type: DT_FLOAT } } }
  attr { key: "then_branch" value { func { name: "plus_one" } } }
  attr { key: "else_branch" value { func { name: "square" } } } }
library {
function {
  signature { name: "plus_one" input_arg { name: "a" type: DT_FLOAT } output_arg { name: "y" type: DT_FLOAT } }
  node_def { name: "one" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
  node_def { name: "add" op: "AddV2" input: "a" input: "one:output:0" attr { key: "T" value { type: DT_FLOAT } } }
  ret { key: "y" value: "add:z:0" }
}
function {
  signature { name: "square" input_arg { name: "a" type: DT_FLOAT } output_arg { name: "y" type: DT_FLOAT } }
  node_def { name: "mul" op: "Mul" input: "a" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
  ret { key: "y" value: "mul:z:0" }
} })";

TEST(FunctionalTest, IfBecomesSwitchesAndMerges) {
  tensorflow::GraphDef graph = ParseText(kIfGraph);
  auto stats = LowerFunctionalOps(graph, kNoLimit);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->conds_lowered, 1);
  EXPECT_EQ(OpOf(graph, "cond/switch_pred"), "Switch");
  EXPECT_THAT(InputsOf(graph, "cond/switch_pred"), ElementsAre("pred", "pred"));
  EXPECT_THAT(InputsOf(graph, "cond/pivot_t"), ElementsAre("cond/switch_pred:1"));
  EXPECT_THAT(InputsOf(graph, "cond/pivot_f"), ElementsAre("cond/switch_pred"));
  EXPECT_EQ(OpOf(graph, "cond/switch_0"), "Switch");
  EXPECT_THAT(InputsOf(graph, "cond/switch_0"), ElementsAre("x", "pred"));
  EXPECT_THAT(InputsOf(graph, "cond/then/input_0"), ElementsAre("cond/switch_0:1"));
  EXPECT_THAT(InputsOf(graph, "cond/else/input_0"), ElementsAre("cond/switch_0"));
  // The then-branch constant runs only when the branch does.
  EXPECT_THAT(InputsOf(graph, "cond/then/one"), ElementsAre("^cond/pivot_t"));
  EXPECT_EQ(OpOf(graph, "cond/output_0"), "Merge");
  EXPECT_THAT(InputsOf(graph, "cond/output_0"), ElementsAre("cond/then/add", "cond/else/mul"));
  EXPECT_EQ(NodeNamed(graph, "cond/output_0").attr().at("N").i(), 2);
  EXPECT_EQ(OpOf(graph, "cond"), "Identity");
  EXPECT_THAT(InputsOf(graph, "cond"), ElementsAre("cond/output_0"));
}

constexpr char kWhileGraph[] = R"(
node { name: "iter" op: "Placeholder" attr { key: "dtype" value { type: DT_INT32 } }
       attr { key: "shape" value { shape {} } } }
node { name: "val" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape {} } } }
node { name: "w" op: "While" input: "iter" input: "val"
  attr { key: "T" value { list { type: DT_INT32 type: DT_FLOAT } } }
  attr { key: "cond" value { func { name: "positive" } } }
  attr { key: "body" value { func { name: "step" } } }
  attr { key: "parallel_iterations" value { i: 4 } } }
library {
function {
  signature { name: "positive" input_arg { name: "i" type: DT_INT32 } input_arg { name: "v" type: DT_FLOAT }
              output_arg { name: "p" type: DT_BOOL } }
  node_def { name: "zero" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
             attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
  node_def { name: "greater" op: "Greater" input: "i" input: "zero:output:0" attr { key: "T" value { type: DT_INT32 } } }
  ret { key: "p" value: "greater:z:0" }
}
function {
  signature { name: "step" input_arg { name: "i" type: DT_INT32 } input_arg { name: "v" type: DT_FLOAT }
              output_arg { name: "i_next" type: DT_INT32 } output_arg { name: "v_next" type: DT_FLOAT } }
  node_def { name: "one" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
             attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 1 } } } }
  node_def { name: "sub" op: "Sub" input: "i" input: "one:output:0" attr { key: "T" value { type: DT_INT32 } } }
  node_def { name: "double" op: "AddV2" input: "v" input: "v" attr { key: "T" value { type: DT_FLOAT } } }
  ret { key: "i_next" value: "sub:z:0" }
  ret { key: "v_next" value: "double:z:0" }
} })";

TEST(FunctionalTest, WhileBecomesAFrame) {
  tensorflow::GraphDef graph = ParseText(kWhileGraph);
  auto stats = LowerFunctionalOps(graph, kNoLimit);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loops_lowered, 1);
  for (int i : {0, 1}) {
    const std::string k = absl::StrCat(i);
    const tensorflow::NodeDef& enter = NodeNamed(graph, "w/enter_" + k);
    EXPECT_EQ(enter.op(), "Enter");
    EXPECT_EQ(enter.attr().at("frame_name").s(), "w");
    EXPECT_FALSE(enter.attr().at("is_constant").b());
    EXPECT_EQ(enter.attr().at("parallel_iterations").i(), 4);
    EXPECT_THAT(InputsOf(graph, "w/merge_" + k), ElementsAre("w/enter_" + k, "w/next_iteration_" + k));
    EXPECT_THAT(InputsOf(graph, "w/switch_" + k), ElementsAre("w/merge_" + k, "w/loop_cond"));
    EXPECT_THAT(InputsOf(graph, "w/cond/input_" + k), ElementsAre("w/merge_" + k));
    EXPECT_THAT(InputsOf(graph, "w/body/input_" + k), ElementsAre("w/switch_" + k + ":1"));
    EXPECT_EQ(OpOf(graph, "w/exit_" + k), "Exit");
    EXPECT_THAT(InputsOf(graph, "w/exit_" + k), ElementsAre("w/switch_" + k));
  }
  EXPECT_EQ(NodeNamed(graph, "w/enter_0").input(0), "iter");
  EXPECT_EQ(NodeNamed(graph, "w/enter_1").attr().at("T").type(), tensorflow::DT_FLOAT);
  EXPECT_THAT(InputsOf(graph, "w/cond/zero"), ElementsAre("^w/merge_0"));
  EXPECT_THAT(InputsOf(graph, "w/loop_cond"), ElementsAre("w/cond/greater"));
  EXPECT_THAT(InputsOf(graph, "w/loop_body_control"), ElementsAre("w/switch_0:1"));
  EXPECT_THAT(InputsOf(graph, "w/body/one"), ElementsAre("^w/loop_body_control"));
  EXPECT_EQ(OpOf(graph, "w/next_iteration_0"), "NextIteration");
  EXPECT_THAT(InputsOf(graph, "w/next_iteration_0"), ElementsAre("w/body/sub"));
  EXPECT_THAT(InputsOf(graph, "w/next_iteration_1"), ElementsAre("w/body/double"));
  EXPECT_EQ(OpOf(graph, "w"), "IdentityN");
  EXPECT_THAT(InputsOf(graph, "w"), ElementsAre("w/exit_0", "w/exit_1"));
  EXPECT_THAT(TypesOf(graph, "w"), ElementsAre(tensorflow::DT_INT32, tensorflow::DT_FLOAT));
}

// Import builds the Graph of a lowered cond and loop: NextIteration is the
// only back edge, and the frame sorts with every node after its inputs.
TEST(FunctionalTest, LoweredCondAndLoopImport) {
  for (const auto& [text, output] : {std::pair<std::string, std::string>{kIfGraph, "cond"},
                                     {kWhileGraph, "w:1"}}) {
    auto parsed = ParseGraphDef(text, ResolveLimits({}));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_GT((*parsed)->functional_ops_lowered, 0);
    v1::ConversionOptions options;
    options.add_output_arrays(output);
    ImportStats stats;
    auto graph = ImportGraph(*parsed, options, ResolveLimits({}), &stats);
    ASSERT_TRUE(graph.ok()) << graph.status();
    absl::flat_hash_map<std::string, int> position;
    for (size_t i = 0; i < graph->nodes.size(); ++i) position[graph->nodes[i].name] = i;
    for (size_t i = 0; i < graph->nodes.size(); ++i) {
      for (const Endpoint& in : graph->nodes[i].inputs) {
        if (graph->nodes[in.node].op == "NextIteration") continue;
        EXPECT_LT(in.node, static_cast<int>(i)) << graph->nodes[i].name;
      }
    }
    EXPECT_EQ(stats.functional_ops_lowered, (*parsed)->functional_ops_lowered);
    if (output == "w:1") {
      EXPECT_TRUE(position.contains("w/next_iteration_1"));
      EXPECT_TRUE(position.contains("w/loop_cond"));
    }
  }
}

// The loop body's If is lowered in turn, inside the loop's frame.
TEST(FunctionalTest, NestedIfInLoopBodyIsLoweredInTheFrame) {
  std::string text = Replaced(kWhileGraph,
      R"(node_def { name: "double" op: "AddV2" input: "v" input: "v" attr { key: "T" value { type: DT_FLOAT } } })",
      R"(
  node_def { name: "small" op: "Less" input: "v" input: "v" attr { key: "T" value { type: DT_FLOAT } } }
  node_def { name: "double" op: "If" input: "small:z:0" input: "v"
    attr { key: "Tcond" value { type: DT_BOOL } }
    attr { key: "Tin" value { list { type: DT_FLOAT } } }
    attr { key: "Tout" value { list { type: DT_FLOAT } } }
    attr { key: "then_branch" value { func { name: "plus_one" } } }
    attr { key: "else_branch" value { func { name: "square" } } } })");
  text = Replaced(text, "double:z:0", "double:output:0");
  const std::string if_library = kIfGraph;
  text.insert(text.rfind('}'), if_library.substr(if_library.find("function {")));
  text.erase(text.rfind('}'));
  tensorflow::GraphDef graph = ParseText(text);
  auto stats = LowerFunctionalOps(graph, kNoLimit);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->conds_lowered, 1);
  EXPECT_THAT(InputsOf(graph, "w/body/double/switch_pred"),
              ElementsAre("w/body/small", "w/body/small", "^w/loop_body_control"));
  EXPECT_THAT(InputsOf(graph, "w/body/double/then/one"), ElementsAre("^w/body/double/pivot_t"));
  EXPECT_THAT(InputsOf(graph, "w/next_iteration_1"), ElementsAre("w/body/double"));
  EXPECT_EQ(OpOf(graph, "w/body/double"), "Identity");
}

// Graph-style bodies: _Arg nodes stand for the inputs, _Retval nodes for
// the outputs when the FunctionDef has no ret entry.
TEST(FunctionalTest, ArgAndRetvalNodesStandForInputsAndOutputs) {
  const std::string text = absl::StrCat(kFloatPlaceholder, R"(
node { name: "c" op: "negate" input: "x" }
library { function {
  signature { name: "negate" input_arg { name: "a" type: DT_FLOAT } output_arg { name: "y" type: DT_FLOAT } }
  node_def { name: "arg" op: "_Arg" attr { key: "index" value { i: 0 } } }
  node_def { name: "neg" op: "Neg" input: "arg:output:0" attr { key: "T" value { type: DT_FLOAT } } }
  node_def { name: "ret" op: "_Retval" input: "neg:y:0" attr { key: "index" value { i: 0 } } }
} })");
  tensorflow::GraphDef graph = ParseText(text);
  ASSERT_TRUE(LowerFunctionalOps(graph, kNoLimit).ok());
  EXPECT_THAT(InputsOf(graph, "c/neg"), ElementsAre("c/input_0"));
  EXPECT_THAT(InputsOf(graph, "c"), ElementsAre("c/neg"));
  for (const auto& node : graph.node()) {
    EXPECT_NE(node.op(), "_Arg");
    EXPECT_NE(node.op(), "_Retval");
  }
}

std::string FixtureBytes(const std::string& name) {
  const std::string path =
      absl::StrCat(TFLCONV_SOURCE_DIR, "/../shared/fixtures/corpus/", name, "/model.pb");
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The corpus's If and While graphs lower completely and import for their
// outputs; each While gets its own frame.
TEST(FunctionalTest, CorpusIfAndWhileGraphsLowerAndImport) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> fixtures = {
      {"tf_end2end_if_op", {"StatefulIf", "StatelessIf"}},
      {"graphdef2mlir_functional-if-ops", {"StatefulIf", "StatelessIf"}},
      {"graphdef2mlir_functional-while-ops",
       {"StatefulWhile:1", "StatelessWhile:1", "WhileWithOutputShapes:1"}}};
  for (const auto& [name, outputs] : fixtures) {
    const std::string bytes = FixtureBytes(name);
    if (bytes.empty()) GTEST_SKIP() << name << " is absent";
    auto parsed = ParseGraphDef(bytes, ResolveLimits({}));
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ((*parsed)->functional_ops_lowered, static_cast<int>(outputs.size())) << name;
    absl::flat_hash_set<std::string> frames;
    for (const auto& node : (*parsed)->def.node()) {
      EXPECT_THAT(node.op(), ::testing::Not(::testing::AnyOf("If", "StatelessIf", "While",
                                                             "StatelessWhile")));
      if (node.op() == "Enter") frames.insert(node.attr().at("frame_name").s());
    }
    if (name == "graphdef2mlir_functional-while-ops") {
      EXPECT_THAT(frames, ::testing::UnorderedElementsAre("StatefulWhile", "StatelessWhile",
                                                          "WhileWithOutputShapes"));
    }
    v1::ConversionOptions options;
    for (const std::string& output : outputs) options.add_output_arrays(output);
    ImportStats stats;
    auto graph = ImportGraph(*parsed, options, ResolveLimits({}), &stats);
    EXPECT_TRUE(graph.ok()) << name << ": " << graph.status();
  }
}

// The PartitionedCall fixture: the call's Tout lists an output more than
// the function returns, which nothing reads.
TEST(FunctionalTest, FixtureWithStatefulPartitionedCallConvertsToBuiltins) {
  const std::string bytes = FixtureBytes("tf_end2end_disallow_stateful_partitioned_call");
  if (bytes.empty()) GTEST_SKIP() << "the fixture is absent";
  v1::ConversionOptions options = testing::Options({"input0"}, {"add"});
  options.mutable_input_arrays(0)->add_shape(4);
  options.mutable_input_arrays(0)->set_has_shape(true);
  ConversionResult result = Convert(bytes, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(testing::OperatorNames(testing::ModelOf(result.artifacts[0])), ElementsAre("ADD"));
  EXPECT_EQ(result.report.coverage().flex_ops(), 0);
}

TEST(FunctionalTest, ReadingPastTheFunctionsOutputsNamesTout) {
  const std::string text =
      Replaced(CallGraph("scale_add", "DT_FLOAT type: DT_FLOAT"), R"(input: "call")", R"(input: "call:1")");
  EXPECT_THAT(LowerError(text).message(),
              HasSubstr("node 'out' (Relu): reads 'call:1', but function 'scale_add' of node "
                        "'call' (StatefulPartitionedCall) returns 1 outputs (attribute 'Tout' lists 2)"));
  EXPECT_TRUE(LowerError(CallGraph("scale_add", "DT_FLOAT type: DT_FLOAT")).ok());
}

TEST(FunctionalTest, MissingFunctionNamesNodeFunctionAndAttribute) {
  absl::Status status = LowerError(CallGraph("nope"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("node 'call' (StatefulPartitionedCall): function 'nope' (attribute 'f'): "
                        "is not in the graph's function library"));
}

TEST(FunctionalTest, ArityMismatchNamesTheSignature) {
  absl::Status status =
      LowerError(Replaced(CallGraph("scale_add"), R"(input: "x" input: "x")", R"(input: "x")"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("function 'scale_add' (attribute 'f'): the signature "
                                          "takes 2 inputs (input_arg) but the node passes 1"));
}

TEST(FunctionalTest, UnresolvableReferencesNameFunctionNodeAndReference) {
  EXPECT_THAT(LowerError(Replaced(CallGraph("scale_add"), "mul:z:0", "ghost:z:0")).message(),
              HasSubstr("function 'scale_add' (attribute 'f'): body node 'add' input 'ghost:z:0': "
                        "names no node of the function"));
  EXPECT_THAT(LowerError(Replaced(kDirectCall, "split:output:1", "split:output:2")).message(),
              HasSubstr("ret 'hi' = 'split:output:2': index 2 is past the 2 tensors of the arg"));
  EXPECT_THAT(LowerError(Replaced(kDirectCall, R"("split:output" input)", R"("split:values" input)")).message(),
              HasSubstr("body node 'concat' input 'split:values': op 'Split' has no output arg 'values'"));
}

// An op outside the table of multi-output ops is taken to have one output;
// reading it through two output args contradicts that.
TEST(FunctionalTest, UnknownOpReadThroughTwoOutputArgsIsRefused) {
  std::string text = Replaced(CallGraph("scale_add"), R"(input: "mul:z:0" input: "b")",
                              R"(input: "mul:z:0" input: "mul:other:0")");
  EXPECT_THAT(LowerError(text).message(),
              HasSubstr("body node 'add' input 'mul:other:0': op 'Mul' is read through output "
                        "args 'z' and 'other'"));
}

TEST(FunctionalTest, UnboundPlaceholderIsAnError) {
  const std::string text = Replaced(kDirectCall, R"(input: "x" attr { key: "T" value { type: DT_FLOAT } })",
                                    R"(input: "x")");
  EXPECT_THAT(LowerError(text).message(),
              HasSubstr("signature input arg 'x' is typed by attribute 'T', which is not set"));
}

std::string ChainOfCalls(int depth, bool recursive) {
  std::string text = absl::StrCat(kFloatPlaceholder,
                                  "node { name: \"c\" op: \"f0\" input: \"x\" }\nlibrary {\n");
  for (int i = 0; i < depth; ++i) {
    const std::string callee = recursive && i == depth - 1 ? "f0" : absl::StrCat("f", i + 1);
    const bool leaf = !recursive && i == depth - 1;
    absl::StrAppend(&text, "function { signature { name: \"f", i,
                    "\" input_arg { name: \"a\" type: DT_FLOAT } output_arg { name: \"y\" type: DT_FLOAT } }\n",
                    leaf ? "  node_def { name: \"n\" op: \"Neg\" input: \"a\" }\n"
                         : absl::StrCat("  node_def { name: \"n\" op: \"", callee, "\" input: \"a\" }\n"),
                    "  ret { key: \"y\" value: \"n:y:0\" } }\n");
  }
  return text + "}\n";
}

TEST(FunctionalTest, RecursionAndDeepNestingAreRefused) {
  absl::Status recursive = LowerError(ChainOfCalls(3, true));
  EXPECT_EQ(recursive.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(recursive.message(),
              HasSubstr("function 'f0' (the node's op): calls itself (f0 -> f1 -> f2 -> f0)"));
  EXPECT_TRUE(LowerError(ChainOfCalls(kMaxFunctionNesting, false)).ok());
  EXPECT_THAT(LowerError(ChainOfCalls(kMaxFunctionNesting + 1, false)).message(),
              HasSubstr("functions nest deeper than 32 (f0 -> f1"));
}

TEST(FunctionalTest, InlinedNodesCountAgainstMaxNodes) {
  absl::Status status = LowerError(CallGraph("scale_add"), 6);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(),
              HasSubstr("node 'call' (StatefulPartitionedCall): inlining function 'scale_add' "
                        "makes the graph 8 nodes, over the limit of 6 (limits.max_nodes)"));
  EXPECT_TRUE(LowerError(CallGraph("scale_add"), 8).ok());
}

TEST(FunctionalTest, NonBoolPredicateIsUnimplemented) {
  absl::Status status = LowerError(Replaced(kIfGraph, R"(key: "Tcond" value { type: DT_BOOL })",
                                            R"(key: "Tcond" value { type: DT_INT32 })"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(status.message(), HasSubstr("attribute 'Tcond' is int32"));
}

TEST(FunctionalTest, LoopBodyArityMustMatchTheLoopVariables) {
  std::string text = Replaced(kWhileGraph, R"(ret { key: "v_next" value: "double:z:0" })", "");
  text = Replaced(text, R"(output_arg { name: "v_next" type: DT_FLOAT })", "");
  EXPECT_THAT(LowerError(text).message(),
              HasSubstr("node 'w' (While): function 'step' (attribute 'body'): returns 1 outputs "
                        "for the loop's 2 variables"));
}

}  // namespace
}  // namespace tflconv
