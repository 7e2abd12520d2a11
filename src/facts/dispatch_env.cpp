#include "v15check/facts/dispatch_env.h"

#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/facts/dispatch_session.h"

namespace v15::facts {

using analysis::join_text;

Expected<DispatchEnv> dispatch_env(const CheckContext& ctx) {
  auto scope = ctx.do_method(kDispatchMethod);
  if (!scope) return scope.failure();
  const StartProcessEnv& env = ctx.project().start_process_env();
  if (!env.found())
    return Outcome::fail(env.location.known() ? env.location : scope->location(), env.problem);
  return DispatchEnv{*scope, &env};
}

std::vector<const EnvEntry*> entries_for(const StartProcessEnv& env, std::string_view key) {
  std::vector<const EnvEntry*> out;
  for (const auto& e : env.entries)
    if (e.key == key) out.push_back(&e);
  return out;
}

std::string spreads_note(const StartProcessEnv& env) {
  if (env.spreads.empty()) return {};
  std::vector<std::string> s;
  for (const Node& n : env.spreads) s.push_back(snippet(n, 40));
  return fmt::format(" (it also merges {}, whose keys cannot be listed)", join_text(s));
}

Outcome missing_key(const StartProcessEnv& env, std::string_view key) {
  return Outcome::fail(env.location, fmt::format("the startProcess env (line {}) has no {} key{}",
                                                 env.location.line, key, spreads_note(env)));
}

// "KEY (line N)" for Found lines about one env entry.
std::string entry_name(const EnvEntry& e) {
  return fmt::format("{} (line {})", e.key, e.location.line);
}

Outcome every_entry(const StartProcessEnv& env, std::string_view key,
                    const std::function<bool(const EnvEntry&)>& ok,
                    const std::function<std::string(const EnvEntry&)>& describe,
                    const std::function<std::string(const EnvEntry&)>& pass_text) {
  auto entries = entries_for(env, key);
  if (entries.empty()) return missing_key(env, key);
  for (const EnvEntry* e : entries)
    if (!ok(*e)) return Outcome::fail(e->location, describe(*e));
  return Outcome::pass(entries.back()->location, pass_text(*entries.back()));
}

}  // namespace v15::facts
