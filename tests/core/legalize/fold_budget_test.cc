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

#include "tests/testing/control_flow_builder.h"
#include "tests/testing/hostile_graphs.h"

namespace tflconv {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace tflconv::testing;

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

// An unrolling given up at unroll_limit is taken back whole, the bytes it
// folded with it: what it folded cannot keep a later fold out.
TEST(FoldBudgetTest, AnUnrollingGivenUpGivesItsFoldedBytesBack) {
  using tensorflow::DT_FLOAT;
  using tensorflow::DT_INT32;
  GraphBuilder g;
  g.Placeholder("x", DT_FLOAT, {2});
  g.Placeholder("y", DT_INT32, {1000});
  g.ConstInt("fill_dims", {1}, {1000});
  g.ConstInt("sum_axis", {1}, {0});
  // Each iteration folds Fill([1000], float(i)): 4000 bytes.
  const std::string loop = CountedLoop(g, "loop", "x", 50, [](GraphBuilder& g,
                                                               const FrameTensors& t) {
    tensorflow::NodeDef& cast = g.Op("Cast", "loop/i_float", {t.vars[0]});
    AttrType(cast, "SrcT", DT_INT32);
    AttrType(cast, "DstT", DT_FLOAT);
    tensorflow::NodeDef& fill = g.Op("Fill", "loop/fill", {"fill_dims", "loop/i_float"});
    AttrType(fill, "T", DT_FLOAT);
    AttrType(fill, "index_type", DT_INT32);
    tensorflow::NodeDef& sum = g.Op("Sum", "loop/sum", {"loop/fill", "sum_axis"});
    AttrType(sum, "T", DT_FLOAT);
    AttrType(sum, "Tidx", DT_INT32);
    return std::vector<std::string>{TypedOp(g, "AddV2", "loop/plus", {t.vars[1], "loop/sum"},
                                            DT_FLOAT)};
  });
  TypedOp(g, "Identity", "out", {loop}, DT_FLOAT);
  Range(g, "range", 0, 1000, 1);  // 4000 bytes, after the loop
  TypedOp(g, "AddV2", "out2", {"y", "range"}, DT_INT32);
  v1::ConversionOptions options = BudgetOptions({"x", "y"}, {"out", "out2"}, 4000);
  options.set_unroll_limit(20);
  ConversionResult result = ConvertGraph(g, options);
  ASSERT_TRUE(result.status.ok()) << result.status;
  const v1::ControlFlowRegion* region = FindRegion(result.report, "while loop", "loop");
  ASSERT_NE(region, nullptr);
  EXPECT_THAT(region->disposition(), HasSubstr("more than unroll_limit=20"));
  EXPECT_THAT(OperatorNames(ModelOf(result.artifacts[0])), Not(Contains("RANGE")));
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
