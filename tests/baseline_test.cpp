// The baseline module and init's config writing, without the binary: parsing, matching by
// fingerprint, unused entries, and a written config that the config loader reads back.
#include <gtest/gtest.h>

#include "v15check/baseline.h"
#include "v15check/init.h"
#include "v15check/report.h"

namespace v15 {
namespace {

struct Catalogue {
  Registry registry;
  Catalogue() {
    for (const char* id : {"do.chat-bridge-timeout", "do.chat-dispatch", "jwt.expiry"}) {
      Check c;
      c.id = id;
      c.group = Group::DurableObject;
      c.title = id;
      registry.add(c);
    }
  }
  Result fail(const char* id, Location at, std::string found) const {
    return {registry.find(id), Outcome::fail(std::move(at), std::move(found))};
  }
};

std::string error_of(const std::string& text) {
  try {
    parse_baseline(text, "b.json");
  } catch (const BaselineError& e) {
    return e.what();
  }
  return {};
}

TEST(Baseline, RoundTripsThroughItsTextAndMatchesAfterALineShift) {
  Catalogue cat;
  std::vector<Result> before = {cat.fail("do.chat-bridge-timeout", {"src/a.ts", 10, 0},
                                         "delay folds to 600000 ms (`T`, line 10)")};
  Baseline written = baseline_of(before, "b.json");
  ASSERT_EQ(written.entries.size(), 1u);
  Baseline read = parse_baseline(baseline_text(written), "b.json");
  ASSERT_EQ(read.entries.size(), 1u);
  EXPECT_EQ(read.entries[0].fingerprint, fingerprint(before[0]));
  EXPECT_GT(read.entries[0].line, 1);
  std::vector<Result> after = {cat.fail("do.chat-bridge-timeout", {"src/a.ts", 14, 0},
                                        "delay folds to 600000 ms (`T`, line 14)"),
                               cat.fail("do.chat-dispatch", {"src/a.ts", 30, 0}, "no .catch")};
  EXPECT_TRUE(apply_baseline(read, after, cat.registry).empty());
  EXPECT_EQ(after[0].outcome.status, Status::Baselined);
  EXPECT_EQ(after[1].outcome.status, Status::Fail) << "a new FAIL is not accepted";
  EXPECT_EQ(exit_status(after), 1);
  after.pop_back();
  EXPECT_EQ(exit_status(after), 0);
  EXPECT_EQ(count(after).passed, 0) << "a baselined FAIL is no PASS";
}

TEST(Baseline, AChangedFindingOrAnotherFileIsNotTheSameFail) {
  Catalogue cat;
  Baseline b = baseline_of({cat.fail("do.chat-dispatch", {"src/a.ts", 3, 0}, "no .catch")}, "b");
  std::vector<Result> now = {cat.fail("do.chat-dispatch", {"src/a.ts", 3, 0}, "awaited"),
                             cat.fail("do.chat-dispatch", {"src/b.ts", 3, 0}, "no .catch")};
  std::vector<Finding> unused = apply_baseline(b, now, cat.registry);
  EXPECT_EQ(now[0].outcome.status, Status::Fail);
  EXPECT_EQ(now[1].outcome.status, Status::Fail);
  ASSERT_EQ(unused.size(), 1u);
  EXPECT_EQ(unused[0].rule, kUnusedBaselineRule);
  EXPECT_EQ(unused[0].severity, FindingSeverity::Warning);
}

TEST(Baseline, UnusedEntriesNeedTheirCheckToHaveRunOrNoCheckOfThatId) {
  Catalogue cat;
  Baseline b = parse_baseline(
      R"({"version": 1, "entries": [
        {"id": "jwt.expiry", "fingerprint": "0123456789abcdef0123456789abcdef"},
        {"id": "gone.check", "fingerprint": "0123456789abcdef0123456789abcdef", "reason": "r"}
      ]})",
      "b.json");
  std::vector<Result> none;
  std::vector<Finding> unused = apply_baseline(b, none, cat.registry);
  ASSERT_EQ(unused.size(), 1u) << "jwt.expiry did not run";
  EXPECT_NE(unused[0].message.find("no check has this ID"), std::string::npos);
  EXPECT_EQ(unused[0].location.line, 3) << "the line of the entry in the file";
  b.report_unused = false;
  EXPECT_TRUE(apply_baseline(b, none, cat.registry).empty());
}

TEST(Baseline, KeepsTheReasonsOfBaselinedResultsWhenWrittenAgain) {
  Catalogue cat;
  std::vector<Result> r = {cat.fail("do.chat-dispatch", {"src/a.ts", 3, 0}, "no .catch")};
  Baseline b = baseline_of(r, "b");
  b.entries[0].reason = "tracked in #12";
  apply_baseline(b, r, cat.registry);
  EXPECT_EQ(r[0].outcome.baseline_reason, "tracked in #12");
  EXPECT_EQ(baseline_of(r, "b").entries.at(0).reason, "tracked in #12");
}

TEST(Baseline, BadFilesNameWhatIsWrongAndWhere) {
  EXPECT_NE(error_of("{\n\"version\": 1,\n\"entries\": [}").find("b.json:3: invalid JSON"),
            std::string::npos)
      << error_of("{\n\"version\": 1,\n\"entries\": [}");
  EXPECT_NE(error_of(R"({"entries": []})").find("\"version\" must be 1"), std::string::npos);
  EXPECT_NE(error_of(R"({"version": 1})").find("\"entries\" must be an array"), std::string::npos);
  EXPECT_NE(error_of(R"({"version": 1, "entries": [{"id": 3}]})").find("/entries/0: \"id\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"version": 1, "entries": [{"id": "a", "fingerprint": "0123456789abcdef)"
                     R"(0123456789ABCDEF"}]})")
                .find("32 lowercase hex"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"version": 1, "entries": [{"id": "a", "fingerprint": "x", "why": ""}]})")
                .find("unknown key \"why\""),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"version": 1, "entries": []} // a comment)"), "");
}

TEST(Init, WrittenConfigIsReadBackWithTheObservedValues) {
  InitPlan plan;
  plan.settings.push_back(
      {"bridgeTimeoutMs", Constant{600000.0}, {"src/do.ts", 26, 0}, "do.chat-bridge-timeout"});
  plan.settings.push_back({"sandboxBinding",
                           Constant{std::string("Sand\"box")},
                           {"src/do.ts", 295, 0},
                           "do.dispatch-get-sandbox"});
  std::string text = init_config_text(plan);
  EXPECT_NE(text.find("// the code has this value at src/do.ts:26 (do.chat-bridge-timeout)"),
            std::string::npos)
      << text;
  Config c = parse_config(text, ".v15check.json");
  EXPECT_EQ(c.bridge_timeout_ms, 600000);
  EXPECT_EQ(c.sandbox_binding, "Sand\"box");
  EXPECT_EQ(c.baseline, "") << "no FAILs left, no baseline";
  // an empty plan is still a config the loader accepts
  EXPECT_NO_THROW(parse_config(init_config_text(InitPlan{}), ".v15check.json"));
}

TEST(Init, SetsOnlyKeysAMismatchCanNameWithValuesOfTheirKind) {
  Config c;
  EXPECT_TRUE(set_config_value(c, "claudeConfigDir", Constant{std::string("/root/.claude")}));
  EXPECT_EQ(c.claude_config_dir, "/root/.claude");
  EXPECT_FALSE(set_config_value(c, "bridgeTimeoutMs", Constant{std::string("600000")}));
  EXPECT_FALSE(set_config_value(c, "bridgeTimeoutMs", Constant{-1.0}));
  EXPECT_FALSE(set_config_value(c, "doBinding", Constant{std::string()}));
  EXPECT_FALSE(set_config_value(c, "className", Constant{std::string("Other")}));
  EXPECT_EQ(c.class_name, "ChatSessionAgent");
}

}  // namespace
}  // namespace v15
