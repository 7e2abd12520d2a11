// Every input of a run is read under the same rules: the config file and the wrangler config as
// the role files (inside the root, a regular file, within the size cap, never opened in a way that
// can block); a file that cannot be read says why; a lone CR ends a line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kTimeoutMs = 60'000;  // a run that blocks on a FIFO is killed, and fails the test

void copy_fixture(const TempDir& dir) {
  fs::copy(fixtures_dir() / "v15-pass", dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

ProcessOutput run_on(const TempDir& dir, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {dir.path().string(), "--color", "never"});
  return run_cli(args, {.timeout_ms = kTimeoutMs});
}

TEST(CliInput, ConfigFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  copy_fixture(dir);
  ASSERT_EQ(::mkfifo((dir / ".v15check.json").c_str(), 0644), 0);
  ProcessOutput r = run_on(dir);
  EXPECT_FALSE(r.timed_out) << "the config FIFO blocked the run";
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("v15check: error: cannot use config file: .v15check.json: refused: a FIFO"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("ALL CHECKS PASS"), std::string::npos);
}

TEST(CliInput, ExplicitConfigMustBeARegularFile) {
  TempDir dir;
  copy_fixture(dir);
  ASSERT_EQ(::mkfifo((dir / "config.fifo").c_str(), 0644), 0);
  ProcessOutput fifo = run_on(dir, {"--config", (dir / "config.fifo").string()});
  EXPECT_FALSE(fifo.timed_out);
  EXPECT_EQ(fifo.exit_code, 2) << fifo.err;
  EXPECT_NE(fifo.err.find("a FIFO, not a regular file"), std::string::npos) << fifo.err;

  // read until bad_alloc before: a device is refused before it is opened
  ProcessOutput zero = run_on(dir, {"--config", "/dev/zero"});
  EXPECT_FALSE(zero.timed_out);
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  EXPECT_NE(zero.err.find("/dev/zero: refused: a character device, not a regular file"),
            std::string::npos)
      << zero.err;

  ProcessOutput folder = run_on(dir, {"--config", (dir / "src").string()});
  EXPECT_EQ(folder.exit_code, 2) << folder.err;
  EXPECT_NE(folder.err.find("a directory, not a regular file"), std::string::npos) << folder.err;
}

TEST(CliInput, ConfigLinkedOutsideTheRootIsRefusedAndNotQuoted) {
  TempDir outside;
  write_text(outside / "secret.txt", "root:SECRET-VALUE:0:0\n");
  TempDir dir;
  copy_fixture(dir);
  fs::create_symlink(outside / "secret.txt", dir / ".v15check.json");
  ProcessOutput r = run_on(dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(".v15check.json: refused: resolves outside the root"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("SECRET-VALUE"), std::string::npos) << "the linked file was read";

  fs::remove(dir / ".v15check.json");
  fs::create_symlink("/dev/zero", dir / ".v15check.json");
  ProcessOutput zero = run_on(dir);
  EXPECT_FALSE(zero.timed_out);
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  EXPECT_NE(zero.err.find("refused: resolves outside the root"), std::string::npos) << zero.err;
}

TEST(CliInput, DanglingConfigLinkIsAnErrorNotTheDefaults) {
  TempDir dir;
  copy_fixture(dir);
  fs::create_symlink(dir / "nowhere.json", dir / ".v15check.json");
  ProcessOutput r = run_on(dir);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(".v15check.json: not found (dangling symlink)"), std::string::npos) << r.err;
}

TEST(CliInput, ConfigOverTheSizeCapIsRefused) {
  TempDir dir;
  copy_fixture(dir);
  write_text(dir / ".v15check.json", "{}" + std::string((8u << 20) + 1, ' '));
  ProcessOutput r = run_on(dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(".v15check.json: refused: 8388611 bytes is over the 8 MiB limit"),
            std::string::npos)
      << r.err;
}

TEST(CliInput, WranglerConfigFollowsTheSameRules) {
  TempDir dir;
  copy_fixture(dir);
  fs::remove(dir / "wrangler.jsonc");
  ASSERT_EQ(::mkfifo((dir / "wrangler.jsonc").c_str(), 0644), 0);
  ProcessOutput fifo = run_on(dir);
  EXPECT_FALSE(fifo.timed_out) << "the wrangler FIFO blocked the run";
  EXPECT_EQ(fifo.exit_code, 2) << fifo.out << fifo.err;
  EXPECT_NE(fifo.err.find("cannot use wrangler config: wrangler.jsonc: refused: a FIFO"),
            std::string::npos)
      << fifo.err;

  TempDir outside;
  write_text(outside / "wrangler.jsonc", "{}");
  fs::remove(dir / "wrangler.jsonc");
  fs::create_symlink(outside / "wrangler.jsonc", dir / "wrangler.jsonc");
  ProcessOutput linked = run_on(dir);
  EXPECT_EQ(linked.exit_code, 2) << linked.err;
  EXPECT_NE(linked.err.find("wrangler.jsonc: refused: resolves outside the root"),
            std::string::npos)
      << linked.err;

  // a dangling link is not "no wrangler config": the callback URL would be judged without it
  fs::remove(dir / "wrangler.jsonc");
  fs::create_symlink(dir / "nowhere.jsonc", dir / "wrangler.jsonc");
  ProcessOutput dangling = run_on(dir);
  EXPECT_EQ(dangling.exit_code, 2) << dangling.out << dangling.err;
  EXPECT_NE(dangling.err.find("cannot use wrangler config: wrangler.jsonc: not found (dangling "
                              "symlink)"),
            std::string::npos)
      << dangling.err;
}

TEST(CliInput, RoleFifoIsAFailNotAHang) {
  TempDir dir;
  copy_fixture(dir);
  fs::remove(dir / "src/utils/jwt.ts");
  ASSERT_EQ(::mkfifo((dir / "src/utils/jwt.ts").c_str(), 0644), 0);
  ProcessOutput r = run_on(dir);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("Found: src/utils/jwt.ts: refused: a FIFO, not a regular file"),
            std::string::npos)
      << r.out;
}

// A fixture whose agent ends its lines with a lone CR must report what the LF one reports, with
// the same line numbers: here a broken betas test in the agent, at its real line.
TEST(CliInput, LoneCarriageReturnsEndLines) {
  const std::string agent_path = "src/sandbox-scripts/claude-agent.js";
  auto make = [&](const TempDir& dir, bool lone_cr) {
    copy_fixture(dir);
    for (const char* file : {"src/sandbox-scripts/claude-agent.js", "Dockerfile"}) {
      std::string text = read_file(dir / file);
      const std::string find = "if (oauthToken.startsWith('sk-ant-oat')) {";
      auto at = text.find(find);
      ASSERT_NE(at, std::string::npos) << file;
      text.replace(at, find.size(), "if (!oauthToken) {");
      if (lone_cr && file == agent_path)
        for (char& c : text)
          if (c == '\n') c = '\r';
      write_text(dir / file, text);
    }
  };
  TempDir lf, cr;
  make(lf, false);
  make(cr, true);
  ProcessOutput a = run_on(lf, {"-v"});
  ProcessOutput b = run_on(cr, {"-v"});
  EXPECT_EQ(a.exit_code, 1) << a.out;
  EXPECT_EQ(b.exit_code, 1) << b.out;
  EXPECT_NE(a.out.find("FAIL: "), std::string::npos);
  EXPECT_EQ(a.out, b.out) << "the CR-only agent reads differently";
  EXPECT_NE(b.out.find("File: " + agent_path + ":"), std::string::npos) << b.out;
  EXPECT_EQ(b.out.find("File: " + agent_path + ":1\n"), std::string::npos) << b.out;

  // and the unbroken CR-only agent passes, with its hashbang line read as one line
  TempDir plain;
  copy_fixture(plain);
  std::string text = read_file(plain / agent_path);
  for (char& c : text)
    if (c == '\n') c = '\r';
  write_text(plain / agent_path, text);
  ProcessOutput ok = run_on(plain);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

// At a revision the config is read under the same rules: a committed link that leaves the
// repository is an error, not the defaults.
TEST(CliInput, ConfigAtARevisionFollowsTheSameRules) {
  if (!git_available()) GTEST_SKIP() << "git is not installed";
  TempDir dir;
  copy_fixture(dir);
  fs::create_symlink("../../outside.json", dir / ".v15check.json");
  ASSERT_EQ(git(dir.path(), {"init", "-q"}).exit_code, 0);
  ASSERT_EQ(git(dir.path(), {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(git(dir.path(), {"commit", "-q", "-m", "fixture"}).exit_code, 0);
  ProcessOutput r = run_cli({dir.path().string(), "--rev", "HEAD"}, {.timeout_ms = kTimeoutMs});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot use config file: .v15check.json: refused"), std::string::npos)
      << r.err;
}

// Permission checks do not bind root, so as root the binary runs as an unprivileged user.
class Unprivileged : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) return;
    if (run_program({"setpriv", "--version"}).exit_code != 0)
      GTEST_SKIP() << "running as root without setpriv: permissions cannot be exercised";
    prefix_ = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  }
  ProcessOutput run(const TempDir& dir) {
    // mkdtemp makes the directory private to its owner
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    std::vector<std::string> argv = prefix_;
    argv.insert(argv.end(), {binary_path(), dir.path().string(), "--color", "never"});
    return run_program(argv, {.timeout_ms = kTimeoutMs});
  }
  std::vector<std::string> prefix_;
};

TEST_F(Unprivileged, UnsearchableDirectoryIsNotReadableNotMissing) {
  TempDir dir;
  copy_fixture(dir);
  fs::permissions(dir / "src/agents", fs::perms::none);
  ProcessOutput r = run(dir);
  fs::permissions(dir / "src/agents", fs::perms::owner_all);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Found: src/agents/chat-session-agent.ts: not readable (permission denied: "
                       "directory src/agents cannot be searched)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("chat-session-agent.ts: not found"), std::string::npos) << r.out;
}

TEST_F(Unprivileged, UnreadableFileSaysPermissionDenied) {
  TempDir dir;
  copy_fixture(dir);
  fs::permissions(dir / "src/utils/jwt.ts", fs::perms::none);
  ProcessOutput r = run(dir);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Found: src/utils/jwt.ts: not readable (permission denied)"),
            std::string::npos)
      << r.out;
}

TEST_F(Unprivileged, UnreadableRootIsAnError) {
  TempDir dir;
  fs::create_directory(dir / "root");
  fs::copy(fixtures_dir() / "v15-pass", dir / "root", fs::copy_options::recursive);
  fs::permissions(dir / "root", fs::perms::none);
  ProcessOutput r = run_program(
      [&] {
        fs::permissions(dir.path(),
                        fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
        std::vector<std::string> argv = prefix_;
        argv.insert(argv.end(), {binary_path(), (dir / "root").string()});
        return argv;
      }(),
      {.timeout_ms = kTimeoutMs});
  fs::permissions(dir / "root", fs::perms::owner_all);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is not readable (Permission denied)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("not found"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace v15::testing
