// do.env-config-dir: env sets `CLAUDE_CONFIG_DIR`
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::describe_value;
using facts::dispatch_env;
using facts::entries_for;
using facts::entry_name;
using facts::every_entry;

Outcome env_config_dir(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const std::string& want = ctx.config().claude_config_dir;
  Outcome o = every_entry(
      *env, "CLAUDE_CONFIG_DIR", [&](const EnvEntry& e) { return m.fold_string(e.source) == want; },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}; expected '{}'", entry_name(e), describe_value(m, e.source),
                           cap(want));
      },
      [&](const EnvEntry& e) { return fmt::format("{} is '{}'", entry_name(e), cap(want)); });
  if (o.status != Status::Fail) return o;
  // the key is set, to another directory
  if (!entries_for(*env, "CLAUDE_CONFIG_DIR").empty())
    o = ctx.differs(o.location, o.found, "claudeConfigDir");
  // a literal the claudeConfigDir key controls when every entry sets the same constant
  std::optional<std::string> value;
  for (const EnvEntry* e : entries_for(*env, "CLAUDE_CONFIG_DIR")) {
    auto v = m.fold_string(e->source);
    if (!v || v->empty() || (value && *value != *v)) return o;
    value = v;
    o.config_mismatch = ConfigMismatch{"claudeConfigDir", Constant{*v}, e->location};
  }
  return o;
}

}  // namespace

Check do_env_config_dir_check() {
  return {.id = "do.env-config-dir",
          .group = Group::DurableObject,
          .title = "env sets `CLAUDE_CONFIG_DIR`",
          .expected = "CLAUDE_CONFIG_DIR: '/root/.config/claude' (config claudeConfigDir)",
          .role = Role::DurableObject,
          .passes_when = "the value folds to claudeConfigDir",
          .fails_when = "'/root/.claude'; missing",
          .config_keys = {"claudeConfigDir", "roles.do"},
          .run = env_config_dir};
}

}  // namespace v15
