#include "v15check/analysis/nesting.h"

namespace v15::analysis {

Node outermost(Node n) {
  for (Node p = n.parent(); !p.null(); p = n.parent()) {
    std::string_view k = p.kind();
    if (k != "parenthesized_expression" && k != "as_expression" && k != "satisfies_expression" &&
        k != "non_null_expression" && k != "await_expression" && k != "type_assertion")
      break;
    n = p;
  }
  return n;
}

bool inside(const Node& outer, const Node& n) { return !outer.null() && outer.contains(n); }

bool in_continuation(const FileModel& m, const Node& call, std::string_view method) {
  for (const Function* f = m.enclosing_function(call); f; f = m.enclosing_function(f->node)) {
    Node args = f->node.parent();
    if (!args.is("arguments")) continue;
    Node outer = args.parent();
    if (!outer.is("call_expression")) continue;
    std::string_view name = FileModel::callee_name(outer);
    auto list = FileModel::arguments(outer);
    if (name == method) return true;
    if (method == "catch" && name == "then" && list.size() > 1 && list[1] == f->node) return true;
  }
  return false;
}

}  // namespace v15::analysis
