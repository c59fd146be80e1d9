// Holds core/legalize/tf_legalized_ops.tsv, the audit of every TF op
// TensorFlow's converter legalizes to a builtin, to the rule registry: an op
// marked `rule` has one, an op marked `declined` has none and says why.
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/legalize/registry.h"

namespace tflconv {
namespace {

struct AuditEntry {
  int line = 0;
  std::string op;
  std::string status;
  std::string reason;
  size_t fields = 0;
};

std::vector<AuditEntry> ReadAudit() {
  std::ifstream in(std::string(TFLCONV_SOURCE_DIR) + "/core/legalize/tf_legalized_ops.tsv");
  std::vector<AuditEntry> entries;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(text, '\t');
    AuditEntry entry{line, fields[0], fields.size() > 1 ? fields[1] : "",
                     fields.size() > 2 ? fields[2] : "", fields.size()};
    entries.push_back(std::move(entry));
  }
  return entries;
}

TEST(TfLegalizedOpsTest, EveryOpTensorFlowLegalizesHasARuleOrAReason) {
  const std::vector<AuditEntry> entries = ReadAudit();
  // legalize_patterns.td and legalize_tf.cc name about 140 ops; a table that
  // lost its lines must not pass.
  ASSERT_GT(entries.size(), 130u);
  std::set<std::string> seen;
  for (const AuditEntry& e : entries) {
    SCOPED_TRACE("tf_legalized_ops.tsv line " + std::to_string(e.line) + ": " + e.op);
    EXPECT_TRUE(seen.insert(e.op).second) << "listed twice";
    const bool has_rule = RuleRegistry::Global().Find(e.op) != nullptr;
    if (e.status == "rule") {
      EXPECT_EQ(e.fields, 2u) << "a `rule` line has no reason field";
      EXPECT_TRUE(has_rule) << "marked rule, but the registry has no rule for it";
    } else if (e.status == "declined") {
      EXPECT_FALSE(has_rule) << "marked declined, but the registry has a rule for it";
      EXPECT_EQ(e.fields, 3u) << "a `declined` line is op, declined, reason";
      EXPECT_GE(absl::StripAsciiWhitespace(e.reason).size(), 20u)
          << "declined without a reason that says why";
    } else {
      ADD_FAILURE() << "status \"" << e.status << "\" is neither rule nor declined";
    }
  }
}

}  // namespace
}  // namespace tflconv
