// --rev, --git-dir, --changed-since and --staged against the built binary, on temporary
// repositories holding the fixture: --rev gives the report of checking that revision out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

// The checks array and summary of a JSON report: what must agree between two ways of reading
// the same content (root and source differ).
nlohmann::json outcome(const ProcessOutput& r) {
  auto doc = nlohmann::json::parse(r.out);
  return {{"summary", doc.at("summary")}, {"checks", doc.at("checks")}};
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class CliGit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!git_available()) GTEST_SKIP() << "git is not installed";
    if (!suppressible_fail()) GTEST_SKIP() << "no failing mutant in the catalogue";
    work_ = dir_ / "work";
    init(work_, "");
  }
  // A repository whose commit A holds the passing fixture (under `prefix`) and commit B the
  // failing mutant.
  void init(const fs::path& repo, const std::string& prefix) {
    fs::create_directories(repo);
    ASSERT_EQ(git(repo, {"init", "-q"}).exit_code, 0);
    write_tree(repo / prefix, passing_tree());
    write_text(repo / "NOTES.md", "not a flow file\n");
    commit(repo, "A: passing");
    a_ = head(repo);
    write_tree(repo / prefix, suppressible_fail()->files);
    commit(repo, "B: mutant");
    b_ = head(repo);
  }
  void commit(const fs::path& repo, const std::string& message) {
    ASSERT_EQ(git(repo, {"add", "-A"}).exit_code, 0);
    ProcessOutput c = git(repo, {"commit", "-q", "-m", message});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  std::string head(const fs::path& repo) { return trim(git(repo, {"rev-parse", "HEAD"}).out); }
  // A plain checkout of `rev` in a fresh clone.
  fs::path checkout(const std::string& rev) {
    fs::path out = dir_ / ("checkout-" + std::to_string(++checkouts_));
    EXPECT_EQ(git(dir_.path(), {"clone", "-q", work_.string(), out.string()}).exit_code, 0);
    EXPECT_EQ(git(out, {"checkout", "-q", rev}).exit_code, 0);
    return out;
  }
  TempDir dir_;
  fs::path work_;
  std::string a_, b_;
  int checkouts_ = 0;
};

TEST_F(CliGit, RevGivesTheReportOfCheckingThatRevisionOut) {
  for (const std::string& rev : {a_, b_}) {
    SCOPED_TRACE(rev);
    ProcessOutput via_rev = run_cli({work_.string(), "--rev", rev, "--format", "json"});
    ProcessOutput via_checkout = run_cli({checkout(rev).string(), "--format", "json"});
    EXPECT_EQ(via_rev.exit_code, via_checkout.exit_code) << via_rev.err;
    EXPECT_EQ(outcome(via_rev), outcome(via_checkout));
    auto doc = nlohmann::json::parse(via_rev.out);
    EXPECT_EQ(doc.at("source"), "revision");
    EXPECT_EQ(doc.at("revision"), rev);
    EXPECT_EQ(doc.at("commit"), rev);
  }
  EXPECT_EQ(run_cli({work_.string(), "--rev", a_}).exit_code,
            run_all(passing_tree()).failed.empty() ? 0 : 1);
  EXPECT_EQ(run_cli({work_.string(), "--rev", b_}).exit_code, 1);
  // The text report of a revision is the same as the checkout's, byte for byte.
  EXPECT_EQ(run_cli({work_.string(), "--rev", "HEAD~1"}).out, run_cli({checkout(a_).string()}).out);
}

TEST_F(CliGit, BareRepositoryThroughGitDir) {
  fs::path bare = dir_ / "bare.git";
  ASSERT_EQ(git(dir_.path(), {"clone", "-q", "--bare", work_.string(), bare.string()}).exit_code,
            0);
  ProcessOutput r = run_cli({"--git-dir", bare.string(), "--rev", "HEAD", "--format", "json"});
  ProcessOutput expected = run_cli({work_.string(), "--format", "json"});  // the work tree is at B
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(outcome(r), outcome(expected));
  ProcessOutput no_rev = run_cli({"--git-dir", bare.string()});
  EXPECT_EQ(no_rev.exit_code, 2);
  EXPECT_NE(no_rev.err.find("--git-dir needs --rev or --staged"), std::string::npos) << no_rev.err;
}

TEST_F(CliGit, PathsAreRepositoryRelativeInASubdirectory) {
  fs::path mono = dir_ / "mono";
  init(mono, "apps/api");
  ProcessOutput r = run_cli({(mono / "apps/api").string(), "--rev", "HEAD", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  bool any_fail = false;
  for (const auto& c : doc.at("checks")) {
    std::string path = c.at("location").at("path");
    EXPECT_EQ(path.rfind("apps/api/", 0), 0u) << path;
    any_fail = any_fail || c.at("status") == "FAIL";
  }
  EXPECT_TRUE(any_fail);
  // The same through a bare clone, ROOT naming the directory inside the repository.
  fs::path bare = dir_ / "mono.git";
  ASSERT_EQ(git(dir_.path(), {"clone", "-q", "--bare", mono.string(), bare.string()}).exit_code, 0);
  ProcessOutput b =
      run_cli({"apps/api", "--git-dir", bare.string(), "--rev", "HEAD", "--format", "json"});
  EXPECT_EQ(outcome(b), outcome(r));
  // SARIF URIs are repository-relative too: what code scanning resolves against the checkout.
  auto sarif = nlohmann::json::parse(
      run_cli({(mono / "apps/api").string(), "--rev", "HEAD", "--format", "sarif"}).out);
  for (const auto& res : sarif.at("runs")[0].at("results"))
    EXPECT_EQ(res.at("locations")[0]
                  .at("physicalLocation")
                  .at("artifactLocation")
                  .at("uri")
                  .get<std::string>()
                  .rfind("apps/api/", 0),
              0u);
}

TEST_F(CliGit, ConfigIsReadAtTheRevision) {
  std::string disable = "{\"disable\": [";
  for (const auto& id : run_all(suppressible_fail()->files).failed)
    disable += (disable.back() == '[' ? "" : ",") + std::string("{\"id\": \"") + id +
               "\", \"reason\": \"known\"}";
  disable += "]}";
  write_text(work_ / ".v15check.json", disable);
  commit(work_, "C: config");
  ProcessOutput r = run_cli({work_.string(), "--rev", "HEAD", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(run_cli({work_.string(), "--rev", b_}).exit_code, 1);  // before the config existed
  write_text(work_ / ".v15check.json", "{\"nope\": 1}");
  commit(work_, "D: broken config");
  ProcessOutput broken = run_cli({work_.string(), "--rev", "HEAD"});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find("HEAD:.v15check.json:1:2:"), std::string::npos) << broken.err;
}

TEST_F(CliGit, ChangedSinceSkipsWhenNoFlowFileChanged) {
  ProcessOutput clean = run_cli({work_.string(), "--changed-since", "HEAD"});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(clean.out, "v15check: no flow file changed since HEAD; nothing to check\n");
  write_text(work_ / "NOTES.md", "edited\n");
  write_text(work_ / "scratch.txt", "untracked\n");
  EXPECT_EQ(run_cli({work_.string(), "--changed-since", "HEAD"}).out, clean.out);
  // A role file edited in the working tree: the run happens (and fails on the mutant).
  std::string path = suppressible_fail()->location.path;
  write_text(work_ / path, read_file(work_ / path) + "\n");
  ProcessOutput edited = run_cli({work_.string(), "--changed-since", "HEAD", "--color", "never"});
  EXPECT_EQ(edited.exit_code, 1);
  EXPECT_NE(edited.out.find("V1.5 Integration Test Report"), std::string::npos);
  // Between two revisions: A..B changed a role file.
  EXPECT_EQ(run_cli({work_.string(), "--rev", b_, "--changed-since", a_}).exit_code, 1);
  // A machine format keeps stdout clean: the skip line goes to stderr.
  ProcessOutput json =
      run_cli({work_.string(), "--rev", b_, "--changed-since", b_, "--format", "json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out, "");
  EXPECT_NE(json.err.find("nothing to check"), std::string::npos);
}

TEST_F(CliGit, StagedChecksTheIndex) {
  ProcessOutput nothing = run_cli({work_.string(), "--staged"});
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_EQ(nothing.out, "v15check: no flow file is staged; nothing to check\n");
  // Stage the passing version of the mutated file, then break the working copy again: the
  // index passes whatever the working tree says.
  std::string path = suppressible_fail()->location.path;
  write_text(work_ / path, passing_tree().at(path));
  ASSERT_EQ(git(work_, {"add", path}).exit_code, 0);
  write_text(work_ / path, "garbage that fails everything (\n");
  auto files = passing_tree();
  for (const auto& [p, text] : suppressible_fail()->files)
    if (p != path) files[p] = text;
  bool index_passes = run_all(files).failed.empty();
  ProcessOutput staged = run_cli({work_.string(), "--staged", "--format", "json"});
  EXPECT_EQ(staged.exit_code, index_passes ? 0 : 1) << staged.err;
  auto doc = nlohmann::json::parse(staged.out);
  EXPECT_EQ(doc.at("source"), "index");
  EXPECT_EQ(run_cli({work_.string()}).exit_code, 1);  // the working tree is broken
}

TEST_F(CliGit, BadRevisionsAndCombinationsExitTwo) {
  ProcessOutput unknown = run_cli({work_.string(), "--rev", "no-such-branch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown revision 'no-such-branch'"), std::string::npos)
      << unknown.err;
  EXPECT_EQ(run_cli({work_.string(), "--rev=--output=x"}).exit_code, 2);
  EXPECT_EQ(run_cli({work_.string(), "--rev", "HEAD", "--staged"}).exit_code, 2);
  EXPECT_EQ(run_cli({work_.string(), "--changed-since", "nope"}).exit_code, 2);
  EXPECT_EQ(run_cli({"--git-dir", (dir_ / "missing.git").string(), "--rev", "HEAD"}).exit_code, 2);
  TempDir plain;
  ProcessOutput outside = run_cli({plain.path().string(), "--changed-since", "HEAD"});
  EXPECT_EQ(outside.exit_code, 2);
  EXPECT_NE(outside.err.find("v15check: error:"), std::string::npos);
}

}  // namespace
}  // namespace v15::testing
