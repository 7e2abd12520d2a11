// do.stream-settle: resolves on success, rejects on error.
#include <fmt/format.h>

#include <algorithm>

#include "do.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::in_continuation;
using analysis::inside;
using facts::stream_handler;

Outcome stream_settle(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  const Function* loop_owner = s->read_loop.null() ? nullptr : m.enclosing_function(s->read_loop);
  // the catch clauses that reject the bridge
  std::vector<Node> rejecting_catches;
  Node reject_in_catch, reject_elsewhere;
  for (const StreamCall& r : s->rejects) {
    if (r.context.in_catch() || in_continuation(m, r.call, "catch")) {
      if (reject_in_catch.null()) reject_in_catch = r.call;
      if (r.context.in_catch()) rejecting_catches.push_back(r.context.catch_clause);
    } else if (reject_elsewhere.null()) {
      reject_elsewhere = r.call;
    }
  }
  Node success, early, late;
  for (const StreamCall& r : s->resolves) {
    if (inside(s->empty_body_guard, r.call)) continue;
    if (r.context.in_catch() || in_continuation(m, r.call, "catch")) {
      if (late.null()) late = r.call;
      continue;
    }
    // a resolve in finally settles the success path when the same try's catch rejects first
    if (r.context.in_finally()) {
      Node try_stmt = r.context.finally_clause.parent();
      bool rejected_first = std::any_of(rejecting_catches.begin(), rejecting_catches.end(),
                                        [&](const Node& c) { return c.parent() == try_stmt; });
      if (!rejected_first) {
        if (late.null()) late = r.call;
        continue;
      }
    }
    bool before_loop = loop_owner && m.enclosing_function(r.call) == loop_owner &&
                       r.call.start_byte() < s->read_loop.end_byte();
    if (before_loop) {
      if (early.null()) early = r.call;
      continue;
    }
    if (success.null()) success = r.call;
  }
  std::vector<std::string> problems;
  Location where = scope.location();
  if (success.null()) {
    if (!early.null()) {
      problems.push_back(fmt::format("the bridge is resolved at line {}, before the read loop ends",
                                     early.line()));
      where = m.location(early);
    } else if (!late.null()) {
      problems.push_back(
          fmt::format("the bridge is resolved only at line {}, in a catch/finally "
                      "block (and no catch of that try rejects first), not on the success path",
                      late.line()));
      where = m.location(late);
    } else {
      problems.push_back(
          "bridge.resolve() is never called after the stream ends: the browser's "
          "response stays open until the timeout");
    }
  }
  if (reject_in_catch.null()) {
    bool has_catch = !m.nodes_in("catch_clause", s->region).empty();
    if (!reject_elsewhere.null())
      problems.push_back(fmt::format("bridge.reject(…) at line {} is not in a catch block",
                                     reject_elsewhere.line()));
    else
      problems.push_back(has_catch
                             ? "the catch block never calls bridge.reject(…): a failed stream "
                               "is reported as a success"
                             : "no try/catch around the read loop: a failed stream never "
                               "rejects the bridge");
    if (problems.size() == 1) {
      auto catches = m.nodes_in("catch_clause", s->region);
      where = !reject_elsewhere.null() ? m.location(reject_elsewhere)
              : !catches.empty()       ? m.location(catches.front())
                                       : where;
    }
  }
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    return Outcome::fail(where, text);
  }
  return Outcome::pass(
      m.location(success),
      fmt::format("{} at line {} on the success path, {} at line {} in the catch", snippet(success),
                  success.line(), snippet(reject_in_catch), reject_in_catch.line()),
      {{m.location(reject_in_catch), "reject on error"}});
}

}  // namespace

Check do_stream_settle_check() {
  return {.id = "do.stream-settle",
          .group = Group::DurableObject,
          .title = "resolves on success, rejects on error",
          .expected = "bridge.resolve() on the success path and bridge.reject(…) in the catch",
          .role = Role::DurableObject,
          .passes_when =
              "the bridge's resolve called after the read loop, not in a catch (the "
              "empty-body branch does not count; a resolve in finally counts when that "
              "try's catch rejects first, since a settled deferred ignores it), and its "
              "reject called in a catch clause or a .catch() callback (also "
              "destructured: `const { resolve } = bridge`)",
          .fails_when =
              "never resolved (the browser waits for the timeout); resolved only in catch, "
              "before the loop, or in a finally no catch rejects before; no reject in the "
              "catch",
          .config_keys = {"className", "roles.do"},
          .run = stream_settle};
}

}  // namespace v15
