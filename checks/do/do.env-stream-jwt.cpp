// do.env-stream-jwt: env sets `VF_STREAM_JWT` to the signed token
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"
#include "v15check/facts/sign_calls.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::origin_note;
using facts::dispatch_env;
using facts::entry_name;
using facts::every_entry;
using facts::sign_calls;
using facts::SignCall;

bool is_sign_call(const std::vector<SignCall>& calls, const Node& n) {
  Node s = FileModel::strip_await(n);
  for (const auto& c : calls)
    if (c.call == s) return true;
  return false;
}

Outcome env_stream_jwt(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto calls = sign_calls(m, s->region);
  auto signed_token = [&](const EnvEntry& e) {
    for (const Origin& o : m.trace_all(m.caller_value(e.source, fn)))
      if (o.path.empty() && is_sign_call(calls, o.expr)) return true;
    return false;
  };
  return every_entry(
      *env, "VF_STREAM_JWT", signed_token,
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}{}; expected the token returned by signExecutionToken{}",
                           entry_name(e), code_snippet(e.value, 50), origin_note(m, fn, e.source),
                           calls.empty() ? std::string(" (never called in dispatchContainer)")
                                         : fmt::format(" at line {}", calls.front().call.line()));
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} is the signExecutionToken result", entry_name(e));
      });
}

}  // namespace

Check do_env_stream_jwt_check() {
  return {.id = "do.env-stream-jwt",
          .group = Group::DurableObject,
          .title = "env sets `VF_STREAM_JWT` to the signed token",
          .expected = "VF_STREAM_JWT: the value returned by signExecutionToken",
          .role = Role::DurableObject,
          .passes_when = "the value traces to a signExecutionToken(…) call",
          .fails_when = "the secret or another value; missing",
          .config_keys = {"roles.do", "className"},
          .run = env_stream_jwt};
}

}  // namespace v15
