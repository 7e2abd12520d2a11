// The Worker's chat and stream routes: found as POST routes, or a FAIL naming what is there.
#include "v15check/facts/worker_routes.h"

#include <fmt/format.h>

#include <vector>

namespace v15::facts {

namespace {

std::string route_list(const FileModel& m, std::size_t max = 6) {
  std::string out;
  std::size_t n = 0;
  for (const Route& r : m.routes()) {
    if (n++ == max) {
      out += ", …";
      break;
    }
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {} (line {})", r.method.empty() ? "ANY" : cap(r.method), cap(r.path),
                       r.anchor.line());
  }
  return out.empty() ? "no routes" : out;
}

}  // namespace

std::string WorkerRoute::summary() const {
  const char* how = route->kind == Route::Kind::Router       ? "router registration"
                    : route->kind == Route::Kind::SwitchCase ? "switch case"
                                                             : "if branch";
  return fmt::format("POST {} ({}, line {})", path, how, route->anchor.line());
}

Expected<WorkerRoute> post_route(const CheckContext& ctx, std::string_view path) {
  auto file = ctx.file(Role::Worker);
  if (!file) return file.failure();
  const FileModel* m = *file;
  if (const Route* r = m->route("POST", path)) {
    Node err = m->error_within(r->handler);
    if (!err.null())
      return Outcome::fail(
          m->location(err),
          fmt::format("a parse error at line {} inside the POST {} handler", err.line(), path));
    return WorkerRoute{m, r, std::string(path)};
  }
  std::vector<const Route*> same_path;
  for (const Route& r : m->routes())
    if (r.path == path) same_path.push_back(&r);
  if (!same_path.empty()) {
    const Route* r = same_path.front();
    if (r->method.empty())
      return Outcome::fail(m->location(r->anchor),
                           fmt::format("path {} is tested without a request method test, so any "
                                       "method reaches it",
                                       path));
    return Outcome::fail(m->location(r->anchor),
                         fmt::format("path {} is only routed for {}, not POST", path, r->method));
  }
  return Outcome::fail(m->location(m->root()),
                       fmt::format("no route for POST {} in {}; routes found: {}{}", path,
                                   m->path(), route_list(*m), ctx.parse_note(*m)));
}

Region handler_region(const FileModel& m, const Route& r) {
  if (const Function* f = m.function_at(r.anchor.is("call_expression") ? r.handler : Node{}))
    return m.region(*f);
  return m.region(r.handler);
}

}  // namespace v15::facts
