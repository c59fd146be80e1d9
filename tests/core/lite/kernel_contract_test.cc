#include "core/lite/kernel_contract.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/legalize/rule.h"
#include "core/lite/optimize.h"
#include "core/lite/versioning.h"
#include "tests/testing/lite_model_builder.h"

namespace tflconv {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using tflite::BuiltinOperator;
using tflite::TensorType;

class ModelBuilder : public testing::LiteModelBuilder {
 public:
  // Versions as the pipeline assigns them, then the check.
  absl::Status Check() {
    AssignOpVersions(model());
    return CheckKernelContracts(model());
  }
};

TEST(KernelContractTest, Int32BatchMatMulIsAnInternalErrorNamingTensorAndDtype) {
  ModelBuilder b;
  const int x = b.Tensor({2, 3}, tflite::TensorType_INT32, "x");
  const int y = b.Tensor({3, 4}, tflite::TensorType_INT32, "y");
  const int z = b.Tensor({2, 4}, tflite::TensorType_INT32, "z");
  b.Op(tflite::BuiltinOperator_BATCH_MATMUL, {x, y}, {z}, MakeOptions(tflite::BatchMatMulOptionsT{}));
  const absl::Status s = b.Check();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("BATCH_MATMUL"), HasSubstr("\"node\""),
                                 HasSubstr("input 0 (\"x\")"), HasSubstr("INT32"),
                                 HasSubstr("batch_matmul.cc")));
}

TEST(KernelContractTest, BoolPackIsRefusedAndBoolConcatenationAccepted) {
  ModelBuilder b;
  const int x = b.Tensor({2}, tflite::TensorType_BOOL, "x");
  const int y = b.Tensor({2, 2}, tflite::TensorType_BOOL, "y");
  b.Op(tflite::BuiltinOperator_PACK, {x, x}, {y}, MakeOptions(tflite::PackOptionsT{}));
  EXPECT_THAT(b.Check().message(), AllOf(HasSubstr("PACK"), HasSubstr("BOOL")));

  b.model().operators.back().builtin = tflite::BuiltinOperator_CONCATENATION;
  b.model().operators.back().options = MakeOptions(tflite::ConcatenationOptionsT{});
  EXPECT_TRUE(b.Check().ok()) << b.Check();
}

// Their 8-bit paths scale by quantization parameters tflconv never writes:
// on the runtime ADD and SUB abort and MUL and DIV return zeros.
TEST(KernelContractTest, UnquantizedEightBitArithmeticIsRefused) {
  const std::pair<BuiltinOperator, tflite::BuiltinOptionsUnion> ops[] = {
      {tflite::BuiltinOperator_ADD, MakeOptions(tflite::AddOptionsT{})},
      {tflite::BuiltinOperator_SUB, MakeOptions(tflite::SubOptionsT{})},
      {tflite::BuiltinOperator_MUL, MakeOptions(tflite::MulOptionsT{})},
      {tflite::BuiltinOperator_DIV, MakeOptions(tflite::DivOptionsT{})}};
  for (const auto& [op, options] : ops) {
    for (TensorType type : {tflite::TensorType_UINT8, tflite::TensorType_INT8}) {
      ModelBuilder b;
      const int x = b.Tensor({4}, type, "x");
      const int y = b.Tensor({4}, type, "y");
      b.Op(op, {x, x}, {y}, options);
      EXPECT_EQ(b.Check().code(), absl::StatusCode::kInternal)
          << tflite::EnumNameBuiltinOperator(op) << " " << tflite::EnumNameTensorType(type);
    }
  }
  // Plain int16 ADD and MUL are exact on the runtime.
  for (BuiltinOperator op : {tflite::BuiltinOperator_ADD, tflite::BuiltinOperator_MUL}) {
    ModelBuilder b;
    const int x = b.Tensor({4}, tflite::TensorType_INT16, "x");
    const int y = b.Tensor({4}, tflite::TensorType_INT16, "y");
    b.Op(op, {x, x}, {y},
         op == tflite::BuiltinOperator_ADD ? MakeOptions(tflite::AddOptionsT{})
                                           : MakeOptions(tflite::MulOptionsT{}));
    EXPECT_TRUE(b.Check().ok()) << b.Check();
  }
}

TEST(KernelContractTest, ActivationFusedIntoConcatenationIsRefused) {
  ModelBuilder b;
  const int x = b.Tensor({1, 2}, tflite::TensorType_FLOAT32, "x");
  const int y = b.Tensor({1, 4}, tflite::TensorType_FLOAT32, "y");
  tflite::ConcatenationOptionsT concat;
  concat.axis = 1;
  concat.fused_activation_function = tflite::ActivationFunctionType_RELU;
  b.Op(tflite::BuiltinOperator_CONCATENATION, {x, x}, {y}, MakeOptions(concat));
  EXPECT_THAT(b.Check().message(), AllOf(HasSubstr("CONCATENATION"), HasSubstr("RELU"),
                                         HasSubstr("does not apply")));
}

// conv3d.cc and conv3d_transpose.cc clamp with CalculateActivationRange's
// bounds: RELU6 and RELU_N1_TO_1 are applied, TANH and SIGN_BIT would be
// ignored, so a model fusing them into either is refused.
TEST(KernelContractTest, Conv3DKernelsApplyOnlyClampingActivations) {
  ModelBuilder b;
  const int x = b.Tensor({1, 2, 2, 2, 1}, tflite::TensorType_FLOAT32, "x");
  const int filter = b.Tensor({1, 1, 1, 1, 1}, tflite::TensorType_FLOAT32, "filter");
  const int sizes = b.Tensor({5}, tflite::TensorType_INT32, "sizes");
  const int y = b.Tensor({1, 2, 2, 2, 1}, tflite::TensorType_FLOAT32, "y");
  const int z = b.Tensor({1, 2, 2, 2, 1}, tflite::TensorType_FLOAT32, "z");
  tflite::Conv3DOptionsT options;
  options.fused_activation_function = tflite::ActivationFunctionType_TANH;
  b.Op(tflite::BuiltinOperator_CONV_3D, {x, filter}, {y}, MakeOptions(options));
  EXPECT_THAT(b.Check().message(), AllOf(HasSubstr("CONV_3D"), HasSubstr("fused activation TANH"),
                                         HasSubstr("does not apply")));
  tflite::ActivationFunctionType* slot = FusedActivationSlot(b.model().operators[0]);
  ASSERT_NE(slot, nullptr);
  *slot = tflite::ActivationFunctionType_RELU6;
  EXPECT_TRUE(b.Check().ok()) << b.Check();

  options.fused_activation_function = tflite::ActivationFunctionType_SIGN_BIT;
  b.Op(tflite::BuiltinOperator_CONV_3D_TRANSPOSE, {sizes, filter, y}, {z}, MakeOptions(options));
  EXPECT_THAT(b.Check().message(), AllOf(HasSubstr("CONV_3D_TRANSPOSE"),
                                         HasSubstr("fused activation SIGN_BIT")));
  slot = FusedActivationSlot(b.model().operators[1]);
  ASSERT_NE(slot, nullptr);
  *slot = tflite::ActivationFunctionType_RELU_N1_TO_1;
  EXPECT_TRUE(b.Check().ok()) << b.Check();
}

TEST(KernelContractTest, RankAndSameTypeRules) {
  ModelBuilder b;
  const int x = b.Tensor({1, 1, 1, 1, 1, 1, 1, 2, 3}, tflite::TensorType_FLOAT32, "x");
  const int perm = b.Tensor({9}, tflite::TensorType_INT32, "perm");
  const int y = b.Tensor({1, 1, 1, 1, 1, 1, 1, 3, 2}, tflite::TensorType_FLOAT32, "y");
  b.Op(tflite::BuiltinOperator_TRANSPOSE, {x, perm}, {y}, MakeOptions(tflite::TransposeOptionsT{}));
  EXPECT_THAT(b.Check().message(), HasSubstr("has rank 9; the kernel takes ranks 0 to 8"));

  ModelBuilder add;
  const int f = add.Tensor({2}, tflite::TensorType_FLOAT32, "f");
  const int i = add.Tensor({2}, tflite::TensorType_INT32, "i");
  add.Op(tflite::BuiltinOperator_ADD, {f, i}, {f}, MakeOptions(tflite::AddOptionsT{}));
  EXPECT_THAT(add.Check().message(),
              HasSubstr("input 1 (\"i\") has dtype INT32; the kernel needs input 0's FLOAT32"));
}

TEST(KernelContractTest, BuiltinWithoutContractIsAnInternalError) {
  ModelBuilder b;
  const int x = b.Tensor({1, 2}, tflite::TensorType_FLOAT32, "x");
  b.Op(tflite::BuiltinOperator_L2_NORMALIZATION, {x}, {x});
  const absl::Status s = b.Check();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("L2_NORMALIZATION (from TF node \"node\") has no kernel contract"));
}

TEST(KernelContractTest, CustomOperatorsAreNotChecked) {
  ModelBuilder b;
  const int x = b.Tensor({1, 2}, tflite::TensorType_STRING, "x");
  b.Op(tflite::BuiltinOperator_CUSTOM, {x}, {x}).custom_code = "FlexFoo";
  EXPECT_TRUE(b.Check().ok());
}

// The optimizer asks the contract: RELU after CONCATENATION stays a RELU
// (its kernel would return the values unactivated), after CONV_2D it fuses.
TEST(KernelContractTest, OptimizerFusesActivationsOnlyWhereTheKernelAppliesThem) {
  ModelBuilder b;
  const int x = b.Tensor({1, 2, 2, 1}, tflite::TensorType_FLOAT32, "x");
  const int joined = b.Tensor({1, 2, 2, 2}, tflite::TensorType_FLOAT32, "joined");
  const int relu = b.Tensor({1, 2, 2, 2}, tflite::TensorType_FLOAT32, "relu");
  tflite::ConcatenationOptionsT concat;
  concat.axis = 3;
  b.Op(tflite::BuiltinOperator_CONCATENATION, {x, x}, {joined}, MakeOptions(concat));
  b.Op(tflite::BuiltinOperator_RELU, {joined}, {relu});
  b.model().inputs = {x};
  b.model().outputs = {relu};
  EXPECT_EQ(OptimizeLiteModel(b.model()).activations_fused, 0);
  ASSERT_EQ(b.model().operators.size(), 2u);
  EXPECT_EQ(b.model().operators[1].builtin, tflite::BuiltinOperator_RELU);
  EXPECT_TRUE(b.Check().ok()) << b.Check();

  EXPECT_TRUE(KernelAppliesActivation(tflite::BuiltinOperator_CONV_2D,
                                      tflite::ActivationFunctionType_RELU6));
  EXPECT_FALSE(KernelAppliesActivation(tflite::BuiltinOperator_CONCATENATION,
                                       tflite::ActivationFunctionType_RELU));
}

std::string ReadSource(const std::string& path) {
  std::ifstream in(std::string(TFLCONV_SOURCE_DIR) + "/" + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

BuiltinOperator BuiltinNamed(const std::string& name) {
  for (int op = tflite::BuiltinOperator_MIN; op <= tflite::BuiltinOperator_MAX; ++op) {
    if (name == tflite::EnumNameBuiltinOperator(static_cast<BuiltinOperator>(op))) {
      return static_cast<BuiltinOperator>(op);
    }
  }
  ADD_FAILURE() << "no builtin named " << name;
  return tflite::BuiltinOperator_CUSTOM;
}

// Whether the runtime table lists some version of `op` (BROADCAST_TO starts
// at 2).
bool HasRuntimeVersion(BuiltinOperator op) {
  for (int version = 1; version <= 20; ++version) {
    if (!RuntimeVersionOf(op, version).empty()) return true;
  }
  return false;
}

// Every BuiltinOperator_* the rules, the optimizer, the legalizer and the
// fp16 pass name (what tflconv can emit) has a kernel contract, a version
// rule and a runtime version for each version its rules give.
TEST(KernelContractTest, EveryEmittedBuiltinHasContractVersionRuleAndRuntimeVersion) {
  std::vector<std::string> emitters = {"core/lite/optimize.cc", "core/lite/control_flow.cc",
                                       "core/quantize/fp16.cc"};
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TFLCONV_SOURCE_DIR) + "/core/legalize")) {
    if (entry.path().extension() == ".cc") {
      emitters.push_back("core/legalize/" + entry.path().filename().string());
    }
  }
  const std::regex builtin("BuiltinOperator_([A-Z0-9_]+)");
  std::set<std::string> names;
  for (const std::string& file : emitters) {
    const std::string text = ReadSource(file);
    ASSERT_FALSE(text.empty()) << file;
    for (std::sregex_iterator it(text.begin(), text.end(), builtin), end; it != end; ++it) {
      names.insert((*it)[1]);
    }
  }
  names.erase("CUSTOM");  // Flex and custom ops: the runtime resolves them by name
  EXPECT_GT(names.size(), 80u);
  for (const std::string& name : names) {
    const BuiltinOperator op = BuiltinNamed(name);
    EXPECT_NE(FindKernelContract(op), nullptr) << name << " has no kernel contract";
    EXPECT_TRUE(HasVersionRule(op)) << name << " has no version rule";
    EXPECT_TRUE(HasRuntimeVersion(op)) << name << " has no runtime version";
  }
  // And every contract has its versions, so a rule may start emitting it.
  for (BuiltinOperator op : ContractedBuiltins()) {
    EXPECT_TRUE(HasVersionRule(op)) << tflite::EnumNameBuiltinOperator(op);
    EXPECT_TRUE(HasRuntimeVersion(op)) << tflite::EnumNameBuiltinOperator(op);
  }
}

}  // namespace
}  // namespace tflconv
