// --format and --output against the built binary: the fixture and a failing mutant in every
// format, parsed back (JSON, SARIF) or checked for well-formedness (JUnit), with the same FAILs
// the engine reports in process.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_support.h"
#include "flow_support.h"
#include "xml_check.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

int count_occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

int count_line_prefix(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0;
  return n;
}

// A checked tree on disk and what the engine says about it in process.
struct Subject {
  std::string name;
  std::unique_ptr<TempDir> dir;
  std::set<std::string> failed;
  std::size_t checks = 0;
  std::string root() const { return dir->path().string(); }
  int exit_code() const { return failed.empty() ? 0 : 1; }
};

Subject subject(const std::string& name, const std::map<std::string, std::string>& files) {
  Subject s;
  s.name = name;
  s.dir = std::make_unique<TempDir>();
  write_tree(s.dir->path(), files);
  RunOutcome r = run_all(files);
  s.failed = r.failed;
  s.checks = r.results.size();
  return s;
}

std::vector<Subject> subjects() {
  std::vector<Subject> out;
  out.push_back(subject("fixture", passing_tree()));
  if (suppressible_fail())
    out.push_back(subject("mutant " + suppressible_fail()->mutant, suppressible_fail()->files));
  return out;
}

TEST(CliFormat, JsonParsesBackWithTheEnginesOutcomes) {
  for (const Subject& s : subjects()) {
    SCOPED_TRACE(s.name);
    ProcessOutput r = run_cli({s.root(), "--format", "json"});
    EXPECT_EQ(r.exit_code, s.exit_code()) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc.at("schemaVersion"), 1);
    EXPECT_EQ(doc.at("source"), "working-tree");
    EXPECT_FALSE(doc.at("root").get<std::string>().empty());
    EXPECT_EQ(doc.at("checks").size(), s.checks);
    std::set<std::string> failed;
    for (const auto& c : doc.at("checks")) {
      for (const char* key :
           {"id", "group", "title", "status", "location", "expected", "found", "evidence"})
        EXPECT_TRUE(c.contains(key)) << key;
      if (c.at("status") == "FAIL") {
        failed.insert(c.at("id").get<std::string>());
        EXPECT_GE(c.at("location").at("line").get<int>(), 1);
      }
    }
    EXPECT_EQ(failed, s.failed);
    EXPECT_EQ(doc.at("summary").at("failed").get<std::size_t>(), s.failed.size());
  }
}

TEST(CliFormat, SarifParsesBackWithAResultPerFail) {
  for (const Subject& s : subjects()) {
    SCOPED_TRACE(s.name);
    ProcessOutput r = run_cli({s.root(), "--format", "sarif"});
    EXPECT_EQ(r.exit_code, s.exit_code()) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc.at("version"), "2.1.0");
    EXPECT_TRUE(doc.contains("$schema"));
    const auto& run = doc.at("runs").at(0);
    const auto& driver = run.at("tool").at("driver");
    for (const char* key : {"name", "version", "rules"}) EXPECT_TRUE(driver.contains(key)) << key;
    std::vector<std::string> rule_ids;
    for (const auto& rule : driver.at("rules")) rule_ids.push_back(rule.at("id"));
    EXPECT_GE(rule_ids.size(), s.checks);  // one per check, plus the directive rules
    std::set<std::string> failed;
    for (const auto& res : run.at("results")) {
      std::string id = res.at("ruleId");
      failed.insert(id);
      EXPECT_EQ(rule_ids.at(res.at("ruleIndex").get<std::size_t>()), id);
      EXPECT_EQ(res.at("level"), "error");
      EXPECT_FALSE(res.at("message").at("text").get<std::string>().empty());
      const auto& pl = res.at("locations").at(0).at("physicalLocation");
      std::string uri = pl.at("artifactLocation").at("uri");
      EXPECT_NE(uri.front(), '/') << "relative to the root: " << uri;
      EXPECT_TRUE(fs::exists(s.dir->path() / uri)) << uri;
      EXPECT_EQ(pl.at("artifactLocation").at("uriBaseId"), "%SRCROOT%");
      EXPECT_GE(pl.at("region").at("startLine").get<int>(), 1);
      EXPECT_EQ(res.at("partialFingerprints").at("v15check/v1").get<std::string>().size(), 32u);
    }
    EXPECT_EQ(failed, s.failed);
  }
}

TEST(CliFormat, SarifFingerprintsAreStableAcrossRuns) {
  if (!suppressible_fail()) GTEST_SKIP();
  Subject s = subject("mutant", suppressible_fail()->files);
  auto a = nlohmann::json::parse(run_cli({s.root(), "--format", "sarif"}).out);
  auto b = nlohmann::json::parse(run_cli({s.root(), "--format", "sarif"}).out);
  EXPECT_EQ(a, b);
}

TEST(CliFormat, JunitIsWellFormedWithAFailurePerFail) {
  for (const Subject& s : subjects()) {
    SCOPED_TRACE(s.name);
    ProcessOutput r = run_cli({s.root(), "--format", "junit"});
    EXPECT_EQ(r.exit_code, s.exit_code()) << r.err;
    EXPECT_EQ(xml_problem(r.out), "") << r.out;
    EXPECT_EQ(count_occurrences(r.out, "<failure "), static_cast<int>(s.failed.size()));
    EXPECT_EQ(count_occurrences(r.out, "<testcase "), static_cast<int>(s.checks));
    for (const auto& id : s.failed)
      EXPECT_NE(r.out.find("type=\"" + id + "\""), std::string::npos) << id;
    if (run_program({"sh", "-c", "command -v xmllint"}).exit_code == 0) {
      RunOptions in;
      in.input = r.out;
      EXPECT_EQ(run_program({"xmllint", "--noout", "-"}, in).exit_code, 0);
    }
  }
}

TEST(CliFormat, GithubAnnotatesEachFail) {
  for (const Subject& s : subjects()) {
    SCOPED_TRACE(s.name);
    ProcessOutput r = run_cli({s.root(), "--format", "github"});
    EXPECT_EQ(r.exit_code, s.exit_code()) << r.err;
    EXPECT_EQ(count_line_prefix(r.out, "::error file="), static_cast<int>(s.failed.size()))
        << r.out;
    for (const auto& id : s.failed)
      EXPECT_NE(r.out.find("title=v15check " + id + "%3A"), std::string::npos) << id;
    EXPECT_EQ(count_line_prefix(r.out, "v15check: "), 1);
  }
}

TEST(CliFormat, TextHasAFailBlockPerFail) {
  for (const Subject& s : subjects()) {
    SCOPED_TRACE(s.name);
    ProcessOutput r = run_cli({s.root(), "--color", "never"});
    EXPECT_EQ(r.exit_code, s.exit_code());
    EXPECT_EQ(count_line_prefix(r.out, "FAIL: "), static_cast<int>(s.failed.size())) << r.out;
  }
}

TEST(CliFormat, OutputWritesTheFileAndASummaryLine) {
  if (!suppressible_fail()) GTEST_SKIP();
  Subject s = subject("mutant", suppressible_fail()->files);
  TempDir out;
  for (const char* format : {"text", "json", "sarif", "junit", "github"}) {
    SCOPED_TRACE(format);
    fs::path file = out / (std::string("report.") + format);
    ProcessOutput r = run_cli({s.root(), "--format", format, "--output", file.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(count_occurrences(r.err, "\n"), 1) << r.err;
    EXPECT_EQ(r.err.rfind("v15check: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(std::to_string(s.failed.size()) + " failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("-> " + file.string()), std::string::npos) << r.err;
    ProcessOutput direct = run_cli({s.root(), "--format", format});
    EXPECT_EQ(read_file(file), direct.out);
  }
  ProcessOutput bad = run_cli({s.root(), "--output", (out / "no/such/dir/r.txt").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("cannot write"), std::string::npos) << bad.err;
}

TEST(CliFormat, UnknownOrMisplacedFormatsAreUsageErrors) {
  std::string root = (fixtures_dir() / "v15-pass").string();
  EXPECT_EQ(run_cli({root, "--format", "xml"}).exit_code, 2);
  ProcessOutput md = run_cli({root, "--format", "markdown"});
  EXPECT_EQ(md.exit_code, 2);
  EXPECT_NE(md.err.find("--list-checks"), std::string::npos) << md.err;
  EXPECT_EQ(run_cli({"--list-checks", "--format", "sarif"}).exit_code, 2);
}

}  // namespace
}  // namespace v15::testing
