#include "v15check/analysis/rejection.h"

namespace v15::analysis {

Node catching_try(const FileModel& m, const Node& n) {
  const Function* owner = m.enclosing_function(n);
  Node child = n;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if (owner && p == owner->node) break;
    if (p.is("try_statement") && p.field("body") == child && !p.field("handler").null()) return p;
  }
  return {};
}

Node rejection_handler(const PromiseUse& use, Node* continuation) {
  for (const Continuation& c : use.chain) {
    if (c.method == "catch" && !c.args.empty()) {
      *continuation = c.call;
      return c.args[0];
    }
    if (c.method == "then" && c.args.size() > 1) {
      *continuation = c.call;
      return c.args[1];
    }
  }
  return {};
}

}  // namespace v15::analysis
