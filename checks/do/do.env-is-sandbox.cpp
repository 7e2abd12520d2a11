// do.env-is-sandbox: env sets `IS_SANDBOX: '1'`
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::describe_value;
using facts::dispatch_env;
using facts::entry_name;
using facts::every_entry;

Outcome env_is_sandbox(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  return every_entry(
      *env, "IS_SANDBOX",
      [&](const EnvEntry& e) { return m.fold_string(e.source) == std::string("1"); },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}; expected the string '1'", entry_name(e),
                           describe_value(m, e.source));
      },
      [&](const EnvEntry& e) { return fmt::format("{} is '1'", entry_name(e)); });
}

}  // namespace

Check do_env_is_sandbox_check() {
  return {.id = "do.env-is-sandbox",
          .group = Group::DurableObject,
          .title = "env sets `IS_SANDBOX: '1'`",
          .expected = "IS_SANDBOX: '1'",
          .role = Role::DurableObject,
          .passes_when = "the IS_SANDBOX value folds to the string '1'",
          .fails_when = "'true'; a number; missing",
          .config_keys = {"roles.do", "className"},
          .run = env_is_sandbox};
}

}  // namespace v15
