// A function's own return values and null-or-undefined values.
#include "v15check/analysis/nullish_returns.h"

namespace v15::analysis {

std::vector<Node> own_returns(const FileModel& m, const Function& f) {
  std::vector<Node> out;
  if (!f.body.is("statement_block")) {
    out.push_back(f.body);
    return out;
  }
  for (const Node& ret : m.nodes_in("return_statement", f.body))
    if (m.enclosing_function(ret) == &f) out.push_back(ret.named_child(0));
  return out;
}

bool is_nullish(const Node& n) {
  Node s = FileModel::strip(n);
  return s.null() || s.is("null") || s.is("undefined") ||
         (s.is("identifier") && s.text() == "undefined");
}

}  // namespace v15::analysis
