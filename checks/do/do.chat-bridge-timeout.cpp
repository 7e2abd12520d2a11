// do.chat-bridge-timeout: bridge timeout is 5 minutes.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;

Outcome chat_bridge_timeout(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const BridgeTimeout& t = ctx.project().bridge_timeout();
  double expected = ctx.config().bridge_timeout_ms;
  if (!t.found())
    return Outcome::fail(s->location(), "no setTimeout(fn, T) in handleChatHttp bounds the bridge");
  if (!t.ms)
    return Outcome::fail(
        t.location, fmt::format("the setTimeout delay `{}` (line {}) does not fold to a constant; "
                                "expected {}",
                                snippet(t.delay, 60), t.call.line(), describe_ms(expected)));
  if (*t.ms != expected) {
    Outcome o = ctx.differs(
        t.location,
        fmt::format("setTimeout delay folds to {}; expected {} (`{}`, line {})", describe_ms(*t.ms),
                    describe_ms(expected), snippet(t.delay, 40), t.call.line()),
        "bridgeTimeoutMs");
    o.config_mismatch = ConfigMismatch{"bridgeTimeoutMs", Constant{*t.ms}, t.location};
    return o;
  }
  return Outcome::pass(
      t.location, fmt::format("setTimeout delay `{}` folds to {} (line {})", snippet(t.delay, 40),
                              describe_ms(*t.ms), t.call.line()));
}

}  // namespace

Check do_chat_bridge_timeout_check() {
  return {.id = "do.chat-bridge-timeout",
          .group = Group::DurableObject,
          .title = "bridge timeout is 5 minutes",
          .expected =
              "setTimeout(fn, T) in handleChatHttp with T folding to bridgeTimeoutMs "
              "(default 300000 ms)",
          .role = Role::DurableObject,
          .passes_when =
              "the bridge's setTimeout delay folds (through consts and * / + -) to the "
              "configured value",
          .fails_when = "10 * 60 * 1000; a delay that does not fold; no setTimeout",
          .config_keys = {"bridgeTimeoutMs", "className", "roles.do"},
          .run = chat_bridge_timeout};
}

}  // namespace v15
