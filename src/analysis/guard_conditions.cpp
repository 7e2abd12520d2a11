#include "v15check/analysis/guard_conditions.h"

#include <utility>

namespace v15::analysis {

namespace {

bool is_empty_value(const FileModel& m, const Node& n) {
  Node s = FileModel::strip(n);
  if (s.is("null") || s.is("undefined")) return true;
  auto c = m.fold(s);
  return c && ((c->is_string() && c->string().empty()) || (c->is_number() && c->number() == 0));
}

bool is_nullish(const Node& n) {
  Node s = FileModel::strip(n);
  if (s.is("null") || s.is("undefined")) return true;
  if (s.is("unary_expression") && s.field("operator").text() == "void") return true;
  return s.is("identifier") && s.text() == "undefined";
}

}  // namespace

bool throws(const FileModel& m, const Node& branch) {
  if (branch.null()) return false;
  const Function* owner = m.enclosing_function(branch);
  if (branch.is("throw_statement")) return true;
  for (const Node& t : m.nodes_in("throw_statement", branch))
    if (m.enclosing_function(t) == owner) return true;
  for (const Node& ret : m.nodes_in("return_statement", branch)) {
    Node v = FileModel::strip_await(ret.named_child(0));
    if (m.enclosing_function(ret) == owner && v.is("call_expression") &&
        FileModel::callee_name(v) == "reject" &&
        FileModel::last_name(FileModel::callee_object(v)) == "Promise")
      return true;
  }
  return false;
}

void guard_tests(const Node& cond, bool positive, const Node& stmt, std::vector<GuardTest>& out,
                 int depth) {
  if (depth > kMaxConditionDepth) return;  // `!!…x`, `a || b || …`: a level per operator

  Node e = FileModel::strip(cond);
  if (e.is("unary_expression") && e.field("operator").text() == "!")
    return guard_tests(e.field("argument"), !positive, stmt, out, depth + 1);
  if (e.is("binary_expression")) {
    std::string_view op = e.field("operator").kind();
    if (op == "||" || op == "&&") {
      guard_tests(e.field("left"), positive, stmt, out, depth + 1);
      guard_tests(e.field("right"), positive, stmt, out, depth + 1);
      return;
    }
  }
  out.push_back({e, positive, stmt});
}

// Every test that sends control into a branch that throws, in a region.
std::vector<GuardTest> throwing_tests(const FileModel& m, const Region& r) {
  std::vector<GuardTest> out;
  for (const Node& stmt : m.nodes_in("if_statement", r)) {
    Node cond = stmt.field("condition");
    if (throws(m, stmt.field("consequence"))) guard_tests(cond, true, stmt, out);
    if (throws(m, stmt.field("alternative"))) guard_tests(cond, false, stmt, out);
  }
  return out;
}

bool falsy_test(const FileModel& m, const GuardTest& g, const Predicate& is_target) {
  Node t = g.test;
  if (!g.positive && is_target(t)) return true;
  if (!g.positive && t.is("member_expression") && t.field("property").text() == "length" &&
      is_target(t.field("object")))
    return true;
  if (!t.is("binary_expression")) return false;
  std::string_view op = t.field("operator").kind();
  bool eq = op == "===" || op == "==", ne = op == "!==" || op == "!=";
  if (!eq && !ne) return false;
  bool when_equal = eq == g.positive;
  Node l = FileModel::strip(t.field("left")), r = FileModel::strip(t.field("right"));
  auto typeof_target = [&](const Node& n) {
    return n.is("unary_expression") && n.field("operator").text() == "typeof" &&
           is_target(n.field("argument"));
  };
  for (auto [a, b] : {std::pair{l, r}, std::pair{r, l}}) {
    if (when_equal && is_target(a) && is_empty_value(m, b)) return true;
    if (typeof_target(a)) {
      auto s = m.fold_string(b);
      if (s && ((when_equal && *s == "undefined") || (!when_equal && *s == "string"))) return true;
    }
  }
  return false;
}

bool tests_missing(const Node& cond, const std::function<bool(const Node&)>& subject, int depth) {
  if (depth > kMaxConditionDepth) return false;  // `a || b || …` nests a level per operand

  Node c = FileModel::strip(cond);
  if (c.is("unary_expression") && c.field("operator").text() == "!")
    return subject(c.field("argument"));
  if (c.is("binary_expression")) {
    std::string_view op = c.field("operator").kind();
    if (op == "||")
      return tests_missing(c.field("left"), subject, depth + 1) ||
             tests_missing(c.field("right"), subject, depth + 1);
    if (op == "===" || op == "==") {
      if (is_nullish(c.field("right"))) return subject(c.field("left"));
      if (is_nullish(c.field("left"))) return subject(c.field("right"));
    }
  }
  return false;
}

}  // namespace v15::analysis
