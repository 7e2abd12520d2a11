// do.chat-bridge-stream: creates TransformStream + deferred promise.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;
using facts::other_streams;

std::string deferred_description(const ChatBridge& b) {
  switch (b.deferred_kind) {
    case ChatBridge::DeferredKind::Promise:
      return fmt::format("new Promise with escaping resolve (line {})", b.deferred.line());
    case ChatBridge::DeferredKind::Helper:
      return fmt::format("{}() (line {})", FileModel::callee_name(b.deferred), b.deferred.line());
    case ChatBridge::DeferredKind::WithResolvers:
      return fmt::format("Promise.withResolvers() (line {})", b.deferred.line());
    case ChatBridge::DeferredKind::None:
      break;
  }
  return "none";
}

Outcome chat_bridge_stream(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.stream.null())
    return Outcome::fail(s->location(), "handleChatHttp never creates a `new TransformStream()`" +
                                            other_streams(m, s->method.region));
  if (!b.has_deferred()) {
    std::string note;
    for (const Node& n : m.find("new_expression", s->method.region, match::new_expr("Promise"))) {
      note = fmt::format(
          "; the new Promise at line {} keeps its resolve/reject inside the executor", n.line());
      break;
    }
    return Outcome::fail(
        s->location(),
        "no deferred promise in handleChatHttp: no new Promise whose resolve/reject "
        "are assigned outside its executor, no Promise.withResolvers(), and no "
        "same-file helper (such as createDeferred()) that builds one" +
            note);
  }
  return Outcome::pass(m.location(b.stream),
                       fmt::format("new TransformStream() (line {}); deferred: {}", b.stream.line(),
                                   deferred_description(b)));
}

}  // namespace

Check do_chat_bridge_stream_check() {
  return {.id = "do.chat-bridge-stream",
          .group = Group::DurableObject,
          .title = "creates TransformStream + deferred promise",
          .expected =
              "new TransformStream() and a deferred promise (escaping resolve/reject, "
              "createDeferred(), Promise.withResolvers())",
          .role = Role::DurableObject,
          .passes_when =
              "handleChatHttp (or a helper it calls) constructs new TransformStream(…) "
              "and a deferred: a new Promise whose resolve/reject are assigned outside the "
              "executor, a same-file helper or class that does so, or "
              "Promise.withResolvers()",
          .fails_when =
              "IdentityTransformStream or another stream; a plain awaited promise; no "
              "deferred",
          .config_keys = {"className", "roles.do"},
          .run = chat_bridge_stream};
}

}  // namespace v15
