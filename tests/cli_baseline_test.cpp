// Baselines through the built binary: --write-baseline, --baseline, the config's "baseline"
// key and --new-since. An accepted FAIL is BASELINED in every format and does not fail the run;
// a new FAIL still does; an entry that matches nothing is a warning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "baseline_support.h"
#include "cli_support.h"
#include "xml_check.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

class CliBaseline : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "app";
    write_tree(root_, deliberate_tree());
    baseline_ = (dir_ / "baseline.json").string();
    ProcessOutput first = run_cli({root_.string(), "--format", "json"});
    ASSERT_EQ(first.exit_code, 1) << first.err;
    accepted_ = ids_with(first.out, "FAIL");
    ASSERT_FALSE(accepted_.empty());
  }
  // Writes the baseline of the deliberate tree.
  void write_baseline() {
    ProcessOutput w = run_cli({root_.string(), "--write-baseline", baseline_, "--color", "never"});
    ASSERT_EQ(w.exit_code, 0) << w.out << w.err;
    ASSERT_TRUE(fs::exists(baseline_));
  }
  void rewrite(void (*change)(std::map<std::string, std::string>&)) {
    auto files = deliberate_tree();
    change(files);
    write_tree(root_, files);
  }
  ProcessOutput with_baseline(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {root_.string(), "--baseline", baseline_, "--color", "never"};
    args.insert(args.end(), more.begin(), more.end());
    return run_cli(args);
  }
  TempDir dir_;
  fs::path root_;
  std::string baseline_;
  std::set<std::string> accepted_;
};

TEST_F(CliBaseline, WrittenFileListsEachFailWithFingerprintLocationAndEmptyReason) {
  write_baseline();
  auto doc = nlohmann::json::parse(read_file(baseline_));
  EXPECT_EQ(doc.at("version"), 1);
  std::set<std::string> ids;
  for (const auto& e : doc.at("entries")) {
    ids.insert(e.at("id").get<std::string>());
    EXPECT_EQ(e.at("fingerprint").get<std::string>().size(), 32u);
    EXPECT_FALSE(e.at("location").at("path").get<std::string>().empty());
    EXPECT_GT(e.at("location").at("line").get<int>(), 0);
    EXPECT_FALSE(e.at("found").get<std::string>().empty());
    EXPECT_EQ(e.at("reason"), "");
  }
  EXPECT_EQ(ids, accepted_);
  // the file validates against its schema's required keys
  auto schema = nlohmann::json::parse(read_file(source_dir() / "docs" / "baseline.schema.json"));
  for (const auto& key : schema.at("required")) EXPECT_TRUE(doc.contains(key)) << key;
  // deterministic: writing it again gives the same bytes
  std::string once = read_file(baseline_);
  write_baseline();
  EXPECT_EQ(read_file(baseline_), once);
}

TEST_F(CliBaseline, LetsTheOldFailThroughAndBlocksANewOne) {
  write_baseline();
  ProcessOutput old = with_baseline();
  EXPECT_EQ(old.exit_code, 0) << old.out << old.err;
  EXPECT_EQ(occurrences(old.out, "\nBASELINED: "), accepted_.size()) << old.out;
  EXPECT_EQ(old.out.find("\nFAIL: "), std::string::npos) << old.out;
  EXPECT_NE(old.out.find("Result: NO NEW FAILURES"), std::string::npos) << old.out;
  EXPECT_EQ(old.out.find("ALL CHECKS PASS"), std::string::npos) << "a baselined FAIL is no PASS";
  EXPECT_NE(old.out.find("baselined)"), std::string::npos) << old.out;

  rewrite(make_breaking_change);
  ProcessOutput broken = with_baseline({"--format", "json"});
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
  EXPECT_EQ(ids_with(broken.out, "BASELINED"), accepted_);
  std::set<std::string> fresh = ids_with(broken.out, "FAIL");
  ASSERT_FALSE(fresh.empty());
  for (const auto& id : fresh) EXPECT_EQ(accepted_.count(id), 0u) << id;
  ProcessOutput text = with_baseline();
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("\nFAIL: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("BASELINED)"), std::string::npos) << text.out;
}

TEST_F(CliBaseline, FingerprintSurvivesLineShiftsAndUnrelatedEdits) {
  write_baseline();
  rewrite(make_harmless_change);
  ProcessOutput r = with_baseline({"--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ids_with(r.out, "BASELINED"), accepted_);
  EXPECT_TRUE(nlohmann::json::parse(r.out).at("directives").empty()) << "no entry went unused";
}

TEST_F(CliBaseline, EntryThatMatchesNothingIsReportedAsUnused) {
  write_baseline();
  write_tree(root_, passing_tree());
  ProcessOutput text = with_baseline();
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("WARNING: unused baseline entry [v15check/unused-baseline-entry]"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("File: " + baseline_ + ":"), std::string::npos) << text.out;
  ProcessOutput json = with_baseline({"--format", "json"});
  auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc.at("directives").size(), accepted_.size());
  for (const auto& f : doc.at("directives")) {
    EXPECT_EQ(f.at("rule"), "v15check/unused-baseline-entry");
    EXPECT_EQ(f.at("severity"), "warning");
    EXPECT_GT(f.at("location").at("line").get<int>(), 0) << "the entry's line in the file";
  }
  // an entry whose check did not run says nothing either way
  ProcessOutput other = with_baseline({"--group", "jwt", "--format", "json"});
  EXPECT_TRUE(nlohmann::json::parse(other.out).at("directives").empty()) << other.out;
}

TEST_F(CliBaseline, EveryFormatShowsTheBaselinedFail) {
  write_baseline();
  const std::string id = *accepted_.begin();
  auto doc = nlohmann::json::parse(with_baseline({"--format", "json"}).out);
  EXPECT_EQ(doc.at("summary").at("baselined").get<std::size_t>(), accepted_.size());
  EXPECT_EQ(doc.at("summary").at("failed"), 0);
  EXPECT_EQ(doc.at("baseline"), baseline_);
  for (const auto& c : doc.at("checks"))
    if (c.at("id") == id) {
      EXPECT_EQ(c.at("status"), "BASELINED");
      EXPECT_EQ(c.at("baseline").at("reason"), "");
      EXPECT_EQ(c.at("fingerprint").get<std::string>().size(), 32u);
    }

  ProcessOutput sarif = with_baseline({"--format", "sarif"});
  EXPECT_EQ(sarif.exit_code, 0);
  bool seen = false;
  const auto sarif_doc = nlohmann::json::parse(sarif.out);
  for (const auto& res : sarif_doc.at("runs").at(0).at("results")) {
    if (res.at("ruleId") != id) continue;
    seen = true;
    EXPECT_EQ(res.at("baselineState"), "unchanged");
    EXPECT_EQ(res.at("suppressions").at(0).at("kind"), "external");
    EXPECT_EQ(res.at("suppressions").at(0).at("status"), "accepted");
  }
  EXPECT_TRUE(seen) << sarif.out;

  ProcessOutput junit = with_baseline({"--format", "junit"});
  EXPECT_EQ(junit.exit_code, 0);
  EXPECT_EQ(xml_problem(junit.out), "") << junit.out;
  EXPECT_NE(junit.out.find("<skipped message=\"baselined: "), std::string::npos) << junit.out;
  EXPECT_EQ(junit.out.find("<failure "), std::string::npos) << junit.out;

  ProcessOutput github = with_baseline({"--format", "github"});
  EXPECT_EQ(github.exit_code, 0);
  EXPECT_NE(github.out.find("::notice "), std::string::npos) << github.out;
  EXPECT_NE(github.out.find("::baselined"), std::string::npos) << github.out;
  EXPECT_EQ(github.out.find("::error "), std::string::npos) << github.out;

  // with a new FAIL, SARIF tells new from unchanged
  rewrite(make_breaking_change);
  std::set<std::string> states;
  const auto again = nlohmann::json::parse(with_baseline({"--format", "sarif"}).out);
  for (const auto& res : again.at("runs").at(0).at("results"))
    if (res.contains("baselineState")) states.insert(res.at("baselineState").get<std::string>());
  EXPECT_EQ(states, (std::set<std::string>{"new", "unchanged"}));
}

TEST_F(CliBaseline, RewritingKeepsTheReasonsOfEntriesThatStillMatch) {
  write_baseline();
  auto doc = nlohmann::json::parse(read_file(baseline_));
  doc["entries"][0]["reason"] = "the product wants 10 minutes";
  write_text(baseline_, doc.dump(2));
  ProcessOutput text = with_baseline();
  EXPECT_NE(text.out.find("Reason: the product wants 10 minutes"), std::string::npos) << text.out;
  ProcessOutput again = with_baseline({"--write-baseline", baseline_});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(read_file(baseline_)).at("entries").at(0).at("reason"),
            "the product wants 10 minutes");
}

TEST_F(CliBaseline, ConfigKeyAppliesTheBaselineToEveryRun) {
  write_baseline();
  fs::copy_file(baseline_, root_ / "accepted.json");
  write_text(root_ / ".v15check.json",
             "{\n  // accepted FAILs\n  \"baseline\": \"accepted.json\"\n}\n");
  ProcessOutput plain = run_cli({root_.string(), "--color", "never"});
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_NE(plain.out.find("BASELINED: "), std::string::npos);
  write_text(root_ / ".v15check.json", "{\"baseline\": \"missing.json\"}");
  ProcessOutput missing = run_cli({root_.string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("v15check: error: cannot use the config's baseline"),
            std::string::npos)
      << missing.err;
  write_text(root_ / ".v15check.json", "{\"baseline\": \"/abs.json\"}");
  EXPECT_EQ(run_cli({root_.string()}).exit_code, 2);
}

TEST_F(CliBaseline, UnusableBaselineFileIsAnErrorWithItsLocation) {
  struct Bad {
    std::string text, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"{\"version\": 1, \"entries\": [", "baseline.json:1: invalid JSON"},
           {"{\"version\": 2, \"entries\": []}", "\"version\" must be 1"},
           {"{\"version\": 1, \"entries\": [], \"extra\": 1}", "unknown key \"extra\""},
           {"{\"version\": 1, \"entries\": [{\"id\": \"x\"}]}",
            "/entries/0: missing \"fingerprint\""},
           {"{\"version\": 1, \"entries\": [{\"id\": \"x\", \"fingerprint\": \"12\"}]}",
            "/entries/0: \"fingerprint\" must be 32"},
           {"[]", "expected an object"},
       }) {
    SCOPED_TRACE(bad.text);
    write_text(baseline_, bad.text);
    ProcessOutput r = with_baseline();
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("v15check: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
  }
  ProcessOutput missing = run_cli({root_.string(), "--baseline", (dir_ / "nope.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot use baseline file"), std::string::npos) << missing.err;
  EXPECT_EQ(run_cli({root_.string(), "--baseline", baseline_, "--new-since", "HEAD"}).exit_code, 2);
}

// -- --new-since ----------------------------------------------------------------------------------

class CliNewSince : public DeliberateRepo {};

TEST_F(CliNewSince, FailsAtTheRevisionAreBaselined) {
  ProcessOutput same = run_cli({repo_.string(), "--new-since", "HEAD", "--format", "json"});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_FALSE(ids_with(same.out, "BASELINED").empty());
  EXPECT_EQ(nlohmann::json::parse(same.out).at("baseline"), "--new-since HEAD");
  EXPECT_TRUE(nlohmann::json::parse(same.out).at("directives").empty());

  change(make_harmless_change);
  EXPECT_EQ(run_cli({repo_.string(), "--new-since", "HEAD"}).exit_code, 0);

  change(make_breaking_change);
  ProcessOutput broken = run_cli({repo_.string(), "--new-since", "HEAD", "--format", "json"});
  EXPECT_EQ(broken.exit_code, 1);
  std::set<std::string> fresh = ids_with(broken.out, "FAIL");
  EXPECT_FALSE(fresh.empty());
  for (const auto& id : ids_with(broken.out, "BASELINED")) EXPECT_EQ(fresh.count(id), 0u) << id;

  // the staged content against HEAD: what the hook runs
  EXPECT_EQ(run_cli({repo_.string(), "--staged", "--new-since", "HEAD"}).exit_code, 0)
      << "nothing staged yet";
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  EXPECT_EQ(run_cli({repo_.string(), "--staged", "--new-since", "HEAD"}).exit_code, 1);
}

TEST_F(CliNewSince, FromASubdirectoryRootThePathsStillAgree) {
  fs::path app = repo_ / "apps" / "api";
  write_tree(app, deliberate_tree());
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(git(repo_, {"commit", "-q", "-m", "monorepo"}).exit_code, 0);
  EXPECT_EQ(run_cli({app.string(), "--new-since", "HEAD"}).exit_code, 0);
  auto files = deliberate_tree();
  make_harmless_change(files);
  write_tree(app, files);
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  EXPECT_EQ(run_cli({app.string(), "--staged", "--new-since", "HEAD"}).exit_code, 0);
}

TEST_F(CliNewSince, UnknownRevisionIsAnError) {
  ProcessOutput r = run_cli({repo_.string(), "--new-since", "no-such-rev"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("v15check: error: --new-since no-such-rev"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace v15::testing
