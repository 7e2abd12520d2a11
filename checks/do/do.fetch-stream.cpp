// do.fetch-stream: fetch routes POST /internal/stream to handleContainerStream().
#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/fetch_router.h"

namespace v15 {

Check do_fetch_stream_check() {
  return {.id = "do.fetch-stream",
          .group = Group::DurableObject,
          .title = "fetch routes POST /internal/stream to handleContainerStream()",
          .expected =
              "a POST /internal/stream branch in fetch() that returns or awaits "
              "this.handleContainerStream(request)",
          .role = Role::DurableObject,
          .passes_when =
              "a branch of the DO's fetch() guarded by method POST and pathname "
              "/internal/stream (if, switch or early-return method guard) returns or "
              "awaits this.handleContainerStream(request)",
          .fails_when =
              "path absent or misspelt; another method; no method test; the branch calls "
              "another handler or drops the result",
          .config_keys = {"className", "roles.do"},
          .run = [](const CheckContext& ctx) {
            return facts::fetch_routes_to(ctx, "/internal/stream", "handleContainerStream");
          }};
}

}  // namespace v15
