// do.fetch-init: fetch routes POST /init to handleInit().
#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/fetch_router.h"

namespace v15 {

Check do_fetch_init_check() {
  return {
      .id = "do.fetch-init",
      .group = Group::DurableObject,
      .title = "fetch routes POST /init to handleInit()",
      .expected = "a POST /init branch in fetch() that returns or awaits this.handleInit(request)",
      .role = Role::DurableObject,
      .passes_when = "as do.fetch-stream, for /init → this.handleInit(…)",
      .fails_when = "path absent; GET /init; the branch calls another handler",
      .config_keys = {"className", "roles.do"},
      .run = [](const CheckContext& ctx) {
        return facts::fetch_routes_to(ctx, "/init", "handleInit");
      }};
}

}  // namespace v15
