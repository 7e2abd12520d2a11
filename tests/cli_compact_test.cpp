// Output for hooks and editors: `--format compact` read back by the pattern a problem matcher
// uses, `--quiet`, a long Found list one item per line, and misspelt suppression directives
// warned about in every format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The pattern of the problem matcher in examples/vscode/tasks.json, as VS Code reads it, with
// its groups: 1 file, 2 line, 3 column, 4 severity, 5 message, 6 code.
std::regex matcher_pattern() {
  auto tasks = nlohmann::json::parse(read_file(source_dir() / "examples/vscode/tasks.json"),
                                     nullptr, true, /*ignore_comments=*/true);
  const auto& pattern = tasks.at("tasks")[0].at("problemMatcher").at("pattern");
  EXPECT_EQ(pattern.at("file"), 1);
  EXPECT_EQ(pattern.at("line"), 2);
  EXPECT_EQ(pattern.at("column"), 3);
  EXPECT_EQ(pattern.at("severity"), 4);
  EXPECT_EQ(pattern.at("message"), 5);
  EXPECT_EQ(pattern.at("code"), 6);
  return std::regex(pattern.at("regexp").get<std::string>());
}
const std::regex& compact_line() {
  static const std::regex pattern = matcher_pattern();
  return pattern;
}

class CliCompact : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!suppressible_fail()) GTEST_SKIP() << "no failing mutant in the catalogue";
    fail_ = *suppressible_fail();
    write_tree(dir_.path(), fail_.files);
    failed_ = run_all(fail_.files).failed;
  }
  std::string root() const { return dir_.path().string(); }
  FailingTree fail_;
  std::set<std::string> failed_;
  TempDir dir_;
};

TEST_F(CliCompact, OneLinePerFailReadBackByTheMatcherPattern) {
  ProcessOutput r = run_cli({root(), "--format", "compact"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::set<std::string> ids;
  for (const std::string& line : lines_of(r.out)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, compact_line())) << line;
    EXPECT_EQ(m[4], "error");
    EXPECT_GE(std::stoi(m[2]), 1);
    EXPECT_GE(std::stoi(m[3]), 1);
    EXPECT_TRUE(fs::exists(dir_ / m[1].str())) << m[1];  // paths resolve against the root
    ids.insert(m[6]);
    if (m[6] == fail_.id) {
      EXPECT_EQ(m[1], fail_.location.path);
      EXPECT_EQ(std::stoi(m[2]), fail_.location.line);
      EXPECT_EQ(m[5], fail_.title);
    }
  }
  EXPECT_EQ(ids, failed_);
  EXPECT_EQ(lines_of(r.out).size(), failed_.size());
  // all passing: nothing at all, exit 0
  ProcessOutput pass = run_cli({(fixtures_dir() / "v15-pass").string(), "--format", "compact"});
  EXPECT_EQ(pass.exit_code, 0);
  EXPECT_EQ(pass.out, "");
}

TEST_F(CliCompact, QuietPrintsOnlyTheFails) {
  ProcessOutput full = run_cli({root(), "--color", "never"});
  ProcessOutput quiet = run_cli({root(), "--quiet", "--color", "never"});
  EXPECT_EQ(quiet.exit_code, 1);
  EXPECT_EQ(quiet.out.find("V1.5 Integration Test Report"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find("PASS]"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.find("Result:"), std::string::npos) << quiet.out;
  EXPECT_EQ(quiet.out.rfind("FAIL: ", 0), 0u) << quiet.out;
  // the FAIL blocks are the full report's, as they are
  auto from = full.out.find("\nFAIL: ");
  ASSERT_NE(from, std::string::npos);
  EXPECT_EQ(quiet.out, full.out.substr(from + 1));
  ProcessOutput pass = run_cli({(fixtures_dir() / "v15-pass").string(), "-q"});
  EXPECT_EQ(pass.exit_code, 0);
  EXPECT_EQ(pass.out, "");
  EXPECT_EQ(pass.err, "");
  EXPECT_EQ(run_cli({root(), "-q", "--format", "json"}).exit_code, 2);
  EXPECT_EQ(run_cli({root(), "-q", "-v"}).exit_code, 2);
  // github: the error commands, no summary line
  ProcessOutput gh = run_cli({root(), "-q", "--format", "github"});
  for (const std::string& line : lines_of(gh.out)) EXPECT_EQ(line.rfind("::error ", 0), 0u) << line;
}

TEST(CliFoundText, ALongListGoesOneItemPerLine) {
  auto files = passing_tree();
  std::string& agent = files["src/sandbox-scripts/claude-agent.js"];
  std::string reads;
  for (int i = 1; i <= 6; ++i)
    reads += "const EXTRA_" + std::to_string(i) + " = process.env.VF_NEVER_SET_BY_THE_DO_" +
             std::to_string(i) + ";\n";
  const std::string anchor = "const HEARTBEAT_MS = 15000;\n";  // after the shebang and imports
  auto at = agent.find(anchor);
  ASSERT_NE(at, std::string::npos);
  agent.insert(at + anchor.size(), reads);
  TempDir dir;
  write_tree(dir.path(), files);
  ProcessOutput r =
      run_cli({dir.path().string(), "--check", "docker.env-names", "--color", "never"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::vector<std::string> lines = lines_of(r.out);
  auto found = std::find_if(lines.begin(), lines.end(),
                            [](const std::string& l) { return l.rfind("  Found: ", 0) == 0; });
  ASSERT_NE(found, lines.end()) << r.out;
  EXPECT_NE(found->find("VF_NEVER_SET_BY_THE_DO_1: read by the agent"), std::string::npos);
  EXPECT_EQ(found->find("VF_NEVER_SET_BY_THE_DO_2"), std::string::npos) << *found;
  for (int i = 2; i <= 3; ++i) {
    const std::string& next = *(found + i - 1);
    EXPECT_EQ(next.rfind("         VF_NEVER_SET_BY_THE_DO_" + std::to_string(i) + ": read", 0), 0u)
        << next;
  }
  // the JSON report keeps the Found text as it is
  auto doc = nlohmann::json::parse(
      run_cli({dir.path().string(), "--check", "docker.env-names", "--format", "json"}).out);
  std::string text = doc.at("checks")[0].at("found");
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_NE(text.find("; VF_NEVER_SET_BY_THE_DO_2"), std::string::npos) << text;
}

TEST_F(CliCompact, MisspeltDirectivesAreWarnedAboutInEveryFormat) {
  auto files = fail_.files;
  std::string& file = files[fail_.location.path];
  file = insert_line(file, fail_.location.line, "// v15check-disable-line " + fail_.id + " -- x");
  file = insert_line(file, 1, "/* v15check-ignore */");
  file += "// v15checks run in CI; v15check itself is fine here\n";
  write_tree(dir_.path(), files);

  ProcessOutput text = run_cli({root(), "--color", "never"});
  EXPECT_EQ(text.exit_code, 1);  // the FAIL is not suppressed
  EXPECT_NE(text.out.find("FAIL: " + fail_.title + " [" + fail_.id + "]"), std::string::npos);
  EXPECT_NE(text.out.find("WARNING: unknown suppression directive [v15check/unknown-directive]\n"
                          "  File: " +
                          fail_.location.path + ":1\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("unknown directive \"v15check-disable-line\" suppresses nothing (did "
                          "you mean \"v15check-disable-next-line\"?)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("unknown directive \"v15check-ignore\""), std::string::npos);
  EXPECT_EQ(text.out.find("\"v15checks\""), std::string::npos) << "prose is no directive";

  auto json = nlohmann::json::parse(run_cli({root(), "--format", "json"}).out);
  int unknown = 0;
  for (const auto& d : json.at("directives"))
    unknown += d.at("rule") == "v15check/unknown-directive" && d.at("severity") == "warning";
  EXPECT_EQ(unknown, 2);
  EXPECT_EQ(json.at("summary").at("warnings"), 2);

  auto sarif = nlohmann::json::parse(run_cli({root(), "--format", "sarif"}).out);
  int results = 0;
  for (const auto& r : sarif.at("runs")[0].at("results"))
    if (r.at("ruleId") == "v15check/unknown-directive") {
      ++results;
      EXPECT_EQ(r.at("level"), "warning");
      const auto& rules = sarif.at("runs")[0].at("tool").at("driver").at("rules");
      EXPECT_EQ(rules.at(r.at("ruleIndex").get<std::size_t>()).at("id"),
                "v15check/unknown-directive");
    }
  EXPECT_EQ(results, 2);

  ProcessOutput gh = run_cli({root(), "--format", "github"});
  EXPECT_NE(gh.out.find("::warning file=" + fail_.location.path +
                        ",line=1,title=v15check unknown suppression directive::"),
            std::string::npos)
      << gh.out;

  ProcessOutput compact = run_cli({root(), "--format", "compact"});
  EXPECT_NE(compact.out.find(fail_.location.path +
                             ":1:1: warning: unknown suppression directive: unknown directive "
                             "\"v15check-ignore\""),
            std::string::npos)
      << compact.out;
  for (const std::string& line : lines_of(compact.out))
    EXPECT_TRUE(std::regex_match(line, compact_line())) << line;
  EXPECT_EQ(run_cli({root(), "--format", "compact", "-q"}).out.find("warning:"), std::string::npos);

  ProcessOutput junit = run_cli({root(), "--format", "junit"});
  EXPECT_NE(junit.out.find("name=\"v15check/unknown-directive " + fail_.location.path + ":1\""),
            std::string::npos)
      << junit.out;
}

}  // namespace
}  // namespace v15::testing
