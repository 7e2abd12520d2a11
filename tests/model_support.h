// Builds a one-file Project from source text, for model and check unit tests.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

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

// A one-file project (the DO role) from source text, with lookups for analysis tests.
struct Snippet {
  std::unique_ptr<Project> project;
  const FileModel* m = nullptr;
  explicit Snippet(std::string text) {
    project = project_from({{Role::DurableObject, std::move(text)}});
    m = project->file(Role::DurableObject);
  }
  const Function& fn(std::string_view name) const {
    const Function* f = m->function(name);
    if (!f) throw std::runtime_error("no function " + std::string(name));
    return *f;
  }
  // The innermost of the first calls whose text starts with `prefix` (`f()` in `f().catch(…)`).
  Node call(std::string_view prefix) const {
    Node found;
    for (const Node& c : m->nodes("call_expression")) {
      if (c.text().substr(0, prefix.size()) != prefix) continue;
      if (!found.null() && !found.contains(c)) break;
      found = c;
    }
    if (found.null()) throw std::runtime_error("no call " + std::string(prefix));
    return found;
  }
  Node expr(std::string_view kind, std::string_view text) const {
    Node n = node_of(*m, kind, text);
    if (n.null()) throw std::runtime_error("no " + std::string(kind) + " " + std::string(text));
    return n;
  }
  const Binding* binding(std::string_view name) const {
    for (const Binding& b : m->bindings())
      if (b.name == name) return &b;
    throw std::runtime_error("no binding " + std::string(name));
  }
  // The first identifier with this text.
  Node id(std::string_view name) const {
    for (const Node& n : m->nodes("identifier"))
      if (n.text() == name) return n;
    throw std::runtime_error("no identifier " + std::string(name));
  }
  // The initialiser of the first binding of this name.
  Node init(std::string_view name) const { return binding(name)->init; }
};

}  // namespace v15::testing
