// do.dispatch-oauth-kv: reads `claudeToken` from `AUTH_KV` at `user:{userId}`
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"
#include "v15check/facts/oauth_token.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::join_text;
using facts::kDispatchMethod;
using facts::key_matches;
using facts::key_text;
using facts::KvCall;
using facts::oauth_token;
using facts::OAuthToken;

Outcome oauth_kv(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  OAuthToken t = oauth_token(m, *s, ctx.config());
  if (!t.record)
    return Outcome::fail(s->location(),
                         fmt::format("dispatchContainer never reads the user record from AUTH_KV "
                                     "(expected AUTH_KV.get(`user:${{userId}}`) and its "
                                     ".claudeToken){}",
                                     t.found() ? fmt::format("; the token tested is {}", t.where())
                                               : std::string{}));
  const KvCall& r = *t.record;
  bool key_ok = key_matches(m, *s->function, r.key, "user:", "userId");
  bool field_ok = t.fields.count("claudeToken") > 0;
  if (key_ok && field_ok)
    return Outcome::pass(
        m.location(t.fields["claudeToken"]),
        fmt::format("AUTH_KV.get({}) at line {}, .claudeToken read at line {}", key_text(m, r.key),
                    r.call.line(), t.fields["claudeToken"].line()));
  std::vector<std::string> parts;
  if (!key_ok)
    parts.push_back(
        fmt::format("the user record is read at key {} (line {}), expected "
                    "user:{{userId}}",
                    key_text(m, r.key), r.call.line()));
  if (!field_ok) {
    std::vector<std::string> names;
    for (const auto& [name, node] : t.fields)
      names.push_back(fmt::format(".{} (line {})", name, node.line()));
    parts.push_back(fmt::format(
        "the user record read at line {} is never read for .claudeToken{}", r.call.line(),
        names.empty() ? std::string{} : "; fields read: " + join_text(names)));
  }
  Location where = !key_ok ? m.location(r.call) : m.location(t.read.null() ? r.call : t.read);
  return Outcome::fail(where, join_text(parts, "; "));
}

}  // namespace

Check do_dispatch_oauth_kv_check() {
  return {.id = "do.dispatch-oauth-kv",
          .group = Group::DurableObject,
          .title = "reads `claudeToken` from `AUTH_KV` at `user:{userId}`",
          .expected = "AUTH_KV.get(`user:${userId}`, …) and .claudeToken read from its result",
          .role = Role::DurableObject,
          .passes_when =
              "a get on AUTH_KV with key user:{userId}, whose result (awaited, or JSON.parse'd) "
              "is read for claudeToken (member read or destructuring, through bindings)",
          .fails_when = "other key (users:…); other field; no user record read",
          .config_keys = {"roles.do", "className"},
          .run = oauth_kv};
}

}  // namespace v15
