// tflconv inspect reads models it did not write: indices the flatbuffers
// Verifier does not check must be checked before use (found by
// tests/fuzz/inspect_fuzzer.cc).
#include "client/inspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/lite/schema/tflite_schema_generated.h"

namespace tflconv::cli {
namespace {

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

}  // namespace
}  // namespace tflconv::cli
