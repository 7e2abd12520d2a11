#include "v15check/analysis/order.h"

#include "v15check/analysis/control_flow.h"

namespace v15::analysis {

namespace {

bool is_statement_list(const Node& n) {
  return n.is("statement_block") || n.is("program") || n.is("class_body");
}

// Whether evaluating `parent` always evaluates its child `c` (in the order of the source), as
// far as "before b" needs: false for branches, loop bodies, handlers, deferred functions.
bool always_evaluates(const Node& parent, const Node& c) {
  std::string_view k = parent.kind();
  if (is_function_kind(k)) return false;
  if (k == "catch_clause" || k == "finally_clause" || k == "else_clause" || k == "switch_case" ||
      k == "switch_default" || k == "switch_body")
    return false;
  if (k == "if_statement") return parent.field("condition") == c;
  if (k == "ternary_expression") return parent.field("condition") == c;
  if (k == "binary_expression") {
    std::string_view op = parent.field("operator").kind();
    if (op == "&&" || op == "||" || op == "??") return parent.field("left") == c;
    return true;
  }
  if (k == "augmented_assignment_expression") {
    std::string_view op = parent.field("operator").kind();
    if (op == "&&=" || op == "||=" || op == "?\?=") return parent.field("left") == c;
    return true;
  }
  if (k == "do_statement") return true;  // the body runs at least once
  if (is_loop(parent)) {
    // the iterated value of for…of / for…in and a for loop's initialiser run once
    return parent.field("right") == c || parent.field("initializer") == c;
  }
  if (k == "member_expression" || k == "call_expression") {
    // `a?.b(c)`: what follows an optional chain may not run
    for (const Node& ch : parent.children())
      if (ch.is("optional_chain") && ch.start_byte() < c.start_byte()) return false;
  }
  return true;
}

}  // namespace

bool executed_before(const FileModel& m, const Node& a, const Node& b) {
  if (a.null() || b.null() || a.contains(b) || !reachable(m, a)) return false;
  Node child = a;
  for (Node p = a.parent(); !p.null(); child = p, p = p.parent()) {
    if (p.contains(b)) {
      if (is_statement_list(p)) {
        // b's statement in the list must come after a's
        return child.end_byte() <= b.start_byte();
      }
      if (p.is("if_statement") && p.field("condition") == child) return true;
      // the same expression: a is evaluated first when it is an earlier operand that always runs
      return always_evaluates(p, child) && child.end_byte() <= b.start_byte() &&
             !is_function_kind(p.kind());
    }
    if (!always_evaluates(p, child)) return false;
  }
  return false;
}

bool unconditional_in(const FileModel& m, const Node& a, const Node& body) {
  if (a.null() || body.null() || !body.contains(a) || !reachable(m, a)) return false;
  Node child = a;
  for (Node p = a.parent(); !p.null() && p != body; child = p, p = p.parent())
    if (!always_evaluates(p, child)) return false;
  return true;
}

bool always_does(const FileModel& m, const Function& f, std::string_view kind,
                 const std::function<bool(const Node&)>& is_a, int depth) {
  if (f.body.null()) return false;
  for (const Node& n : m.nodes_in(kind, f.body))
    if (is_a(n) && m.enclosing_function(n) == &f && unconditional_in(m, n, f.body)) return true;
  if (depth <= 0) return false;
  for (const Node& call : m.nodes_in("call_expression", f.body)) {
    const Function* g = m.callee_function(call);
    if (!g || g == &f || m.enclosing_function(call) != &f || !unconditional_in(m, call, f.body))
      continue;
    if (always_does(m, *g, kind, is_a, depth - 1)) return true;
  }
  return false;
}

Node first_executed_before(const FileModel& m, const Node& scope, const Node& b,
                           std::string_view kind, const std::function<bool(const Node&)>& is_a,
                           std::optional<int> helper_depth) {
  if (scope.null() || !scope.contains(b)) return {};
  const Function* fn = m.enclosing_function(scope);
  int depth = helper_depth.value_or(m.helper_depth());
  for (const Node& n : m.nodes_in(kind, scope)) {
    if (n.start_byte() >= b.start_byte()) break;
    if (is_a(n) && executed_before(m, n, b)) return n;
  }
  if (depth <= 0) return {};
  for (const Node& call : m.nodes_in("call_expression", scope)) {
    if (call.start_byte() >= b.start_byte()) break;
    const Function* g = m.callee_function(call);
    if (!g || g == fn || !executed_before(m, call, b)) continue;
    if (always_does(m, *g, kind, is_a, depth - 1)) return call;
  }
  return {};
}

const Function* owning_function(const FileModel& m, const Node& n) {
  const Function* f = m.enclosing_function(n);
  while (f && !f->is_method() && m.function(f->name) != f) {
    const Function* outer = m.enclosing_function(f->node.parent());
    if (!outer) break;
    f = outer;
  }
  return f;
}

}  // namespace v15::analysis
