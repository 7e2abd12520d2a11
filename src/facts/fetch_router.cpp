#include "v15check/facts/fetch_router.h"

#include <fmt/format.h>

#include "v15check/analysis/first_parameter.h"
#include "v15check/analysis/found_text.h"

namespace v15::facts {

namespace {

using analysis::join;

// `this.name(…)`
bool is_this_call(const Node& call, std::string_view name) {
  return call.is("call_expression") && FileModel::callee_name(call) == name &&
         FileModel::callee_object(call).is("this");
}

std::string route_list(const std::vector<const Route*>& routes) {
  std::vector<std::string> items;
  for (const Route* r : routes)
    items.push_back(fmt::format("{} {} (line {})", r->method.empty() ? "ANY" : r->method, r->path,
                                r->anchor.line()));
  return items.empty() ? "none" : join(items);
}

// The routes detected inside fetch (and the helpers it calls).
std::vector<const Route*> fetch_routes(const FileModel& m, const Region& region) {
  std::vector<const Route*> out;
  for (const Route& r : m.routes())
    if (region.contains(r.anchor)) out.push_back(&r);
  return out;
}

// Whether `expr` carries fetch's incoming request (its first parameter).
bool carries_request(const FileModel& m, const Function& fetch, const Node& expr) {
  if (fetch.parameters().empty()) return true;  // nothing to compare with
  return analysis::from_first_parameter(m, fetch, expr);
}

}  // namespace

Outcome fetch_routes_to(const CheckContext& ctx, std::string_view path, std::string_view target) {
  // A parse error in a handler fetch calls is that handler's problem, not the router's.
  auto scope = ctx.do_method("fetch", false);
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  const std::string& cls = ctx.config().class_name;
  auto routes = fetch_routes(m, m.region(*scope->function));
  std::vector<const Route*> same_path;
  for (const Route* r : routes)
    if (r->path == path) same_path.push_back(r);
  std::string problem;
  Location where;
  for (const Route* r : same_path) {
    if (r->method != "POST") continue;
    std::vector<Node> calls;
    for (const Node& call : m.nodes_in("call_expression", r->handler))
      if (is_this_call(call, target)) calls.push_back(call);
    if (calls.empty()) {
      std::vector<std::string> others;
      for (const Node& call : m.nodes_in("call_expression", r->handler))
        if (FileModel::callee_object(call).is("this"))
          others.push_back(fmt::format("this.{}()", cap(FileModel::callee_name(call))));
      where = m.location(r->anchor);
      problem = fmt::format("the POST {} branch (line {}) does not call this.{}(){}", path,
                            r->anchor.line(), target,
                            others.empty() ? std::string{} : "; it calls " + join(others));
      continue;
    }
    for (const Node& call : calls) {
      PromiseUse use = m.promise_use(call);
      where = m.location(call);
      if (!use.returned && !use.awaited) {
        problem = fmt::format(
            "the POST {} branch calls this.{}() at line {} but neither returns nor awaits it", path,
            target, call.line());
        continue;
      }
      auto args = FileModel::arguments(call);
      if (args.empty() || !carries_request(m, *scope->function, args.front())) {
        problem =
            fmt::format("this.{}({}) at line {} is not passed the incoming request", target,
                        args.empty() ? std::string{} : snippet(args.front(), 40), call.line());
        continue;
      }
      if (!m.method(cls, target))
        return Outcome::fail(
            m.location(call),
            fmt::format("fetch routes POST {} to this.{}() (line {}), but class {} "
                        "has no method {}",
                        path, target, call.line(), cls, target));
      return Outcome::pass(m.location(call),
                           fmt::format("POST {} (line {}) → {} this.{}({}) (line {})", path,
                                       r->anchor.line(), use.awaited ? "await" : "return", target,
                                       snippet(args.front(), 40), call.line()));
    }
  }
  if (!problem.empty()) return Outcome::fail(where, problem);
  if (!same_path.empty()) {
    const Route* r = same_path.front();
    if (r->method.empty())
      return Outcome::fail(
          m.location(r->anchor),
          fmt::format("path {} is tested at line {} without a request.method test, "
                      "so any method reaches it",
                      path, r->anchor.line()));
    return Outcome::fail(m.location(r->anchor),
                         fmt::format("path {} is routed only for {} (line {}), not POST", path,
                                     r->method, r->anchor.line()));
  }
  return Outcome::fail(scope->location(),
                       fmt::format("fetch() has no branch for POST {}; routes found in fetch: {}{}",
                                   path, route_list(routes), ctx.parse_note(m)));
}

}  // namespace v15::facts
