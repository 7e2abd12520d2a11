// Roles → files: where each file of the flow lives, read with size caps and root containment.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace v15 {

enum class Role { Worker, DurableObject, Jwt, Agent, Dockerfile };
inline constexpr std::array<Role, 5> kAllRoles = {Role::Worker, Role::DurableObject, Role::Jwt,
                                                  Role::Agent, Role::Dockerfile};

// Config/CLI spelling of a role: worker, do, jwt, agent, dockerfile.
std::string_view role_key(Role role);
std::optional<Role> role_from_key(std::string_view key);
// CHECKS.md's default path of a role, relative to the root.
std::string_view default_role_path(Role role);

inline constexpr std::size_t kMaxFileBytes = 8u << 20;

struct ReadResult {
  enum class Status { Ok, Missing, Refused };
  Status status = Status::Missing;
  std::string text;
  std::string error;      // why the file is missing or refused, for Found: lines
  bool dangling = false;  // Missing because a symlink points nowhere (someone meant a file there)
};

// Where file contents come from: the working tree, or a git revision.
class FileReader {
 public:
  virtual ~FileReader() = default;
  // `path` is relative to the checked root, with '/' separators.
  virtual ReadResult read(const std::string& path) const = 0;
  // How to name the root in reports.
  virtual std::string describe() const = 0;
};

// Reads files under a directory. A path that resolves outside the root (through `..` or a
// symlink) is refused, as are files over the size cap and files that are not text.
class WorkingTreeReader final : public FileReader {
 public:
  explicit WorkingTreeReader(std::filesystem::path root, std::size_t max_bytes = kMaxFileBytes);
  ReadResult read(const std::string& path) const override;
  std::string describe() const override;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // canonical
  std::size_t max_bytes_;
};

// Files held in memory (tests, and contents read from a git revision). Applies the same text
// checks as the working tree.
class MemoryReader final : public FileReader {
 public:
  explicit MemoryReader(std::map<std::string, std::string> files, std::string name = "<memory>",
                        std::size_t max_bytes = kMaxFileBytes)
      : files_(std::move(files)), name_(std::move(name)), max_bytes_(max_bytes) {}
  ReadResult read(const std::string& path) const override;
  std::string describe() const override { return name_; }

 private:
  std::map<std::string, std::string> files_;
  std::string name_;
  std::size_t max_bytes_;
};

// Checks a buffer that claims to be source text: refuses NUL bytes (binary, UTF-16/32), strips a
// UTF-8 byte-order mark and turns a lone CR into LF. Returns an error message, or empty when the
// text is usable.
std::string validate_text(std::string& text, const std::string& path, std::size_t max_bytes);

// Ends every line at an LF: a CR that is not followed by LF becomes LF (same length, same offsets).
void normalize_lone_cr(std::string& text);

// Reads a file the way every input of a run is read: it must be a regular file (a FIFO, device,
// socket or directory is refused without being opened in a way that can block), at most
// `max_bytes`, and text (validate_text). `shown` names it in the error message. A missing file
// is Missing; one that cannot be read (permissions) is Refused, with the reason.
ReadResult read_regular_file(const std::filesystem::path& file, const std::string& shown,
                             std::size_t max_bytes = kMaxFileBytes);

struct SourceFile {
  Role role = Role::Worker;
  std::string path;  // relative to the root
  ReadResult::Status status = ReadResult::Status::Missing;
  std::string text;
  std::string error;
  bool dangling = false;  // Missing because a symlink points nowhere
  bool ok() const { return status == ReadResult::Status::Ok; }
};

struct SourceSet {
  std::string root;  // as shown in reports
  std::map<Role, SourceFile> files;
  // The Worker's wrangler config (wrangler.jsonc, wrangler.json or wrangler.toml), if present.
  std::optional<SourceFile> wrangler;
  const SourceFile& get(Role role) const { return files.at(role); }
};

// Reads the role files and the wrangler config. `base` is prepended to every path (a git run's
// repository-relative directory of the checked root, so that reported paths are
// repository-relative); empty for the working tree.
SourceSet load_sources(const FileReader& reader, const std::map<Role, std::string>& paths,
                       const std::string& base = {});

// The repository- or root-relative paths whose change makes a run necessary (the checklist's
// "When to Run"): every role file, the wrangler configs and the config file, under `base`.
std::vector<std::string> watched_paths(const std::map<Role, std::string>& paths,
                                       const std::string& base = {});

}  // namespace v15
