// do.env-conditional: env sets `VF_MODEL` and `VF_AUTONOMY_MODE` conditionally
#include <fmt/format.h>

#include <array>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/named_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::join_text;
using analysis::mentions;
using facts::dispatch_env;
using facts::entries_for;
using facts::entry_name;
using facts::spreads_note;

Outcome env_conditional(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  std::vector<std::string> problems, good;
  Location where;
  std::vector<Evidence> ev;
  using KeyVar = std::pair<std::string_view, std::string_view>;
  for (const auto& [key, var] :
       std::array<KeyVar, 2>{KeyVar{"VF_MODEL", "model"}, KeyVar{"VF_AUTONOMY_MODE", "autonomy"}}) {
    auto entries = entries_for(*env, key);
    std::string problem;
    const EnvEntry* bad = nullptr;
    for (const EnvEntry* e : entries) {
      if (!e->conditional) {
        problem = fmt::format(
            "{} is set unconditionally; set it only when {} is given, e.g. "
            "...({} ? {{ {}: {} }} : {{}})",
            entry_name(*e), var, var, key, var);
      } else if (!mentions(m, fn, e->condition, var)) {
        problem = fmt::format("{} is set under {}, not under a condition on {}", entry_name(*e),
                              code_snippet(FileModel::strip(e->condition), 40), var);
      } else {
        continue;
      }
      bad = e;
      break;
    }
    if (entries.empty()) problem = fmt::format("{} is never set{}", key, spreads_note(*env));
    if (!problem.empty()) {
      problems.push_back(problem);
      if (!where.known()) where = bad ? bad->location : env->location;
    } else {
      good.push_back(fmt::format("{} is set under {}", entry_name(*entries.front()),
                                 code_snippet(FileModel::strip(entries.front()->condition), 30)));
      ev.push_back({entries.front()->location, std::string(key)});
    }
  }
  if (problems.empty()) return Outcome::pass(ev.front().location, join_text(good, "; "), ev);
  return Outcome::fail(where, join_text(problems, "; "), ev);
}

}  // namespace

Check do_env_conditional_check() {
  return {
      .id = "do.env-conditional",
      .group = Group::DurableObject,
      .title = "env sets `VF_MODEL` and `VF_AUTONOMY_MODE` conditionally",
      .expected =
          "VF_MODEL only under a condition on model, VF_AUTONOMY_MODE only under one on autonomy",
      .role = Role::DurableObject,
      .passes_when =
          "conditional spreads ...(model ? { VF_MODEL: model } : {}) / ...(model && {…}), or "
          "an if that assigns the key",
      .fails_when = "set unconditionally; never set; under an unrelated condition",
      .config_keys = {"roles.do", "className"},
      .run = env_conditional};
}

}  // namespace v15
