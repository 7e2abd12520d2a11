// do.chat-close-writer: promise .then() and .catch() both close the writer.
#include <fmt/format.h>

#include <optional>

#include "do.h"
#include "v15check/analysis/promises.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;

// The statement a continuation hangs off, for the location of a FAIL: the expression statement
// of `promise.then(…)`, the `try` of `try { await promise; … }`.
Node statement_of(const Node& n) {
  for (Node up = n; !up.null(); up = up.parent())
    if (up.is("expression_statement") || up.is("try_statement") || up.is("lexical_declaration") ||
        up.is("return_statement"))
      return up;
  return n;
}

// The line where a continuation's code starts.
uint32_t line_of(const analysis::Continuation& c) {
  return c.after.null() ? c.scope.line() : c.after.line();
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
  // Every use of the deferred promise (its binding, an alias, `deferred.promise`) and where it
  // continues: .then/.catch/.finally handlers, `.then(undefined, h)`, `try { await p; … }`.
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
  // Each use starts a chain of its own: a .finally chain without a rejection handler leaves the
  // rejection unhandled whatever other chains do, and its .finally closes on rejection only
  // when that chain also handles the rejection.
  analysis::Continuations all;
  std::vector<analysis::Continuation> handled_settled;
  std::optional<analysis::Continuation> bare_finally;
  for (const Node& u : uses) {
    analysis::Continuations c = analysis::continuations(m, nullptr, u);
    all.fulfilled.insert(all.fulfilled.end(), c.fulfilled.begin(), c.fulfilled.end());
    all.rejected.insert(all.rejected.end(), c.rejected.begin(), c.rejected.end());
    all.settled.insert(all.settled.end(), c.settled.begin(), c.settled.end());
    if (c.rejected.empty() && !c.settled.empty() && !bare_finally) bare_finally = c.settled.front();
    if (!c.rejected.empty())
      handled_settled.insert(handled_settled.end(), c.settled.begin(), c.settled.end());
  }
  auto is_close = [&](const Node& call) {
    return FileModel::callee_name(call) == "close" &&
           b.is_writer(m, FileModel::callee_object(call));
  };
  auto closing =
      [&](const std::vector<analysis::Continuation>& cs) -> const analysis::Continuation* {
    for (const auto& c : cs)
      if (analysis::continuation_does(m, c, is_close)) return &c;
    return nullptr;
  };
  const analysis::Continuation* settled_close = closing(all.settled);
  const analysis::Continuation* ok_close = closing(all.fulfilled);
  const analysis::Continuation* err_close = closing(all.rejected);
  if (!ok_close) ok_close = settled_close;
  if (!err_close) err_close = closing(handled_settled);
  std::vector<const analysis::Continuation*> every;
  for (const auto* list : {&all.fulfilled, &all.rejected, &all.settled})
    for (const auto& c : *list) every.push_back(&c);
  const analysis::Continuation* first = nullptr;
  for (const auto* c : every)
    if (!first || statement_of(c->scope).start_byte() < statement_of(first->scope).start_byte())
      first = c;
  if (bare_finally)
    return Outcome::fail(
        m.location(statement_of(bare_finally->scope)),
        fmt::format(".finally(…) (line {}) alone leaves the rejection of the deferred "
                    "promise unhandled: add a rejection handler",
                    line_of(*bare_finally)));
  if (ok_close && err_close)
    return Outcome::pass(
        m.location(statement_of(first->scope)),
        fmt::format("the deferred promise closes the writer when fulfilled (line {}) "
                    "and when rejected (line {})",
                    line_of(*ok_close), line_of(*err_close)));
  if (!first)
    return Outcome::fail(
        m.location(b.deferred),
        fmt::format("the deferred promise ({}, line {}) is never continued with "
                    ".then/.catch/.finally: the writer is not closed when the bridge "
                    "settles",
                    b.promise ? b.promise->name : std::string("the deferred promise"),
                    b.deferred.line()));
  Location at = m.location(statement_of(first->scope));
  uint32_t first_line = statement_of(first->scope).line();
  if (all.rejected.empty() && all.settled.empty())
    return Outcome::fail(at, fmt::format("the deferred promise has only .then(…) (line {}): when "
                                         "the bridge is rejected the writer is never closed",
                                         first_line));
  if (all.fulfilled.empty() && all.settled.empty())
    return Outcome::fail(at, fmt::format("the deferred promise has only a rejection continuation "
                                         "(line {}): when the bridge resolves the writer is "
                                         "never closed",
                                         first_line));
  const analysis::Continuation* bad = nullptr;
  if (!ok_close) bad = all.fulfilled.empty() ? &all.settled.front() : &all.fulfilled.front();
  if (!err_close) bad = &all.rejected.front();
  return Outcome::fail(at, fmt::format("the {} continuation at line {} does not call "
                                       "writer.close(): `{}`",
                                       ok_close ? "rejection" : "fulfilment", line_of(*bad),
                                       snippet(bad->scope, 60)));
}

}  // namespace

Check do_chat_close_writer_check() {
  return {
      .id = "do.chat-close-writer",
      .group = Group::DurableObject,
      .title = "promise .then() and .catch() both close the writer",
      .expected =
          "the deferred promise continued with .then(a).catch(b), .then(a, b) or "
          ".finally(c), each calling writer.close()",
      .role = Role::DurableObject,
      .passes_when =
          "the deferred promise has a fulfilled and a rejected continuation (.then(a).catch(b), "
          ".then(a, b), .then(undefined, b), try { await p; a } catch { b }, or a .finally "
          "with a rejection handler) whose code calls close() on the bridge writer, "
          "directly or through a same-file helper",
      .fails_when =
          ".then(…) without .catch(…); a handler that does not close the writer; the "
          "promise never continued; .finally(…) alone (the rejection stays unhandled)",
      .config_keys = {"className", "roles.do"},
      .run = chat_close_writer};
}

}  // namespace v15
