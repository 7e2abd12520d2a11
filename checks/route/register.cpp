// The route checks in catalogue order.
#include "route.h"

namespace v15 {

void register_route_checks(Registry& r) {
  r.add(route_chat_endpoint_check());
  r.add(route_chat_forwards_user_check());
  r.add(route_chat_do_stub_check());
  r.add(route_stream_endpoint_check());
  r.add(route_stream_forwards_jwt_check());
}

}  // namespace v15
