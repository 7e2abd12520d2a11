// do.stream-verify-jwt: verifies JWT via `verifyExecutionToken()`.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using facts::stream_handler;

Outcome stream_verify_jwt(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->verify_call.null()) {
    std::string header =
        s->auth_header.null()
            ? std::string(" and never reads the Authorization header")
            : fmt::format(" (the Authorization header is read at line {})", s->auth_header.line());
    return Outcome::fail(
        scope.location(),
        fmt::format("handleContainerStream never calls verifyExecutionToken{}: any "
                    "caller can write into a bridge",
                    header));
  }
  Location at_verify = m.location(s->verify_call);
  if (s->auth_header.null())
    return Outcome::fail(at_verify,
                         fmt::format("{} at line {}, but handleContainerStream never reads the "
                                     "Authorization header",
                                     snippet(s->verify_call), s->verify_call.line()));
  if (!s->token_from_header)
    return Outcome::fail(
        at_verify, fmt::format("verifyExecutionToken gets `{}` (line {}), which does not come "
                               "from the Authorization header read at line {}",
                               snippet(s->token), s->verify_call.line(), s->auth_header.line()));
  if (s->bearer_strip.null() && s->token_for_agent_header)
    return Outcome::fail(
        at_verify,
        fmt::format("for the agent's `Authorization: Bearer <jwt>` the token passed to "
                    "verifyExecutionToken (line {}) is '{}', not the JWT: the `Bearer ` prefix "
                    "is not stripped, so every token fails verification",
                    s->verify_call.line(), cap(*s->token_for_agent_header)));
  if (s->bearer_strip.null())
    return Outcome::fail(
        at_verify, fmt::format("the token passed to verifyExecutionToken (line {}) is the raw "
                               "Authorization header value (line {}): its `Bearer ` prefix is "
                               "never stripped, so every token fails verification",
                               s->verify_call.line(), s->auth_header.line()));
  if (s->verify_guard.null())
    return Outcome::fail(
        at_verify, fmt::format("the result of verifyExecutionToken (line {}) is never tested "
                               "for null: an invalid or expired token still reaches the bridge",
                               s->verify_call.line()));
  std::string cond = snippet(s->verify_guard.field("condition"));
  if (s->verify_guard_return.null())
    return Outcome::fail(m.location(s->verify_guard),
                         fmt::format("the null check `if {}` at line {} does not return a response",
                                     cond, s->verify_guard.line()));
  if (s->verify_guard_status != 401) {
    std::string got = s->verify_guard_status
                          ? fmt::format("status {}", *s->verify_guard_status)
                          : fmt::format("`{}`, whose status is not recognisably 401",
                                        snippet(s->verify_guard_return));
    return Outcome::fail(m.location(s->verify_guard_return),
                         fmt::format("a failed verify (`if {}` at line {}) returns {}, not 401",
                                     cond, s->verify_guard.line(), got));
  }
  if (!s->lookup.null() && s->lookup.start_byte() < s->verify_guard.start_byte())
    return Outcome::fail(m.location(s->verify_guard),
                         fmt::format("the null check at line {} comes after the bridge lookup at "
                                     "line {}: the payload is used before it is known to be valid",
                                     s->verify_guard.line(), s->lookup.line()));
  return Outcome::pass(at_verify,
                       fmt::format("Authorization header (line {}) → Bearer stripped (line {}) → "
                                   "verifyExecutionToken (line {}); `if {}` returns 401 (line {})",
                                   s->auth_header.line(), s->bearer_strip.line(),
                                   s->verify_call.line(), cond, s->verify_guard_return.line()),
                       {{m.location(s->verify_guard), "null result → 401"}});
}

}  // namespace

Check do_stream_verify_jwt_check() {
  return {.id = "do.stream-verify-jwt",
          .group = Group::DurableObject,
          .title = "verifies JWT via `verifyExecutionToken()`",
          .expected =
              "the token from the Authorization header (Bearer prefix stripped) passed to "
              "verifyExecutionToken, and a null result answered with 401",
          .role = Role::DurableObject,
          .passes_when =
              "headers.get('Authorization') → a Bearer strip (slice(7), replace('Bearer ', "
              "''), split(' '), a /Bearer/ regex; through bindings and a same-file "
              "helper) → verifyExecutionToken(token, …); an `if (!payload)` (or `== null`) "
              "before the bridge lookup that returns a 401 Response",
          .fails_when =
              "no verify call; token not from the Authorization header or with its Bearer "
              "prefix; result never null-checked; the null branch returns 403 or nothing",
          .config_keys = {"className", "roles.do"},
          .run = stream_verify_jwt};
}

}  // namespace v15
