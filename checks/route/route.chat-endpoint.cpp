// route.chat-endpoint: the browser's chat route is a POST route.
#include "route.h"
#include "v15check/facts/worker_routes.h"

namespace v15 {

namespace {

Outcome run(const CheckContext& ctx) {
  auto route = facts::post_route(ctx, facts::kChatPath);
  if (!route) return route.failure();
  return Outcome::pass(route->location(), route->summary());
}

}  // namespace

Check route_chat_endpoint_check() {
  return {
      .id = "route.chat-endpoint",
      .group = Group::Routes,
      .title = "POST /api/v15/chat route exists",
      .expected = "a handler guarded by method POST and path /api/v15/chat",
      .role = Role::Worker,
      .passes_when =
          "an if whose condition tests request.method === 'POST' and url.pathname === "
          "'/api/v15/chat' (any order and spelling), a router registration "
          "app.post('/api/v15/chat', …), or a switch on the path with a method test",
      .fails_when = "path absent; only GET; path /api/v15/chats; a path test without a method test",
      .config_keys = {"roles.worker"},
      .run = run};
}

}  // namespace v15
