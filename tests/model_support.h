// Builds a one-file Project from source text, for model and check unit tests.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "v15check/check.h"

namespace v15::testing {

// A project whose role files are given in memory (role → text); other roles are missing.
inline std::unique_ptr<Project> project_from(const std::map<Role, std::string>& texts,
                                             const Config& config = Config{}) {
  std::map<std::string, std::string> files;
  for (const auto& [role, text] : texts) files[config.path(role)] = text;
  MemoryReader reader(std::move(files), "memory");
  return std::make_unique<Project>(load_sources(reader, config.paths), config);
}

// The first node of a kind whose text equals `text` (or any, when text is empty).
inline Node node_of(const FileModel& m, std::string_view kind, std::string_view text = {}) {
  for (const Node& n : m.nodes(kind))
    if (text.empty() || n.text() == text) return n;
  return {};
}

}  // namespace v15::testing
