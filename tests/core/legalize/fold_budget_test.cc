// The constant-folding budget (limits.max_folded_bytes): folds over it stay
// unfolded, a Const expanded over it fails with RESOURCE_EXHAUSTED, and the
// tiny graphs of issue 9 that amplified into gigabytes stay within an
// address-space limit.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <ostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace tflconv::testing;

// A float Const of `shape` that stores only `values` (TensorFlow repeats
// the last one): a few bytes in the graph, the whole shape once decoded.
std::string CompactConst(GraphBuilder& g, const std::string& name, std::vector<int64_t> shape,
                         std::vector<float> values) {
  tensorflow::NodeDef& node = g.Op("Const", name, {});
  AttrType(node, "dtype", tensorflow::DT_FLOAT);
  tensorflow::TensorProto& tensor = *(*node.mutable_attr())["value"].mutable_tensor();
  tensor.set_dtype(tensorflow::DT_FLOAT);
  for (int64_t d : shape) tensor.mutable_tensor_shape()->add_dim()->set_size(d);
  for (float v : values) tensor.add_float_val(v);
  return name;
}

// Range(start, limit, delta) of int32 scalars.
void Range(GraphBuilder& g, const std::string& name, int32_t start, int32_t limit,
           int32_t delta) {
  g.ConstInt(name + "/start", {}, {start});
  g.ConstInt(name + "/limit", {}, {limit});
  g.ConstInt(name + "/delta", {}, {delta});
  AttrType(g.Op("Range", name, {name + "/start", name + "/limit", name + "/delta"}), "Tidx",
           tensorflow::DT_INT32);
}

v1::ConversionOptions BudgetOptions(std::vector<std::string> inputs,
                                    std::vector<std::string> outputs, uint64_t budget) {
  v1::ConversionOptions options = Options(std::move(inputs), std::move(outputs));
  options.mutable_limits()->set_max_folded_bytes(budget);
  return options;
}

TEST(FoldBudgetTest, FoldOverTheBudgetIsLeftToRunTime) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {1000});
  Range(g, "range", 0, 1000, 1);  // 4000 bytes folded
  AttrType(g.Op("AddV2", "out", {"x", "range"}), "T", tensorflow::DT_INT32);
  ConversionResult folded = ConvertGraph(g, BudgetOptions({"x"}, {"out"}, 4000));
  ASSERT_TRUE(folded.status.ok()) << folded.status;
  EXPECT_THAT(OperatorNames(ModelOf(folded.artifacts[0])), Not(Contains("RANGE")));
  ConversionResult unfolded = ConvertGraph(g, BudgetOptions({"x"}, {"out"}, 3999));
  ASSERT_TRUE(unfolded.status.ok()) << unfolded.status;
  EXPECT_THAT(OperatorNames(ModelOf(unfolded.artifacts[0])), Contains("RANGE"));
}

TEST(FoldBudgetTest, BudgetIsCumulativeOverTheConversion) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {1000});
  Range(g, "a", 0, 1000, 1);
  Range(g, "b", 0, 2000, 2);
  AttrType(g.Op("AddV2", "sum", {"x", "a"}), "T", tensorflow::DT_INT32);
  AttrType(g.Op("AddV2", "out", {"sum", "b"}), "T", tensorflow::DT_INT32);
  // Each Range fits alone; the second one no longer does.
  ConversionResult result = ConvertGraph(g, BudgetOptions({"x"}, {"out"}, 6000));
  ASSERT_TRUE(result.status.ok()) << result.status;
  const std::vector<std::string> ops = OperatorNames(ModelOf(result.artifacts[0]));
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "RANGE"), 1);
}

TEST(FoldBudgetTest, ConstExpandedOverTheBudgetIsResourceExhausted) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_FLOAT, {1 << 20});
  CompactConst(g, "big", {1 << 20}, {1.5f});  // 4 MiB decoded from one value
  AttrType(g.Op("AddV2", "out", {"x", "big"}), "T", tensorflow::DT_FLOAT);
  ConversionResult result = ConvertGraph(g, BudgetOptions({"x"}, {"out"}, 1 << 20));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kResourceExhausted) << result.status;
  EXPECT_THAT(result.status.message(), HasSubstr("node 'big' (Const)"));
  EXPECT_THAT(result.status.message(), HasSubstr("limits.max_folded_bytes"));
  ConversionResult within = ConvertGraph(g, BudgetOptions({"x"}, {"out"}, 8 << 20));
  EXPECT_TRUE(within.status.ok()) << within.status;
}

// --- The amplification graphs under an address-space limit ----------------

struct AmplificationCase {
  const char* name;
  std::function<GraphBuilder()> graph;
  absl::StatusCode expected;
};

void PrintTo(const AmplificationCase& c, std::ostream* os) { *os << c.name; }

// Range(0, 2^31-1, 2) cast to int64 and added to itself: 12.6 GB of RSS
// before the budget.
GraphBuilder RangeCastAdd() {
  GraphBuilder g;
  Range(g, "range", 0, 2147483647, 2);
  auto& cast = g.Op("Cast", "cast", {"range"});
  AttrType(cast, "SrcT", tensorflow::DT_INT32);
  AttrType(cast, "DstT", tensorflow::DT_INT64);
  AttrType(g.Op("AddV2", "out", {"cast", "cast"}), "T", tensorflow::DT_INT64);
  return g;
}

// A Const whose shape says 2^30 elements with one stored value.
GraphBuilder HugeCompactConst() {
  GraphBuilder g;
  CompactConst(g, "huge", {1 << 30}, {1.0f});
  AttrType(g.Op("Neg", "out", {"huge"}), "T", tensorflow::DT_FLOAT);
  return g;
}

// `op` applied to a 64 MiB constant of two stored values.
GraphBuilder OnCompactImage(const std::string& op) {
  GraphBuilder g;
  CompactConst(g, "image", {1, 4096, 4096, 1}, {1.0f, 2.0f});
  if (op == "MirrorPad") {
    g.ConstInt("paddings", {4, 2}, {0, 0, 4095, 4095, 4095, 4095, 0, 0});
    AttrString(g.Op("MirrorPad", "out", {"image", "paddings"}), "mode", "REFLECT");
  } else if (op == "ResizeNearestNeighbor") {
    g.ConstInt("size", {2}, {30000, 30000});
    g.Op("ResizeNearestNeighbor", "out", {"image", "size"});
  } else if (op == "ArgMax") {
    g.ConstInt("axis", {}, {1});
    g.ConstInt("axis2", {}, {2});
    g.Op("ArgMax", "first", {"image", "axis"});
    g.Op("ArgMax", "second", {"image", "axis2"});
    AttrType(g.Op("AddV2", "out", {"first", "second"}), "T", tensorflow::DT_INT64);
  } else if (op == "Tile") {
    g.ConstInt("multiples", {4}, {1, 4, 4, 1});
    g.Op("Tile", "out", {"image", "multiples"});
  } else if (op == "BroadcastTo") {
    g.ConstInt("shape", {4}, {16, 4096, 4096, 1});
    g.Op("BroadcastTo", "out", {"image", "shape"});
  }
  return g;
}

GraphBuilder FillHuge() {
  GraphBuilder g;
  g.ConstInt("dims", {1}, {1 << 29});
  g.ConstFloat("one", {}, {1});
  g.Op("Fill", "out", {"dims", "one"});
  return g;
}

// The child's virtual memory now, from /proc/self/statm.
uint64_t AddressSpaceBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

class AmplificationTest : public ::testing::TestWithParam<AmplificationCase> {};

// Converts in a forked child whose address space may grow by 1 GiB, with a
// fold budget of a quarter of it (what the server derives from a job's
// reservation). The child exits with the status code; a crash or an
// allocation failure shows as a signal.
TEST_P(AmplificationTest, StaysWithinAnAddressSpaceLimit) {
  const AmplificationCase& c = GetParam();
  const GraphBuilder graph = c.graph();
  constexpr uint64_t kHeadroom = 1ull << 30;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit limit{AddressSpaceBytes() + kHeadroom, AddressSpaceBytes() + kHeadroom};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(100);
    ConversionResult result = Convert(graph.Binary(), BudgetOptions({}, {"out"}, kHeadroom / 4));
    if (!result.status.ok()) std::fprintf(stderr, "%s\n", result.status.ToString().c_str());
    _exit(static_cast<int>(result.status.code()));
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << c.name << " died with signal " << WTERMSIG(status);
  EXPECT_EQ(static_cast<absl::StatusCode>(WEXITSTATUS(status)), c.expected) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Issue9, AmplificationTest,
    ::testing::Values(
        // Left to run time: RANGE, CAST and ADD run in the model.
        AmplificationCase{"RangeCastAdd", RangeCastAdd, absl::StatusCode::kOk},
        AmplificationCase{"HugeCompactConst", HugeCompactConst,
                          absl::StatusCode::kResourceExhausted},
        AmplificationCase{"MirrorPad", [] { return OnCompactImage("MirrorPad"); },
                          absl::StatusCode::kOk},
        AmplificationCase{"ResizeNearestNeighbor",
                          [] { return OnCompactImage("ResizeNearestNeighbor"); },
                          absl::StatusCode::kOk},
        // The first ArgMax folds (its index table counts), the second does not fit.
        AmplificationCase{"ArgMax", [] { return OnCompactImage("ArgMax"); },
                          absl::StatusCode::kOk},
        AmplificationCase{"Tile", [] { return OnCompactImage("Tile"); }, absl::StatusCode::kOk},
        AmplificationCase{"BroadcastTo", [] { return OnCompactImage("BroadcastTo"); },
                          absl::StatusCode::kOk},
        AmplificationCase{"Fill", FillHuge, absl::StatusCode::kOk}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tflconv
