// Route Registration (worker): the browser's chat route and the container's stream route.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check route_chat_endpoint_check();
Check route_chat_forwards_user_check();
Check route_chat_do_stub_check();
Check route_stream_endpoint_check();
Check route_stream_forwards_jwt_check();

}  // namespace v15
