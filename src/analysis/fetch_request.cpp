// What a `fetch` call sends, through `new Request(…)` and the bindings holding it.
#include "v15check/analysis/fetch_request.h"

namespace v15::analysis {

std::pair<Node, Node> fetch_request(const FileModel& m, const Node& fetch_call) {
  auto args = FileModel::arguments(fetch_call);
  if (args.empty()) return {};
  Node first = FileModel::strip_await(args[0]);
  Node traced = FileModel::strip_await(m.trace(first).expr);
  if (traced.is("new_expression") && FileModel::callee_name(traced) == "Request") {
    auto rargs = FileModel::arguments(traced);
    return {traced, rargs.size() > 1 ? rargs[1] : Node{}};
  }
  return {first, args.size() > 1 ? args[1] : Node{}};
}

}  // namespace v15::analysis
