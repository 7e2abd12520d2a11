#include "v15check/source.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <fstream>
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
  return {};
}

WorkingTreeReader::WorkingTreeReader(fs::path root, std::size_t max_bytes)
    : root_(fs::weakly_canonical(root)), max_bytes_(max_bytes) {}

std::string WorkingTreeReader::describe() const { return root_.string(); }

ReadResult WorkingTreeReader::read(const std::string& path) const {
  ReadResult r;
  std::error_code ec;
  fs::path full = root_ / fs::path(path);
  fs::file_status st = fs::status(full, ec);
  if (ec || !fs::exists(st)) {
    if (fs::is_symlink(fs::symlink_status(full, ec)))
      r.error = fmt::format("{}: not found (dangling symlink)", path);
    else
      r.error = fmt::format("{}: not found", path);
    return r;
  }
  fs::path canonical = fs::canonical(full, ec);
  if (ec) {
    r.error = fmt::format("{}: not readable ({})", path, ec.message());
    return r;
  }
  auto rel = canonical.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..") {
    r.status = ReadResult::Status::Refused;
    r.error =
        fmt::format("{}: refused: resolves outside the root (to {})", path, canonical.string());
    return r;
  }
  if (!fs::is_regular_file(st)) {
    r.status = ReadResult::Status::Refused;
    r.error = fmt::format("{}: refused: not a regular file", path);
    return r;
  }
  auto size = fs::file_size(canonical, ec);
  if (!ec && size > max_bytes_) {
    r.status = ReadResult::Status::Refused;
    r.error =
        fmt::format("{}: refused: {} bytes is over the {} MiB limit", path, size, max_bytes_ >> 20);
    return r;
  }
  std::ifstream in(canonical, std::ios::binary);
  if (!in) {
    r.status = ReadResult::Status::Refused;
    r.error = fmt::format("{}: not readable ({})", path, std::strerror(errno));
    return r;
  }
  // in blocks, not through istreambuf_iterator (a call per byte); the size is only a hint, and
  // a file that grew past the cap since it was measured is still caught by validate_text
  std::string text;
  if (!ec) text.reserve(static_cast<std::size_t>(size));
  char block[1 << 16];
  while (in.read(block, sizeof block) || in.gcount() > 0) {
    text.append(block, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes_) break;
  }
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
    SourceFile f = read_source(reader, Role::Worker, under(base, name));
    if (f.status != ReadResult::Status::Missing) {
      set.wrangler = std::move(f);
      break;
    }
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
