#include "core/status_macros.h"

#include <map>
#include <memory>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tflconv {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<int> Parse(int value) {
  if (value < 0) return absl::InvalidArgumentError("negative");
  return value;
}

absl::Status Check(int value, int* steps) {
  ++*steps;
  TFLCONV_RETURN_IF_ERROR(Parse(value).status());
  ++*steps;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheFailureAndGoesOnOtherwise) {
  int steps = 0;
  EXPECT_TRUE(Check(1, &steps).ok());
  EXPECT_EQ(steps, 2);
  steps = 0;
  const absl::Status failed = Check(-1, &steps);
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(failed.message(), HasSubstr("negative"));
  EXPECT_EQ(steps, 1);
}

// Twice in one function (distinct hidden names), into a StatusOr of another
// type, with a comma in the expression and a move-only value.
absl::StatusOr<std::unique_ptr<int>> SumBoxed(int a, int b) {
  TFLCONV_ASSIGN_OR_RETURN(const int x, Parse(a));
  TFLCONV_ASSIGN_OR_RETURN(const int y, Parse(std::map<int, int>{{b, b}}.begin()->second));
  TFLCONV_ASSIGN_OR_RETURN(std::unique_ptr<int> boxed,
                           absl::StatusOr<std::unique_ptr<int>>(std::make_unique<int>(x + y)));
  return boxed;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsTheValueOrReturnsTheFailure) {
  absl::StatusOr<std::unique_ptr<int>> sum = SumBoxed(2, 3);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(**sum, 5);
  EXPECT_EQ(SumBoxed(2, -3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SumBoxed(-2, 3).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tflconv
