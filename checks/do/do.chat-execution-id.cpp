// do.chat-execution-id: unique executionId from crypto.randomUUID().
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using analysis::outermost;
using facts::chat_scope;

// `crypto.randomUUID()`, or `randomUUID()` imported from node's crypto module.
bool is_random_uuid_call(const FileModel& m, const Node& expr) {
  Node e = FileModel::strip_await(expr);
  if (!e.is("call_expression") || FileModel::callee_name(e) != "randomUUID") return false;
  Node obj = FileModel::callee_object(e);
  if (!obj.null()) return FileModel::last_name(obj) == "crypto";
  Node callee = FileModel::strip(e.field("function"));
  const Binding* b = callee.is("identifier") ? m.resolve(callee) : nullptr;
  return b && (b->import_source == "crypto" || b->import_source == "node:crypto");
}

// A value that is a fresh UUID: the call itself, or a string built around one (`exec-${uuid}`,
// 'exec-' + uuid), followed through const bindings. A fallback (`body.id ?? uuid`) is not.
bool is_uuid_value(const FileModel& m, const Origin& o, int depth = 0) {
  if (!o.path.empty() || depth > 8) return false;
  Node e = FileModel::strip_await(o.expr);
  if (is_random_uuid_call(m, e)) return true;
  if (e.is("template_string")) {
    for (const Node& c : e.named_children())
      if (c.is("template_substitution") && is_uuid_value(m, m.trace(c.named_child(0)), depth + 1))
        return true;
    return false;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+")
    return is_uuid_value(m, m.trace(e.field("left")), depth + 1) ||
           is_uuid_value(m, m.trace(e.field("right")), depth + 1);
  return false;
}

Outcome chat_execution_id(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const Region& region = s->method.region;
  const Binding* chosen = nullptr;
  for (const Binding& b : m.bindings()) {
    if (b.name != "executionId" || !region.contains(b.name_node)) continue;
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    if (!chosen || (region.parts.front().contains(b.name_node) &&
                    !region.parts.front().contains(chosen->name_node)))
      chosen = &b;
  }
  if (!chosen) {
    for (const Node& call : m.find("call_expression", region, match::call("randomUUID"))) {
      Node holder = outermost(call).parent();
      if (holder.is("variable_declarator"))
        return Outcome::fail(m.location(call),
                             fmt::format("no binding named executionId in handleChatHttp; "
                                         "crypto.randomUUID() is bound to `{}` (line {})",
                                         snippet(holder.field("name"), 40), call.line()));
    }
    return Outcome::fail(s->location(), "no binding named executionId in handleChatHttp");
  }
  std::vector<Node> values;
  if (!chosen->init.null()) values.push_back(chosen->init);
  values.insert(values.end(), chosen->assignments.begin(), chosen->assignments.end());
  if (values.empty())
    return Outcome::fail(
        m.location(chosen->name_node),
        fmt::format("executionId (line {}) is declared without a value", chosen->name_node.line()));
  for (const Node& v : values) {
    Origin o = m.trace(v);
    o.path.insert(o.path.end(), chosen->path.begin(), chosen->path.end());
    if (!is_uuid_value(m, o))
      return Outcome::fail(
          m.location(v),
          fmt::format("executionId (line {}) comes from `{}`, not crypto.randomUUID()", v.line(),
                      snippet(chosen->path.empty() ? v : chosen->declarator, 60)));
  }
  return Outcome::pass(
      m.location(chosen->name_node),
      fmt::format("executionId = crypto.randomUUID() (line {})", chosen->name_node.line()));
}

}  // namespace

Check do_chat_execution_id_check() {
  return {
      .id = "do.chat-execution-id",
      .group = Group::DurableObject,
      .title = "unique executionId from crypto.randomUUID()",
      .expected = "const executionId = crypto.randomUUID()",
      .role = Role::DurableObject,
      .passes_when =
          "a binding named executionId in handleChatHttp whose every value comes from "
          "crypto.randomUUID() (also through a const alias)",
      .fails_when = "Date.now(), a counter, a value from the request body; no executionId binding",
      .config_keys = {"className", "roles.do"},
      .run = chat_execution_id};
}

}  // namespace v15
