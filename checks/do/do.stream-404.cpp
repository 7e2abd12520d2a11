// do.stream-404: returns 404 when no bridge.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/conditions.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using facts::stream_handler;

// The statement of the method that holds `n`.
Node statement_of(const Node& n, const Node& body) {
  Node cur = n;
  while (!cur.null() && !(cur.parent() == body)) cur = cur.parent();
  return cur;
}

// The first 404 return that a path reaches from the bridge lookup when it finds nothing.
Node missing_bridge_404(const FileModel& m, const ContainerStream& s, const MethodScope& scope) {
  Node body = scope.function->body;
  Node from = statement_of(s.lookup, body);
  if (from.null()) return {};
  Node lookup = s.lookup;
  const Binding* bridge = s.bridge;
  Node key = s.lookup_key;
  auto missing = [lookup, bridge, key](const FileModel& fm, const Node& e) {
    Node x = FileModel::strip_await(e);
    if (x == lookup) return true;
    if (bridge && x.is("identifier") && fm.resolve(x) == bridge) return true;
    // `this.httpBridges.has(key)` on the same map and key
    if (!x.is("call_expression") || FileModel::callee_name(x) != "has") return false;
    auto args = FileModel::arguments(x);
    return !args.empty() && !key.null() && args[0].text() == key.text() &&
           FileModel::callee_object(x).text() == FileModel::callee_object(lookup).text();
  };
  analysis::Facts facts = {analysis::Fact::of(missing, analysis::Fact::Kind::Falsy)};
  analysis::Paths p = analysis::paths(m, body, facts, std::nullopt, from);
  for (const auto& e : p.exits) {
    if (!e.node.is("return_statement") || e.node.named_child_count() == 0) continue;
    auto status = m.response_status(e.node.named_child(0));
    if (status && *status == 404) return e.node;
  }
  return {};
}

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
  // Follow the method from the lookup with the bridge missing: a path that answers 404 there
  // passes, whether the guard is `if (!bridge) return 404` or a positive `if (bridge) {…}`
  // followed by other lookups and a final 404.
  if (Node hit = missing_bridge_404(m, *s, scope); !hit.null())
    return Outcome::pass(m.location(hit),
                         fmt::format("with no bridge from {} (line {}), line {} returns 404",
                                     snippet(s->lookup), s->lookup.line(), hit.line()));
  if (s->missing_guard.null() && s->bridge) {
    // the bridge is tested, but no test leads a missing bridge to a 404 (`if (bridge) return 404`)
    for (const Node& stmt : m.nodes_in("if_statement", s->region)) {
      bool tests_bridge = false;
      for (const Node& id : m.nodes_in("identifier", stmt.field("condition")))
        tests_bridge = tests_bridge || m.resolve(id) == s->bridge;
      if (tests_bridge)
        return Outcome::fail(
            m.location(stmt),
            fmt::format("`if {}` (line {}) tests the bridge, but with no bridge from {} "
                        "(line {}) no path answers 404",
                        snippet(stmt.field("condition")), stmt.line(), snippet(s->lookup),
                        s->lookup.line()));
    }
  }
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
              "a path from the lookup with the bridge missing returns a Response with status "
              "404: `if (!bridge)` (or `=== undefined`, `!this.httpBridges.has(id)`) returning "
              "404 (also through a same-file helper), or a positive `if (bridge) {…}` followed "
              "by other lookups and a reachable 404",
          .fails_when = "the lookup result is never tested; the branch returns 410/400 or nothing",
          .config_keys = {"className", "roles.do"},
          .run = stream_404};
}

}  // namespace v15
