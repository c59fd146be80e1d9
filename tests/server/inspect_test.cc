// tflconv inspect: the summary over every subgraph, the listing, and the
// JSON form. It reads models it did not write: indices the flatbuffers
// Verifier does not check must be checked before use (found by
// tests/fuzz/inspect_fuzzer.cc).
#include "client/inspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/schema/tflite_schema_generated.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace tflconv::cli {
namespace {

using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A one-operator model whose operator names opcode `opcode_index` among
// `num_codes` operator codes.
std::string ModelWithOneOperator(uint32_t opcode_index, int num_codes) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes;
  for (int i = 0; i < num_codes; ++i) {
    codes.push_back(tflite::CreateOperatorCode(fbb, 0, 0, 1, tflite::BuiltinOperator_ADD));
  }
  const auto op = tflite::CreateOperatorDirect(fbb, opcode_index);
  const std::vector<flatbuffers::Offset<tflite::Operator>> ops = {op};
  const std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs = {
      tflite::CreateSubGraphDirect(fbb, nullptr, nullptr, nullptr, &ops)};
  const auto model = tflite::CreateModelDirect(fbb, 3, num_codes ? &codes : nullptr, &subgraphs);
  tflite::FinishModelBuffer(fbb, model);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(InspectTest, OperatorCodeIndexPastTheListIsAnError) {
  for (bool json : {false, true}) {
    auto listing = InspectModel(ModelWithOneOperator(1, 1), json);
    EXPECT_EQ(listing.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(listing.status().message()),
                HasSubstr("opcode_index 1 but the model has 1 operator codes"));
  }
}

TEST(InspectTest, ModelWithoutOperatorCodesIsAnError) {
  auto listing = InspectModel(ModelWithOneOperator(0, 0), false);
  EXPECT_EQ(listing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(listing.status().message()), HasSubstr("has 0 operator codes"));
}

TEST(InspectTest, ValidIndexIsListed) {
  auto listing = InspectModel(ModelWithOneOperator(0, 1), false);
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_THAT(*listing, HasSubstr("ADD"));
}

std::unique_ptr<tflite::TensorT> Tensor(const std::string& name, tflite::TensorType type,
                                        std::vector<int32_t> shape, uint32_t buffer = 0) {
  auto tensor = std::make_unique<tflite::TensorT>();
  tensor->name = name;
  tensor->type = type;
  tensor->shape = std::move(shape);
  tensor->buffer = buffer;
  return tensor;
}

std::unique_ptr<tflite::OperatorT> Operator(uint32_t opcode_index, std::vector<int32_t> inputs,
                                            std::vector<int32_t> outputs) {
  auto op = std::make_unique<tflite::OperatorT>();
  op->opcode_index = opcode_index;
  op->inputs = std::move(inputs);
  op->outputs = std::move(outputs);
  return op;
}

std::unique_ptr<tflite::BufferT> Buffer(size_t bytes) {
  auto buffer = std::make_unique<tflite::BufferT>();
  buffer->data.assign(bytes, 1);
  return buffer;
}

std::string Pack(const tflite::ModelT& model) {
  flatbuffers::FlatBufferBuilder fbb;
  tflite::FinishModelBuffer(fbb, tflite::Model::Pack(fbb, &model));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

// Two subgraphs: "main" (x[1,4] float32 -> ADD c -> MUL c -> ADD c -> y,
// with int32 constant `c` in buffer 1, shared by both subgraphs) and
// "body" (one ADD), plus min_runtime_version metadata in buffer 2.
tflite::ModelT TwoSubgraphModel() {
  tflite::ModelT model;
  model.version = 3;
  model.description = "two subgraphs";
  for (auto code : {tflite::BuiltinOperator_ADD, tflite::BuiltinOperator_MUL}) {
    auto entry = std::make_unique<tflite::OperatorCodeT>();
    entry->builtin_code = code;
    model.operator_codes.push_back(std::move(entry));
  }
  model.buffers.push_back(std::make_unique<tflite::BufferT>());  // the empty buffer 0
  model.buffers.push_back(Buffer(16));
  auto version = std::make_unique<tflite::BufferT>();
  version->data = {'1', '.', '1', '4', '.', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  model.buffers.push_back(std::move(version));

  auto main = std::make_unique<tflite::SubGraphT>();
  main->name = "main";
  main->tensors.push_back(Tensor("x", tflite::TensorType_FLOAT32, {1, 4}));
  main->tensors.push_back(Tensor("c", tflite::TensorType_INT32, {4}, 1));
  main->tensors.push_back(Tensor("t1", tflite::TensorType_FLOAT32, {1, 4}));
  main->tensors.push_back(Tensor("t2", tflite::TensorType_FLOAT32, {1, 4}));
  main->tensors.push_back(Tensor("y", tflite::TensorType_FLOAT32, {1, 4}));
  main->inputs = {0};
  main->outputs = {4};
  main->operators.push_back(Operator(0, {0, 1}, {2}));
  main->operators.push_back(Operator(1, {2, 1}, {3}));
  main->operators.push_back(Operator(0, {3, 1}, {4}));
  model.subgraphs.push_back(std::move(main));

  auto body = std::make_unique<tflite::SubGraphT>();
  body->name = "body";
  body->tensors.push_back(Tensor("a", tflite::TensorType_INT32, {2, 3}));
  body->tensors.push_back(Tensor("shared_c", tflite::TensorType_INT32, {4}, 1));
  body->tensors.push_back(Tensor("b", tflite::TensorType_INT32, {2, 3}));
  body->inputs = {0};
  body->outputs = {2};
  body->operators.push_back(Operator(0, {0, 1}, {2}));
  model.subgraphs.push_back(std::move(body));

  auto metadata = std::make_unique<tflite::MetadataT>();
  metadata->name = "min_runtime_version";
  metadata->buffer = 2;
  model.metadata.push_back(std::move(metadata));
  return model;
}

v1::TypeBytes BytesOf(const v1::InspectSummary& summary, const std::string& type) {
  for (const v1::TypeBytes& bytes : summary.bytes_by_type()) {
    if (bytes.type() == type) return bytes;
  }
  ADD_FAILURE() << "no " << type << " in the summary";
  return {};
}

TEST(InspectTest, SummaryCoversEverySubgraph) {
  auto result = ReadTfliteModel(Pack(TwoSubgraphModel()));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->subgraphs_size(), 2);
  EXPECT_EQ(result->subgraphs(1).name(), "body");
  EXPECT_EQ(result->subgraphs(1).operators(0).op(), "ADD");
  const v1::InspectSummary& summary = result->summary();
  ASSERT_EQ(summary.op_histogram_size(), 2);
  EXPECT_EQ(summary.op_histogram(0).op(), "ADD");
  EXPECT_EQ(summary.op_histogram(0).count(), 3);
  EXPECT_EQ(summary.op_histogram(1).op(), "MUL");
  EXPECT_EQ(summary.op_histogram(1).count(), 1);
  // float32: x, t1, t2, y of 4 elements; int32: c and shared_c (4) and a, b
  // (6); the one constant buffer counted once. Largest first.
  ASSERT_EQ(summary.bytes_by_type_size(), 2);
  EXPECT_EQ(summary.bytes_by_type(0).type(), "INT32");
  EXPECT_EQ(summary.bytes_by_type(0).tensors(), 4);
  EXPECT_EQ(summary.bytes_by_type(0).tensor_bytes(), 80u);
  EXPECT_EQ(summary.bytes_by_type(0).weight_bytes(), 16u);
  EXPECT_EQ(summary.bytes_by_type(1).type(), "FLOAT32");
  EXPECT_EQ(summary.bytes_by_type(1).tensors(), 4);
  EXPECT_EQ(summary.bytes_by_type(1).tensor_bytes(), 64u);
  EXPECT_EQ(summary.bytes_by_type(1).weight_bytes(), 0u);
  ASSERT_EQ(summary.inputs_size(), 1);
  EXPECT_EQ(summary.inputs(0).name(), "x");
  EXPECT_EQ(summary.inputs(0).type(), "FLOAT32");
  EXPECT_THAT(summary.inputs(0).shape(), ElementsAre(1, 4));
  ASSERT_EQ(summary.outputs_size(), 1);
  EXPECT_EQ(summary.outputs(0).name(), "y");
  EXPECT_EQ(summary.min_runtime_version(), "1.14.0");
}

TEST(InspectTest, TextOpensWithTheSummaryThenListsEachSubgraph) {
  auto text = InspectModel(Pack(TwoSubgraphModel()), false);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("min_runtime_version: 1.14.0\n"
                               "subgraphs: 2\n"
                               "  #0 main: 5 tensors, 3 operators\n"
                               "  #1 body: 3 tensors, 1 operators\n"
                               "inputs:\n"
                               "  x FLOAT32 [1, 4]\n"
                               "outputs:\n"
                               "  y FLOAT32 [1, 4]\n"));
  EXPECT_THAT(*text, ContainsRegex("\n  ADD +3\n  MUL +1\n"));
  EXPECT_THAT(*text, ContainsRegex("\n  INT32 +4 +80 \\(80B\\) +16 \\(16B\\)\n"));
  EXPECT_LT(text->find("tensors by dtype:"), text->find("Subgraph#0 main(T#0) -> [T#4]"));
  EXPECT_THAT(*text, HasSubstr("Subgraph#1 body(T#0) -> [T#2]\n  Op#0 ADD(T#0, T#1) -> [T#2]\n"));
  EXPECT_THAT(*text, HasSubstr("  T#1(shared_c) shape:[4], type:INT32 RO 16 bytes\n"));
}

TEST(InspectTest, DimsKnownOnlyAtRunTimeAreShownAsMinusOne) {
  tflite::ModelT model = TwoSubgraphModel();
  model.subgraphs[0]->tensors[4]->shape_signature = {-1, 4};
  auto result = ReadTfliteModel(Pack(model));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->summary().outputs(0).shape(), ElementsAre(1, 4));
  EXPECT_THAT(result->summary().outputs(0).shape_signature(), ElementsAre(-1, 4));
  EXPECT_TRUE(result->summary().inputs(0).shape_signature().empty());
  auto text = InspectModel(Pack(model), false);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("outputs:\n  y FLOAT32 [-1, 4]\n"));
  EXPECT_THAT(*text, HasSubstr("  T#4(y) shape:[-1, 4], type:FLOAT32\n"));
}

TEST(InspectTest, JsonParsesBackIntoTheSameResult) {
  const std::string model = Pack(TwoSubgraphModel());
  auto json = InspectModel(model, true);
  ASSERT_TRUE(json.ok()) << json.status();
  // The keys tests/conformance/run_conformance.py reads.
  EXPECT_THAT(*json, HasSubstr("\"subgraphs\""));
  EXPECT_THAT(*json, HasSubstr("\"op\": \"MUL\""));
  v1::InspectResult parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(*json, &parsed);
  ASSERT_TRUE(status.ok()) << status.ToString();
  auto direct = ReadTfliteModel(model);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, *direct))
      << parsed.DebugString();
}

TEST(InspectTest, NamesThatAreNotUtf8AreKeptReadable) {
  tflite::ModelT model = TwoSubgraphModel();
  model.subgraphs[0]->tensors[0]->name = "x\xff\xc3";
  auto json = InspectModel(Pack(model), true);
  ASSERT_TRUE(json.ok()) << json.status();
  v1::InspectResult parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok());
  EXPECT_EQ(parsed.summary().inputs(0).name(), "x\uFFFD\uFFFD");
}

TEST(InspectTest, InputIndexPastTheTensorsIsAnError) {
  tflite::ModelT model = TwoSubgraphModel();
  model.subgraphs[0]->outputs = {5};
  for (bool json : {false, true}) {
    auto listing = InspectModel(Pack(model), json);
    EXPECT_EQ(listing.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(listing.status().message()),
                HasSubstr("subgraph 0 names tensor 5 as an output but has 5 tensors"));
  }
}

TEST(InspectTest, NegativeAndHugeDimensionsLeaveTheTensorOutOfTheBytes) {
  tflite::ModelT model = TwoSubgraphModel();
  model.subgraphs[0]->tensors[0]->shape = {-1, 4};
  model.subgraphs[0]->tensors[3]->shape = {INT32_MAX, INT32_MAX, INT32_MAX};
  auto result = ReadTfliteModel(Pack(model));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(BytesOf(result->summary(), "FLOAT32").tensor_bytes(), 32u);  // t1 and y
}

}  // namespace
}  // namespace tflconv::cli
