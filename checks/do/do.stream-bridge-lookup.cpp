// do.stream-bridge-lookup: looks up bridge by `payload.executionId`.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using facts::stream_handler;

Outcome stream_bridge_lookup(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->lookup.null())
    return Outcome::fail(scope.location(),
                         "handleContainerStream never looks the bridge up with "
                         "this.httpBridges.get(…)");
  Location at = m.location(s->lookup);
  if (s->verify_call.null())
    return Outcome::fail(at, fmt::format("{} at line {}: there is no verifyExecutionToken result "
                                         "to take the executionId from",
                                         snippet(s->lookup), s->lookup.line()));
  if (!s->key_is_execution_id)
    return Outcome::fail(at, fmt::format("{} at line {}: the key `{}` is not the executionId of "
                                         "the verifyExecutionToken result (line {})",
                                         snippet(s->lookup), s->lookup.line(),
                                         s->lookup_key.null() ? "(none)" : snippet(s->lookup_key),
                                         s->verify_call.line()));
  return Outcome::pass(at, fmt::format("{} at line {}: keyed by the verified token's executionId",
                                       snippet(s->lookup), s->lookup.line()));
}

}  // namespace

Check do_stream_bridge_lookup_check() {
  return {.id = "do.stream-bridge-lookup",
          .group = Group::DurableObject,
          .title = "looks up bridge by `payload.executionId`",
          .expected =
              "this.httpBridges.get(payload.executionId), payload being the "
              "verifyExecutionToken result",
          .role = Role::DurableObject,
          .passes_when =
              "the key traces to the verify result's executionId: `payload.executionId`, "
              "`const { executionId } = payload`, an alias",
          .fails_when =
              "no httpBridges.get; keyed by payload.sessionId or by a value not from the "
              "verified token",
          .config_keys = {"className", "roles.do"},
          .run = stream_bridge_lookup};
}

}  // namespace v15
