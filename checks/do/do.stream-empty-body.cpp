// do.stream-empty-body: handles empty body (resolve + cleanup).
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::inside;
using facts::stream_handler;

// The calls of `calls` inside `within`, or calls there of a same-file helper containing one.
std::vector<Node> reached_in(const FileModel& m, const Node& within,
                             const std::vector<StreamCall>& calls) {
  std::vector<Node> out;
  for (const StreamCall& c : calls)
    if (inside(within, c.call)) out.push_back(c.call);
  if (within.null()) return out;
  for (const Node& call : m.nodes_in("call_expression", within)) {
    const Function* helper = m.callee_function(call);
    if (!helper || helper->body.null() || helper->node.contains(within)) continue;
    for (const StreamCall& c : calls)
      if (helper->body.contains(c.call)) {
        out.push_back(call);
        break;
      }
  }
  return out;
}

Outcome stream_empty_body(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->empty_body_guard.null())
    return Outcome::fail(scope.location(),
                         "no `if (!request.body)` branch: a callback without a body leaves the "
                         "bridge open until the timeout");
  Node branch = s->empty_body_guard.field("consequence");
  auto resolves = reached_in(m, branch, s->resolves);
  std::vector<Node> deletes, wrong_key;
  for (std::size_t i = 0; i < s->deletes.size(); ++i) {
    if (!inside(branch, s->deletes[i].call)) continue;
    (s->delete_key_matches_lookup[i] ? deletes : wrong_key).push_back(s->deletes[i].call);
  }
  if (deletes.empty()) {
    // a helper that deletes
    std::vector<StreamCall> good;
    for (std::size_t i = 0; i < s->deletes.size(); ++i)
      if (s->delete_key_matches_lookup[i]) good.push_back(s->deletes[i]);
    deletes = reached_in(m, branch, good);
  }
  std::vector<std::string> missing;
  if (resolves.empty()) missing.push_back("does not resolve the bridge");
  if (deletes.empty())
    missing.push_back(wrong_key.empty()
                          ? std::string("does not delete it from httpBridges")
                          : fmt::format("deletes `{}` (line {}), not the bridge it looked up",
                                        snippet(wrong_key.front()), wrong_key.front().line()));
  std::string cond = snippet(s->empty_body_guard.field("condition"));
  if (!missing.empty()) {
    std::string list;
    for (const auto& x : missing) list += (list.empty() ? "" : " and ") + x;
    return Outcome::fail(m.location(s->empty_body_guard),
                         fmt::format("the empty-body branch `if {}` (line {}) {}", cond,
                                     s->empty_body_guard.line(), list));
  }
  return Outcome::pass(m.location(s->empty_body_guard),
                       fmt::format("`if {}` (line {}) resolves the bridge (line {}) and deletes it "
                                   "(line {})",
                                   cond, s->empty_body_guard.line(), resolves.front().line(),
                                   deletes.front().line()));
}

}  // namespace

Check do_stream_empty_body_check() {
  return {.id = "do.stream-empty-body",
          .group = Group::DurableObject,
          .title = "handles empty body (resolve + cleanup)",
          .expected =
              "an `if (!request.body)` branch that resolves the bridge and deletes it from "
              "httpBridges",
          .role = Role::DurableObject,
          .passes_when =
              "a branch taken when request.body is missing that calls the bridge's "
              "resolve and this.httpBridges.delete(payload.executionId) (directly or in a "
              "same-file helper)",
          .fails_when =
              "no such branch; it resolves but leaves the bridge registered; it deletes "
              "without resolving (the browser waits for the timeout)",
          .config_keys = {"className", "roles.do"},
          .run = stream_empty_body};
}

}  // namespace v15
