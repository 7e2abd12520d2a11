// The element a loop visits, as the value written at a use: element, index or something else.
#include "v15check/analysis/loops.h"

#include <string>
#include <vector>

namespace v15::analysis {

namespace {

// The bindings of the identifiers in `n` (the loop variable of `for (const x of …)`, the
// counters mentioned in a `for`/`while` condition).
struct Var {
  std::string name;
  const Binding* binding = nullptr;  // null when the model keeps no binding (a loop variable)
};

std::vector<Var> bindings_in(const FileModel& m, const Node& n) {
  std::vector<Var> out;
  if (n.null()) return out;
  auto add = [&](const Node& id) {
    // a declaring identifier is the binding's name node; a use resolves to it
    for (const Binding& b : m.bindings())
      if (b.name_node == id) {
        out.push_back({std::string(id.text()), &b});
        return;
      }
    out.push_back({std::string(id.text()), m.resolve(id)});
  };
  if (n.is("identifier")) {
    add(n);
    return out;
  }
  for (const Node& id : m.nodes_in("identifier", n)) add(id);
  return out;
}

bool is_one_of(const FileModel& m, const Node& n, const std::vector<Var>& vars) {
  Node s = FileModel::strip(n);
  if (!s.is("identifier")) return false;
  const Binding* b = m.resolve(s);
  for (const Var& v : vars)
    if (s.text() == v.name && b == v.binding) return true;
  return false;
}

}  // namespace

bool iterates_keys(const Node& loop) {
  return loop.is("for_in_statement") && loop.field("operator").text() == "in";
}

bool carries_element(const FileModel& m, const Node& loop, const Node& expr) {
  std::vector<Var> vars;
  bool subscript = true;  // the element is `coll[var]`, not the variable itself
  if (loop.is("for_in_statement")) {
    vars = bindings_in(m, loop.field("left"));
    subscript = iterates_keys(loop);
  } else if (loop.is("for_statement") || loop.is("while_statement") || loop.is("do_statement")) {
    vars = bindings_in(m, loop.field("condition"));
  } else if (loop.is("call_expression")) {
    auto args = FileModel::arguments(loop);
    const Function* cb = args.empty() ? nullptr : m.function_at(args[0]);
    if (!cb) return false;
    auto params = cb->parameters();
    if (params.empty()) return false;
    vars = bindings_in(m, params.front());
    subscript = false;
  }
  if (vars.empty()) return false;
  auto is_element = [&](const FileModel& fm, const Node& n) {
    if (!subscript) return is_one_of(fm, n, vars);
    if (n.is("subscript_expression")) return is_one_of(fm, n.field("index"), vars);
    // a scan by position: `buffer.slice(0, newline)` with `newline` from the loop's condition
    if (iterates_keys(loop) || !n.is("call_expression")) return false;
    std::string_view name = FileModel::callee_name(n);
    if (name != "slice" && name != "substring" && name != "substr") return false;
    for (const Node& a : FileModel::arguments(n))
      if (is_one_of(fm, a, vars)) return true;
    return false;
  };
  // written in place (`line + '\n'`), or through a binding (`const line = lines[i]`)
  for (std::string_view kind : {"identifier", "subscript_expression", "call_expression"}) {
    if (expr.is(kind) && is_element(m, expr)) return true;
    for (const Node& n : m.nodes_in(kind, expr))
      if (is_element(m, n)) return true;
  }
  return m.derives_from(expr, is_element);
}

}  // namespace v15::analysis
