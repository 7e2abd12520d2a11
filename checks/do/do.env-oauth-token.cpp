// do.env-oauth-token: env sets `CLAUDE_CODE_OAUTH_TOKEN` to the OAuth token
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"
#include "v15check/facts/oauth_token.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::origin_note;
using facts::dispatch_env;
using facts::entries_for;
using facts::entry_name;
using facts::every_entry;
using facts::is_token;
using facts::missing_key;
using facts::oauth_token;
using facts::OAuthToken;

Outcome env_oauth_token(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  OAuthToken t = oauth_token(m, *s, ctx.config());
  auto entries = entries_for(*env, "CLAUDE_CODE_OAUTH_TOKEN");
  if (entries.empty()) return missing_key(*env, "CLAUDE_CODE_OAUTH_TOKEN");
  if (!t.found())
    return Outcome::fail(
        entries.front()->location,
        fmt::format("CLAUDE_CODE_OAUTH_TOKEN is {}, but dispatchContainer reads no "
                    "OAuth token (.claudeToken of the AUTH_KV user record) to set it to",
                    code_snippet(entries.front()->value, 50)));
  // The value at the slot is what counts: a `let` token overwritten after its validation by
  // something else reaches the env as that other value.
  auto overwrite = [&](const EnvEntry& e) -> Node {
    Node src = FileModel::strip(e.source);
    if (!src.is("identifier")) return {};
    for (const Node& d : analysis::reaching_definitions(m, src))
      if (!d.parent().is("variable_declarator") && !is_token(m, fn, t, d)) return d;
    return {};
  };
  return every_entry(
      *env, "CLAUDE_CODE_OAUTH_TOKEN",
      [&](const EnvEntry& e) { return is_token(m, fn, t, e.source) && overwrite(e).null(); },
      [&](const EnvEntry& e) {
        if (Node d = overwrite(e); !d.null() && is_token(m, fn, t, e.source))
          return fmt::format(
              "{} is {}, but {} is overwritten with {} at line {} after its validation: the "
              "value that reaches the env is not the validated OAuth token {}",
              entry_name(e), code_snippet(e.value, 50), code_snippet(FileModel::strip(e.source)),
              code_snippet(d, 50), d.line(), t.where());
        return fmt::format("{} is {}{}; expected the validated OAuth token {}", entry_name(e),
                           code_snippet(e.value, 50), origin_note(m, fn, e.source), t.where());
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} is the OAuth token {}", entry_name(e), t.where());
      });
}

}  // namespace

Check do_env_oauth_token_check() {
  return {
      .id = "do.env-oauth-token",
      .group = Group::DurableObject,
      .title = "env sets `CLAUDE_CODE_OAUTH_TOKEN` to the OAuth token",
      .expected = "CLAUDE_CODE_OAUTH_TOKEN: the OAuth token validated in do.dispatch-oauth-prefix",
      .role = Role::DurableObject,
      .passes_when =
          "the value traces to the same token (the .claudeToken of the AUTH_KV user record)",
      .fails_when = "the execution JWT or another value; missing",
      .config_keys = {"roles.do", "className"},
      .run = env_oauth_token};
}

}  // namespace v15
