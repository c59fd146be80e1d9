// Runs every registered rule over every dtype on tiny generated graphs and
// fails on any conversion that reaches export with an operator outside its
// kernel contract (an INTERNAL error: the optimizer or the fp16 pass broke
// it, or a rule emitted it past the legalizer's check) or that crashes.
// Graphs a rule refuses (INVALID_ARGUMENT, or declined -> Flex or
// unsupported, as the legalizer does with any form outside a contract) are
// fine: whatever the converter does emit, the runtime accepts.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "core/legalize/registry.h"
#include "tests/testing/graph_builder.h"

namespace tflconv {
namespace {

using ::testing::HasSubstr;
using namespace tflconv::testing;

const std::vector<tensorflow::DataType> kDtypes = {
    tensorflow::DT_FLOAT, tensorflow::DT_HALF,  tensorflow::DT_DOUBLE,
    tensorflow::DT_INT32, tensorflow::DT_INT64, tensorflow::DT_INT16,
    tensorflow::DT_INT8,  tensorflow::DT_UINT8, tensorflow::DT_BOOL};

// How the op's inputs are made.
enum class Operands {
  kAllComputed,         // every input a placeholder of the dtype
  kFirstComputed,       // input 0 a placeholder, the rest int32 constants 1
  kLastConstantAxis,    // placeholders, then an int32 scalar 0 (ConcatV2's axis)
};

// Attributes most rules read, all set to the swept dtype.
void SetCommonAttrs(tensorflow::NodeDef& node, tensorflow::DataType dtype, int n) {
  for (const char* name : {"T", "dtype", "SrcT", "DstT", "Tparams", "out_type", "Tout"}) {
    AttrType(node, name, dtype);
  }
  for (const char* name : {"Tidx", "Tindices", "Tshape", "Tpaddings", "Tmultiples"}) {
    AttrType(node, name, tensorflow::DT_INT32);
  }
  AttrInt(node, "N", n);
  AttrInt(node, "num", 3);
  AttrInt(node, "num_split", 3);
}

struct Sweep {
  int conversions = 0;
  int converted = 0;
};

void RunCase(const std::string& op, tensorflow::DataType dtype, int arity, Operands operands,
             const std::vector<int64_t>& shape, Sweep& sweep) {
  GraphBuilder g;
  std::vector<std::string> inputs, placeholders;
  int n = arity;
  for (int i = 0; i < arity; ++i) {
    const std::string name = "in" + std::to_string(i);
    const bool computed = operands == Operands::kAllComputed || i == 0 ||
                          (operands == Operands::kLastConstantAxis && i + 1 < arity);
    if (computed) {
      placeholders.push_back(g.Placeholder(name, dtype, shape));
      inputs.push_back(name);
    } else if (operands == Operands::kLastConstantAxis) {
      inputs.push_back(g.ConstInt(name, {}, {0}));
      n = arity - 1;
    } else {
      inputs.push_back(g.ConstInt(name, {1}, {1}));
    }
  }
  SetCommonAttrs(g.Op(op, "op", inputs), dtype, n);
  const ConversionResult result = ConvertGraph(g, Options(placeholders, {"op"}, /*fp16=*/true));
  ++sweep.conversions;
  sweep.converted += result.status.ok();
  EXPECT_NE(result.status.code(), absl::StatusCode::kInternal)
      << op << " on " << tensorflow::DataType_Name(dtype) << ", " << arity << " inputs (mode "
      << static_cast<int>(operands) << "), shape rank " << shape.size() << ": "
      << result.status;
}

TEST(ContractSweepTest, NoConversionExportsAnOperatorOutsideItsKernelContract) {
  Sweep sweep;
  for (const std::string& op : RuleRegistry::Global().OpNames()) {
    for (tensorflow::DataType dtype : kDtypes) {
      for (const std::vector<int64_t>& shape :
           {std::vector<int64_t>{3, 3}, std::vector<int64_t>{1, 3, 3, 3}}) {
        for (int arity = 1; arity <= 3; ++arity) {
          RunCase(op, dtype, arity, Operands::kAllComputed, shape, sweep);
          if (arity == 1) continue;
          RunCase(op, dtype, arity, Operands::kFirstComputed, shape, sweep);
          RunCase(op, dtype, arity, Operands::kLastConstantAxis, shape, sweep);
        }
      }
    }
  }
  // The sweep must reach the rules, not stop at import.
  EXPECT_GT(sweep.converted, sweep.conversions / 10) << sweep.converted << " of "
                                                     << sweep.conversions << " converted";
  RecordProperty("conversions", sweep.conversions);
  RecordProperty("converted", sweep.converted);
}

// Ceil on int32 would be a CEIL its kernel refuses (float32 only): the rule
// is declined with the contract's reason instead of emitting it.
TEST(ContractSweepTest, RuleOutputOutsideTheContractIsDeclinedWithTheReason) {
  GraphBuilder g;
  g.Placeholder("x", tensorflow::DT_INT32, {2, 3});
  AttrType(g.Op("Ceil", "op", {"x"}), "T", tensorflow::DT_INT32);
  const ConversionResult result = ConvertGraph(g, Options({"x"}, {"op"}));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kFailedPrecondition) << result.status;
  std::string warnings;
  for (const auto& op : result.report.coverage().ops()) {
    if (op.tf_op() == "Ceil") warnings = absl::StrJoin(op.warnings(), "\n");
  }
  EXPECT_THAT(warnings,
              HasSubstr("unsupported: CEIL (from TF node \"op\") input 0 (\"x\") has dtype INT32; "
                        "the kernel takes FLOAT32 (LiteRT kernel ceil.cc)"));
}

}  // namespace
}  // namespace tflconv
