#include "v15check/analysis/values.h"

#include <algorithm>
#include <unordered_set>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"

namespace v15::analysis {

namespace {

// Bounds following values through bindings (a chain of `const a = b`) per question.
constexpr int kMaxValueHops = 32;
constexpr std::size_t kMaxValues = 64;

// The statement that makes a definition (`let x = …;`, `x = …;`) when it sits directly in a
// statement list, so that it runs whenever the list reaches it; else null (a definition inside
// a condition, a loop head, an expression).
Node list_statement(const Node& n) {
  for (Node p = n.parent(); !p.null(); p = p.parent()) {
    std::string_view k = p.kind();
    if (k == "expression_statement" || k == "lexical_declaration" || k == "variable_declaration") {
      std::string_view pk = p.parent().kind();
      bool in_list = pk == "statement_block" || pk == "program" || pk == "switch_case" ||
                     pk == "switch_default";
      return in_list ? p : Node{};
    }
    if (k.find("statement") != std::string_view::npos || k == "arrow_function" ||
        k == "function_expression")
      return {};
  }
  return {};
}

Node innermost_loop(const Node& n, const Node& stop) {
  for (Node p = n.parent(); !p.null() && !(p == stop); p = p.parent())
    if (is_loop(p)) return p;
  return {};
}

void collect(const FileModel& m, const Node& expr, int helper_depth, int hops,
             std::unordered_set<uint32_t>& seen, std::vector<Node>& out) {
  if (expr.null() || out.size() >= kMaxValues || !seen.insert(expr.index()).second) return;
  Node e = FileModel::strip_await(FileModel::strip(expr));
  if (hops > kMaxValueHops) {
    out.push_back(e);
    return;
  }
  if (e.is("identifier")) {
    const Binding* b = m.resolve(e);
    if (b && b->path.empty() &&
        (b->kind == BindingKind::Const || b->kind == BindingKind::Let ||
         b->kind == BindingKind::Var)) {
      std::vector<Node> defs = reaching_definitions(m, e);
      if (!defs.empty()) {
        for (const Node& d : defs) collect(m, d, helper_depth, hops + 1, seen, out);
        return;
      }
    }
    out.push_back(e);
    return;
  }
  if (e.is("call_expression") && helper_depth > 0) {
    if (const Function* f = m.callee_function(e)) {
      std::vector<Node> rets = returned_values(m, *f);
      if (!rets.empty()) {
        for (const Node& r : rets) collect(m, r, helper_depth - 1, hops + 1, seen, out);
        return;
      }
    }
  }
  out.push_back(e);
}

}  // namespace

std::vector<Node> reaching_definitions(const FileModel& m, const Node& use) {
  std::vector<Node> out;
  const Binding* b = m.resolve(use);
  if (!b) return out;
  struct Def {
    Node value, stmt;
  };
  std::vector<Def> defs;
  if (!b->init.null()) defs.push_back({b->init, list_statement(b->declarator)});
  for (const Node& rhs : b->assignments) defs.push_back({rhs, list_statement(rhs)});
  if (b->kind == BindingKind::Const) {
    if (!b->init.null()) out.push_back(b->init);
    return out;
  }
  const Function* fn = m.enclosing_function(use);
  Node body = fn ? fn->body : m.root();
  Node loop = innermost_loop(use, body);
  // the latest definition before the use that runs on every path to it kills the earlier ones
  uint32_t killed_before = 0;
  for (const Def& d : defs) {
    if (d.value.end_byte() > use.start_byte() || d.stmt.null()) continue;
    if (d.stmt.parent().is("switch_case") || d.stmt.parent().is("switch_default")) continue;
    if (m.enclosing_function(d.value) != fn) continue;
    if (!reachable(m, d.value)) continue;
    if (d.stmt.parent().contains(use) && !d.stmt.contains(use))
      killed_before = std::max(killed_before, d.stmt.start_byte());
  }
  for (const Def& d : defs) {
    if (!reachable(m, d.value)) continue;
    bool before = d.value.end_byte() <= use.start_byte();
    if (before) {
      bool same_fn = m.enclosing_function(d.value) == fn;
      Node at = d.stmt.null() ? d.value : d.stmt;
      if (same_fn && at.start_byte() < killed_before) continue;
      out.push_back(d.value);
    } else if (!loop.null() && loop.contains(d.value)) {
      out.push_back(d.value);  // reaches the use on the next iteration
    } else if (m.enclosing_function(d.value) != fn) {
      out.push_back(d.value);  // a closure may run at any time
    }
  }
  return out;
}

std::vector<Node> returned_values(const FileModel& m, const Function& f) {
  std::vector<Node> out;
  if (f.body.null()) return out;
  if (!f.body.is("statement_block")) {
    out.push_back(f.body);
    return out;
  }
  for (const Exit& e : paths(m, f.body, {}).exits)
    if (e.node.is("return_statement") && e.node.named_child_count())
      out.push_back(e.node.named_child(0));
  return out;
}

std::vector<Node> values_reaching(const FileModel& m, const Node& expr,
                                  std::optional<int> helper_depth) {
  std::vector<Node> out;
  std::unordered_set<uint32_t> seen;
  collect(m, expr, helper_depth.value_or(m.helper_depth()), 0, seen, out);
  return out;
}

Origin into_literals(const FileModel& m, Origin o) {
  for (int i = 0; i < 8 && !o.path.empty(); ++i) {
    Node obj = FileModel::strip_await(o.expr);
    if (!obj.is("object")) break;
    Node v = m.property(obj, o.path.front());
    if (v.null()) break;
    Origin inner = m.trace(v);
    inner.path.insert(inner.path.end(), o.path.begin() + 1, o.path.end());
    o = std::move(inner);
  }
  return o;
}

}  // namespace v15::analysis
