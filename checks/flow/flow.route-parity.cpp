// flow.route-parity: every path the flow calls is served: each Worker → DO request by a reachable
// branch of the DO's fetch(), each Worker URL the container is handed or requests by a Worker
// route.
#include <fmt/format.h>

#include "flow.h"
#include "v15check/facts/flow_legs.h"

namespace v15 {

namespace {

using facts::PathRequest;
using facts::ServedRoute;

std::string request_text(const PathRequest& r) {
  return fmt::format("{} {}", r.method.empty() ? "ANY" : r.method, r.path);
}

// The routes of the same path (for "served only as …"), else the first few routes.
std::string nearest(const std::vector<ServedRoute>& routes, const PathRequest& r) {
  std::string same, all;
  std::size_t n = 0;
  for (const ServedRoute& s : routes) {
    if (facts::path_matches(r.path, s)) same += (same.empty() ? "" : ", ") + s.summary();
    if (n++ < 5) all += (all.empty() ? "" : ", ") + s.summary();
  }
  if (!same.empty()) return "only " + same;
  return all.empty() ? "no routes" : all + (routes.size() > 5 ? ", …" : "");
}

Outcome run(const CheckContext& ctx) {
  auto legs = facts::flow_legs(ctx);
  if (!legs) return legs.failure();
  const FileModel& w = *legs->worker;
  const FileModel& d = *legs->durable_object;
  std::vector<std::string> unmatched;
  Location first;
  std::vector<Evidence> evidence;
  auto miss = [&](Location at, std::string text) {
    if (!first.known()) first = at;
    unmatched.push_back(std::move(text));
  };
  std::size_t checked = 0;
  for (const PathRequest& r : legs->do_requests) {
    if (r.path.empty()) {
      miss(r.location, fmt::format("{} (line {}): {}", r.what.empty() ? "a stub fetch" : r.what,
                                   r.location.line, r.problem));
      continue;
    }
    ++checked;
    const ServedRoute* hit = nullptr;
    for (const ServedRoute& s : legs->do_branches)
      if (facts::serves(s, r)) {
        hit = &s;
        break;
      }
    if (hit) {
      evidence.push_back({r.location, fmt::format("{} → DO {}", request_text(r), hit->summary())});
      continue;
    }
    miss(r.location,
         fmt::format("the Worker requests {} from the DO ({}:{}), but the DO's fetch() ({}:{}) "
                     "serves {}",
                     request_text(r), w.path(), r.location.line, d.path(),
                     legs->do_fetch->node.line(), nearest(legs->do_branches, r)));
  }
  auto to_worker = [&](const std::vector<PathRequest>& list, std::string_view who) {
    for (const PathRequest& r : list) {
      ++checked;
      const ServedRoute* hit = nullptr;
      for (const ServedRoute& s : legs->worker_routes)
        if (facts::serves(s, r)) {
          hit = &s;
          break;
        }
      if (hit) {
        evidence.push_back(
            {r.location, fmt::format("{} {} → Worker {}", who, request_text(r), hit->summary())});
        continue;
      }
      miss(r.location, fmt::format("{} {} ({}, {}:{}) has no Worker route in {}: it serves {}", who,
                                   request_text(r), r.what, r.location.path, r.location.line,
                                   w.path(), nearest(legs->worker_routes, r)));
    }
  };
  to_worker(legs->handed_urls, "the DO hands the container");
  to_worker(legs->agent_requests, "the agent requests");
  if (!unmatched.empty()) {
    std::string found;
    for (const std::string& u : unmatched) found += (found.empty() ? "" : "; ") + u;
    return Outcome::fail(first, found, std::move(evidence));
  }
  if (legs->do_requests.empty())
    return Outcome::fail(w.location(w.root()),
                         fmt::format("{} never calls fetch on a stub of env.{}: no request "
                                     "reaches the DO{}",
                                     w.path(), ctx.config().do_binding, ctx.parse_note(w)));
  Location at = legs->do_requests.front().location;
  return Outcome::pass(
      at,
      fmt::format("{} Worker → DO request(s) each meet a DO fetch() branch, and "
                  "{} container URL(s) each a Worker route",
                  legs->do_requests.size(), legs->handed_urls.size() + legs->agent_requests.size()),
      std::move(evidence));
}

}  // namespace

Check flow_route_parity_check() {
  return {.id = "flow.route-parity",
          .group = Group::Flow,
          .title = "every path the flow calls is served",
          .expected =
              "each Worker → DO request meets a reachable DO fetch() branch of its method "
              "and path; each Worker URL the container is handed or requests meets a "
              "Worker route",
          .role = Role::Worker,
          .passes_when =
              "(a) every request the Worker hands a ChatSessionAgent stub's fetch (a new "
              "Request('https://…/chat', …) or the original request, which keeps the Worker "
              "route's path) has a reachable branch of the DO's fetch() for that method and "
              "path; (b) every Worker URL the DO hands the container (a VF_* env value, through "
              "wrangler vars) and every one the agent requests or connects to has a Worker route "
              "for that path and method; a substituted path matches a startsWith prefix or a "
              ":param pattern",
          .fails_when =
              "the Worker forwards /internal/container-ws, the DO serves "
              "/container-ws; the agent polls /internal/approval/…, the Worker has no "
              "such route; new Request('https://do/chats')",
          .config_keys = {"doBinding", "roles.worker", "roles.do", "roles.agent"},
          .run = run};
}

}  // namespace v15
