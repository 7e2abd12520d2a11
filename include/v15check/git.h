// Git as a file source: files as they are at a revision or in the index, read through ONE
// `git cat-file --batch` process, and the "When to Run" gate (did any flow file change?).
// git is always run with an argv vector (posix_spawn, PATH lookup), never through a shell.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "v15check/source.h"

namespace v15::git {

// A git invocation that cannot do its job (git missing, not a repository, unknown revision).
struct GitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out, err;
};

// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null and captures stdout and
// stderr. Throws GitError when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv);

// How git finds the repository: `git -C DIR` (a work tree or one of its subdirectories) or
// `git --git-dir DIR` (also a bare repository).
struct Repo {
  std::vector<std::string> global;  // options placed right after "git"
  static Repo at_directory(const std::string& dir);
  static Repo at_git_dir(const std::string& dir);
  std::vector<std::string> command(std::vector<std::string> args) const;
  // Runs a git command; throws GitError with git's message when it exits non-zero.
  std::string run(std::vector<std::string> args) const;
};

// The long-running `git cat-file --batch --follow-symlinks` process of one run.
class Batch {
 public:
  explicit Batch(const Repo& repo);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  struct Object {
    enum class Kind { Found, Missing, SymlinkOut, Dangling, Loop, NotDir } kind = Kind::Missing;
    std::string oid, type;
    std::string content;   // empty when the object was larger than the cap (then `too_big`)
    std::size_t size = 0;  // as reported by git
    bool too_big = false;
    std::string target;  // for SymlinkOut: the link's text
  };
  // Asks for one object by name (`REV:path`, `:path`, `REV^{commit}`); content over `max_bytes`
  // is read and dropped. Throws GitError when the process dies or answers out of protocol.
  Object get(const std::string& name, std::size_t max_bytes = kMaxFileBytes);
  // The same for many names, asked for a window at a time rather than one round trip each.
  std::vector<Object> get_all(const std::vector<std::string>& names,
                              std::size_t max_bytes = kMaxFileBytes);

 private:
  Object answer(std::size_t max_bytes);  // reads the answer to one request
  struct Process;
  std::unique_ptr<Process> p_;
};

// Reads role files from a revision (`REV:prefix/path`) or the index (`:prefix/path`) through
// a Batch. Paths passed to read() are repository-relative.
class RevisionReader final : public FileReader {
 public:
  // `object_prefix` is "OID:" for a revision, ":" for the index.
  RevisionReader(std::shared_ptr<Batch> batch, std::string object_prefix, std::string description,
                 std::size_t max_bytes = kMaxFileBytes)
      : batch_(std::move(batch)),
        prefix_(std::move(object_prefix)),
        description_(std::move(description)),
        max_bytes_(max_bytes) {}
  ReadResult read(const std::string& path) const override;
  std::string describe() const override { return description_; }

 private:
  std::shared_ptr<Batch> batch_;
  std::string prefix_;
  std::string description_;
  std::size_t max_bytes_;
};

// What a git-aware run asked for on the command line.
struct Request {
  std::string root = ".";     // the checked directory (with git_dir: a path inside the repository)
  std::string git_dir;        // --git-dir
  std::string rev;            // --rev
  std::string changed_since;  // --changed-since
  bool staged = false;        // --staged
  bool reads_git() const { return !rev.empty() || staged; }
  bool gated() const { return !changed_since.empty() || staged; }
};

// The set-up of a git-aware run: the repository, where the checked root sits in it, the
// resolved revisions, and (for --rev/--staged) a reader of the files there.
class Session {
 public:
  // Throws GitError for a usage or repository problem (the caller exits 2).
  explicit Session(const Request& request);
  // Repository-relative directory of the checked root, "" or ending in '/'.
  const std::string& prefix() const { return prefix_; }
  // The commit checked (--rev), full object id; empty for the index or when not a commit.
  const std::string& commit() const { return commit_; }
  // The reader for --rev / --staged; null when the working tree is checked.
  std::unique_ptr<FileReader> reader() const;
  // Files (repository-relative) that differ for the gate: between --changed-since and the
  // checked content (the revision, the index, or the working tree with untracked files), or
  // for --staged alone between HEAD and the index.
  std::vector<std::string> changed_files() const;
  // Reads a repository-relative file from the checked revision or index (the config file),
  // under the same rules as the role files.
  ReadResult read_checked(const std::string& repo_path) const;

 private:
  Request request_;
  Repo repo_;
  std::shared_ptr<Batch> batch_;
  std::string prefix_;
  std::string commit_, tree_;  // of --rev
  std::string since_;          // resolved --changed-since
};

// Joins a repository prefix and a root-relative path into a normalised repository path.
std::string join(const std::string& prefix, const std::string& path);

}  // namespace v15::git
