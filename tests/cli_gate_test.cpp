// A gate is never silently green: an empty check selection and a root without the flow's files
// are usage errors, a run from a subdirectory finds the project (plain and --staged), and the
// command line reads the way other tools' do (one value per list option, `v15check: error:`
// for an unknown flag, "did you mean" for --explain, no colour on a dumb terminal).
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::string fixture() { return (fixtures_dir() / "v15-pass").string(); }

std::vector<std::string> ids_run(const ProcessOutput& r) {
  std::vector<std::string> ids;
  auto doc = nlohmann::json::parse(r.out);
  for (const auto& c : doc.at("checks")) ids.push_back(c.at("id"));
  return ids;
}

TEST(CliGate, AnEmptySelectionIsAUsageError) {
  ProcessOutput r = run_cli({fixture(), "--group", "jwt", "--check", "do.stream-404"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out.find("ALL CHECKS PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("v15check: error: the selection is empty"), std::string::npos) << r.err;
  // the same selection for the catalogue view
  EXPECT_EQ(run_cli({"--list-checks", "--group", "jwt", "--check", "do.stream-404"}).exit_code, 2);
  // a check inside its group still runs
  ProcessOutput ok = run_cli({fixture(), "--group", "jwt", "--check", "jwt.expiry"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(CliGate, ListOptionsTakeOneValuePerUse) {
  auto root = fixture();
  std::vector<std::string> two = {"jwt.expiry", "do.stream-404"};
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--check", "jwt.expiry", "--check", "do.stream-404", root},
           {"--check", "jwt.expiry,do.stream-404", root},
           {"--check=jwt.expiry", root, "--check", "do.stream-404"}}) {
    std::vector<std::string> full = args;
    full.insert(full.end(), {"--format", "json"});
    ProcessOutput r = run_cli(full);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ids_run(r), (std::vector<std::string>{"do.stream-404", "jwt.expiry"}));
  }
  // `--check ID ROOT`: ROOT is the root, not a second ID
  ProcessOutput r = run_cli({"--check", "jwt.expiry", root, "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ids_run(r), std::vector<std::string>{"jwt.expiry"});
  ProcessOutput g = run_cli({"--group", "jwt", root, "--format", "json"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(ids_run(g).size(), 3u);
}

TEST(CliGate, UnknownFlagHasTheErrorPrefix) {
  ProcessOutput r = run_cli({fixture(), "--no-such-option"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("v15check: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
  ProcessOutput missing = run_cli({fixture(), "--format"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err.rfind("v15check: error: ", 0), 0u) << missing.err;
}

TEST(CliGate, ExplainSuggestsTheNearestId) {
  ProcessOutput r = run_cli({"--explain", "jwt.expirey"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown check ID 'jwt.expirey'; did you mean 'jwt.expiry'?"),
            std::string::npos)
      << r.err;
  ProcessOutput far = run_cli({"--explain", "completely-unrelated-words"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(CliGate, ARootWithoutRoleFilesIsAnError) {
  TempDir dir;
  write_text(dir / "README.md", "not a Worker project\n");
  ProcessOutput r = run_cli({dir.path().string()});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("holds none of the V1.5 role files (src/index.ts, "), std::string::npos)
      << r.err;
  // one role file is enough to check the project (the others then FAIL as not found)
  write_text(dir / "Dockerfile", "FROM node:20\n");
  EXPECT_EQ(run_cli({dir.path().string()}).exit_code, 1);
  // no root given and none found upwards: said so
  TempDir empty;
  ProcessOutput none = run_cli({}, {.cwd = empty.path()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no project root found"), std::string::npos) << none.err;
}

TEST(CliGate, FromASubdirectoryTheProjectRootIsFound) {
  TempDir dir;
  write_tree(dir.path(), passing_tree());
  fs::create_directories(dir / "src/agents/deeper");
  ProcessOutput top = run_cli({"--format", "json"}, {.cwd = dir.path()});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  for (const char* sub : {"src", "src/agents/deeper"}) {
    SCOPED_TRACE(sub);
    ProcessOutput r = run_cli({"--format", "json"}, {.cwd = dir / sub});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("summary"),
              nlohmann::json::parse(top.out).at("summary"));
  }
  // .v15check.json marks the root too, with its own role paths
  TempDir mono;
  for (const auto& [path, text] : passing_tree()) write_text(mono / ("worker/" + path), text);
  write_text(mono / ".v15check.json", R"({"roles": {"worker": "worker/src/index.ts",
    "do": "worker/src/agents/chat-session-agent.ts", "jwt": "worker/src/utils/jwt.ts",
    "agent": "worker/src/sandbox-scripts/claude-agent.js", "dockerfile": "worker/Dockerfile"}})");
  fs::create_directories(mono / "docs");
  ProcessOutput m = run_cli({}, {.cwd = mono / "docs"});
  EXPECT_EQ(m.exit_code, 0) << m.out << m.err;
  // an explicit root is taken as given
  ProcessOutput given = run_cli({"."}, {.cwd = dir / "src"});
  EXPECT_EQ(given.exit_code, 2) << given.out;
}

TEST(CliGate, StagedFromASubdirectoryChecksTheRepository) {
  if (!git_available()) GTEST_SKIP() << "git is not installed";
  const auto& fail = suppressible_fail();
  if (!fail) GTEST_SKIP() << "no failing mutant in the catalogue";
  TempDir dir;
  ASSERT_EQ(git(dir.path(), {"init", "-q"}).exit_code, 0);
  write_tree(dir.path(), passing_tree());
  ASSERT_EQ(git(dir.path(), {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(git(dir.path(), {"commit", "-q", "-m", "passing"}).exit_code, 0);
  // stage the breaking change, then run the hook's command from src/
  write_tree(dir.path(), fail->files);
  ASSERT_EQ(git(dir.path(), {"add", "-A"}).exit_code, 0);
  ProcessOutput staged = run_cli({"--staged", "--format", "json"}, {.cwd = dir / "src"});
  EXPECT_EQ(staged.exit_code, 1) << staged.out << staged.err;
  ASSERT_FALSE(staged.out.empty()) << staged.err;
  bool failed = false;
  auto doc = nlohmann::json::parse(staged.out);
  for (const auto& c : doc.at("checks"))
    failed = failed || (c.at("id") == fail->id && c.at("status") == "FAIL");
  EXPECT_TRUE(failed) << staged.out;
  ProcessOutput since = run_cli({"--changed-since", "HEAD"}, {.cwd = dir / "src/agents"});
  EXPECT_EQ(since.exit_code, 1) << since.out << since.err;
}

// Runs the binary on a pseudo-terminal, so that `--color auto` sees a terminal.
std::string run_on_terminal(const std::vector<std::string>& args, const std::string& term) {
  std::vector<std::string> argv = {binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    ::setenv("TERM", term.c_str(), 1);
    ::unsetenv("NO_COLOR");
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child has closed the terminal
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

TEST(CliGate, DumbTerminalGetsNoColour) {
  std::string coloured = run_on_terminal({fixture()}, "xterm-256color");
  EXPECT_NE(coloured.find("\x1b["), std::string::npos) << coloured;
  EXPECT_NE(coloured.find("ALL CHECKS PASS"), std::string::npos) << coloured;
  std::string dumb = run_on_terminal({fixture()}, "dumb");
  EXPECT_EQ(dumb.find("\x1b["), std::string::npos) << dumb;
  EXPECT_NE(dumb.find("ALL CHECKS PASS"), std::string::npos) << dumb;
  // asked for, colour is given anyway
  EXPECT_NE(run_on_terminal({fixture(), "--color", "always"}, "dumb").find("\x1b["),
            std::string::npos);
}

}  // namespace
}  // namespace v15::testing
