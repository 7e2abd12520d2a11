// 2. ChatSessionAgent DO (do): the fetch router and handleChatHttp. dispatchContainer lives in
// durable_object_dispatch.cpp, handleContainerStream and extractMetadata in
// durable_object_stream.cpp; this file registers the group in catalogue order.
#include "v15check/check.h"

namespace v15 {

void register_do_checks(Registry& r) {
  register_do_dispatch_checks(r);
  register_do_stream_checks(r);
}

}  // namespace v15
