#include "v15check/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "v15check/suppress.h"

namespace v15 {

const std::array<GroupInfo, 6>& groups() {
  static const std::array<GroupInfo, 6> g = {{
      {Group::Routes, "route", "Route Registration"},
      {Group::DurableObject, "do", "ChatSessionAgent DO"},
      {Group::Jwt, "jwt", "JWT Utils"},
      {Group::Agent, "agent", "Container Agent"},
      {Group::Docker, "docker", "Dockerfile Sync"},
      {Group::Error, "error", "Error Handling"},
  }};
  return g;
}

const GroupInfo& group_info(Group g) {
  for (const auto& info : groups())
    if (info.group == g) return info;
  return groups()[0];
}

std::optional<Group> group_from_name(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::string n = lower(name);
  for (const auto& info : groups()) {
    if (n == info.key || n == lower(info.title)) return info.group;
  }
  if (n == "routes") return Group::Routes;
  if (n == "dockerfile") return Group::Docker;
  return std::nullopt;
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::Pass:
      return "PASS";
    case Status::Fail:
      return "FAIL";
    case Status::Suppressed:
      return "SUPPRESSED";
  }
  return "?";
}

Outcome Outcome::pass(Location where, std::string found, std::vector<Evidence> evidence) {
  Outcome o;
  o.status = Status::Pass;
  o.location = std::move(where);
  o.found = std::move(found);
  o.evidence = std::move(evidence);
  return o;
}

Outcome Outcome::fail(Location where, std::string found, std::vector<Evidence> evidence) {
  Outcome o;
  o.status = Status::Fail;
  o.location = std::move(where);
  if (!o.location.known()) o.location.line = 1;
  o.found = std::move(found);
  o.evidence = std::move(evidence);
  return o;
}

// -- context --------------------------------------------------------------------------------------

Outcome CheckContext::fail_in(Role role, std::string found) const {
  return Outcome::fail({project_.source(role).path, 1, 0}, std::move(found));
}

const FileModel* CheckContext::file(Role role, Outcome& failure) const {
  const FileModel* m = project_.file(role);
  if (!m) failure = fail_in(role, project_.unavailable(role));
  return m;
}

std::string CheckContext::parse_note(const FileModel& m) const {
  Node err = m.first_error();
  if (err.null()) return {};
  return fmt::format(" (a parse error exists at line {})", err.line());
}

std::optional<MethodScope> CheckContext::do_method(std::string_view name, Outcome& failure,
                                                   bool with_helpers) const {
  const FileModel* m = file(Role::DurableObject, failure);
  if (!m) return std::nullopt;
  const std::string& cls = config().class_name;
  if (!m->class_named(cls)) {
    failure = Outcome::fail(m->location(m->root()),
                            fmt::format("no class {} in {}{}", cls, m->path(), parse_note(*m)));
    return std::nullopt;
  }
  const Function* fn = m->method(cls, name);
  if (!fn) {
    failure =
        Outcome::fail(m->location(m->class_named(cls)->node),
                      fmt::format("class {} has no method {}(){}", cls, name, parse_note(*m)));
    return std::nullopt;
  }
  MethodScope s{m, fn, m->region(*fn, with_helpers)};
  for (const Node& part : s.region.parts) {
    Node err = m->error_within(part);
    if (!err.null()) {
      failure = Outcome::fail(
          m->location(err),
          fmt::format("a parse error at line {} inside {}() hides its code", err.line(), name));
      return std::nullopt;
    }
  }
  return s;
}

// -- registry and runner --------------------------------------------------------------------------

void Registry::add(Check check) { checks_.push_back(std::move(check)); }

const Check* Registry::find(std::string_view id) const {
  for (const auto& c : checks_)
    if (c.id == id) return &c;
  return nullptr;
}

Registry default_registry() {
  Registry r;
  register_route_checks(r);
  register_do_checks(r);
  register_jwt_checks(r);
  register_agent_checks(r);
  register_docker_checks(r);
  register_error_checks(r);
  return r;
}

bool Selection::selected(const Check& c) const {
  if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return false;
  if (!groups.empty() && std::find(groups.begin(), groups.end(), c.group) == groups.end())
    return false;
  return true;
}

std::vector<Result> run_checks(const Registry& registry, const Project& project,
                               const Selection& selection) {
  std::vector<Result> results;
  for (const auto& info : groups()) {
    for (const Check& check : registry.checks()) {
      if (check.group != info.group || !selection.selected(check)) continue;
      CheckContext ctx(project, check);
      Outcome o;
      if (const DisabledCheck* off = project.config().disabled(check.id)) {
        results.push_back({&check, disabled_outcome(project, check, *off)});
        continue;
      }
      try {
        o = check.run(ctx);
      } catch (const std::exception& e) {
        o = Outcome::fail({project.source(check.role).path, 1, 0},
                          fmt::format("internal error in the check: {}", e.what()));
      }
      if (o.status == Status::Fail && !o.location.known())
        o.location = {project.source(check.role).path, 1, 0};
      results.push_back({&check, std::move(o)});
    }
  }
  apply_inline_suppressions(project, results);
  return results;
}

std::string snippet(const Node& n, std::size_t max) {
  std::string out;
  bool space = false;
  for (char c : n.text()) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max) {
      out += "…";
      break;
    }
  }
  return out;
}

}  // namespace v15
