// do.chat-bridge-register: registers bridge in httpBridges keyed by executionId.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;

// The key names the executionId binding: directly, through a const alias, or as a helper's
// parameter that handleChatHttp passes it to.
bool names_execution_id(const FileModel& m, const Region& r, const Node& expr, int depth = 0) {
  Node s = FileModel::strip(expr);
  if (depth > 4 || !(s.is("identifier") || s.is("shorthand_property_identifier"))) return false;
  const Binding* b = m.resolve(s.text(), s.start_byte());
  if (!b) return false;
  if (b->kind == BindingKind::Param) {
    for (const Node& a : argument_values(m, r, s))
      if (names_execution_id(m, r, a, depth + 1)) return true;
    return false;
  }
  if (b->name == "executionId") return true;
  if (b->kind == BindingKind::Const && b->path.empty() && !b->init.null())
    return names_execution_id(m, r, b->init, depth + 1);
  return false;
}

Outcome chat_bridge_register(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.register_call.null())
    return Outcome::fail(s->location(), "handleChatHttp never calls this.httpBridges.set(…)");
  Location at = m.location(b.register_call);
  if (b.register_key.null() || !names_execution_id(m, b.region, b.register_key))
    return Outcome::fail(
        at, fmt::format("the bridge is registered under `{}` (line {}), not executionId",
                        b.register_key.null() ? "" : snippet(b.register_key, 40),
                        b.register_call.line()));
  if (b.registered.null())
    return Outcome::fail(at, fmt::format("this.httpBridges.set({}) at line {} registers no bridge",
                                         snippet(b.register_key, 40), b.register_call.line()));
  Node value = FileModel::strip_await(m.trace(b.registered).expr);
  if (!value.is("object") && !value.is("new_expression"))
    return Outcome::fail(at,
                         fmt::format("this.httpBridges.set registers `{}` (line {}), not a bridge "
                                     "object such as {{ writer, resolve, reject, timeout }}",
                                     snippet(b.registered, 40), b.register_call.line()));
  return Outcome::pass(
      at, fmt::format("this.httpBridges.set({}, {}) (line {})", snippet(b.register_key, 40),
                      snippet(b.registered, 60), b.register_call.line()));
}

}  // namespace

Check do_chat_bridge_register_check() {
  return {.id = "do.chat-bridge-register",
          .group = Group::DurableObject,
          .title = "registers bridge in httpBridges keyed by executionId",
          .expected = "this.httpBridges.set(executionId, { writer, resolve, reject, … })",
          .role = Role::DurableObject,
          .passes_when =
              "this.httpBridges.set(k, v) in handleChatHttp or a helper it calls, where k "
              "is the executionId binding (also through a helper parameter) and v a bridge "
              "object",
          .fails_when =
              "no registration; keyed by sessionId or another value; the call only in a "
              "comment",
          .config_keys = {"className", "roles.do"},
          .run = chat_bridge_register};
}

}  // namespace v15
