// Relations before literals: a binding the wrangler config declares is the expected one, a
// configured value words the check's title and Expected line, and a FAIL that a config key decides
// names the key in its Found text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

// The passing fixture with `find` replaced by `replace` (exactly once) in each listed file.
std::map<std::string, std::string> edited(
    const std::vector<std::tuple<std::string, std::string, std::string>>& edits) {
  auto files = pass_tree();
  std::vector<Edit> list;
  for (const auto& [file, find, replace] : edits) list.push_back({file, find, replace, {}, false});
  std::string err = v15::testing::apply(files, list);
  EXPECT_EQ(err, "");
  return files;
}

const char* const kDo = "src/agents/chat-session-agent.ts";
const char* const kWrangler = "wrangler.jsonc";
const char* const kSandboxDeclared = R"({ "name": "SANDBOX_CONTAINER", "class_name": "Sandbox" })";
const char* const kSandboxRenamed = R"({ "name": "Sandbox", "class_name": "Sandbox" })";
const char* const kSandboxCall = "getSandbox(this.env.SANDBOX_CONTAINER, session.sandboxId)";

nlohmann::json check_of(const std::string& json_report, const std::string& id) {
  const nlohmann::json doc = nlohmann::json::parse(json_report);
  for (const auto& c : doc.at("checks"))
    if (c.at("id") == id) return c;
  ADD_FAILURE() << "no check " << id << " in " << json_report;
  return {};
}

TEST(CliRelations, TheSandboxBindingWranglerDeclaresIsAccepted) {
  TempDir dir;
  write_tree(dir.path(),
             edited({{kWrangler, kSandboxDeclared, kSandboxRenamed},
                     {kDo, kSandboxCall, "getSandbox(this.env.Sandbox, session.sandboxId)"}}));
  ProcessOutput r = run_cli({dir.path().string(), "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json c = check_of(r.out, "do.dispatch-get-sandbox");
  EXPECT_EQ(c.at("status"), "PASS");
  // the title names the declared binding; the ID stays
  EXPECT_EQ(c.at("title"), "gets sandbox via `getSandbox(Sandbox, sandboxId)`");
}

TEST(CliRelations, CodeThatKeepsTheOldBindingFailsNamingTheDeclaration) {
  TempDir dir;
  write_tree(dir.path(), edited({{kWrangler, kSandboxDeclared, kSandboxRenamed}}));
  ProcessOutput r = run_cli({dir.path().string(), "--color", "never"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL: gets sandbox via `getSandbox(Sandbox, sandboxId)`"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(config: sandboxBinding = Sandbox, from wrangler.jsonc)"),
            std::string::npos)
      << r.out;
}

TEST(CliRelations, TheConfigFileOverridesTheWranglerBinding) {
  // the config file names the binding the code uses, whatever wrangler.jsonc declares
  TempDir dir;
  auto files = edited({{kWrangler, kSandboxDeclared, kSandboxRenamed}});
  files[".v15check.json"] = R"({ "sandboxBinding": "SANDBOX_CONTAINER" })";
  write_tree(dir.path(), files);
  ProcessOutput r = run_cli({dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(CliRelations, TheDoBindingWranglerDeclaresIsExpected) {
  const std::string from = R"({ "name": "CHAT_SESSIONS", "class_name": "ChatSessionAgent" })";
  const std::string to = R"({ "name": "CHAT_AGENTS", "class_name": "ChatSessionAgent" })";
  TempDir dir;
  write_tree(dir.path(), edited({{kWrangler, from, to}}));
  ProcessOutput r = run_cli({dir.path().string(), "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  nlohmann::json c = check_of(r.out, "route.chat-do-stub");
  EXPECT_EQ(c.at("status"), "FAIL");
  EXPECT_EQ(c.at("title"), "route gets DO stub from CHAT_AGENTS by sessionId");
  EXPECT_NE(c.at("found").get<std::string>().find(
                "not env.CHAT_AGENTS (config: doBinding = CHAT_AGENTS, from wrangler.jsonc)"),
            std::string::npos)
      << c;
}

TEST(CliRelations, TomlBindingsAreReadToo) {
  auto files = pass_tree();
  files.erase(kWrangler);
  files["wrangler.toml"] = read_file(fixtures_dir() / "variants/wrangler-toml/wrangler.toml");
  std::string& toml = files["wrangler.toml"];
  toml.replace(toml.find("name = \"SANDBOX_CONTAINER\""), 26, "name = \"Sandbox\"");
  TempDir dir;
  write_tree(dir.path(), files);
  ProcessOutput r = run_cli({dir.path().string(), "--format", "json"});
  EXPECT_EQ(check_of(r.out, "do.dispatch-get-sandbox").at("status"), "FAIL") << r.out;
  EXPECT_NE(check_of(r.out, "do.dispatch-get-sandbox")
                .at("found")
                .get<std::string>()
                .find("(config: sandboxBinding = Sandbox, from wrangler.toml)"),
            std::string::npos);
}

TEST(CliRelations, AConfiguredTimeoutWordsTheTitleAndExpectedInEveryFormat) {
  TempDir dir;
  write_tree(dir.path(), pass_tree());
  write_text(dir / ".v15check.json", R"({ "bridgeTimeoutMs": 600000 })");
  // the fixture's 5-minute bridge now differs from the configured 10 minutes
  ProcessOutput text = run_cli({dir.path().string(), "--color", "never"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("FAIL: bridge timeout is 10 minutes [do.chat-bridge-timeout]\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Expected: setTimeout(fn, T) in handleChatHttp with T folding to "
                          "bridgeTimeoutMs = 600000 ms (10 min)"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("5 minutes"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(config: bridgeTimeoutMs = 600000, from "), std::string::npos)
      << text.out;

  nlohmann::json c =
      check_of(run_cli({dir.path().string(), "--format", "json"}).out, "do.chat-bridge-timeout");
  EXPECT_EQ(c.at("title"), "bridge timeout is 10 minutes");
  for (const char* format : {"sarif", "junit", "github"}) {
    ProcessOutput r = run_cli({dir.path().string(), "--format", format});
    EXPECT_NE(r.out.find("bridge timeout is 10 minutes"), std::string::npos) << format << r.out;
    EXPECT_EQ(r.out.find("bridge timeout is 5 minutes"), std::string::npos) << format;
  }
  std::string config = (dir / ".v15check.json").string();
  ProcessOutput explain = run_cli({"--explain", "do.chat-bridge-timeout", "--config", config});
  EXPECT_NE(explain.out.find("bridge timeout is 10 minutes"), std::string::npos) << explain.out;
  ProcessOutput list = run_cli({"--list-checks", "--config", config});
  EXPECT_NE(list.out.find("bridge timeout is 10 minutes"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("do.chat-bridge-timeout"), std::string::npos);
  // without a config, the catalogue keeps the checklist's words
  ProcessOutput plain = run_cli({"--explain", "do.chat-bridge-timeout"});
  EXPECT_NE(plain.out.find("bridge timeout is 5 minutes"), std::string::npos) << plain.out;
}

TEST(CliRelations, AMatchingConfiguredTimeoutPasses) {
  TempDir dir;
  write_tree(
      dir.path(),
      edited({{kDo, "BRIDGE_TIMEOUT_MS = 5 * 60 * 1000", "BRIDGE_TIMEOUT_MS = 10 * 60 * 1000"}}));
  write_text(dir / ".v15check.json", R"({ "bridgeTimeoutMs": 600000 })");
  ProcessOutput r = run_cli({dir.path().string(), "--color", "never", "-v"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("bridge timeout is 10 minutes"), std::string::npos) << r.out;
}

TEST(CliRelations, LiteralFailsNameTheirConfigKey) {
  // each value a config key controls: the FAIL's Found names the key and its value
  struct Case {
    std::string file, find, replace, id, note;
  };
  const std::vector<Case> cases = {
      {kDo, "startsWith('sk-ant-oat01-')", "startsWith('sk-ant-api03-')",
       "do.dispatch-oauth-prefix", "(config: oauthPrefix = sk-ant-oat01-)"},
      {kDo, "'/tmp/vf-pending-query.json'", "'/tmp/pending.json'", "do.dispatch-pending-query",
       "(config: pendingQueryPath = /tmp/vf-pending-query.json)"},
      {kDo, "VF_CALLBACK_URL: 'https://vaporforge.dev/internal/stream'",
       "VF_CALLBACK_URL: 'https://vaporforge.dev/internal/callback'", "do.env-callback-url",
       "(config: callbackUrl = https://vaporforge.dev/internal/stream)"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    write_tree(dir.path(), edited({{c.file, c.find, c.replace}}));
    nlohmann::json r = check_of(run_cli({dir.path().string(), "--format", "json"}).out, c.id);
    EXPECT_EQ(r.at("status"), "FAIL") << c.id;
    EXPECT_NE(r.at("found").get<std::string>().find(c.note), std::string::npos) << r;
  }
}

}  // namespace
}  // namespace v15::testing
