#include "cli_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "fixture_support.h"

extern char** environ;

namespace v15::testing {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> child_environment(const RunOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (o.env.count(name)) continue;
    bool removed = false;
    for (const auto& u : o.unset) removed = removed || u == name;
    if (!removed) env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : o.env) env.push_back(k + "=" + v);
  return env;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ProcessOutput run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_program: empty argv");
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::vector<std::string> env = child_environment(options);
  std::vector<char*> cenv;
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  std::string cwd = options.cwd.string();

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) _exit(126);
    ::execvpe(cargs[0], cargs.data(), cenv.data());
    const char msg[] = "run_program: exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  int to_child = in[1], from_out = out[0], from_err = err[0];
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);

  ProcessOutput r;
  std::size_t written = 0;
  if (options.input.empty()) close_fd(to_child);
  // Writing to a child that exited must not kill the test runner.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  while (from_out >= 0 || from_err >= 0) {
    std::array<pollfd, 3> fds{
        {{from_out, POLLIN, 0}, {from_err, POLLIN, 0}, {to_child, POLLOUT, 0}}};
    int wait_ms = -1;
    if (options.timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 && !r.timed_out) {
        ::kill(pid, SIGKILL);  // the pipes close with it, which ends the loop
        r.timed_out = true;
      }
      wait_ms = r.timed_out ? -1 : static_cast<int>(left.count());
    }
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) continue;
    if (to_child >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(to_child, options.input.data() + written, options.input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();
      if (written >= options.input.size()) close_fd(to_child);
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? from_out : from_err;
      if (fd < 0 || !(fds[static_cast<std::size_t>(i)].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0)
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        close_fd(fd);
    }
  }
  close_fd(to_child);
  ::sigaction(SIGPIPE, &old, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string binary_path() { return V15CHECK_BINARY; }

ProcessOutput run_cli(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv = {binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, options);
}

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "v15check-test-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_text(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

void write_tree(const fs::path& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [rel, content] : files) write_text(dir / rel, content);
}

ProcessOutput git(const fs::path& repo, const std::vector<std::string>& args,
                  const RunOptions& options) {
  std::vector<std::string> argv = {"git",
                                   "-c",
                                   "user.name=v15check test",
                                   "-c",
                                   "user.email=test@example.invalid",
                                   "-c",
                                   "commit.gpgsign=false",
                                   "-c",
                                   "init.defaultBranch=main",
                                   "-c",
                                   "core.hooksPath=/dev/null",
                                   "-C",
                                   repo.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o = options;
  o.env.emplace("GIT_CONFIG_NOSYSTEM", "1");
  o.env.emplace("GIT_CONFIG_GLOBAL", "/dev/null");
  for (const char* v : {"GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"}) o.unset.emplace_back(v);
  return run_program(argv, o);
}

bool git_available() {
  try {
    return run_program({"git", "--version"}).exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::error_code ec;
    if (!dir.empty() && fs::exists(fs::path(dir) / program, ec)) return true;
  }
  return false;
}

fs::path example(const std::string& rel) { return source_dir() / "examples" / rel; }

ProcessOutput run_claude_hook(const fs::path& repo, const std::string& file, RunOptions options) {
  options.env["CLAUDE_PROJECT_DIR"] = repo.string();
  options.input = nlohmann::json{{"hook_event_name", "PostToolUse"},
                                 {"tool_name", "Edit"},
                                 {"tool_input", {{"file_path", (repo / file).string()}}}}
                      .dump();
  return run_program({"sh", example("claude-code/v15check.sh").string()}, options);
}

}  // namespace v15::testing
