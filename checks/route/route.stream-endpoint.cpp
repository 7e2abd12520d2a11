// route.stream-endpoint: the container's stream route is a POST route.
#include "route.h"
#include "v15check/facts/worker_routes.h"

namespace v15 {

namespace {

Outcome run(const CheckContext& ctx) {
  auto route = facts::post_route(ctx, facts::kStreamPath);
  if (!route) return route.failure();
  return Outcome::pass(route->location(), route->summary());
}

}  // namespace

Check route_stream_endpoint_check() {
  return {.id = "route.stream-endpoint",
          .group = Group::Routes,
          .title = "POST /internal/stream route exists",
          .expected = "a handler guarded by method POST and path /internal/stream",
          .role = Role::Worker,
          .passes_when = "as route.chat-endpoint, for /internal/stream",
          .fails_when = "path absent; wrong method; no method test",
          .config_keys = {"roles.worker"},
          .run = run};
}

}  // namespace v15
