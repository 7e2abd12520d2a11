// Which directory a run checks when none is named: found the way ESLint and clang-tidy find
// their config, by walking up from the current directory.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "v15check/source.h"

namespace v15 {

// Whether `dir` marks a project root: it holds `.v15check.json`, or one of the TypeScript and
// JavaScript role files at `paths` (a Dockerfile alone is too common a name to mark one). A
// dangling symlink counts: someone meant a file there.
bool marks_project_root(const std::filesystem::path& dir, const std::map<Role, std::string>& paths);

// The nearest directory from `start` upwards that marks a project root, written relative to
// `start` ("." for `start` itself, then "..", "../..", …). The walk ends after `stop` (a
// directory above which it must not look, e.g. a git top level) or at the file-system root.
std::optional<std::string> find_project_root(const std::filesystem::path& start,
                                             const std::map<Role, std::string>& paths,
                                             const std::filesystem::path& stop = {});

// Whether the sources hold none of the five role files: each is simply not there (a dangling
// link, a refused or unreadable file all count as there). Checking such a root would only report
// "not found" everywhere; the caller says the root is wrong instead.
bool holds_no_role_file(const SourceSet& sources);

}  // namespace v15
