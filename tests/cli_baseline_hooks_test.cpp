// The hook examples on a code base that already has a FAIL: the git pre-commit hook and the
// Claude Code hook block an edit only for what it breaks (--new-since HEAD), and the
// pre-commit framework example, run with the pre-commit program, accepts the committed
// baseline and fails `--all-files` on a broken committed flow.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "baseline_support.h"
#include "cli_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

// A repository whose HEAD has the deliberate FAIL.
class HookRepo : public DeliberateRepo {
 protected:
  RunOptions with_binary() const {
    RunOptions o;
    o.env["V15CHECK"] = binary_path();
    o.unset = {"V15CHECK_STRICT"};
    return o;
  }
};

TEST_F(HookRepo, GitPreCommitHookBlocksOnlyWhatTheCommitBreaks) {
  fs::path hooks = dir_ / "hooks";
  fs::create_directories(hooks);
  fs::copy_file(example("git-hooks/pre-commit"), hooks / "pre-commit");
  fs::permissions(hooks / "pre-commit", fs::perms::owner_all, fs::perm_options::add);
  auto commit = [&](const std::string& message, RunOptions o) {
    return git(repo_, {"-c", "core.hooksPath=" + hooks.string(), "commit", "-q", "-m", message}, o);
  };
  // a flow-file edit that breaks nothing: let through, the old FAIL shown as BASELINED
  change(make_harmless_change);
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  ProcessOutput harmless = commit("comments", with_binary());
  EXPECT_EQ(harmless.exit_code, 0) << harmless.out << harmless.err;
  EXPECT_NE((harmless.out + harmless.err).find("BASELINED: "), std::string::npos)
      << harmless.out << harmless.err;
  // one that breaks another check: blocked
  auto files = deliberate_tree();
  make_harmless_change(files);
  make_breaking_change(files);
  write_tree(repo_, files);
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  ProcessOutput broken = commit("prompt elsewhere", with_binary());
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE((broken.out + broken.err).find("\nFAIL: "), std::string::npos) << broken.out;
  EXPECT_NE(broken.err.find("commit blocked"), std::string::npos) << broken.err;
  // strict mode blocks on the old FAIL too
  ASSERT_EQ(git(repo_, {"reset", "-q", "--hard"}).exit_code, 0);
  write_text(repo_ / kJwtFile, read_file(repo_ / kJwtFile) + "// strict\n");
  ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
  RunOptions strict = with_binary();
  strict.env["V15CHECK_STRICT"] = "1";
  strict.unset.clear();
  EXPECT_NE(commit("strict", strict).exit_code, 0);
}

TEST_F(HookRepo, ClaudeHookFeedsBackOnlyTheFailsTheEditMade) {
  auto hook = [&](const std::string& file) { return run_claude_hook(repo_, file, with_binary()); };
  change(make_harmless_change);
  ProcessOutput harmless = hook(kJwtFile);
  EXPECT_EQ(harmless.exit_code, 0) << harmless.err;
  EXPECT_EQ(harmless.err, "") << "the 10-minute bridge is not the agent's to fix";

  auto files = deliberate_tree();
  make_breaking_change(files);
  write_tree(repo_, files);
  ProcessOutput broken = hook(kDoFile);
  EXPECT_EQ(broken.exit_code, 2) << broken.err;
  EXPECT_NE(broken.err.find("FAIL: "), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("Result: "), std::string::npos) << broken.err;
  EXPECT_EQ(broken.err.find("BASELINED:"), std::string::npos) << broken.err;
  EXPECT_EQ(broken.err.find("[do.chat-bridge-timeout]"), std::string::npos) << broken.err;
}

// -- the pre-commit framework ---------------------------------------------------------------------

bool pre_commit_available() { return run_program({"pre-commit", "--version"}).exit_code == 0; }

class PreCommitFramework : public HookRepo {
 protected:
  void SetUp() override {
    if (!pre_commit_available()) GTEST_SKIP() << "pre-commit is not installed";
    HookRepo::SetUp();
    if (IsSkipped()) return;
    // v15check on PATH, as the example's `language: system` hook expects
    bin_ = dir_ / "bin";
    fs::create_directories(bin_);
    fs::create_symlink(binary_path(), bin_ / "v15check");
    fs::copy_file(example("pre-commit/.pre-commit-config.yaml"), repo_ / ".pre-commit-config.yaml");
    // the team's accepted FAILs, committed with the config that names them
    ProcessOutput w =
        run_cli({repo_.string(), "--write-baseline", (repo_ / ".v15check-baseline.json").string()});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    write_text(repo_ / ".v15check.json", "{ \"baseline\": \".v15check-baseline.json\" }\n");
    commit_all("adopt v15check");
  }
  ProcessOutput pre_commit(const std::vector<std::string>& args) {
    RunOptions o;
    o.cwd = repo_;
    const char* path = std::getenv("PATH");
    o.env["PATH"] = bin_.string() + ":" + (path ? path : "/usr/bin:/bin");
    o.env["PRE_COMMIT_HOME"] = (dir_ / "pre-commit-home").string();
    o.env["PRE_COMMIT_COLOR"] = "never";
    o.timeout_ms = 60000;
    std::vector<std::string> argv = {"pre-commit"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, o);
  }
  fs::path bin_;
};

TEST_F(PreCommitFramework, ExampleFilesAreAcceptedByThisPreCommit) {
  ProcessOutput config = pre_commit({"validate-config", ".pre-commit-config.yaml"});
  EXPECT_EQ(config.exit_code, 0) << config.out << config.err;
  ProcessOutput manifest =
      pre_commit({"validate-manifest", example("pre-commit/.pre-commit-hooks.yaml").string()});
  EXPECT_EQ(manifest.exit_code, 0) << manifest.out << manifest.err;
}

TEST_F(PreCommitFramework, AllFilesChecksTheWorkingTreeWithTheCommittedBaseline) {
  ProcessOutput accepted = pre_commit({"run", "--all-files"});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_NE(accepted.out.find("Passed"), std::string::npos) << accepted.out;

  // a broken flow committed past the hook: --all-files fails, it does not skip
  change(make_breaking_change);
  commit_all("prompt elsewhere");
  ProcessOutput broken = pre_commit({"run", "--all-files"});
  EXPECT_EQ(broken.exit_code, 1) << broken.out << broken.err;
  EXPECT_NE(broken.out.find("Failed"), std::string::npos) << broken.out;
  EXPECT_NE(broken.out.find("FAIL: "), std::string::npos) << broken.out;
}

}  // namespace
}  // namespace v15::testing
