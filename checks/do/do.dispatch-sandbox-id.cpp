// do.dispatch-sandbox-id: requires `session.sandboxId`
#include <fmt/format.h>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/guard_conditions.h"
#include "v15check/analysis/named_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::falsy_test;
using analysis::guard_tests;
using analysis::GuardTest;
using analysis::is_named;
using analysis::Predicate;
using analysis::throwing_tests;
using facts::kDispatchMethod;

Outcome sandbox_id(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  Predicate target = [&](const Node& n) { return is_named(m, fn, n, "sandboxId"); };
  // Decided on the logic: with sandboxId falsy, every path through the body must reject.
  analysis::Facts facts = analysis::record_exists(m, fn.body, "sandboxId");
  facts.push_back(analysis::Fact::of([&](const FileModel&, const Node& n) { return target(n); },
                                     analysis::Fact::Kind::Falsy));
  analysis::Paths p = analysis::paths(m, fn.body, facts);
  if (!p.always_rejects()) {
    const analysis::Exit* e = p.first_non_rejecting();
    for (const GuardTest& g : throwing_tests(m, s->region))
      // `== null` lets '' through, so its truth under "falsy" is unknown: only a guard whose
      // condition the facts decide is overruled
      if (falsy_test(m, g, target) && e &&
          analysis::evaluate(m, g.statement.field("condition"), facts) != analysis::Truth::Unknown)
        return Outcome::fail(
            m.location(g.statement),
            fmt::format("{} (line {}) does not reject every session without a sandboxId: one "
                        "still reaches line {} without a throw",
                        code_snippet(FileModel::strip(g.statement.field("condition"))),
                        g.statement.line(), e->node.line()));
  }
  for (const GuardTest& g : throwing_tests(m, s->region))
    if (falsy_test(m, g, target))
      return Outcome::pass(
          m.location(g.statement),
          fmt::format("{} throws (line {})",
                      code_snippet(FileModel::strip(g.statement.field("condition"))),
                      g.statement.line()));
  if (p.always_rejects())
    return Outcome::pass(m.location(p.exits.back().node),
                         fmt::format("a session without a sandboxId is rejected (line {})",
                                     p.exits.back().node.line()));
  // a falsy test whose branch does not throw (logs, returns, or carries on)
  for (const Node& stmt : m.nodes_in("if_statement", s->region)) {
    std::vector<GuardTest> tests;
    guard_tests(stmt.field("condition"), true, stmt, tests);
    guard_tests(stmt.field("condition"), false, stmt, tests);
    for (const GuardTest& g : tests)
      if (falsy_test(m, g, target))
        return Outcome::fail(
            m.location(stmt),
            fmt::format("{} tests for a missing sandboxId at line {} but does not "
                        "throw: a session without a sandbox still reaches getSandbox",
                        code_snippet(FileModel::strip(stmt.field("condition"))), stmt.line()));
  }
  return Outcome::fail(s->location(),
                       "no falsy test of the session's sandboxId that throws: a session without a "
                       "sandbox reaches getSandbox(…, undefined)");
}

}  // namespace

Check do_dispatch_sandbox_id_check() {
  return {.id = "do.dispatch-sandbox-id",
          .group = Group::DurableObject,
          .title = "requires `session.sandboxId`",
          .expected = "a falsy test of sandboxId (e.g. if (!session.sandboxId) throw …)",
          .role = Role::DurableObject,
          .passes_when =
              "!sandboxId, == null, === undefined or === '' in an if whose throwing branch runs "
              "when it holds",
          .fails_when = "no test; a test whose branch does not throw",
          .config_keys = {"roles.do", "className"},
          .run = sandbox_id};
}

}  // namespace v15
