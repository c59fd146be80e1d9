#include "core/lite/builtin_spec.h"

#include <set>

#include <gtest/gtest.h>

#include "core/lite/versioning.h"

namespace tflconv {
namespace {

TEST(BuiltinSpecTest, EachBuiltinIsDeclaredOnce) {
  std::set<tflite::BuiltinOperator> seen;
  for (const BuiltinSpec& spec : BuiltinSpecs()) {
    EXPECT_TRUE(seen.insert(spec.op).second)
        << tflite::EnumNameBuiltinOperator(spec.op) << " is declared twice";
    EXPECT_EQ(FindBuiltinSpec(spec.op), &spec);
  }
  EXPECT_EQ(FindBuiltinSpec(tflite::BuiltinOperator_CUSTOM), nullptr);
}

// A declaration is whole: every version its rules give, and the version an
// operator gets when no rule holds, has the runtime that added it; a
// contract names its LiteRT kernel file.
TEST(BuiltinSpecTest, EveryVersionARuleGivesHasItsRuntime) {
  for (const BuiltinSpec& spec : BuiltinSpecs()) {
    const char* name = tflite::EnumNameBuiltinOperator(spec.op);
    EXPECT_FALSE(spec.runtime_since.empty()) << name;
    bool has_default = false;
    for (const VersionRule& rule : spec.versions) {
      EXPECT_NE(RuntimeVersionOf(spec.op, rule.version), "") << name << " v" << rule.version;
      has_default = has_default || rule.all.empty();
    }
    if (!has_default) EXPECT_NE(RuntimeVersionOf(spec.op, 1), "") << name << " v1";
    if (spec.contract.has_value()) EXPECT_STRNE(spec.contract->kernel_file, "") << name;
  }
}

}  // namespace
}  // namespace tflconv
