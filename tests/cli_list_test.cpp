// Discoverability: --list-checks (text, json, markdown), the committed docs/checks.md being
// current, --explain, --version and a --help that fits one screen.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

const Registry& registry() {
  static const Registry r = default_registry();
  return r;
}

TEST(CliList, TextListsEveryCheckOnce) {
  ProcessOutput r = run_cli({"--list-checks"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), registry().checks().size());
  for (std::size_t i = 0; i < ls.size(); ++i)
    EXPECT_EQ(ls[i].rfind(registry().checks()[i].id + " ", 0), 0u) << ls[i];
  ProcessOutput group = run_cli({"--list-checks", "--group", "jwt"});
  for (const auto& l : lines(group.out)) EXPECT_EQ(l.rfind("jwt.", 0), 0u) << l;
}

TEST(CliList, JsonCarriesTheExplanations) {
  ProcessOutput r = run_cli({"--list-checks", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0);
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc.at("schemaVersion"), 1);
  ASSERT_EQ(doc.at("checks").size(), registry().checks().size());
  for (const auto& c : doc.at("checks"))
    for (const char* key : {"id", "group", "groupTitle", "title", "role", "expected", "passesWhen",
                            "failsWhen", "configKeys"})
      EXPECT_TRUE(c.contains(key)) << key;
}

TEST(CliList, CommittedChecksMarkdownIsCurrent) {
  ProcessOutput r = run_cli({"--list-checks", "--format", "markdown"});
  EXPECT_EQ(r.exit_code, 0);
  for (const auto& c : registry().checks())
    EXPECT_NE(r.out.find("| `" + c.id + "` |"), std::string::npos) << c.id;
  bool current = read_file(source_dir() / "docs" / "checks.md") == r.out;
  EXPECT_TRUE(current)
      << "docs/checks.md is out of date: run `cmake --build build --target docs` and commit it";
}

TEST(CliList, ExplainDescribesOneCheck) {
  const Check& c = registry().checks().front();
  ProcessOutput r = run_cli({"--explain", c.id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind(c.id + ": " + c.title + "\n", 0), 0u) << r.out;
  for (const char* label :
       {"  Expected:", "  PASS when:", "  FAIL when:", "  Config:", "  Suppress:"})
    EXPECT_NE(r.out.find(label), std::string::npos) << label << "\n" << r.out;
  auto json = nlohmann::json::parse(run_cli({"--explain", c.id, "--format", "json"}).out);
  EXPECT_EQ(json.at("id"), c.id);
  EXPECT_EQ(json.at("passesWhen"), c.passes_when);
  // A check with config keys names them with their meaning.
  for (const auto& k : registry().checks()) {
    if (std::find(k.config_keys.begin(), k.config_keys.end(), "bridgeTimeoutMs") ==
        k.config_keys.end())
      continue;
    ProcessOutput e = run_cli({"--explain", k.id});
    EXPECT_NE(e.out.find("bridgeTimeoutMs — number"), std::string::npos) << e.out;
    break;
  }
}

TEST(CliList, ExplainUnknownIdIsAUsageError) {
  ProcessOutput r = run_cli({"--explain", "route.nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown check ID 'route.nope'"), std::string::npos) << r.err;
  EXPECT_EQ(run_cli({"--explain", registry().checks().front().id, "--format", "sarif"}).exit_code,
            2);
}

TEST(CliList, VersionAndHelp) {
  ProcessOutput v = run_cli({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, std::string("v15check ") + V15CHECK_VERSION + "\n");
  ProcessOutput h = run_cli({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_LE(lines(h.out).size(), 40u) << "--help must fit one screen:\n" << h.out;
  for (const char* opt : {"--config", "--check", "--group", "--format", "--output", "--color",
                          "--verbose", "--rev", "--git-dir", "--changed-since", "--staged",
                          "--explain", "--list-checks", "--version", "Exit status"})
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace v15::testing
