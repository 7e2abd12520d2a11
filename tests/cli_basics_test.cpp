// The built binary on good and bad input: exit codes, the report format, missing, empty,
// broken, binary and huge files. A tool error never exits 0 and a missing file never PASSes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::string fixture() { return (fixtures_dir() / "v15-pass").string(); }

// A copy of the passing fixture in a temp dir, so a test can break one file.
void copy_fixture(const TempDir& dir) {
  fs::copy(fixture(), dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int n = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, prefix.size(), prefix) == 0) ++n;
    pos = text.find('\n', pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return n;
}

TEST(Cli, PassingFixtureExitsZeroWithTheBoxedReport) {
  ProcessOutput r = run_cli({fixture(), "--color", "never"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("V1.5 Integration Test Report\n═════════════════════════════\n\n", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("Route Registration:     [5/5 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ChatSessionAgent DO:    [43/43 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("JWT Utils:              [3/3 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Container Agent:        [5/5 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Dockerfile Sync:        [2/2 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Error Handling:         [5/5 PASS]\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nResult: ALL CHECKS PASS ✓\n"), std::string::npos);
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when not asked";
}

TEST(Cli, OutputIsDeterministic) {
  ProcessOutput a = run_cli({fixture(), "-v"});
  ProcessOutput b = run_cli({fixture(), "-v"});
  EXPECT_EQ(a.out, b.out);
}

TEST(Cli, FailuresExitOneWithGreppableBlocks) {
  TempDir dir;
  copy_fixture(dir);
  std::string path = (dir / "src/index.ts").string();
  std::string text = read_file(path);
  auto pos = text.find("'/api/v15/chat'");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 15, "'/api/v15/chats'");
  write_text(path, text);
  ProcessOutput r = run_cli({dir.path().string(), "--color", "never"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("Route Registration:     [2/5 PASS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: 3 FAILURES FOUND"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines_starting(r.out, "FAIL: "), 3);
  std::regex block("FAIL: .*\n  File: src/index\\.ts:[0-9]+\n  Expected: .+\n  Found: .+\n");
  EXPECT_TRUE(std::regex_search(r.out, block)) << r.out;
}

TEST(Cli, MissingRoleFileFailsSayingNotFound) {
  TempDir dir;
  copy_fixture(dir);
  fs::remove(dir / "src/utils/jwt.ts");
  ProcessOutput r = run_cli({dir.path().string(), "--group", "jwt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines_starting(r.out, "FAIL: "), 3) << r.out;
  EXPECT_NE(r.out.find("Found: src/utils/jwt.ts: not found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("File: src/utils/jwt.ts:1"), std::string::npos) << r.out;
}

TEST(Cli, EmptyDirectoryIsAnErrorAndAnEmptyFileFailsEveryCheck) {
  TempDir dir;
  // a root with none of the role files is not the project: an error, never a report
  ProcessOutput none = run_cli({dir.path().string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("holds none of the V1.5 role files"), std::string::npos) << none.err;
  // one empty role file: every check FAILs, none PASSes
  write_text(dir / "Dockerfile", "");
  ProcessOutput r = run_cli({dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(std::regex_search(r.out, std::regex("\\[[1-9][0-9]*/"))) << r.out;
  const std::string all_fail =
      "Result: " + std::to_string(default_registry().checks().size()) + " FAILURES FOUND";
  EXPECT_NE(r.out.find(all_fail), std::string::npos) << r.out;
}

TEST(Cli, BadRootsAndUsageExitTwo) {
  ProcessOutput missing = run_cli({"/nonexistent/v15check/root"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  TempDir dir;
  write_text(dir / "file.txt", "x");
  ProcessOutput file = run_cli({(dir / "file.txt").string()});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("not a directory"), std::string::npos) << file.err;
  EXPECT_EQ(run_cli({fixture(), "--no-such-option"}).exit_code, 2);
  EXPECT_EQ(run_cli({fixture(), "--check", "route.nope"}).exit_code, 2);
  EXPECT_EQ(run_cli({fixture(), "--group", "nope"}).exit_code, 2);
  EXPECT_EQ(run_cli({fixture(), "--color", "sometimes"}).exit_code, 2);
}

TEST(Cli, CheckAndGroupFiltersSelect) {
  ProcessOutput one = run_cli({fixture(), "--check", "route.chat-endpoint"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("Route Registration:     [1/1 PASS]"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("JWT Utils"), std::string::npos);
  ProcessOutput group = run_cli({fixture(), "--group", "jwt,route"});
  EXPECT_NE(group.out.find("JWT Utils:              [3/3 PASS]"), std::string::npos) << group.out;
  EXPECT_EQ(group.out.find("ChatSessionAgent DO"), std::string::npos);
  ProcessOutput list = run_cli({"--list-checks"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(count_lines_starting(list.out, "route."), 5) << list.out;
  EXPECT_EQ(count_lines_starting(list.out, "do."), 43);
}

TEST(Cli, EmptyWorkerFileFailsItsChecks) {
  TempDir dir;
  copy_fixture(dir);
  write_text(dir / "src/index.ts", "");
  ProcessOutput r = run_cli({dir.path().string(), "--group", "route"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines_starting(r.out, "FAIL: "), 5) << r.out;
}

TEST(Cli, SyntaxErrorInWorkerIsReportedWithItsLine) {
  TempDir dir;
  copy_fixture(dir);
  std::string text = read_file(dir / "src/index.ts");
  // break the chat route's condition: an unclosed parenthesis
  auto pos = text.find("if (request.method === 'POST' && url.pathname === '/api/v15/chat')");
  if (pos == std::string::npos) pos = text.find("'/api/v15/chat'");
  ASSERT_NE(pos, std::string::npos);
  text.insert(pos, "const broken = (((;\n");
  write_text(dir / "src/index.ts", text);
  ProcessOutput r = run_cli({dir.path().string(), "--group", "route"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("parse error"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("parse error (exists )?at line [0-9]+")))
      << r.out;
}

TEST(Cli, BinaryAndHugeFilesAreRefusedNotParsed) {
  TempDir dir;
  copy_fixture(dir);
  write_text(dir / "src/utils/jwt.ts", std::string("\x7f"
                                                   "ELF\x02\x01\x01\0\0\0binary",
                                                   16));
  {
    std::ofstream big(dir / "src/sandbox-scripts/claude-agent.js", std::ios::binary);
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 50; ++i) big << chunk;
  }
  ProcessOutput r = run_cli({dir.path().string(), "--group", "jwt,agent"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("src/utils/jwt.ts: refused: binary file"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find(
          "src/sandbox-scripts/claude-agent.js: refused: 52428800 bytes is over the 8 MiB limit"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("[1/"), std::string::npos) << "nothing may pass on refused input";
}

TEST(Cli, ControlCharactersFromSourceNeverReachTheTerminal) {
  TempDir dir;
  copy_fixture(dir);
  std::string text = read_file(dir / "src/index.ts");
  auto pos = text.find("'/api/v15/chat'");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 15, "'/api/v15/\x1b[2J\x07chat'");
  write_text(dir / "src/index.ts", text);
  ProcessOutput r = run_cli({dir.path().string(), "--color", "never", "-v"});
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  EXPECT_NE(r.out.find("\\x1b[2J"), std::string::npos) << r.out;
}

TEST(Cli, ColourOnlyWhenAskedAndNoColorHonoured) {
  ProcessOutput always = run_cli({fixture(), "--color", "always"});
  EXPECT_NE(always.out.find("\x1b["), std::string::npos);
  RunOptions no_color;
  no_color.env["NO_COLOR"] = "1";
  ProcessOutput automatic = run_cli({fixture()}, no_color);
  EXPECT_EQ(automatic.out.find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace v15::testing
