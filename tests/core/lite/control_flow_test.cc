#include "core/lite/control_flow.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/kernel_contract.h"
#include "core/lite/optimize.h"
#include "core/lite/versioning.h"
#include "tests/testing/control_flow_models.h"
#include "tests/testing/lite_model_builder.h"

namespace tflconv {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::LiteModelBuilder;
using tflite::TensorType_BOOL;
using tflite::TensorType_FLOAT32;
using tflite::TensorType_INT32;

constexpr int kCond = 1;
constexpr int kBody = 2;

TEST(SubgraphFocusTest, RulesBuildTheFocusedSubgraphAndScopesRestoreTheMain) {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  b.Tensor({1}, TensorType_FLOAT32, "main_tensor");
  EXPECT_EQ(m.AddSubgraph("first"), 1);
  EXPECT_EQ(m.AddSubgraph("second"), 2);
  {
    SubgraphFocus first(m, 1);
    b.Tensor({1}, TensorType_FLOAT32, "first_tensor");
    {
      SubgraphFocus second(m, 2);
      b.Tensor({1}, TensorType_FLOAT32, "second_tensor");
      EXPECT_EQ(m.focused_subgraph(), 2);
      EXPECT_EQ(m.name, "second");
      EXPECT_EQ(m.subgraph(0).tensors[0].name, "main_tensor");
      EXPECT_EQ(m.subgraph(1).tensors[0].name, "first_tensor");
      EXPECT_EQ(m.subgraph(2).tensors[0].name, "second_tensor");
      {
        SubgraphFocus main(m, 0);
        EXPECT_EQ(m.tensors[0].name, "main_tensor");
        EXPECT_EQ(m.subgraph(2).tensors[0].name, "second_tensor");
      }
      EXPECT_EQ(m.tensors[0].name, "second_tensor");
    }
    EXPECT_EQ(m.focused_subgraph(), 1);
    ASSERT_EQ(m.tensors.size(), 1u);
    EXPECT_EQ(m.tensors[0].name, "first_tensor");
  }
  EXPECT_EQ(m.focused_subgraph(), 0);
  EXPECT_EQ(m.name, "main");
  ASSERT_EQ(m.tensors.size(), 1u);
  EXPECT_EQ(m.tensors[0].name, "main_tensor");
  EXPECT_EQ(m.bodies[0].name, "first");
  EXPECT_EQ(m.bodies[1].tensors[0].name, "second_tensor");
}

TEST(ControlFlowTest, AddWhileAppendsAWhileNamingItsSubgraphs) {
  absl::StatusOr<LiteModel> model = testing::CountingLoop();
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->subgraph_count(), 3);
  ASSERT_EQ(model->operators.size(), 1u);
  const LiteOperator& op = model->operators[0];
  EXPECT_EQ(op.builtin, tflite::BuiltinOperator_WHILE);
  EXPECT_EQ(op.inputs.size(), 3u);
  EXPECT_EQ(op.outputs.size(), 3u);
  ASSERT_NE(op.options.AsWhileOptions(), nullptr);
  EXPECT_EQ(op.options.AsWhileOptions()->cond_subgraph_index, kCond);
  EXPECT_EQ(op.options.AsWhileOptions()->body_subgraph_index, kBody);
  EXPECT_EQ(op.tf_node, "count");
}

TEST(ControlFlowTest, AddIfTakesTheConditionFirst) {
  absl::StatusOr<LiteModel> model = testing::AddOrMul();
  ASSERT_TRUE(model.ok()) << model.status();
  const LiteOperator& op = model->operators[0];
  EXPECT_EQ(op.builtin, tflite::BuiltinOperator_IF);
  EXPECT_EQ(op.inputs, std::vector<int>({0, 1, 2}));
  ASSERT_NE(op.options.AsIfOptions(), nullptr);
  EXPECT_EQ(op.options.AsIfOptions()->then_subgraph_index, 1);
  EXPECT_EQ(op.options.AsIfOptions()->else_subgraph_index, 2);
}

// A main subgraph with loop variables (i: int32, x: float32) and a cond and
// body whose signatures the test edits before AddWhile.
class WhileSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    i_ = b_.Tensor({}, TensorType_INT32, "i");
    x_ = b_.Tensor({2}, TensorType_FLOAT32, "x");
    i_out_ = b_.Tensor({}, TensorType_INT32, "i_out");
    x_out_ = b_.Tensor({2}, TensorType_FLOAT32, "x_out");
    for (int g : {m().AddSubgraph("cond"), m().AddSubgraph("body")}) {
      SubgraphFocus focus(m(), g);
      m().inputs = {b_.Tensor({}, TensorType_INT32, "i"), b_.Tensor({2}, TensorType_FLOAT32, "x")};
      m().outputs =
          g == kCond ? std::vector<int>{b_.Tensor({}, TensorType_BOOL, "go")} : m().inputs;
    }
  }

  LiteModel& m() { return b_.model(); }
  absl::Status Add(int cond = kCond, int body = kBody, int in = 0) {
    return AddWhile(m(), in, cond, body, {i_, x_}, {i_out_, x_out_}, "loop");
  }

  LiteModelBuilder b_;
  int i_, x_, i_out_, x_out_;
};

TEST_F(WhileSignatureTest, MatchingSubgraphsPass) { EXPECT_TRUE(Add().ok()); }

TEST_F(WhileSignatureTest, BodyReturningFewerVariablesIsRefused) {
  m().subgraph(kBody).outputs.pop_back();
  EXPECT_EQ(Add().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Add().message(),
              AllOf(HasSubstr("WHILE (from TF node \"loop\")"),
                    HasSubstr("passes 2 outputs but body subgraph \"body\" has 1")));
  EXPECT_TRUE(m().operators.empty());
}

TEST_F(WhileSignatureTest, CondReturningAnIntIsRefused) {
  LiteSubgraph& cond = m().subgraph(kCond);
  cond.tensors[cond.outputs[0]].type = TensorType_INT32;
  EXPECT_THAT(
      Add().message(),
      HasSubstr("cond subgraph \"cond\" output (\"go\") has dtype INT32; the kernel takes BOOL"));
}

TEST_F(WhileSignatureTest, CondReturningAVectorIsRefused) {
  LiteSubgraph& cond = m().subgraph(kCond);
  cond.tensors[cond.outputs[0]].shape = {1, 1};
  EXPECT_THAT(Add().message(), HasSubstr("has rank 2; the kernel takes a scalar or shape [1]"));
}

TEST_F(WhileSignatureTest, LoopVariableOfAnotherDtypeThanTheBodyInputIsRefused) {
  m().subgraph(kBody).tensors[0].type = tflite::TensorType_INT64;
  EXPECT_THAT(Add().message(),
              HasSubstr("input 0 (\"i\") has dtype INT32 but body subgraph \"body\" input 0 "
                        "(\"i\") has INT64"));
}

TEST_F(WhileSignatureTest, BadSubgraphIndicesAreRefused) {
  EXPECT_THAT(Add(kBody, kBody).message(), HasSubstr("as both cond and body"));
  EXPECT_THAT(Add(kCond, 7).message(), HasSubstr("names body subgraph 7"));
  EXPECT_THAT(Add(0, kBody).message(), HasSubstr("names cond subgraph 0"));
  EXPECT_THAT(Add(kCond, kBody, kBody).message(), HasSubstr("which would recurse without end"));
  EXPECT_THAT(Add(kCond, kBody, 9).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ControlFlowTest, IfOnAFloatConditionIsRefused) {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int c = b.Tensor({}, TensorType_FLOAT32, "c");
  const int y = b.Tensor({}, TensorType_FLOAT32, "y");
  const int branch = m.AddSubgraph("branch");
  {
    SubgraphFocus focus(m, branch);
    m.outputs = {b.Tensor({}, TensorType_FLOAT32, "out")};
  }
  const absl::Status s = AddIf(m, 0, branch, branch, c, {}, {y}, "choose");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("condition input 0 (\"c\") has dtype FLOAT32; the kernel "
                                     "takes BOOL"));
  m.tensors[c].type = TensorType_BOOL;
  EXPECT_THAT(AddIf(m, 0, branch, branch, c, {c}, {y}, "choose").message(),
              HasSubstr("passes 1 inputs but then subgraph \"branch\" has 0"));
  EXPECT_TRUE(AddIf(m, 0, branch, branch, c, {}, {y}, "choose").ok());
}

TEST(ControlFlowTest, ContractBreachInsideABodyIsAnInternalErrorNamingTheBody) {
  absl::StatusOr<LiteModel> model = testing::CountingLoop();
  ASSERT_TRUE(model.ok()) << model.status();
  AssignOpVersions(*model);
  ASSERT_TRUE(CheckKernelContracts(*model).ok());
  // The body's int32 ADD with a fused TANH, which add.cc does not apply.
  LiteOperator& add = model->subgraph(kBody).operators[0];
  ASSERT_EQ(add.builtin, tflite::BuiltinOperator_ADD);
  add.options.AsAddOptions()->fused_activation_function = tflite::ActivationFunctionType_TANH;
  const absl::Status s = CheckKernelContracts(*model);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), AllOf(HasSubstr("in subgraph \"count/body\""),
                                 HasSubstr("has fused activation TANH")));
}

TEST(ControlFlowTest, BodyEditedOutOfItsWhileSignatureIsAnInternalError) {
  absl::StatusOr<LiteModel> model = testing::CountingLoop();
  ASSERT_TRUE(model.ok()) << model.status();
  AssignOpVersions(*model);
  model->subgraph(kBody).outputs.pop_back();
  const absl::Status s = CheckKernelContracts(*model);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("passes 3 outputs but body subgraph \"count/body\" has 2"));
}

TEST(ControlFlowTest, VersionsAndMinimumRuntimeCoverEverySubgraph) {
  absl::StatusOr<LiteModel> model = testing::CountingLoop();
  ASSERT_TRUE(model.ok()) << model.status();
  AssignOpVersions(*model);
  EXPECT_EQ(model->operators[0].version, 1);
  EXPECT_EQ(MinRuntimeVersion(*model), "1.15.0");  // WHILE v1
  // A WHERE on the body's float x is version 2 (runtime 2.8.0); it would be
  // version 1 if its input were read from the main subgraph, whose tensor
  // at the same index is made bool.
  LiteModelBuilder b;
  b.model() = *std::move(model);
  int x;
  {
    SubgraphFocus focus(b.model(), kBody);
    x = b.model().inputs[2];
    b.Op(tflite::BuiltinOperator_WHERE, {x}, {b.Tensor({-1, 1}, tflite::TensorType_INT64, "w")});
  }
  b.model().tensors[x].type = TensorType_BOOL;
  AssignOpVersions(b.model());
  EXPECT_EQ(b.model().subgraph(kBody).operators.back().version, 2);
  EXPECT_EQ(MinRuntimeVersion(b.model()), "2.8.0");
}

// IF whose then branch returns an ADD's output and the RELU of it, and
// whose else branch returns only the RELU of its ADD; the main subgraph
// applies RELU to the IF's first output.
LiteModel BranchesWithRelu() {
  LiteModelBuilder b;
  LiteModel& m = b.model();
  const int c = b.Tensor({}, TensorType_BOOL, "c");
  const int a = b.Tensor({4}, TensorType_FLOAT32, "a");
  const int y = b.Tensor({4}, TensorType_FLOAT32, "y");
  const int z = b.Tensor({4}, TensorType_FLOAT32, "z");
  m.inputs = {c, a};
  m.outputs = {z};
  const int then_branch = m.AddSubgraph("then");
  const int else_branch = m.AddSubgraph("else");
  for (int g : {then_branch, else_branch}) {
    SubgraphFocus focus(m, g);
    const int in = b.Tensor({4}, TensorType_FLOAT32, "in");
    const int bias = b.Constant<float>({4}, TensorType_FLOAT32, {1, -2, 3, -4}, "bias");
    const int sum = b.Tensor({4}, TensorType_FLOAT32, "sum");
    const int relu = b.Tensor({4}, TensorType_FLOAT32, "relu");
    tflite::BuiltinOptionsUnion options;
    options.Set(tflite::AddOptionsT());
    b.Op(tflite::BuiltinOperator_ADD, {in, bias}, {sum}, std::move(options));
    b.Op(tflite::BuiltinOperator_RELU, {sum}, {relu});
    m.inputs = {in};
    m.outputs = g == then_branch ? std::vector<int>{sum} : std::vector<int>{relu};
  }
  b.Op(tflite::BuiltinOperator_RELU, {y}, {z});
  // The branches' signatures differ on purpose; only the optimizer runs.
  LiteOperator op;
  op.builtin = tflite::BuiltinOperator_IF;
  op.inputs = {c, a};
  op.outputs = {y};
  m.operators.insert(m.operators.begin(), std::move(op));
  return std::move(m);
}

TEST(ControlFlowTest, OptimizerFusesInsideABodyButNotAcrossItsBoundary) {
  LiteModel model = BranchesWithRelu();
  const OptimizeStats stats = OptimizeLiteModel(model);
  EXPECT_EQ(stats.activations_fused, 1);
  // Main: the RELU after the IF stays (the ADD producing y is in a branch).
  ASSERT_EQ(model.operators.size(), 2u);
  EXPECT_EQ(model.operators[1].builtin, tflite::BuiltinOperator_RELU);
  // Then: `sum` is returned, so the RELU reading it stays.
  const LiteSubgraph& then_branch = model.subgraph(1);
  ASSERT_EQ(then_branch.operators.size(), 2u);
  EXPECT_EQ(FusedActivation(then_branch.operators[0]), tflite::ActivationFunctionType_NONE);
  // Else: only the RELU's output leaves, so the ADD takes the RELU.
  const LiteSubgraph& else_branch = model.subgraph(2);
  ASSERT_EQ(else_branch.operators.size(), 1u);
  EXPECT_EQ(FusedActivation(else_branch.operators[0]), tflite::ActivationFunctionType_RELU);
  EXPECT_EQ(else_branch.outputs, else_branch.operators[0].outputs);
}

TEST(ControlFlowTest, UnusedTensorsGoPerSubgraphAndBuffersStaySharedByIndex) {
  absl::StatusOr<LiteModel> model = testing::WeightedLoop();
  ASSERT_TRUE(model.ok()) << model.status();
  LiteSubgraph& body = model->subgraph(kBody);
  body.AddTensor(LiteTensor{"unused", TensorType_FLOAT32, {2}});
  const size_t body_tensors = body.tensors.size();
  const size_t main_tensors = model->tensors.size();
  EXPECT_EQ(RemoveUnusedTensors(*model), 1);
  EXPECT_EQ(model->subgraph(kBody).tensors.size(), body_tensors - 1);
  EXPECT_EQ(model->tensors.size(), main_tensors);
  auto weights_buffer = [](const LiteSubgraph& graph) {
    for (const LiteTensor& t : graph.tensors) {
      if (t.name == "w") return t.buffer;
    }
    return -2;
  };
  EXPECT_GE(weights_buffer(*model), 0);
  EXPECT_EQ(weights_buffer(*model), weights_buffer(model->subgraph(kBody)));
  EXPECT_EQ(model->buffer_of(model->subgraph(kBody), model->subgraph(kBody).inputs[2]), nullptr);
}

}  // namespace
}  // namespace tflconv
