// do.env-session-mode: env sets `VF_SESSION_MODE: mode || 'agent'`
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/named_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::is_named;
using analysis::mentions;
using facts::dispatch_env;
using facts::entry_name;
using facts::every_entry;

// `mode || 'agent'`, `mode ?? 'agent'`, `mode ? mode : 'agent'`, or `mode` with an 'agent' default.
bool mode_with_default(const FileModel& m, const Function& fn, const Node& value, int depth = 0) {
  if (depth > 4) return false;
  Node v = FileModel::strip(value);
  auto agent = [&](const Node& n) { return m.fold_string(n) == std::string("agent"); };
  if (v.is("binary_expression")) {
    std::string_view op = v.field("operator").kind();
    return (op == "||" || op == "??") && is_named(m, fn, v.field("left"), "mode") &&
           agent(v.field("right"));
  }
  if (v.is("ternary_expression"))
    return mentions(m, fn, v.field("condition"), "mode") &&
           is_named(m, fn, v.field("consequence"), "mode") && agent(v.field("alternative"));
  if (v.is("identifier") || v.is("shorthand_property_identifier")) {
    Node mapped = FileModel::strip(m.caller_value(v, fn));
    if (!(mapped == v)) return mode_with_default(m, fn, mapped, depth + 1);
    const Binding* b = m.resolve(v.text(), v.start_byte());
    if (!b) return false;
    if (b->kind == BindingKind::Param)
      return b->name == "mode" && !b->init.null() && agent(b->init);
    if (!b->init.null() && b->path.empty()) return mode_with_default(m, fn, b->init, depth + 1);
  }
  return false;
}

Outcome env_session_mode(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  return every_entry(
      *env, "VF_SESSION_MODE", [&](const EnvEntry& e) { return mode_with_default(m, fn, e.value); },
      [&](const EnvEntry& e) {
        return fmt::format(
            "{} is {}; expected mode || 'agent' so a request without a mode still "
            "runs in agent mode",
            entry_name(e), code_snippet(e.value, 50));
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}", entry_name(e), code_snippet(e.value, 40));
      });
}

}  // namespace

Check do_env_session_mode_check() {
  return {.id = "do.env-session-mode",
          .group = Group::DurableObject,
          .title = "env sets `VF_SESSION_MODE: mode || 'agent'`",
          .expected = "VF_SESSION_MODE: mode || 'agent'",
          .role = Role::DurableObject,
          .passes_when =
              "mode || 'agent', mode ?? 'agent', mode ? mode : 'agent', or mode with an 'agent' "
              "parameter default",
          .fails_when = "no default; another default; missing",
          .config_keys = {"roles.do", "className"},
          .run = env_session_mode};
}

}  // namespace v15
