// do.dispatch-session-status: rejects terminated / pending-delete sessions
#include <fmt/format.h>

#include <map>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/guard_conditions.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::GuardTest;
using analysis::join_text;
using analysis::kMaxConditionDepth;
using analysis::throwing_tests;
using analysis::throws;
using facts::kDispatchMethod;

bool is_status(const FileModel& m, const Node& n) {
  Node s = FileModel::strip(n);
  if (FileModel::last_name(s) == "status") return true;
  if (!s.is("identifier")) return false;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "status";
}

// The strings an array/Set expression holds: ['a', 'b'], new Set([...]), or a const bound to one.
std::vector<std::string> string_set(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > kMaxConditionDepth) return {};  // `new Set(new Set(…))` nests without bound

  Node e = FileModel::strip(expr);
  if (e.is("identifier") || e.is("member_expression")) {
    Origin o = m.trace(e);
    if (o.path.empty())
      e = FileModel::strip(o.expr);
    else if (auto v = m.fold(e); !v) {
      // CONSTS.REJECTED: a member of a const object
      Node obj = FileModel::strip(o.expr);
      for (const auto& p : o.path) obj = FileModel::strip(m.property(obj, p));
      e = obj;
    }
  }
  if (e.is("new_expression") && FileModel::callee_name(e) == "Set") {
    auto args = FileModel::arguments(e);
    if (args.empty()) return {};
    return string_set(m, args[0], depth + 1);
  }
  std::vector<std::string> out;
  if (!e.is("array")) return out;
  for (const Node& c : e.named_children())
    if (auto v = m.fold_string(c)) out.push_back(*v);
  return out;
}

Outcome session_status(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const std::vector<std::string> wanted = {"terminated", "pending-delete"};
  std::map<std::string, Node> rejected;  // status value → throwing statement
  std::map<std::string, Node> compared;  // status value → any comparison
  auto consider = [&](const std::string& value, const Node& at, bool throwing) {
    if (!compared.count(value)) compared[value] = at;
    if (throwing && !rejected.count(value)) rejected[value] = at;
  };
  for (const GuardTest& g : throwing_tests(m, s->region)) {
    Node t = g.test;
    if (t.is("binary_expression")) {
      std::string_view op = t.field("operator").kind();
      bool eq = op == "===" || op == "==", ne = op == "!==" || op == "!=";
      if (!eq && !ne) continue;
      Node l = t.field("left"), r = t.field("right");
      Node other = is_status(m, l) ? r : is_status(m, r) ? l : Node{};
      auto v = other.null() ? std::nullopt : m.fold_string(other);
      if (v) consider(*v, g.statement, eq == g.positive);
    } else if (t.is("call_expression") && g.positive &&
               (FileModel::callee_name(t) == "includes" || FileModel::callee_name(t) == "has")) {
      auto args = FileModel::arguments(t);
      if (args.empty() || !is_status(m, args[0])) continue;
      for (const auto& v : string_set(m, FileModel::callee_object(t)))
        consider(v, g.statement, true);
    }
  }
  // comparisons whose branch does not throw, for the Found line
  for (const Node& b : m.nodes_in("binary_expression", s->region)) {
    Node l = b.field("left"), r = b.field("right");
    Node other = is_status(m, l) ? r : is_status(m, r) ? l : Node{};
    if (auto v = other.null() ? std::nullopt : m.fold_string(other)) consider(*v, b, false);
  }
  // switch (session.status) { case 'terminated': … throw }
  for (const Node& sw : m.nodes_in("switch_statement", s->region)) {
    if (!is_status(m, sw.field("value"))) continue;
    auto cases = sw.field("body").named_children();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].is("switch_case")) continue;
      auto v = m.fold_string(cases[i].field("value"));
      if (!v) continue;
      bool thrown = false;
      for (std::size_t j = i; j < cases.size() && !thrown; ++j) {
        bool has_body = cases[j].named_child_count() > 1;
        if (has_body) {
          thrown = throws(m, cases[j]);
          break;
        }
      }
      consider(*v, cases[i], thrown);
    }
  }
  // The decision is the logic, not the comparisons' shape: a session with that status must be
  // rejected on every path through the body (`a === X && a === Y` never holds; `||`, includes(),
  // a switch and early returns are all evaluated the same way).
  std::map<std::string, analysis::Exit> escapes;  // status value → an exit without rejecting
  for (const auto& w : wanted) {
    analysis::Facts facts = {
        analysis::Fact::of([](const FileModel& fm, const Node& e) { return is_status(fm, e); },
                           analysis::Fact::Kind::Value, w)};
    for (auto& f : analysis::record_exists(m, s->function->body, "status"))
      facts.push_back(std::move(f));
    analysis::Paths p = analysis::paths(m, s->function->body, facts);
    if (p.always_rejects()) {
      if (!rejected.count(w)) rejected[w] = p.exits.back().node;
    } else {
      rejected.erase(w);
      if (const analysis::Exit* e = p.first_non_rejecting()) escapes.emplace(w, *e);
    }
  }
  std::vector<std::string> missing, evidence_text;
  std::vector<Evidence> ev;
  for (const auto& w : wanted) {
    if (rejected.count(w)) {
      ev.push_back({m.location(rejected[w]), fmt::format("status '{}' throws", w)});
      evidence_text.push_back(fmt::format("'{}' (line {})", w, rejected[w].line()));
    } else if (compared.count(w) && escapes.count(w)) {
      const analysis::Exit& e = escapes.at(w);
      std::string how = e.kind == analysis::ExitKind::End
                            ? "runs to the end of dispatchContainer without a throw"
                            : fmt::format("returns at line {} without a throw", e.node.line());
      missing.push_back(
          fmt::format("status is compared to '{}' at line {} but a session with that status is not "
                      "rejected: it {}",
                      w, compared[w].line(), how));
    } else if (compared.count(w)) {
      missing.push_back(
          fmt::format("status is compared to '{}' at line {} but that branch does not throw", w,
                      compared[w].line()));
    } else {
      missing.push_back(fmt::format("status is never compared to '{}'", w));
    }
  }
  if (missing.empty())
    return Outcome::pass(ev.front().location,
                         "throws for status " + join_text(evidence_text, " and "), ev);
  Location where = !ev.empty() ? ev.front().location : s->location();
  for (const auto& w : wanted)
    if (!rejected.count(w) && compared.count(w)) where = m.location(compared[w]);
  std::string done =
      evidence_text.empty() ? "" : "; it throws for " + join_text(evidence_text, " and ");
  return Outcome::fail(where, join_text(missing, "; ") + done, ev);
}

}  // namespace

Check do_dispatch_session_status_check() {
  return {
      .id = "do.dispatch-session-status",
      .group = Group::DurableObject,
      .title = "rejects terminated / pending-delete sessions",
      .expected = "tests of session.status against 'terminated' and 'pending-delete' that throw",
      .role = Role::DurableObject,
      .passes_when =
          "=== / !== comparisons (either operand order), includes()/has() on a list, or switch "
          "cases on status, each leading to a throw, for both values",
      .fails_when = "one value not rejected; the comparison's branch does not throw",
      .config_keys = {"roles.do", "className"},
      .run = session_status};
}

}  // namespace v15
