#include "v15check/analysis/precedes.h"

#include "v15check/analysis/control_flow.h"

namespace v15::analysis {

namespace {

bool is_statement_list(const Node& n) {
  return n.is("statement_block") || n.is("program") || n.is("switch_case") ||
         n.is("switch_default") || n.is("class_static_block");
}

bool contains(const Node& outer, const Node& inner) {
  return outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte();
}

// Whether `a` runs whenever control runs through `top` (an ancestor of `a`) to its end.
bool unconditional_within(const FileModel& m, const Node& a, const Node& top) {
  Node cur = a;
  for (Node p = cur.parent(); !p.null() && cur != top; cur = p, p = p.parent()) {
    std::string_view k = p.kind();
    if (is_function_kind(k) || k == "class_body") return false;
    if (k == "if_statement" || k == "ternary_expression") {
      if (p.field("condition") != cur) return false;
    } else if (k == "binary_expression") {
      std::string_view op = p.field("operator").kind();
      if ((op == "&&" || op == "||" || op == "??") && p.field("left") != cur) return false;
    } else if (k == "for_in_statement") {
      if (p.field("right") != cur) return false;
    } else if (k == "for_statement") {
      if (p.field("initializer") != cur) return false;
    } else if (k == "while_statement") {
      if (p.field("condition") != cur) return false;
    } else if (k == "switch_case" || k == "switch_default" || k == "catch_clause") {
      return false;
    } else if (k == "switch_body") {
      return false;
    } else if (k == "try_statement") {
      // An earlier throw in the try block continues after the catch, without `a`, unless the
      // handler never lets control continue.
      if (p.field("body") == cur) {
        Node handler = p.field("handler");
        if (!handler.null() && !completes_abruptly(m, handler.field("body"))) return false;
      }
    }
  }
  return cur == top;
}

}  // namespace

bool runs_before(const FileModel& m, const Node& a, const Node& b) {
  if (a.null() || b.null()) return false;
  const Function* fa = m.enclosing_function(a);
  const Function* fb = m.enclosing_function(b);
  if (fa != fb) {
    // `b` may be the body of fa itself (the end of the function)
    if (!fa || fa->body != b) return false;
  }
  if (contains(b, a)) return unconditional_within(m, a, b);
  Node cur = b;
  for (Node p = cur.parent(); !p.null(); cur = p, p = p.parent()) {
    if (is_function_kind(p.kind())) break;
    if (!is_statement_list(p) || !contains(p, a)) continue;
    // the statement of p that holds a
    for (const Node& s : p.named_children()) {
      if (!contains(s, a)) continue;
      if (s.start_byte() < cur.start_byte() && unconditional_within(m, a, s)) return true;
      break;
    }
  }
  return false;
}

}  // namespace v15::analysis
