// do.chat-user-guard: throws when userId is empty.
#include <fmt/format.h>

#include <limits>

#include "do.h"
#include "v15check/analysis/conditions.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using facts::chat_scope;

// Where a node of handleChatHttp's region runs, as an offset in the method's own body: its own
// offset there, or for a node inside a helper, the offset of the first call to that helper.
uint32_t position(const FileModel& m, const Region& r, const Node& n) {
  constexpr uint32_t kNever = std::numeric_limits<uint32_t>::max();
  if (r.parts.empty()) return kNever;
  if (r.parts.front().contains(n)) return n.start_byte();
  for (std::size_t i = 1; i < r.parts.size(); ++i) {
    if (!r.parts[i].contains(n)) continue;
    for (const Node& call : m.nodes_in("call_expression", r.parts.front())) {
      const Function* f = m.callee_function(call);
      if (f && f->body == r.parts[i]) return call.start_byte();
    }
  }
  return kNever;
}

// `userId` itself, `body.userId`, or a value destructured from a `userId` field.
bool is_user_id(const FileModel& m, const Node& expr) {
  Node s = FileModel::strip(expr);
  if (s.is("call_expression") && FileModel::callee_name(s) == "trim")
    s = FileModel::callee_object(s);
  if (s.is("member_expression")) return FileModel::last_name(s) == "userId";
  if (!s.is("identifier")) return false;
  if (s.text() == "userId") return true;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "userId";
}

bool is_empty_string(const FileModel& m, const Node& n) {
  auto v = m.fold_string(n);
  return v && v->empty();
}

// One condition that holds when userId is missing or empty.
bool tests_user_empty(const FileModel& m, const Node& cond, int depth = 0) {
  Node c = FileModel::strip(cond);
  if (depth > 8) return false;
  if (c.is("unary_expression") && c.field("operator").text() == "!") {
    Node arg = FileModel::strip(c.field("argument"));
    if (is_user_id(m, arg)) return true;
    return arg.is("member_expression") && FileModel::last_name(arg) == "length" &&
           is_user_id(m, arg.field("object"));
  }
  if (!c.is("binary_expression")) return false;
  std::string_view op = c.field("operator").kind();
  Node l = c.field("left"), r = c.field("right");
  if (op == "||") return tests_user_empty(m, l, depth + 1) || tests_user_empty(m, r, depth + 1);
  if (op == "===" || op == "==") {
    for (int flip = 0; flip < 2; ++flip) {
      Node a = flip ? r : l, b = flip ? l : r;
      if (is_user_id(m, a) && is_empty_string(m, b)) return true;
      Node sa = FileModel::strip(a);
      if (sa.is("member_expression") && FileModel::last_name(sa) == "length" &&
          is_user_id(m, sa.field("object")) && m.fold_number(b) == 0.0)
        return true;
    }
  }
  if (op == "<" || op == "<=") {
    Node sa = FileModel::strip(l);
    auto n = m.fold_number(r);
    if (sa.is("member_expression") && FileModel::last_name(sa) == "length" &&
        is_user_id(m, sa.field("object")) && n &&
        ((op == "<" && *n == 1) || (op == "<=" && *n == 0)))
      return true;
  }
  return false;
}

// The consequence of `stmt` throws or returns an error response (status >= 400).
Node rejects(const FileModel& m, const Node& stmt) {
  Node cons = stmt.field("consequence");
  const Function* owner = m.enclosing_function(stmt);
  for (const Node& t : m.nodes_in("throw_statement", cons))
    if (m.enclosing_function(t) == owner) return t;
  for (const Node& ret : m.nodes_in("return_statement", cons)) {
    if (m.enclosing_function(ret) != owner || ret.named_child_count() == 0) continue;
    auto st = m.response_status(ret.named_child(0));
    if (st && *st >= 400) return ret;
  }
  return {};
}

// Whether `cond` reads userId at all (for the Found text of a guard whose logic is wrong).
bool mentions_user_id(const FileModel& m, const Node& cond) {
  if (is_user_id(m, cond)) return true;
  for (const Node& id : m.nodes_in("identifier", cond))
    if (is_user_id(m, id)) return true;
  for (const Node& mem : m.nodes_in("member_expression", cond))
    if (is_user_id(m, mem)) return true;
  return false;
}

Outcome chat_user_guard(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const Region& region = s->method.region;
  const ChatBridge& bridge = *s->bridge;
  uint32_t dispatch_at = bridge.dispatch_call.null() ? std::numeric_limits<uint32_t>::max()
                                                     : position(m, region, bridge.dispatch_call);
  // Follow handleChatHttp with userId the empty string (falsy, a string, trims to ''): every path
  // must throw or return an error before the dispatch.
  analysis::Facts facts = {
      analysis::Fact::of([](const FileModel& fm, const Node& e) { return is_user_id(fm, e); },
                         analysis::Fact::Kind::Value, "")};
  analysis::Paths p = analysis::paths(m, s->method.function->body, facts);
  if (p.always_rejects()) {
    for (const auto& e : p.exits) {
      if (position(m, region, e.node) < dispatch_at) continue;
      return Outcome::fail(m.location(e.node),
                           fmt::format("with an empty userId handleChatHttp rejects only at line "
                                       "{}, after this.dispatchContainer(…) (line {})",
                                       e.node.line(), bridge.dispatch_call.line()));
    }
    const analysis::Exit& first = p.exits.front();
    Node guard = first.node;
    for (Node up = first.node.parent(); !up.null() && !(up == s->method.function->body);
         up = up.parent())
      if (up.is("if_statement")) guard = up;
    std::string how = first.kind == analysis::ExitKind::Throw ? "throws" : "returns an error";
    if (guard.is("if_statement"))
      return Outcome::pass(m.location(guard),
                           fmt::format("`if ({})` (line {}) {} at line {}",
                                       snippet(FileModel::strip(guard.field("condition")), 50),
                                       guard.line(), how, first.node.line()));
    return Outcome::pass(
        m.location(first.node),
        fmt::format("with an empty userId handleChatHttp {} at line {}", how, first.node.line()));
  }
  // Why not: a guard that does not reject, one that runs after the dispatch, or a test whose
  // logic lets an empty userId through.
  const analysis::Exit* through = p.first_non_rejecting();
  std::string problem;
  Location where = s->location();
  for (const Node& stmt : m.nodes_in("if_statement", region)) {
    Node cond = stmt.field("condition");
    if (tests_user_empty(m, cond)) {
      Node exit = rejects(m, stmt);
      if (exit.null()) {
        problem = fmt::format(
            "the userId test at line {} neither throws nor returns an error response", stmt.line());
        where = m.location(stmt);
        break;
      }
      if (position(m, region, stmt) >= dispatch_at) {
        problem = fmt::format(
            "the userId guard at line {} runs only after this.dispatchContainer(…) "
            "(line {})",
            stmt.line(), bridge.dispatch_call.line());
        where = m.location(stmt);
        continue;
      }
    }
    if (problem.empty() && mentions_user_id(m, cond) && !rejects(m, stmt).null()) {
      problem = fmt::format(
          "the userId test `if ({})` (line {}) does not reject an empty userId: with userId "
          "empty the method goes on{}",
          snippet(FileModel::strip(cond), 50), stmt.line(),
          through ? fmt::format(" to line {}", through->node.line()) : std::string());
      where = m.location(stmt);
    }
  }
  if (problem.empty())
    problem =
        "no `if` in handleChatHttp tests userId for missing/empty (e.g. `if (!userId) throw …`)";
  return Outcome::fail(where, problem);
}

}  // namespace

Check do_chat_user_guard_check() {
  return {.id = "do.chat-user-guard",
          .group = Group::DurableObject,
          .title = "throws when userId is empty",
          .expected =
              "an if testing userId for missing/empty that throws (or returns an error "
              "Response) before dispatchContainer",
          .role = Role::DurableObject,
          .passes_when =
              "with userId empty (!userId, userId === '', !userId.trim(), userId.length === 0 "
              "…), every path through handleChatHttp throws or returns a status >= 400 "
              "before the dispatch",
          .fails_when =
              "no such test; the test only logs; the guard runs after dispatchContainer; a "
              "negated or `&&`-narrowed test that lets an empty userId through",
          .config_keys = {"className", "roles.do"},
          .run = chat_user_guard};
}

}  // namespace v15
