// `v15check init` through the built binary: on the fixture with three deliberate literals it
// writes a config that makes the next plain run pass; FAILs no key explains go to a baseline;
// it never overwrites without --force.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "baseline_support.h"
#include "cli_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::string replaced_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The fixture as a team that chose a 10-minute bridge, a sandbox binding named `Sandbox`
// (declared in wrangler.jsonc, so no key is needed for it), CLAUDE_CONFIG_DIR=/root/.claude and
// its own callback host has it: three literals a config key controls, and one relation.
std::map<std::string, std::string> chosen_tree() {
  auto files = deliberate_tree();
  for (const char* f : {kDoFile, "src/types.ts", "wrangler.jsonc"})
    files[f] = replaced_all(files[f], "SANDBOX_CONTAINER", "Sandbox");
  files[kDoFile] = replaced(files[kDoFile], "CLAUDE_CONFIG_DIR: '/root/.config/claude',",
                            "CLAUDE_CONFIG_DIR: '/root/.claude',");
  files[kDoFile] =
      replaced(files[kDoFile], "VF_CALLBACK_URL: 'https://vaporforge.dev/internal/stream',",
               "VF_CALLBACK_URL: 'https://agents.example.dev/internal/stream',");
  return files;
}

class CliInit : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "app";
    write_tree(root_, chosen_tree());
  }
  TempDir dir_;
  fs::path root_;
};

TEST_F(CliInit, SetsTheKeysTheCodeDiffersOnAndThenThePlainRunPasses) {
  ProcessOutput before = run_cli({root_.string(), "--format", "json"});
  EXPECT_EQ(before.exit_code, 1) << "the three choices FAIL with the defaults";
  ProcessOutput init = run_cli({"init", root_.string()});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  std::string config = read_file(root_ / ".v15check.json");
  EXPECT_NE(config.find("\"bridgeTimeoutMs\": 600000"), std::string::npos) << config;
  EXPECT_NE(config.find("\"callbackUrl\": \"https://agents.example.dev/internal/stream\""),
            std::string::npos)
      << config;
  EXPECT_EQ(config.find("sandboxBinding"), std::string::npos)
      << "the binding wrangler.jsonc declares is accepted without a key\n"
      << config;
  EXPECT_NE(config.find("\"claudeConfigDir\": \"/root/.claude\""), std::string::npos) << config;
  // each key's comment names where the code has the value
  EXPECT_NE(config.find(std::string("// the code has this value at ") + kDoFile + ":"),
            std::string::npos)
      << config;
  EXPECT_EQ(config.find("\"baseline\""), std::string::npos) << "nothing else fails";
  EXPECT_FALSE(fs::exists(root_ / ".v15check-baseline.json"));
  EXPECT_NE(init.out.find("bridgeTimeoutMs = 600000"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("every check passes"), std::string::npos) << init.out;

  ProcessOutput after = run_cli({root_.string(), "--color", "never"});
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("ALL CHECKS PASS"), std::string::npos) << after.out;
}

TEST_F(CliInit, FailsNoKeyExplainsGoToTheBaselineTheConfigNames) {
  auto files = chosen_tree();
  make_structural_break(files);
  write_tree(root_, files);
  ProcessOutput init = run_cli({"init", root_.string()});
  ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
  EXPECT_NE(init.out.find("still FAIL"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("  FAIL "), std::string::npos) << init.out;
  std::string config = read_file(root_ / ".v15check.json");
  EXPECT_NE(config.find("\"baseline\": \".v15check-baseline.json\""), std::string::npos) << config;
  auto baseline = nlohmann::json::parse(read_file(root_ / ".v15check-baseline.json"));
  EXPECT_FALSE(baseline.at("entries").empty());
  ProcessOutput after = run_cli({root_.string(), "--color", "never"});
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("BASELINED: "), std::string::npos) << after.out;
}

TEST_F(CliInit, NeverOverwritesWithoutForce) {
  write_text(root_ / ".v15check.json", "{}\n");
  ProcessOutput refused = run_cli({"init", root_.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("v15check: error: "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("exists; pass --force"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(root_ / ".v15check.json"), "{}\n");
  ProcessOutput forced = run_cli({"init", root_.string(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_file(root_ / ".v15check.json"), "{}\n");
  // the written config parses with the tool's own loader
  EXPECT_EQ(run_cli({root_.string(), "--config", (root_ / ".v15check.json").string()}).exit_code,
            0);
}

TEST_F(CliInit, WorksFromTheCurrentDirectoryAndRejectsABadRoot) {
  write_tree(root_, passing_tree());
  RunOptions in_root;
  in_root.cwd = root_;
  ProcessOutput here = run_cli({"init"}, in_root);
  EXPECT_EQ(here.exit_code, 0) << here.err;
  EXPECT_NE(read_file(root_ / ".v15check.json").find("nothing to set"), std::string::npos);
  ProcessOutput none = run_cli({"init", (dir_ / "missing").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("does not exist"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace v15::testing
