// do.chat-close-writer: promise .then() and .catch() both close the writer.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;

// Whether a continuation's handler calls writer.close() (itself or through a same-file helper).
bool closes_writer(const FileModel& m, const ChatBridge& b, const Node& handler) {
  const Function* f = m.function_at(handler);
  if (!f) return false;
  Region r = m.region(*f);
  for (const Node& call : m.nodes_in("call_expression", r))
    if (FileModel::callee_name(call) == "close" && b.is_writer(m, FileModel::callee_object(call)))
      return true;
  return false;
}

Outcome chat_close_writer(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  const Region& region = s->method.region;
  if (!b.has_deferred())
    return Outcome::fail(s->location(),
                         "handleChatHttp has no deferred promise to continue "
                         "(see do.chat-bridge-stream)");
  if (b.writer_call.null())
    return Outcome::fail(m.location(b.stream.null() ? s->method.function->node : b.stream),
                         "handleChatHttp takes no writer from the TransformStream's writable side "
                         "(writable.getWriter())");
  std::vector<Node> uses;
  for (const Node& id : m.nodes_in("identifier", region)) {
    Node p = id.parent();
    if (p.is("variable_declarator") && p.field("name") == id) continue;
    if (b.is_promise(m, id)) uses.push_back(id);
  }
  if (!b.promise_key.empty())
    for (const Node& mem : m.nodes_in("member_expression", region))
      if (mem.field("property").text() == b.promise_key && b.is_promise(m, mem))
        uses.push_back(mem);
  bool fulfilled = false, rejected = false;
  Node fulfilled_cont, rejected_cont, first_cont, fulfilled_close, rejected_close;
  std::string problem;
  for (const Node& u : uses) {
    PromiseUse use = m.promise_use(u);
    for (const auto& c : use.chain) {
      if (first_cont.null()) first_cont = c.call;
      Node on_ok, on_err;
      if (c.method == "then") {
        if (!c.args.empty()) on_ok = c.args[0];
        if (c.args.size() > 1) on_err = c.args[1];
      } else if (c.method == "catch") {
        if (!c.args.empty()) on_err = c.args[0];
      } else if (c.method == "finally") {
        if (!c.args.empty()) on_ok = on_err = c.args[0];
      }
      bool closes_ok = !on_ok.null() && closes_writer(m, b, on_ok);
      bool closes_err = !on_err.null() && closes_writer(m, b, on_err);
      if (!on_ok.null() && fulfilled_cont.null()) fulfilled_cont = c.call;
      if (!on_err.null() && rejected_cont.null()) rejected_cont = c.call;
      if (closes_ok && fulfilled_close.null()) fulfilled_close = on_ok;
      if (closes_err && rejected_close.null()) rejected_close = on_err;
      fulfilled = fulfilled || closes_ok;
      rejected = rejected || closes_err;
      if (!on_ok.null() && !closes_ok)
        problem = fmt::format("the .{}(…) handler at line {} does not call writer.close(): `{}`",
                              c.method, on_ok.line(), snippet(on_ok, 60));
      if (!on_err.null() && !closes_err)
        problem = fmt::format("the .{}(…) handler at line {} does not call writer.close(): `{}`",
                              c.method, on_err.line(), snippet(on_err, 60));
    }
  }
  if (fulfilled && rejected)
    return Outcome::pass(
        m.location(first_cont),
        fmt::format("the deferred promise closes the writer when fulfilled (line {}) "
                    "and when rejected (line {})",
                    fulfilled_close.line(), rejected_close.line()));
  std::string name = b.promise ? b.promise->name : std::string("the deferred promise");
  if (first_cont.null())
    return Outcome::fail(
        m.location(b.deferred),
        fmt::format("the deferred promise ({}, line {}) is never continued with "
                    ".then/.catch/.finally: the writer is not closed when the bridge "
                    "settles",
                    name, b.deferred.line()));
  if (rejected_cont.null())
    return Outcome::fail(
        m.location(first_cont),
        fmt::format("the deferred promise has only .then(…) (line {}): when the bridge "
                    "is rejected the writer is never closed",
                    first_cont.line()));
  if (fulfilled_cont.null())
    return Outcome::fail(
        m.location(first_cont),
        fmt::format("the deferred promise has only a rejection continuation (line {}): "
                    "when the bridge resolves the writer is never closed",
                    first_cont.line()));
  return Outcome::fail(m.location(first_cont), problem.empty() ? "the writer is not closed on both "
                                                                 "paths"
                                                               : problem);
}

}  // namespace

Check do_chat_close_writer_check() {
  return {.id = "do.chat-close-writer",
          .group = Group::DurableObject,
          .title = "promise .then() and .catch() both close the writer",
          .expected =
              "the deferred promise continued with .then(a).catch(b), .then(a, b) or "
              ".finally(c), each calling writer.close()",
          .role = Role::DurableObject,
          .passes_when =
              "the deferred promise has a fulfilled and a rejected continuation (or a "
              ".finally) whose handlers call close() on the bridge writer, directly or "
              "through a same-file helper",
          .fails_when =
              ".then(…) without .catch(…); a handler that does not close the writer; the "
              "promise never continued",
          .config_keys = {"className", "roles.do"},
          .run = chat_close_writer};
}

}  // namespace v15
