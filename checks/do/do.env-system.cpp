// do.env-system: startProcess env has PATH, HOME, NODE_PATH, LANG, TERM
#include <fmt/format.h>

#include <algorithm>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::join_text;
using facts::dispatch_env;
using facts::entries_for;
using facts::entry_name;
using facts::spreads_note;

Outcome env_system(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const StartProcessEnv* env = d->env;
  std::vector<std::string> missing, conditional;
  for (std::string_view key : {"PATH", "HOME", "NODE_PATH", "LANG", "TERM"}) {
    auto entries = entries_for(*env, key);
    bool always = std::any_of(entries.begin(), entries.end(),
                              [](const EnvEntry* e) { return !e->conditional; });
    if (entries.empty())
      missing.emplace_back(key);
    else if (!always)
      conditional.push_back(
          fmt::format("{} is set only under {}", entry_name(*entries.front()),
                      code_snippet(FileModel::strip(entries.front()->condition), 30)));
  }
  if (missing.empty() && conditional.empty())
    return Outcome::pass(
        env->location,
        fmt::format("PATH, HOME, NODE_PATH, LANG, TERM in the env at line {}", env->location.line));
  std::vector<std::string> parts;
  if (!missing.empty())
    parts.push_back(fmt::format("the startProcess env (line {}) lacks {}{}", env->location.line,
                                join_text(missing), spreads_note(*env)));
  parts.insert(parts.end(), conditional.begin(), conditional.end());
  return Outcome::fail(env->location, join_text(parts, "; ") +
                                          ": startProcess replaces the container's environment, so "
                                          "the agent would run without them");
}

}  // namespace

Check do_env_system_check() {
  return {.id = "do.env-system",
          .group = Group::DurableObject,
          .title = "startProcess env has PATH, HOME, NODE_PATH, LANG, TERM",
          .expected = "PATH, HOME, NODE_PATH, LANG and TERM keys in the startProcess env",
          .role = Role::DurableObject,
          .passes_when =
              "all five keys are set unconditionally in the env object (literal, const, builder "
              "helper, spreads of literals, later assignments)",
          .fails_when = "a key missing (Found lists them); a key set only under a condition",
          .config_keys = {"roles.do", "className"},
          .run = env_system};
}

}  // namespace v15
