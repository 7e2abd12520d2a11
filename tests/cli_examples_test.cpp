// The examples under examples/, each exercised: the git pre-commit hook, the GitHub Actions
// workflow (its structure and the command lines it runs, against the built binary), the
// pre-commit framework hook definition, and the Claude Code PostToolUse hook.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "flow_support.h"
#include "yaml_mini.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

bool fixture_passes() { return run_all(passing_tree()).failed.empty(); }

// A repository holding the passing fixture, committed, with a notes file.
class ExampleRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!git_available()) GTEST_SKIP() << "git is not installed";
    if (!suppressible_fail()) GTEST_SKIP() << "no failing mutant in the catalogue";
    repo_ = dir_ / "repo";
    fs::create_directories(repo_);
    ASSERT_EQ(git(repo_, {"init", "-q"}).exit_code, 0);
    write_tree(repo_, passing_tree());
    write_text(repo_ / "NOTES.md", "notes\n");
    ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
    ASSERT_EQ(git(repo_, {"commit", "-q", "-m", "fixture"}).exit_code, 0);
  }
  // Writes the mutant's version of the file its FAIL is in.
  std::string break_flow_file() {
    std::string path = suppressible_fail()->location.path;
    write_text(repo_ / path, suppressible_fail()->files.at(path));
    return path;
  }
  RunOptions with_binary() const {
    RunOptions o;
    o.env["V15CHECK"] = binary_path();
    return o;
  }
  TempDir dir_;
  fs::path repo_;
};

// -- git pre-commit hook --------------------------------------------------------------------------

TEST_F(ExampleRepo, GitPreCommitHookBlocksFailingCommitsOnly) {
  fs::path hooks = repo_ / ".git" / "hooks";
  fs::create_directories(hooks);
  fs::copy_file(example("git-hooks/pre-commit"), hooks / "pre-commit",
                fs::copy_options::overwrite_existing);
  fs::permissions(hooks / "pre-commit", fs::perms::owner_all, fs::perm_options::add);
  auto commit = [&](const std::string& message) {
    return git(repo_, {"-c", "core.hooksPath=" + hooks.string(), "commit", "-q", "-m", message},
               with_binary());
  };
  // No flow file staged: the hook passes at once.
  write_text(repo_ / "NOTES.md", "more notes\n");
  ASSERT_EQ(git(repo_, {"add", "NOTES.md"}).exit_code, 0);
  ProcessOutput notes = commit("notes");
  EXPECT_EQ(notes.exit_code, 0) << notes.out << notes.err;
  EXPECT_NE((notes.out + notes.err).find("nothing to check"), std::string::npos);
  // A failing flow file staged: blocked, with the FAIL lines shown.
  std::string path = break_flow_file();
  ASSERT_EQ(git(repo_, {"add", path}).exit_code, 0);
  ProcessOutput blocked = commit("break the flow");
  EXPECT_NE(blocked.exit_code, 0);
  EXPECT_NE((blocked.out + blocked.err).find("FAIL: "), std::string::npos)
      << blocked.out << blocked.err;
  EXPECT_NE(blocked.err.find("commit blocked"), std::string::npos) << blocked.err;
  // A partial commit (`git commit -- path`) runs the hook on a temporary index holding the
  // working copy of that path: blocked too.
  ASSERT_EQ(git(repo_, {"reset", "-q"}).exit_code, 0);
  ProcessOutput partial =
      git(repo_,
          {"-c", "core.hooksPath=" + hooks.string(), "commit", "-q", "-m", "partial", "--", path},
          with_binary());
  EXPECT_NE(partial.exit_code, 0) << partial.out << partial.err;
  EXPECT_NE((partial.out + partial.err).find("FAIL: "), std::string::npos);
  // The passing version staged (the working copy stays broken): the index is what counts.
  ASSERT_EQ(git(repo_, {"checkout", "HEAD", "--", path}).exit_code, 0);
  write_text(repo_ / path, passing_tree().at(path) + "\n// staged edit\n");
  ASSERT_EQ(git(repo_, {"add", path}).exit_code, 0);
  break_flow_file();
  ProcessOutput fixed = commit("harmless flow edit");
  EXPECT_EQ(fixed.exit_code, fixture_passes() ? 0 : 1) << fixed.out << fixed.err;
  // Without the binary the hook refuses rather than letting the commit through silently.
  RunOptions missing;
  missing.env["V15CHECK"] = "/nonexistent/v15check";
  write_text(repo_ / "NOTES.md", "again\n");
  ASSERT_EQ(git(repo_, {"add", "NOTES.md"}).exit_code, 0);
  ProcessOutput none =
      git(repo_, {"-c", "core.hooksPath=" + hooks.string(), "commit", "-q", "-m", "x"}, missing);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("not found"), std::string::npos) << none.err;
}

// -- GitHub Actions -------------------------------------------------------------------------------

TEST(ExampleWorkflow, StructureUploadsSarifAndFailsTheJob) {
  nlohmann::json wf = yaml::parse(read_file(example("github-actions/v15check.yml")));
  ASSERT_TRUE(wf.is_object()) << wf.dump(2);
  EXPECT_TRUE(wf.at("on").contains("push"));
  EXPECT_TRUE(wf.at("on").contains("pull_request"));
  EXPECT_EQ(wf.at("permissions").at("security-events"), "write");
  const auto& steps = wf.at("jobs").at("v15check").at("steps");
  ASSERT_TRUE(steps.is_array());
  int run_index = -1, upload_index = -1, fail_index = -1, build_index = -1;
  for (int i = 0; i < static_cast<int>(steps.size()); ++i) {
    const auto& s = steps[static_cast<std::size_t>(i)];
    std::string uses = s.value("uses", "");
    std::string run = s.value("run", "");
    if (uses.rfind("github/codeql-action/upload-sarif@", 0) == 0) upload_index = i;
    if (run.find("scripts/bootstrap") != std::string::npos) build_index = i;
    if (s.value("id", "") == "v15check") run_index = i;
    if (run.find("exit 1") != std::string::npos) fail_index = i;
  }
  ASSERT_GE(build_index, 0) << "a step builds v15check";
  ASSERT_GT(run_index, build_index);
  ASSERT_GT(upload_index, run_index);
  ASSERT_GT(fail_index, upload_index);
  const auto& upload = steps[static_cast<std::size_t>(upload_index)];
  EXPECT_EQ(upload.at("with").at("sarif_file"), "v15check.sarif");
  EXPECT_NE(upload.at("if").get<std::string>().find("always()"), std::string::npos);
  EXPECT_NE(steps[static_cast<std::size_t>(fail_index)].at("if").get<std::string>().find(
                "steps.v15check.outputs.status != '0'"),
            std::string::npos);
  std::string run = steps[static_cast<std::size_t>(run_index)].at("run");
  EXPECT_NE(run.find("--format sarif --output v15check.sarif"), std::string::npos) << run;
  EXPECT_NE(run.find("status=$?"), std::string::npos);
}

// Each v15check command line the workflow runs, with the binary path replaced by the one built.
std::vector<std::vector<std::string>> workflow_commands() {
  nlohmann::json wf = yaml::parse(read_file(example("github-actions/v15check.yml")));
  std::vector<std::vector<std::string>> out;
  for (const auto& s : wf.at("jobs").at("v15check").at("steps")) {
    std::istringstream run(s.value("run", ""));
    std::string line;
    while (std::getline(run, line)) {
      line = trim(line);
      if (line.rfind("v15check ", 0) != 0) continue;  // the binary from PATH
      if (auto bar = line.find(" ||"); bar != std::string::npos) line = line.substr(0, bar);
      std::vector<std::string> w = words(line);
      w.erase(w.begin());  // the binary
      out.push_back(w);
    }
  }
  return out;
}

TEST(ExampleWorkflow, ItsCommandLinesWorkWithTheBinary) {
  if (!suppressible_fail()) GTEST_SKIP();
  auto commands = workflow_commands();
  ASSERT_EQ(commands.size(), 2u);
  for (bool failing : {false, true}) {
    SCOPED_TRACE(failing ? "mutant" : "fixture");
    TempDir checkout;
    write_tree(checkout.path(), failing ? suppressible_fail()->files : passing_tree());
    RunOptions in_checkout;
    in_checkout.cwd = checkout.path();
    int expected = failing || !fixture_passes() ? 1 : 0;
    ProcessOutput sarif_run = run_cli(commands[0], in_checkout);
    EXPECT_EQ(sarif_run.exit_code, expected) << sarif_run.err;
    auto sarif = nlohmann::json::parse(read_file(checkout / "v15check.sarif"));
    EXPECT_EQ(sarif.at("version"), "2.1.0");
    EXPECT_EQ(sarif.at("runs")[0].at("results").empty(), expected == 0);
    ProcessOutput annotate = run_cli(commands[1], in_checkout);
    EXPECT_EQ(annotate.exit_code, expected);
    EXPECT_EQ(annotate.out.find("::error ") == std::string::npos, expected == 0) << annotate.out;
  }
}

// -- pre-commit framework -------------------------------------------------------------------------

TEST_F(ExampleRepo, PreCommitFrameworkHookDefinitionRunsTheBinary) {
  for (const char* file :
       {"pre-commit/.pre-commit-hooks.yaml", "pre-commit/.pre-commit-config.yaml"}) {
    SCOPED_TRACE(file);
    nlohmann::json doc = yaml::parse(read_file(example(file)));
    nlohmann::json hook = doc.is_array() ? doc.at(0) : doc.at("repos").at(0).at("hooks").at(0);
    EXPECT_EQ(hook.at("id"), "v15check");
    EXPECT_EQ(hook.at("language"), "system");
    EXPECT_EQ(hook.at("pass_filenames"), "false") << "v15check takes a root, not file names";
    EXPECT_EQ(hook.at("always_run"), "true");
    // the spelling pre-commit 3.0 accepts (later versions read it as pre-commit)
    EXPECT_EQ(hook.at("stages"), nlohmann::json({"commit"}));
    const nlohmann::json& top = doc.is_array() ? hook : doc;
    EXPECT_EQ(top.at("minimum_pre_commit_version"), "3.0.0");
    std::vector<std::string> entry = words(hook.at("entry"));
    ASSERT_FALSE(entry.empty());
    EXPECT_EQ(entry[0], "v15check");
    std::vector<std::string> args(entry.begin() + 1, entry.end());
    RunOptions in_repo;
    in_repo.cwd = repo_;
    // the working tree, which pre-commit makes the staged content (or, with --all-files, the
    // files as they are): checked, never skipped
    ProcessOutput clean = run_cli(args, in_repo);
    EXPECT_EQ(clean.exit_code, fixture_passes() ? 0 : 1) << clean.err;
    EXPECT_EQ(clean.out.find("nothing to check"), std::string::npos) << clean.out;
    std::string path = break_flow_file();
    EXPECT_EQ(run_cli(args, in_repo).exit_code, 1);
    ASSERT_EQ(git(repo_, {"reset", "-q", "--hard"}).exit_code, 0);
  }
}

// -- Claude Code PostToolUse hook -----------------------------------------------------------------

TEST(ExampleClaudeHook, SettingsSnippetRegistersThePostToolUseHook) {
  auto settings = nlohmann::json::parse(read_file(example("claude-code/settings.json")));
  const auto& entry = settings.at("hooks").at("PostToolUse").at(0);
  EXPECT_EQ(entry.at("matcher"), "Edit|Write|MultiEdit");
  const auto& hook = entry.at("hooks").at(0);
  EXPECT_EQ(hook.at("type"), "command");
  EXPECT_NE(hook.at("command").get<std::string>().find(".claude/hooks/v15check.sh"),
            std::string::npos);
  EXPECT_GT(hook.at("timeout").get<int>(), 0);
}

TEST_F(ExampleRepo, ClaudeHookFeedsFailsBackWithExitTwo) {
  auto hook = [&](const std::string& file) { return run_claude_hook(repo_, file, with_binary()); };
  ProcessOutput idle = hook("NOTES.md");
  EXPECT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_EQ(idle.err, "");
  write_text(repo_ / "NOTES.md", "edited\n");
  EXPECT_EQ(hook("NOTES.md").exit_code, 0);

  std::string path = break_flow_file();
  ProcessOutput fails = hook(path);
  EXPECT_EQ(fails.exit_code, 2) << fails.err;
  EXPECT_NE(fails.err.find("FAIL: " + suppressible_fail()->title), std::string::npos) << fails.err;
  EXPECT_NE(fails.err.find("Result: "), std::string::npos);
  EXPECT_EQ(fails.err.find("V1.5 Integration Test Report"), std::string::npos)
      << "only the FAIL part";

  write_text(repo_ / ".v15check.json", "{\"bogus\": true}");
  ProcessOutput broken = hook(".v15check.json");
  EXPECT_EQ(broken.exit_code, 1) << "a tool error is for the user, not the agent";
  EXPECT_NE(broken.err.find("unknown key"), std::string::npos) << broken.err;
}

}  // namespace
}  // namespace v15::testing
