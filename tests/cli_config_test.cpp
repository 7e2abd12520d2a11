// .v15check.json and --config against the built binary: disabled checks are SUPPRESSED with
// their reason (never PASS), bad configs exit 2 naming file:line:column, roles move files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::string disable_all(const std::set<std::string>& ids, const std::string& reason) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& id : ids) list.push_back({{"id", id}, {"reason", reason}});
  return nlohmann::json{{"disable", list}}.dump(2);
}

TEST(CliConfig, DisabledChecksAreSuppressedWithTheirReason) {
  if (!suppressible_fail()) GTEST_SKIP();
  TempDir dir;
  write_tree(dir.path(), suppressible_fail()->files);
  std::set<std::string> failed = run_all(suppressible_fail()->files).failed;
  ASSERT_FALSE(failed.empty());
  write_text(dir / ".v15check.json", disable_all(failed, "tracked in OPS-7"));
  ProcessOutput text = run_cli({dir.path().string(), "--color", "never", "-v"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("suppressed)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("SUPPRESSED: "), std::string::npos);
  EXPECT_NE(text.out.find("  Reason: tracked in OPS-7"), std::string::npos);
  auto doc = nlohmann::json::parse(run_cli({dir.path().string(), "--format", "json"}).out);
  EXPECT_EQ(doc.at("summary").at("suppressed").get<std::size_t>(), failed.size());
  for (const auto& c : doc.at("checks")) {
    if (!failed.count(c.at("id").get<std::string>())) continue;
    EXPECT_EQ(c.at("status"), "SUPPRESSED");
    EXPECT_EQ(c.at("suppression").at("kind"), "config");
    EXPECT_EQ(c.at("suppression").at("reason"), "tracked in OPS-7");
  }
  // --config elsewhere wins over the root's file; an empty config turns the FAILs back on.
  TempDir other;
  write_text(other / "empty.json", "{}");
  EXPECT_EQ(run_cli({dir.path().string(), "--config", (other / "empty.json").string()}).exit_code,
            1);
}

TEST(CliConfig, BadConfigsExitTwoNamingThePosition) {
  TempDir dir;
  write_tree(dir.path(), passing_tree());
  struct Bad {
    std::string text, message;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"{\n  \"className\": \"A\",\n  \"classname\": \"B\"\n}",
            ".v15check.json:3:3: /classname: unknown key"},
           {"{\"bridgeTimeoutMs\": \"300000\"}",
            ".v15check.json:1:21: /bridgeTimeoutMs: expected a positive number"},
           {"{\"disable\": [{\"id\": \"route.chat-endpoint\"}]}", "missing \"reason\""},
           {"{\"disable\": [{\"id\": \"route.nope\", \"reason\": \"x\"}]}",
            ".v15check.json:1:21: /disable/0/id: unknown check ID \"route.nope\""},
           {"{\"roles\": {\"worker\": 3}}", "/roles/worker: expected a string"},
           {"{\"className\": ", "invalid JSON"},
       }) {
    write_text(dir / ".v15check.json", bad.text);
    ProcessOutput r = run_cli({dir.path().string()});
    EXPECT_EQ(r.exit_code, 2) << bad.text;
    EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "no report on a config error";
  }
  ProcessOutput missing = run_cli({dir.path().string(), "--config", (dir / "nope.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(
      missing.err.find("cannot use config file: " + (dir / "nope.json").string() + ": not found"),
      std::string::npos)
      << missing.err;
}

TEST(CliConfig, RolesMoveTheFiles) {
  TempDir dir;
  std::map<std::string, std::string> moved;
  for (const auto& [path, text] : passing_tree()) moved["apps/api/" + path] = text;
  write_tree(dir.path(), moved);
  write_text(dir / ".v15check.json", R"({
    "roles": {
      "worker": "apps/api/src/index.ts",
      "do": "apps/api/src/agents/chat-session-agent.ts",
      "jwt": "apps/api/src/utils/jwt.ts",
      "agent": "apps/api/src/sandbox-scripts/claude-agent.js",
      "dockerfile": "apps/api/Dockerfile"
    }
  })");
  // Worker-relative facts (wrangler vars) stay at the root, so compare with the fixture run
  // minus what reads wrangler.jsonc: every FAIL location is under apps/api.
  ProcessOutput r = run_cli({dir.path().string(), "--format", "json"});
  ASSERT_NE(r.exit_code, 2) << r.err;
  auto doc = nlohmann::json::parse(r.out);
  int located = 0;
  for (const auto& c : doc.at("checks")) {
    std::string path = c.at("location").at("path");
    if (path.empty()) continue;
    ++located;
    EXPECT_EQ(path.rfind("apps/api/", 0), 0u) << c.at("id") << " " << path;
  }
  EXPECT_GT(located, 0);
}

TEST(CliConfig, BundledDefaultsConfigChangesNothing) {
  std::string fixture = (fixtures_dir() / "v15-pass").string();
  std::string config = (source_dir() / "examples/config/defaults.v15check.json").string();
  ProcessOutput with = run_cli({fixture, "--config", config, "--format", "json"});
  ProcessOutput without = run_cli({fixture, "--format", "json"});
  EXPECT_EQ(with.exit_code, without.exit_code) << with.err;
  EXPECT_EQ(nlohmann::json::parse(with.out).at("checks"),
            nlohmann::json::parse(without.out).at("checks"));
}

}  // namespace
}  // namespace v15::testing
