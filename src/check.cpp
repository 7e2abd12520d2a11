#include "v15check/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "v15check/suppress.h"
#include "v15check/text.h"

namespace v15 {

const std::array<GroupInfo, 7>& groups() {
  static const std::array<GroupInfo, 7> g = {{
      {Group::Routes, "route", "Route Registration"},
      {Group::DurableObject, "do", "ChatSessionAgent DO"},
      {Group::Jwt, "jwt", "JWT Utils"},
      {Group::Agent, "agent", "Container Agent"},
      {Group::Docker, "docker", "Dockerfile Sync"},
      {Group::Error, "error", "Error Handling"},
      {Group::Flow, "flow", "Flow Integrity"},
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
    case Status::Baselined:
      return "BASELINED";
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

Outcome CheckContext::differs(Location where, std::string found, std::string_view key) const {
  Outcome o = Outcome::fail(std::move(where), found + " " + config_note(config(), key));
  o.differs = true;
  return o;
}

Expected<const FileModel*> CheckContext::file(Role role) const {
  if (const FileModel* m = project_.file(role)) return m;
  return fail_in(role, project_.unavailable(role));
}

std::string CheckContext::parse_note(const FileModel& m) const {
  Node err = m.first_error();
  if (err.null()) return {};
  return fmt::format(" (a parse error exists at line {})", err.line());
}

Expected<MethodScope> CheckContext::do_method(std::string_view name, bool with_helpers) const {
  auto file_model = file(Role::DurableObject);
  if (!file_model) return file_model.failure();
  const FileModel* m = *file_model;
  const std::string& class_name = config().class_name;
  const std::string cls = cap(class_name);
  if (!m->class_named(class_name))
    return Outcome::fail(m->location(m->root()),
                         fmt::format("no class {} in {}{}", cls, m->path(), parse_note(*m)));
  const Function* fn = m->method(class_name, name);
  if (!fn)
    return Outcome::fail(m->location(m->class_named(class_name)->node),
                         fmt::format("class {} has no method {}(){}", cls, name, parse_note(*m)));
  MethodScope s{m, fn, m->region(*fn, with_helpers)};
  for (const Node& part : s.region.parts) {
    Node err = m->error_within(part);
    if (!err.null())
      return Outcome::fail(
          m->location(err),
          fmt::format("a parse error at line {} inside {}() hides its code", err.line(), name));
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
  register_flow_checks(r);
  return r;
}

namespace {

// The most evidence entries one outcome keeps; a last entry counts the rest.
constexpr std::size_t kEvidenceMax = 64;

void cap_in_place(std::string& s, std::size_t max) {
  if (s.size() > max) s = cap(s, max);
}

// The defence behind every check: whatever text a check quoted, one outcome holds at most
// kMessageMax bytes per message and kEvidenceMax evidence entries, so a report's size follows
// the number of checks, not the size of the input.
void bound(Outcome& o) {
  cap_in_place(o.found, kMessageMax);
  cap_in_place(o.suppression_reason, kMessageMax);
  cap_in_place(o.location.path, kMessageMax);
  cap_in_place(o.suppressed_at.path, kMessageMax);
  if (o.evidence.size() > kEvidenceMax) {
    std::size_t more = o.evidence.size() - (kEvidenceMax - 1);
    Evidence rest{o.evidence[kEvidenceMax - 1].location,
                  fmt::format("… and {} more evidence entries", more)};
    o.evidence.resize(kEvidenceMax - 1);
    o.evidence.push_back(std::move(rest));
  }
  for (Evidence& e : o.evidence) {
    cap_in_place(e.note, kMessageMax);
    cap_in_place(e.location.path, kMessageMax);
  }
}

}  // namespace

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
  for (Result& r : results) bound(r.outcome);
  return results;
}

std::string snippet(const Node& n, std::size_t max) {
  std::string_view text = n.text();
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    // cut before the next character once `max` bytes are in, never inside one
    if (out.size() >= max && (static_cast<unsigned char>(c) & 0xC0) != 0x80)
      return fmt::format("{}… ({} bytes)", out, text.size());
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace v15
