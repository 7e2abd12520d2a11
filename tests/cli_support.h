// Runs programs for the CLI tests: the built v15check (V15CHECK_BINARY) and git, by fork/exec
// with an argv vector (no shell), capturing stdout, stderr and the exit code.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

// Whether this build runs under AddressSanitizer (gcc and clang spell it differently).
#if defined(__SANITIZE_ADDRESS__)
#define V15CHECK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define V15CHECK_SANITIZED 1
#endif
#endif

namespace v15::testing {

struct ProcessOutput {
  int exit_code = -1;  // 128 + signal when the child was killed
  std::string out, err;
  bool timed_out = false;  // killed after RunOptions::timeout_ms
};

struct RunOptions {
  std::filesystem::path cwd = {};               // empty: the test's working directory
  std::string input = {};                       // written to the child's stdin, then closed
  std::map<std::string, std::string> env = {};  // variables set (or replaced) for the child
  std::vector<std::string> unset = {};          // variables removed for the child
  int timeout_ms = 0;  // > 0: the child is killed (SIGKILL) when it runs longer
};

// argv[0] is looked up in PATH (execvp semantics).
ProcessOutput run_program(const std::vector<std::string>& argv, const RunOptions& options = {});
// The v15check binary under test with `args`.
ProcessOutput run_cli(const std::vector<std::string>& args, const RunOptions& options = {});
std::string binary_path();

// A fresh directory under the system temp dir, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// Writes files (path relative to dir → content), creating directories.
void write_tree(const std::filesystem::path& dir, const std::map<std::string, std::string>& files);
void write_text(const std::filesystem::path& file, const std::string& content);

// git in a test repository: fixed identity, no hooks from the user's config, no signing.
ProcessOutput git(const std::filesystem::path& repo, const std::vector<std::string>& args,
                  const RunOptions& options = {});
bool git_available();

// Whether an executable of this name is in a directory of PATH.
bool on_path(const std::string& program);

// A file under examples/ of the source tree.
std::filesystem::path example(const std::string& rel);

// Runs the Claude Code hook example as Claude Code does after an edit of `file` (relative to
// `repo`): the PostToolUse event on stdin, CLAUDE_PROJECT_DIR set.
ProcessOutput run_claude_hook(const std::filesystem::path& repo, const std::string& file,
                              RunOptions options);

}  // namespace v15::testing
