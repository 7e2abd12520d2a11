#include "v15check/source.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <system_error>

namespace v15 {

namespace fs = std::filesystem;

std::string_view role_key(Role role) {
  switch (role) {
    case Role::Worker:
      return "worker";
    case Role::DurableObject:
      return "do";
    case Role::Jwt:
      return "jwt";
    case Role::Agent:
      return "agent";
    case Role::Dockerfile:
      return "dockerfile";
  }
  return "?";
}

std::optional<Role> role_from_key(std::string_view key) {
  for (Role r : kAllRoles)
    if (role_key(r) == key) return r;
  return std::nullopt;
}

std::string_view default_role_path(Role role) {
  switch (role) {
    case Role::Worker:
      return "src/index.ts";
    case Role::DurableObject:
      return "src/agents/chat-session-agent.ts";
    case Role::Jwt:
      return "src/utils/jwt.ts";
    case Role::Agent:
      return "src/sandbox-scripts/claude-agent.js";
    case Role::Dockerfile:
      return "Dockerfile";
  }
  return "";
}

std::string validate_text(std::string& text, const std::string& path, std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return fmt::format("{}: refused: {} bytes is over the {} MiB limit", path, text.size(),
                       max_bytes >> 20);
  auto nul = text.find('\0');
  if (nul != std::string::npos) {
    bool utf16 = text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF &&
                                       static_cast<unsigned char>(text[1]) == 0xFE) ||
                                      (static_cast<unsigned char>(text[0]) == 0xFE &&
                                       static_cast<unsigned char>(text[1]) == 0xFF));
    return utf16 ? fmt::format("{}: refused: UTF-16 text is not supported (save it as UTF-8)", path)
                 : fmt::format("{}: refused: binary file (NUL byte at offset {})", path, nul);
  }
  // A BOM is not part of the program; dropping it keeps lines and columns of the rest intact.
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  normalize_lone_cr(text);
  return {};
}

void normalize_lone_cr(std::string& text) {
  // JavaScript and Docker end a line at a CR on its own, but tree-sitter counts rows by LF, and a
  // hashbang or line comment would run to the end of the file. A lone CR becomes an LF: the same
  // line terminator to the language, the same byte offsets, and rows counted right. CRLF stays.
  for (std::size_t i = text.find('\r'); i != std::string::npos; i = text.find('\r', i + 1))
    if (i + 1 == text.size() || text[i + 1] != '\n') text[i] = '\n';
}

namespace {

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

ReadResult refused(std::string error) {
  ReadResult r;
  r.status = ReadResult::Status::Refused;
  r.error = std::move(error);
  return r;
}

// The first directory from `root` down to the file's parent that cannot be searched, relative to
// the root ("." for the root itself); empty when every one can.
std::string unsearchable_directory(const fs::path& root, const fs::path& rel) {
  if (root.empty()) return {};
  fs::path dir = root;
  if (::access(dir.c_str(), X_OK) != 0) return ".";
  fs::path shown;
  for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
    dir /= *it;
    shown /= *it;
    if (::access(dir.c_str(), X_OK) != 0) return shown.generic_string();
  }
  return {};
}

// Why `full` (shown as `path`) could not be looked up.
ReadResult lookup_failure(const fs::path& root, const std::string& path, const fs::path& full,
                          int err) {
  ReadResult r;
  struct stat link {};
  switch (err) {
    case ENOENT:
      r.dangling = ::lstat(full.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
      r.error = r.dangling ? fmt::format("{}: not found (dangling symlink)", path)
                           : fmt::format("{}: not found", path);
      return r;
    case ENOTDIR:
      r.error = fmt::format("{}: not found (a directory on its path is a file)", path);
      return r;
    case EACCES: {
      std::string dir = unsearchable_directory(root, fs::path(path));
      return refused(dir.empty() ? fmt::format("{}: not readable (permission denied)", path)
                     : dir == "."
                         ? fmt::format("{}: not readable (permission denied: the root directory "
                                       "cannot be searched)",
                                       path)
                         : fmt::format("{}: not readable (permission denied: directory {} cannot "
                                       "be searched)",
                                       path, dir));
    }
    case ELOOP:
      return refused(fmt::format("{}: refused: symlink loop", path));
    default:
      return refused(fmt::format("{}: not readable ({})", path, std::strerror(err)));
  }
}

}  // namespace

ReadResult read_regular_file(const fs::path& file, const std::string& shown,
                             std::size_t max_bytes) {
  // Looked at before it is opened: opening a device can have effects of its own.
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return lookup_failure({}, shown, file, errno);
  if (!S_ISREG(st.st_mode))
    return refused(
        fmt::format("{}: refused: {}, not a regular file", shown, file_kind(st.st_mode)));
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    return refused(fmt::format("{}: refused: {} bytes is over the {} MiB limit", shown,
                               static_cast<std::uintmax_t>(st.st_size), max_bytes >> 20));
  // O_NONBLOCK: if the path was swapped for a FIFO since the stat, the open still returns at once,
  // and the descriptor's own fstat refuses it.
  int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    return refused(err == EACCES ? fmt::format("{}: not readable (permission denied)", shown)
                                 : fmt::format("{}: not readable ({})", shown, std::strerror(err)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return refused(
        fmt::format("{}: refused: {}, not a regular file", shown, file_kind(st.st_mode)));
  // in blocks; the size is only a hint, and a file that grew past the cap since it was measured
  // is still caught by validate_text
  std::string text;
  text.reserve(std::min<std::size_t>(static_cast<std::size_t>(st.st_size), max_bytes + 1));
  char block[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refused(fmt::format("{}: not readable ({})", shown, std::strerror(errno)));
    if (n == 0) break;
    text.append(block, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) break;
  }
  std::string bad = validate_text(text, shown, max_bytes);
  if (!bad.empty()) return refused(std::move(bad));
  ReadResult r;
  r.status = ReadResult::Status::Ok;
  r.text = std::move(text);
  return r;
}

WorkingTreeReader::WorkingTreeReader(fs::path root, std::size_t max_bytes)
    : root_(fs::weakly_canonical(root)), max_bytes_(max_bytes) {}

std::string WorkingTreeReader::describe() const { return root_.string(); }

ReadResult WorkingTreeReader::read(const std::string& path) const {
  fs::path full = root_ / fs::path(path);
  struct stat st {};
  if (::stat(full.c_str(), &st) != 0) return lookup_failure(root_, path, full, errno);
  std::error_code ec;
  fs::path canonical = fs::canonical(full, ec);
  if (ec) return refused(fmt::format("{}: not readable ({})", path, ec.message()));
  auto rel = canonical.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..")
    return refused(
        fmt::format("{}: refused: resolves outside the root (to {})", path, canonical.string()));
  return read_regular_file(canonical, path, max_bytes_);
}

ReadResult MemoryReader::read(const std::string& path) const {
  ReadResult r;
  auto it = files_.find(path);
  if (it == files_.end()) {
    r.error = fmt::format("{}: not found", path);
    return r;
  }
  std::string text = it->second;
  std::string bad = validate_text(text, path, max_bytes_);
  if (!bad.empty()) {
    r.status = ReadResult::Status::Refused;
    r.error = bad;
    return r;
  }
  r.status = ReadResult::Status::Ok;
  r.text = std::move(text);
  return r;
}

namespace {
SourceFile read_source(const FileReader& reader, Role role, const std::string& path) {
  SourceFile f;
  f.role = role;
  f.path = path;
  ReadResult r = reader.read(path);
  f.status = r.status;
  f.text = std::move(r.text);
  f.error = std::move(r.error);
  f.dangling = r.dangling;
  return f;
}
}  // namespace

namespace {
constexpr std::array<const char*, 3> kWranglerNames = {"wrangler.jsonc", "wrangler.json",
                                                       "wrangler.toml"};

std::string under(const std::string& base, const std::string& path) {
  if (base.empty()) return path;
  std::string joined = (fs::path(base) / path).lexically_normal().generic_string();
  return joined == "." ? std::string{} : joined;
}
}  // namespace

SourceSet load_sources(const FileReader& reader, const std::map<Role, std::string>& paths,
                       const std::string& base) {
  SourceSet set;
  set.root = reader.describe();
  for (Role role : kAllRoles) {
    auto it = paths.find(role);
    std::string path = it != paths.end() ? it->second : std::string(default_role_path(role));
    set.files.emplace(role, read_source(reader, role, under(base, path)));
  }
  for (const char* name : kWranglerNames) {
    SourceFile f;
    f.path = under(base, name);
    ReadResult r = reader.read(f.path);
    // a dangling link names a config someone meant to be there: refused, never skipped
    if (r.status == ReadResult::Status::Missing && !r.dangling) continue;
    f.status = r.dangling ? ReadResult::Status::Refused : r.status;
    f.text = std::move(r.text);
    f.error = std::move(r.error);
    set.wrangler = std::move(f);
    break;
  }
  return set;
}

std::vector<std::string> watched_paths(const std::map<Role, std::string>& paths,
                                       const std::string& base) {
  std::vector<std::string> out;
  std::string dir = base.empty() ? std::string(".") : base;  // normalises the paths too
  for (Role role : kAllRoles) {
    auto it = paths.find(role);
    out.push_back(
        under(dir, it != paths.end() ? it->second : std::string(default_role_path(role))));
  }
  for (const char* name : kWranglerNames) out.push_back(under(dir, name));
  out.push_back(under(dir, ".v15check.json"));
  return out;
}

}  // namespace v15
