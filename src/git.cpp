#include "v15check/git.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

extern char** environ;

namespace v15::git {

namespace {

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw GitError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  return {Fd(fds[0]), Fd(fds[1])};
}

// Blocks SIGPIPE in this thread while writing to a child that may have exited, and swallows a
// SIGPIPE the write raised, so a dead git becomes an EPIPE error instead of killing v15check.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &zero) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

struct Child {
  pid_t pid = -1;
  Fd in, out, err;  // our ends: child's stdin (write), stdout (read), stderr (read)
};

// Starts argv[0] (PATH lookup) with the given pipes; a stream that is not piped is /dev/null.
Child spawn(const std::vector<std::string>& argv, bool pipe_in, bool pipe_err) {
  if (argv.empty()) throw GitError("empty command");
  Pipe in, out = make_pipe(), err;
  if (pipe_in) in = make_pipe();
  if (pipe_err) err = make_pipe();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (pipe_in)
    posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  if (pipe_err)
    posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);

  std::vector<std::string> storage = argv;
  std::vector<char*> args;
  for (auto& a : storage) args.push_back(a.data());
  args.push_back(nullptr);
  Child c;
  int rc = posix_spawnp(&c.pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw GitError(fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  c.in = std::move(in.write);
  c.out = std::move(out.read);
  c.err = std::move(err.read);
  return c;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string first_line(const std::string& s) {
  std::string t = trim_newline(s);
  auto nl = t.find('\n');
  return nl == std::string::npos ? t : t.substr(0, nl);
}

std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
  Child c = spawn(argv, /*pipe_in=*/false, /*pipe_err=*/true);
  ProcessResult r;
  std::array<pollfd, 2> fds{{{c.out.get(), POLLIN, 0}, {c.err.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&r.out, &r.err};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open;
      }
    }
  }
  c.out.reset();
  c.err.reset();
  r.exit_code = wait_for(c.pid);
  return r;
}

// -- Repo ---------------------------------------------------------------------------------------

Repo Repo::at_directory(const std::string& dir) { return Repo{{"-C", dir}}; }
Repo Repo::at_git_dir(const std::string& dir) { return Repo{{"--git-dir", dir}}; }

std::vector<std::string> Repo::command(std::vector<std::string> args) const {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), global.begin(), global.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string Repo::run(std::vector<std::string> args) const {
  std::string what = args.empty() ? std::string("git") : "git " + args.front();
  ProcessResult r = run_process(command(std::move(args)));
  if (r.exit_code != 0) {
    std::string msg = first_line(r.err);
    throw GitError(
        fmt::format("{} failed (exit {}){}{}", what, r.exit_code, msg.empty() ? "" : ": ", msg));
  }
  return r.out;
}

// -- Batch --------------------------------------------------------------------------------------

struct Batch::Process {
  Child child;
  std::string buffer;  // read from stdout, not consumed yet
  std::size_t pos = 0;

  void fill() {
    if (pos > 0 && pos == buffer.size()) {
      buffer.clear();
      pos = 0;
    }
    char buf[65536];
    while (true) {
      ssize_t n = ::read(child.out.get(), buf, sizeof buf);
      if (n > 0) {
        buffer.append(buf, static_cast<std::size_t>(n));
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      throw GitError("git cat-file ended unexpectedly");
    }
  }
  std::string line() {
    while (true) {
      auto nl = buffer.find('\n', pos);
      if (nl != std::string::npos) {
        std::string l = buffer.substr(pos, nl - pos);
        pos = nl + 1;
        return l;
      }
      fill();
    }
  }
  // Reads `n` bytes, keeping at most `keep` of them.
  std::string bytes(std::size_t n, std::size_t keep) {
    std::string out;
    while (n > 0) {
      if (pos == buffer.size()) fill();
      std::size_t take = std::min(n, buffer.size() - pos);
      if (out.size() < keep) out.append(buffer, pos, std::min(take, keep - out.size()));
      pos += take;
      n -= take;
    }
    return out;
  }
  void write(const std::string& s) {
    SigpipeGuard guard;
    std::size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::write(child.in.get(), s.data() + done, s.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw GitError(fmt::format("cannot talk to git cat-file: {}", std::strerror(errno)));
      done += static_cast<std::size_t>(n);
    }
  }
};

Batch::Batch(const Repo& repo) : p_(std::make_unique<Process>()) {
  p_->child = spawn(repo.command({"cat-file", "--batch", "--follow-symlinks"}), /*pipe_in=*/true,
                    /*pipe_err=*/false);
}

Batch::~Batch() {
  if (!p_ || p_->child.pid < 0) return;
  p_->child.in.reset();  // EOF: cat-file exits
  p_->child.out.reset();
  wait_for(p_->child.pid);
}

Batch::Object Batch::get(const std::string& name, std::size_t max_bytes) {
  if (name.find_first_of("\n\r") != std::string::npos) return {};  // cannot be asked for
  p_->write(name + "\n");
  return answer(max_bytes);
}

std::vector<Batch::Object> Batch::get_all(const std::vector<std::string>& names,
                                          std::size_t max_bytes) {
  // Requests in flight at once: at most one page, which an empty pipe always holds, so the
  // write cannot block while cat-file waits for its answers to be read.
  constexpr std::size_t kWindow = 4096;
  std::vector<Object> out(names.size());
  std::size_t next = 0;
  while (next < names.size()) {
    std::string requests;
    std::vector<std::size_t> asked;
    std::size_t end = next;
    for (; end < names.size(); ++end) {
      const std::string& name = names[end];
      if (name.find_first_of("\n\r") != std::string::npos) continue;  // stays Missing
      if (!asked.empty() && requests.size() + name.size() + 1 > kWindow) break;
      requests += name;
      requests += '\n';
      asked.push_back(end);
    }
    if (!requests.empty()) p_->write(requests);
    for (std::size_t i : asked) out[i] = answer(max_bytes);
    next = end;
  }
  return out;
}

Batch::Object Batch::answer(std::size_t max_bytes) {
  Object o;
  std::string header = p_->line();
  auto ends_with = [&](std::string_view s) { return std::string_view(header).ends_with(s); };
  if (ends_with(" missing") || ends_with(" ambiguous")) return o;
  auto sp = header.find(' ');
  if (sp == std::string::npos) throw GitError("git cat-file: unexpected answer: " + header);
  std::string word = header.substr(0, sp);
  std::string rest = header.substr(sp + 1);
  static const std::array<std::pair<const char*, Object::Kind>, 4> special = {{
      {"symlink", Object::Kind::SymlinkOut},
      {"dangling", Object::Kind::Dangling},
      {"loop", Object::Kind::Loop},
      {"notdir", Object::Kind::NotDir},
  }};
  for (const auto& [w, kind] : special) {
    if (word != w) continue;
    std::size_t size = std::stoul(rest);
    o.kind = kind;
    o.target = p_->bytes(size, 4096);
    p_->line();  // the newline after the data
    return o;
  }
  auto sp2 = rest.find(' ');
  if (sp2 == std::string::npos) throw GitError("git cat-file: unexpected answer: " + header);
  o.kind = Object::Kind::Found;
  o.oid = word;
  o.type = rest.substr(0, sp2);
  o.size = std::stoul(rest.substr(sp2 + 1));
  o.too_big = o.size > max_bytes;
  o.content = p_->bytes(o.size, o.too_big ? 0 : o.size);
  p_->line();
  return o;
}

// -- RevisionReader -----------------------------------------------------------------------------

ReadResult RevisionReader::read(const std::string& path) const {
  ReadResult r;
  // `REV:./x` would be resolved against git's working directory: ask for the normalised path.
  Batch::Object o = batch_->get(prefix_ + join("", path), max_bytes_);
  using Kind = Batch::Object::Kind;
  switch (o.kind) {
    case Kind::Missing:
    case Kind::NotDir:
      r.error = fmt::format("{}: not found in {}", path, description_);
      return r;
    case Kind::Dangling:
      r.dangling = true;
      r.error = fmt::format("{}: not found in {} (dangling symlink)", path, description_);
      return r;
    case Kind::Loop:
      r.status = ReadResult::Status::Refused;
      r.error = fmt::format("{}: refused: symlink loop", path);
      return r;
    case Kind::SymlinkOut:
      r.status = ReadResult::Status::Refused;
      r.error = fmt::format("{}: refused: resolves outside the repository (to {})", path, o.target);
      return r;
    case Kind::Found:
      break;
  }
  if (o.type != "blob") {
    r.status = ReadResult::Status::Refused;
    r.error = fmt::format("{}: refused: not a regular file ({})", path, o.type);
    return r;
  }
  if (o.too_big) {
    r.status = ReadResult::Status::Refused;
    r.error = fmt::format("{}: refused: {} bytes is over the {} MiB limit", path, o.size,
                          max_bytes_ >> 20);
    return r;
  }
  std::string bad = validate_text(o.content, path, max_bytes_);
  if (!bad.empty()) {
    r.status = ReadResult::Status::Refused;
    r.error = bad;
    return r;
  }
  r.status = ReadResult::Status::Ok;
  r.text = std::move(o.content);
  return r;
}

// -- Session ------------------------------------------------------------------------------------

std::string join(const std::string& prefix, const std::string& path) {
  std::string joined = (std::filesystem::path(prefix) / path).lexically_normal().generic_string();
  if (joined == ".") return {};
  return joined;
}

namespace {
void check_revision_word(const std::string& option, const std::string& rev) {
  if (rev.empty()) throw GitError(fmt::format("{} needs a revision", option));
  if (rev.front() == '-' || rev.find_first_of("\n\r") != std::string::npos)
    throw GitError(fmt::format("{}: '{}' is not a revision", option, rev));
}
}  // namespace

Session::Session(const Request& request) : request_(request) {
  if (!request.rev.empty() && request.staged)
    throw GitError("--rev and --staged exclude each other: check a revision or the index");
  if (!request.rev.empty()) check_revision_word("--rev", request.rev);
  if (!request.changed_since.empty()) check_revision_word("--changed-since", request.changed_since);

  if (!request.git_dir.empty()) {
    if (!request.reads_git())
      throw GitError(
          "--git-dir needs --rev or --staged: a git directory has no working tree to check");
    repo_ = Repo::at_git_dir(request.git_dir);
    std::filesystem::path inside = std::filesystem::path(request.root).lexically_normal();
    if (inside.is_absolute() || (!inside.empty() && *inside.begin() == ".."))
      throw GitError(fmt::format(
          "with --git-dir, ROOT is a directory inside the repository, not '{}'", request.root));
    prefix_ = join("", inside.generic_string());
    repo_.run({"rev-parse", "--git-dir"});  // a clear error when DIR is not a repository
  } else {
    repo_ = Repo::at_directory(request.root);
    prefix_ = trim_newline(repo_.run({"rev-parse", "--show-prefix"}));
  }
  if (!prefix_.empty() && prefix_.back() != '/') prefix_ += '/';

  batch_ = std::make_shared<Batch>(repo_);
  auto resolve = [&](const std::string& option, const std::string& rev, std::string* commit) {
    Batch::Object c = batch_->get(rev + "^{commit}", 1 << 20);
    if (c.kind == Batch::Object::Kind::Found) {
      if (commit) *commit = c.oid;
      return c.oid;
    }
    Batch::Object t = batch_->get(rev + "^{tree}", 0);
    if (t.kind == Batch::Object::Kind::Found) return t.oid;
    throw GitError(fmt::format("{}: unknown revision '{}'", option, rev));
  };
  if (!request.rev.empty()) tree_ = resolve("--rev", request.rev, &commit_);
  if (!request.changed_since.empty())
    since_ = resolve("--changed-since", request.changed_since, nullptr);
}

std::unique_ptr<FileReader> Session::reader() const {
  if (!request_.rev.empty()) {
    std::string object = commit_.empty() ? tree_ : commit_;
    return std::make_unique<RevisionReader>(
        batch_, object + ":", fmt::format("{} ({})", request_.rev, object.substr(0, 12)));
  }
  if (request_.staged) return std::make_unique<RevisionReader>(batch_, ":", "the index");
  return nullptr;
}

ReadResult Session::read_checked(const std::string& repo_path) const {
  std::unique_ptr<FileReader> r = reader();
  if (!r) {
    ReadResult none;
    none.error = repo_path + ": not found";
    return none;
  }
  return r->read(repo_path);
}

std::vector<std::string> Session::changed_files() const {
  std::vector<std::string> args = {"diff",         "--name-only",   "-z",
                                   "--no-renames", "--no-ext-diff", "--no-textconv"};
  if (!request_.rev.empty()) {
    args.push_back(since_);
    args.push_back(commit_.empty() ? tree_ : commit_);
  } else if (request_.staged) {
    args.push_back("--cached");
    if (!since_.empty()) args.push_back(since_);
  } else {
    args.push_back(since_);
  }
  args.push_back("--");
  std::vector<std::string> files = split_nul(repo_.run(args));
  if (request_.rev.empty() && !request_.staged) {
    // The working tree: new files nobody has added yet count as changes too.
    for (auto& f :
         split_nul(repo_.run({"ls-files", "--others", "--exclude-standard", "--full-name", "-z"})))
      files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace v15::git
