// flow.entry-auth: every Worker route into the DO authenticates before it calls the stub, and where
// the client chooses the session, compares the session's owner with the authenticated user.
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "flow.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/facts/flow_legs.h"

namespace v15 {

namespace {

using facts::AuthGuard;
using facts::PathRequest;
using facts::ServedRoute;

std::function<bool(const Node&)> auth_calls(const CheckContext& ctx, const FileModel& m) {
  return [&ctx, &m](const Node& call) {
    const auto& names = ctx.config().auth_functions;
    if (facts::is_verifier_call(ctx, m, call)) return true;
    if (names.empty()) return true;
    return std::find(names.begin(), names.end(), FileModel::callee_name(call)) != names.end();
  };
}

// Hono: `app.use(path, middleware)` registered before the route, whose middleware answers 401/403
// before it calls next().
std::optional<AuthGuard> middleware_auth(const CheckContext& ctx, const FileModel& m,
                                         const ServedRoute& route, std::string& why) {
  if (!route.anchor.is("call_expression")) return std::nullopt;
  Node router = FileModel::strip(FileModel::callee_object(route.anchor));
  for (const Node& call : m.nodes("call_expression")) {
    if (call.start_byte() >= route.anchor.start_byte()) break;
    if (FileModel::callee_name(call) != "use") continue;
    if (FileModel::strip(FileModel::callee_object(call)).text() != router.text()) continue;
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    if (args.size() >= 2) {
      auto path = m.fold_string(args[0]);
      if (!path) continue;
      ServedRoute scope;
      scope.kind = ServedRoute::Kind::Pattern;
      scope.path = *path;
      if (!path->ends_with("*") && *path != route.path) continue;
      if (path->ends_with("*") && !facts::path_matches(route.path, scope)) continue;
    }
    const Function* mw = m.function_at(args.back());
    if (!mw) {
      // `createMiddleware(async (c, next) => …)` bound to a name
      Node made = FileModel::strip(m.trace(args.back()).expr);
      auto inner = made.is("call_expression") ? FileModel::arguments(made) : std::vector<Node>{};
      if (!inner.empty()) mw = m.function_at(inner.back());
    }
    if (!mw || mw->params.null()) continue;
    auto params = mw->parameters();
    if (params.size() < 2) continue;
    std::string next = mw->parameter_name(1);
    for (const Node& n : m.nodes_in("call_expression", mw->body)) {
      Node f = FileModel::strip(n.field("function"));
      if (!f.is("identifier") || f.text() != next) continue;
      if (auto g = facts::auth_before(ctx, m, n, auth_calls(ctx, m), why)) return g;
      break;
    }
  }
  return std::nullopt;
}

// Whether an `if` compares a field of a session record with the authenticated user (from `user`,
// or any value when the user comes from middleware or a helper's parameter) and, for a mismatch,
// answers 401/403/404 (or, with `throws_count`, throws: a helper's HTTPException).
bool rejects_mismatch(const FileModel& m, const Node& stmt, const Binding* user,
                      bool throws_count) {
  Node cond = stmt.field("condition");
  for (const Node& cmp : m.nodes_in("binary_expression", cond)) {
    std::string_view op = cmp.field("operator").kind();
    bool ne = op == "!==" || op == "!=";
    if (!ne && op != "===" && op != "==") continue;
    Node l = cmp.field("left"), r = cmp.field("right");
    if (m.fold(l) || m.fold(r)) continue;
    auto from_user = [&](const Node& e) {
      return m.derives_from(e, [&](const FileModel& fm, const Node& n) {
        Node s = FileModel::strip(n);
        return s.is("identifier") && fm.resolve(s) == user;
      });
    };
    if (user && from_user(l) == from_user(r)) continue;
    // negations between the comparison and the condition's root flip its sense
    int negations = 0;
    for (Node up = cmp.parent(); !up.null() && !(up == stmt); up = up.parent())
      if (up.is("unary_expression") && up.field("operator").kind() == "!") ++negations;
    if (ne == (negations % 2 == 1)) continue;  // the branch runs when they match
    Node cons = stmt.field("consequence");
    if (!analysis::completes_abruptly(m, cons)) continue;
    for (const Node& ret : m.nodes_in("return_statement", cons)) {
      if (ret.named_child_count() == 0) break;
      auto st = m.response_status(ret.named_child(0));
      if (st && (*st == 401 || *st == 403 || *st == 404)) return true;
      break;
    }
    if (throws_count && !m.nodes_in("throw_statement", cons).empty()) return true;
  }
  return false;
}

// Whether `stmt` runs before `use` on every path: it ends before it in a statement list that
// leads to it.
bool dominates(const Node& stmt, const Node& use) {
  return stmt.end_byte() <= use.start_byte() && !stmt.parent().null() &&
         stmt.parent().contains(use);
}

// The ownership test before `use`: an `if` rejecting a mismatch of the session's owner and the
// user, inline or in a same-file helper called before it (`await requireOwnedSession(c, id)`,
// which throws on a mismatch). Null when there is none.
Node ownership_test(const FileModel& m, const Node& use, const Binding* user) {
  const Function* fn = m.enclosing_function(use);
  if (!fn) return {};
  for (const Node& stmt : m.nodes_in("if_statement", fn->body))
    if (stmt.start_byte() < use.start_byte() && dominates(stmt, use) &&
        m.enclosing_function(stmt) == fn && rejects_mismatch(m, stmt, user, false))
      return stmt;
  for (const Node& call : m.nodes_in("call_expression", fn->body)) {
    if (call.start_byte() >= use.start_byte()) break;
    const Function* helper = m.callee_function(call);
    if (!helper || helper->body.null() || helper == fn) continue;
    Node stmt = call;
    while (!stmt.parent().null() && !stmt.parent().is("statement_block")) stmt = stmt.parent();
    if (!dominates(stmt, use)) continue;
    for (const Node& test : m.nodes_in("if_statement", helper->body))
      if (rejects_mismatch(m, test, nullptr, true)) return call;
  }
  return {};
}

Outcome run(const CheckContext& ctx) {
  auto legs = facts::flow_legs(ctx);
  if (!legs) return legs.failure();
  const FileModel& w = *legs->worker;
  if (legs->do_requests.empty())
    return Outcome::fail(w.location(w.root()),
                         fmt::format("{} never calls fetch on a stub of env.{}: no route into "
                                     "the DO to check{}",
                                     w.path(), ctx.config().do_binding, ctx.parse_note(w)));
  std::vector<Evidence> evidence;
  for (const PathRequest& r : legs->do_requests) {
    const ServedRoute* route = r.route >= 0 ? &legs->worker_routes[r.route] : nullptr;
    std::string where = route ? fmt::format("route {}", route->summary())
                              : std::string("the code outside any route");
    std::string why;
    auto guard = facts::auth_before(ctx, w, r.node, auth_calls(ctx, w), why);
    if (!guard && route) guard = middleware_auth(ctx, w, *route, why);
    if (!guard && route) {
      // the stub is used in a same-file helper the route calls: authenticated before that call
      const Function* inner = w.enclosing_function(r.node);
      for (const Node& call : w.nodes_in("call_expression", route->handler)) {
        const Function* callee = w.callee_function(call);
        if (!callee) continue;
        if (callee != inner && !w.region(*callee).contains(r.node)) continue;
        std::string helper_why;
        guard = facts::auth_before(ctx, w, call, auth_calls(ctx, w), helper_why);
        if (guard) break;
      }
    }
    if (!guard)
      return Outcome::fail(
          r.location,
          fmt::format("{} calls the DO stub's fetch (line {}) with no authentication answered "
                      "401/403 before it on every path{}",
                      where, r.location.line, why.empty() ? "" : ": " + why));
    Node id = FileModel::strip_await(w.trace(r.id).expr);
    Node chosen = r.id;
    if (id.is("call_expression") && !FileModel::arguments(id).empty()) {
      std::string_view how = FileModel::callee_name(id);
      if (how == "idFromName" || how == "idFromString") chosen = FileModel::arguments(id)[0];
    }
    std::string owned;
    if (facts::supplier_of(ctx, w, chosen) == facts::Supplier::Client) {
      // with middleware the user is read from the context, not the guard's own binding
      bool inline_guard = w.enclosing_function(guard->call) == w.enclosing_function(r.node);
      Node test = ownership_test(w, r.node, inline_guard ? guard->result : nullptr);
      if (test.null())
        return Outcome::fail(
            w.location(chosen),
            fmt::format("{} picks the DO with the client-supplied `{}` (line {}) and calls its "
                        "fetch (line {}) with no comparison of the session's owner with the "
                        "authenticated user (mismatch → 401/403/404): any user can drive another "
                        "user's session",
                        where, snippet(chosen, 50), chosen.line(), r.location.line));
      owned = fmt::format("; owner compared at line {}", test.line());
    }
    evidence.push_back({r.location, fmt::format("{}: {}{}", where, guard->summary(), owned)});
  }
  Location at = evidence.front().location;
  // worded before the evidence moves into the outcome
  std::string found = fmt::format("{} route(s) into the DO authenticate first ({})",
                                  evidence.size(), evidence.front().note);
  return Outcome::pass(at, std::move(found), std::move(evidence));
}

}  // namespace

Check flow_entry_auth_check() {
  return {.id = "flow.entry-auth",
          .group = Group::Flow,
          .title = "every route into the DO authenticates, and owns the session",
          .expected =
              "an authentication answered 401/403 on failure before every stub fetch; the "
              "session's owner compared with the user when the client picks the session",
          .role = Role::Worker,
          .passes_when =
              "every Worker route that calls a ChatSessionAgent stub's fetch is preceded, on every "
              "path, by an authentication whose failure leads to 401/403 (a user authentication, a "
              "ticket looked up in KV, an execution-token verification, or Hono middleware that "
              "answers 401/403); where the DO is chosen by a client-supplied value, the session's "
              "owner is compared with the authenticated user (mismatch → 401/403/404) before the "
              "stub is used",
          .fails_when =
              "a forwarding route with no auth; idFromName(body.sessionId) with no "
              "ownership test",
          .config_keys = {"authFunctions", "verifierFunctions", "doBinding", "roles.worker"},
          .run = run};
}

}  // namespace v15
