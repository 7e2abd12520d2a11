// do.fetch-chat: fetch routes POST /chat to handleChatHttp().
#include "do.h"
#include "v15check/check.h"
#include "v15check/facts/fetch_router.h"

namespace v15 {

Check do_fetch_chat_check() {
  return {.id = "do.fetch-chat",
          .group = Group::DurableObject,
          .title = "fetch routes POST /chat to handleChatHttp()",
          .expected =
              "a POST /chat branch in fetch() that returns or awaits "
              "this.handleChatHttp(request) (possibly inside try)",
          .role = Role::DurableObject,
          .passes_when =
              "as do.fetch-stream, for /chat → this.handleChatHttp(…), also inside a try "
              "or through `const res = await this.handleChatHttp(req); return res`",
          .fails_when = "path absent; PUT /chat; the branch calls another handler",
          .config_keys = {"className", "roles.do"},
          .run = [](const CheckContext& ctx) {
            return facts::fetch_routes_to(ctx, "/chat", "handleChatHttp");
          }};
}

}  // namespace v15
