// In-source suppressions through the built binary, in every format: a suppressed FAIL is
// reported as suppressed, a directive without a reason is an error, an unused one a warning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "flow_support.h"
#include "xml_check.h"

namespace v15::testing {
namespace {

class CliSuppress : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!suppressible_fail()) GTEST_SKIP() << "no failing mutant in the catalogue";
    fail_ = *suppressible_fail();
  }
  // Writes the failing tree with `directive` above the FAIL's line (or the passing tree).
  std::string tree(const std::string& directive, bool passing = false) {
    auto files = passing ? passing_tree() : fail_.files;
    files[fail_.location.path] =
        insert_line(files[fail_.location.path], fail_.location.line, directive);
    write_tree(dir_.path(), files);
    return dir_.path().string();
  }
  FailingTree fail_;
  TempDir dir_;
};

TEST_F(CliSuppress, SuppressedInEveryFormat) {
  std::string root =
      tree("// v15check-disable-next-line " + fail_.id + " -- vendored code, see #12");
  std::set<std::string> others = run_all(fail_.files).failed;
  others.erase(fail_.id);

  ProcessOutput text = run_cli({root, "--color", "never", "-v"});
  EXPECT_EQ(text.exit_code, others.empty() ? 0 : 1);
  EXPECT_NE(text.out.find("(1 suppressed)"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("FAIL: " + fail_.title + " [" + fail_.id + "]"), std::string::npos);
  EXPECT_NE(text.out.find("SUPPRESSED: " + fail_.title + " [" + fail_.id + "]"), std::string::npos);
  EXPECT_NE(text.out.find("Reason: vendored code, see #12"), std::string::npos);

  auto json = nlohmann::json::parse(run_cli({root, "--format", "json"}).out);
  bool seen = false;
  for (const auto& c : json.at("checks")) {
    if (c.at("id") != fail_.id) continue;
    seen = true;
    EXPECT_EQ(c.at("status"), "SUPPRESSED");
    EXPECT_EQ(c.at("suppression").at("kind"), "inline");
    EXPECT_EQ(c.at("suppression").at("location").at("line"), fail_.location.line);
  }
  EXPECT_TRUE(seen);
  EXPECT_TRUE(json.at("directives").empty());

  auto sarif = nlohmann::json::parse(run_cli({root, "--format", "sarif"}).out);
  seen = false;
  for (const auto& r : sarif.at("runs")[0].at("results")) {
    if (r.at("ruleId") != fail_.id) continue;
    seen = true;
    EXPECT_EQ(r.at("suppressions")[0].at("kind"), "inSource");
    EXPECT_EQ(r.at("suppressions")[0].at("justification"), "vendored code, see #12");
  }
  EXPECT_TRUE(seen);

  std::string junit = run_cli({root, "--format", "junit"}).out;
  EXPECT_EQ(xml_problem(junit), "");
  EXPECT_NE(junit.find("<skipped message=\"suppressed at " + fail_.location.path),
            std::string::npos)
      << junit;

  std::string github = run_cli({root, "--format", "github"}).out;
  EXPECT_NE(github.find("::notice file=" + fail_.location.path), std::string::npos) << github;
  EXPECT_EQ(github.find("::error file=" + fail_.location.path + ",line=" +
                        std::to_string(fail_.location.line + 1) + ",title=v15check " + fail_.id),
            std::string::npos)
      << "a suppressed FAIL is not annotated as an error";
}

TEST_F(CliSuppress, DirectiveWithoutReasonFailsTheRun) {
  std::string root = tree("// v15check-disable-next-line " + fail_.id);
  ProcessOutput text = run_cli({root, "--color", "never"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(
      text.out.find("FAIL: invalid suppression directive [v15check/invalid-directive]\n  File: " +
                    fail_.location.path + ":" + std::to_string(fail_.location.line)),
      std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("FAIL: " + fail_.title), std::string::npos)
      << "the FAIL is not suppressed";
  auto json = nlohmann::json::parse(run_cli({root, "--format", "json"}).out);
  ASSERT_EQ(json.at("directives").size(), 1u);
  EXPECT_EQ(json.at("directives")[0].at("severity"), "error");
  EXPECT_EQ(json.at("summary").at("directiveErrors"), 1);
  auto sarif = nlohmann::json::parse(run_cli({root, "--format", "sarif"}).out);
  int invalid = 0;
  for (const auto& r : sarif.at("runs")[0].at("results"))
    if (r.at("ruleId") == "v15check/invalid-directive") {
      ++invalid;
      EXPECT_EQ(r.at("level"), "error");
    }
  EXPECT_EQ(invalid, 1);
  // Even with the FAIL itself disabled in the config, the bad directive fails the run.
  write_text(dir_ / ".v15check.json",
             "{\"disable\": [{\"id\": \"" + fail_.id + "\", \"reason\": \"x\"}]}");
  ProcessOutput only_directive = run_cli({root, "--check", fail_.id});
  EXPECT_EQ(only_directive.exit_code, 1) << only_directive.out;
}

TEST_F(CliSuppress, UnusedDirectiveIsAWarning) {
  std::string root =
      tree("// v15check-disable-next-line " + fail_.id + " -- stale", /*passing=*/true);
  ProcessOutput text = run_cli({root, "--color", "never", "--check", fail_.id});
  EXPECT_NE(text.out.find("WARNING: unused suppression directive [v15check/unused-directive]"),
            std::string::npos)
      << text.out;
  auto json = nlohmann::json::parse(run_cli({root, "--format", "json", "--check", fail_.id}).out);
  ASSERT_EQ(json.at("directives").size(), 1u);
  EXPECT_EQ(json.at("directives")[0].at("severity"), "warning");
  auto sarif = nlohmann::json::parse(run_cli({root, "--format", "sarif", "--check", fail_.id}).out);
  bool warned = false;
  for (const auto& r : sarif.at("runs")[0].at("results"))
    warned =
        warned || (r.at("ruleId") == "v15check/unused-directive" && r.at("level") == "warning");
  EXPECT_TRUE(warned);
  std::string github = run_cli({root, "--format", "github", "--check", fail_.id}).out;
  EXPECT_NE(github.find("::warning file="), std::string::npos) << github;
  // A directive for a check that did not run (not selected) is not reported.
  ProcessOutput other = run_cli({root, "--format", "json", "--group", "jwt"});
  if (fail_.id.rfind("jwt.", 0) != 0) {
    EXPECT_TRUE(nlohmann::json::parse(other.out).at("directives").empty());
  }
}

}  // namespace
}  // namespace v15::testing
