// docker.env-names: the env names the DO's startProcess sets are the ones the agent reads, and
// every name the agent requires is set.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "docker.h"
#include "v15check/analysis/found_text.h"

namespace v15 {

namespace {

namespace df = dockerfile;

// Items joined by "; ": the first kListMax, then how many more there are, so a Found line lists
// what matters without growing with the input.
constexpr std::size_t kListMax = 12;
std::string listed(const std::vector<std::string>& items) {
  if (items.size() <= kListMax) return fmt::format("{}", fmt::join(items, "; "));
  return fmt::format("{}; … and {} more", fmt::join(items.begin(), items.begin() + kListMax, "; "),
                     items.size() - kListMax);
}

bool prefixed(const Config& c, std::string_view name) {
  if (std::find(c.env_ignore.begin(), c.env_ignore.end(), name) != c.env_ignore.end()) return false;
  return std::any_of(c.env_prefixes.begin(), c.env_prefixes.end(),
                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
}

Outcome run(const CheckContext& ctx) {
  const Project& p = ctx.project();
  const Config& cfg = ctx.config();
  auto agent_file = ctx.file(Role::Agent);
  if (!agent_file) return agent_file.failure();
  const FileModel* agent = *agent_file;
  Node err = agent->first_error();
  if (!err.null())
    return Outcome::fail(agent->location(err),
                         fmt::format("a parse error at line {} in {} may hide env reads",
                                     err.line(), agent->path()));
  const StartProcessEnv& spe = p.start_process_env();
  if (!spe.found()) {
    if (!p.file(Role::DurableObject)) return ctx.fail_in(Role::DurableObject, spe.problem);
    Location at = spe.location.known() ? spe.location : p.location(Role::DurableObject, 1);
    return Outcome::fail(at, fmt::format("cannot read the startProcess env: {}", spe.problem));
  }
  const AgentEnv& env = p.agent_env();
  std::vector<std::string> problems, notes;
  std::vector<Evidence> ev = {{spe.location, "startProcess env"}};
  Location first_problem;
  std::string spreads;
  for (const Node& s : spe.spreads) spreads += (spreads.empty() ? "" : ", ") + snippet(s, 40);
  std::string spread_note =
      spreads.empty()
          ? std::string{}
          : fmt::format(" (the env also spreads {}, which this tool cannot see into)", spreads);
  // set by the DO, never read
  std::set<std::string> seen;
  for (const EnvEntry& e : spe.entries) {
    if (!prefixed(cfg, e.key) || !seen.insert(e.key).second) continue;
    if (env.has(e.key)) continue;
    problems.push_back(fmt::format("{}: set by startProcess env ({}), never read by the agent ({})",
                                   cap(e.key), analysis::file_line(e.location), agent->path()));
    if (!first_problem.known()) first_problem = e.location;
  }
  // required by the agent, never set
  std::set<std::string> reported;
  for (const EnvRead& r : env.reads) {
    if (!prefixed(cfg, r.name) || spe.entry(r.name)) continue;
    if (!reported.insert(r.name).second) continue;
    const EnvRead* req = env.first_required(r.name);
    if (!req) {
      notes.push_back(fmt::format("{} read {} ({}), not set by startProcess env", cap(r.name),
                                  r.has_default ? "with a default" : "only behind a presence test",
                                  analysis::file_line(r.location)));
      continue;
    }
    std::string docker_env;
    if (const df::Dockerfile* d = p.docker())
      for (const df::EnvPair& pair : d->env())
        if (pair.name == r.name)
          docker_env = fmt::format(
              "; the Dockerfile's ENV {} ({}:{}) does not reach the agent: "
              "startProcess env replaces the container's",
              cap(r.name), p.source(Role::Dockerfile).path, pair.line);
    problems.push_back(
        fmt::format("{}: read by the agent ({}) without a default, never set by "
                    "startProcess env ({}){}{}",
                    cap(r.name), analysis::file_line(req->location),
                    analysis::file_line(spe.location), docker_env, spread_note));
    ev.push_back({req->location, fmt::format("reads {}", cap(r.name))});
    if (!first_problem.known()) first_problem = req->location;
  }
  // required reads of conditionally set keys are worth a note
  for (const EnvEntry& e : spe.entries) {
    if (!prefixed(cfg, e.key) || !e.conditional) continue;
    if (const EnvRead* req = env.first_required(e.key))
      notes.push_back(fmt::format("{} is set only when `{}` ({}) but read without a default ({})",
                                  cap(e.key), snippet(e.condition, 30),
                                  analysis::file_line(e.location),
                                  analysis::file_line(req->location)));
  }
  if (!env.dynamic_reads.empty())
    notes.push_back(
        fmt::format("the agent also reads process.env[…] at line {}, which this tool "
                    "cannot name",
                    env.dynamic_reads.front().line()));
  std::string note_text = notes.empty() ? std::string{} : fmt::format("; notes: {}", listed(notes));
  if (!problems.empty())
    return Outcome::fail(first_problem, fmt::format("{}{}", listed(problems), note_text), ev);
  std::size_t set = seen.size();
  return Outcome::pass(
      spe.location,
      fmt::format("the {} {} keys startProcess env sets ({}) are read by the agent, "
                  "and every one it requires is set{}",
                  set, cap(fmt::format("{}", fmt::join(cfg.env_prefixes, "/"))),
                  analysis::file_line(spe.location), note_text),
      ev);
}

}  // namespace

Check docker_env_names_check() {
  return {.id = "docker.env-names",
          .group = Group::Docker,
          .title = "env var names match between DO startProcess env and agent",
          .expected =
              "every VF_* key the startProcess env sets is read by the agent, and every VF_* "
              "name the agent requires (no default) is set by that env",
          .role = Role::Dockerfile,
          .passes_when =
              "the prefixed keys of the startProcess env and the agent's process.env reads "
              "match; names the agent reads with a ||/?? default or only behind a "
              "presence test may be unset (listed as notes). Dockerfile ENV does not count: "
              "startProcess env replaces the container's",
          .fails_when =
              "a VF_ key set but never read; a VF_ name read without a default but never "
              "set (also when only a Dockerfile ENV sets it)",
          .config_keys = {"envPrefixes", "envIgnore", "roles.agent", "roles.do"},
          .run = run};
}

}  // namespace v15
