// do.stream-404: returns 404 when no bridge.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using facts::stream_handler;

Outcome stream_404(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->lookup.null())
    return Outcome::fail(scope.location(),
                         "handleContainerStream never looks the bridge up (no "
                         "this.httpBridges.get(…)), so it cannot answer 404 for a missing one");
  if (s->missing_guard.null())
    return Outcome::fail(m.location(s->lookup),
                         fmt::format("the result of {} (line {}) is never tested: an unknown "
                                     "executionId fails on the bridge instead of answering 404",
                                     snippet(s->lookup), s->lookup.line()));
  std::string cond = snippet(s->missing_guard.field("condition"));
  if (s->missing_guard_return.null())
    return Outcome::fail(
        m.location(s->missing_guard),
        fmt::format("the missing-bridge branch `if {}` (line {}) does not return a "
                    "response",
                    cond, s->missing_guard.line()));
  if (s->missing_guard_status != 404) {
    std::string got = s->missing_guard_status
                          ? fmt::format("status {}", *s->missing_guard_status)
                          : fmt::format("`{}`, whose status is not recognisably 404",
                                        snippet(s->missing_guard_return));
    return Outcome::fail(
        m.location(s->missing_guard_return),
        fmt::format("the missing-bridge branch `if {}` (line {}) returns {}, not 404", cond,
                    s->missing_guard.line(), got));
  }
  return Outcome::pass(m.location(s->missing_guard_return),
                       fmt::format("`if {}` (line {}) returns 404", cond, s->missing_guard.line()));
}

}  // namespace

Check do_stream_404_check() {
  return {.id = "do.stream-404",
          .group = Group::DurableObject,
          .title = "returns 404 when no bridge",
          .expected = "the branch for a missing bridge returns status 404",
          .role = Role::DurableObject,
          .passes_when =
              "an `if (!bridge)` (or `=== undefined`, `!this.httpBridges.has(id)`) whose "
              "branch returns a Response with status 404 (also through a same-file helper)",
          .fails_when = "the lookup result is never tested; the branch returns 410/400 or nothing",
          .config_keys = {"className", "roles.do"},
          .run = stream_404};
}

}  // namespace v15
