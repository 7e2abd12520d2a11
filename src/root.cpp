#include "v15check/root.h"

#include "v15check/config.h"

namespace v15 {

namespace fs = std::filesystem;

namespace {

bool present(const fs::path& file) {
  std::error_code ec;
  return fs::symlink_status(file, ec).type() != fs::file_type::not_found && !ec;
}

std::string role_path(const std::map<Role, std::string>& paths, Role role) {
  auto it = paths.find(role);
  return it != paths.end() ? it->second : std::string(default_role_path(role));
}

}  // namespace

bool marks_project_root(const fs::path& dir, const std::map<Role, std::string>& paths) {
  if (present(dir / kConfigFileName)) return true;
  for (Role role : {Role::Worker, Role::DurableObject, Role::Jwt, Role::Agent})
    if (present(dir / role_path(paths, role))) return true;
  return false;
}

std::optional<std::string> find_project_root(const fs::path& start,
                                             const std::map<Role, std::string>& paths,
                                             const fs::path& stop) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(start, ec);
  if (ec) return std::nullopt;
  fs::path limit = stop.empty() ? fs::path{} : fs::weakly_canonical(stop, ec);
  if (ec) limit.clear();
  std::string up = ".";
  for (int level = 0;; ++level) {
    if (marks_project_root(dir, paths)) return up;
    if (dir == limit || dir == dir.root_path() || !dir.has_parent_path()) return std::nullopt;
    dir = dir.parent_path();
    up = level == 0 ? std::string("..") : up + "/..";
  }
}

bool holds_no_role_file(const SourceSet& sources) {
  for (const auto& [role, file] : sources.files)
    if (file.status != ReadResult::Status::Missing || file.dangling) return false;
  return true;
}

}  // namespace v15
