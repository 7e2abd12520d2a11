#include "v15check/analysis/helper_region.h"

#include <utility>

namespace v15::analysis {

Region deep_region(const FileModel& m, const Function& fn, int levels) {
  Region r = m.region(fn, false);
  std::vector<Node> frontier = r.parts;
  for (int level = 0; level < levels && !frontier.empty(); ++level) {
    std::vector<Node> next;
    for (const Node& part : frontier) {
      for (const Node& call : m.nodes_in("call_expression", part)) {
        const Function* h = m.callee_function(call);
        if (!h || h->body.null() || r.contains(h->body) || h->body.contains(r.parts.front()))
          continue;
        r.parts.push_back(h->body);
        next.push_back(h->body);
      }
    }
    frontier = std::move(next);
  }
  return r;
}

}  // namespace v15::analysis
