// Peak memory of whole runs on the largest inputs the size cap lets through: a file nested or
// chained deeply enough to outgrow the parse budget is refused (its checks FAIL, saying why), and
// whatever is accepted is checked within 1 GiB of peak resident memory, without a crash.
//
// The sanitizer build inflates memory several times over: there the limits do not apply.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cli_support.h"
#include "fixture_support.h"

extern char** environ;

namespace v15::testing {
namespace {

constexpr long kOneGiBInKiB = 1L << 20;
constexpr std::size_t kJustUnderTheCap = (std::size_t{8} << 20) - 4096;

struct PeakRun {
  int exit_code = -1;  // 128 + signal when killed
  long peak_kib = 0;   // the child's own peak resident set
  std::string out;
};

// Runs v15check on `root` and reads the child's own rusage (not the sum over earlier children).
PeakRun run_measured(const std::filesystem::path& root, const std::filesystem::path& out_file) {
  PeakRun r;
  std::string binary = binary_path(), arg = root.string(), out = out_file.string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {binary.data(), arg.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return r;
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid) return r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.peak_kib = usage.ru_maxrss;
  r.out = read_file(out_file);
  return r;
}

// The passing fixture with its Durable Object file grown to just under the size cap by `unit`
// repeated after the original text, between `head` and `tail`.
std::filesystem::path grown_fixture(const TempDir& dir, const std::string& head,
                                    const std::string& unit, const std::string& tail,
                                    std::size_t size = kJustUnderTheCap) {
  auto files = load_tree(fixtures_dir() / "v15-pass");
  std::string& text = files["src/agents/chat-session-agent.ts"];
  text += "\n" + head;
  std::size_t room = size - text.size() - tail.size() - 1;
  std::string body;
  body.reserve(room);
  while (!unit.empty() && body.size() + unit.size() <= room) body += unit;
  text += body + tail + "\n";
  write_tree(dir.path() / "root", files);
  return dir.path() / "root";
}

class PeakMemory : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef V15CHECK_SANITIZED
    GTEST_SKIP() << "peak memory is not meaningful under the address sanitizer";
#endif
  }
};

TEST_F(PeakMemory, DeepNestingUnderTheCapIsRefusedWithinOneGiB) {
  TempDir dir;
  // 4 million open parentheses: tree-sitter alone would need about 1.4 GiB for this
  std::size_t half = (kJustUnderTheCap - 64 * 1024) / 2;
  auto root = grown_fixture(dir, "export const deep = " + std::string(half, '('), "",
                            "x" + std::string(half, ')') + ";");
  PeakRun r = run_measured(root, dir / "out.txt");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(r.peak_kib, kOneGiBInKiB);
  EXPECT_NE(r.out.find("src/agents/chat-session-agent.ts: refused: parsing it needs more than"),
            std::string::npos)
      << r.out.substr(0, 2000);
  EXPECT_EQ(r.out.find("ALL CHECKS PASS"), std::string::npos);
}

TEST_F(PeakMemory, DeepestAcceptedChainStaysWithinOneGiB) {
  TempDir dir;
  // a member chain 2 million levels deep: tree-sitter's tree for it stays within the parse
  // budget, so the flat table and the model are built for it too
  auto root = grown_fixture(dir, "export const chain = a", ".a", ";", std::size_t{4} << 20);
  PeakRun r = run_measured(root, dir / "out.txt");
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  EXPECT_LT(r.peak_kib, kOneGiBInKiB);
}

TEST_F(PeakMemory, OrdinaryCodeAtTheCapPassesWithinOneGiB) {
  TempDir dir;
  std::string helper =
      "export async function generatedHelper(request: any, env: any) {\n"
      "  const url = new URL(request.url);\n"
      "  if (url.pathname === '/generated' && request.method === 'GET') {\n"
      "    const value = await env.SESSIONS_KV.get(`generated:${url.searchParams.get('id')}`);\n"
      "    return new Response(value, { status: 200 });\n"
      "  }\n"
      "  return null;\n"
      "}\n";
  auto root = grown_fixture(dir, "", helper, "");
  PeakRun r = run_measured(root, dir / "out.txt");
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  EXPECT_LT(r.peak_kib, kOneGiBInKiB);
}

}  // namespace
}  // namespace v15::testing
