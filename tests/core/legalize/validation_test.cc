// Attributes and inputs a hostile graph can set, one case per class of bug
// the rules had (out-of-bounds reads and writes, overflowing shape
// arithmetic, unbounded allocations): each is a clear error naming the
// node, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/hostile_graphs.h"

namespace tflconv {
namespace {

using ::testing::HasSubstr;
using namespace tflconv::testing;

class HostileGraphTest : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileGraphTest, IsAClearErrorNamingTheNode) {
  const HostileCase& c = GetParam();
  ConversionResult result = ConvertGraph(ValidationGraph(c), Options(c.inputs, {"out"}));
  EXPECT_EQ(result.status.code(), c.code) << result.status;
  EXPECT_THAT(std::string(result.status.message()), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(OnePerClass, HostileGraphTest, ::testing::ValuesIn(ValidationCases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tflconv
