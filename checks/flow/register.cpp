#include "flow.h"

namespace v15 {

void register_flow_checks(Registry& r) {
  r.add(flow_route_parity_check());
  r.add(flow_entry_auth_check());
  r.add(flow_container_auth_check());
  r.add(flow_bridge_timeout_cleared_check());
  r.add(flow_single_execution_check());
  r.add(flow_dispatch_no_silent_return_check());
  r.add(flow_no_floating_promise_check());
  r.add(flow_error_leak_check());
  r.add(flow_stream_keepalive_check());
  r.add(flow_stream_unbuffered_check());
}

}  // namespace v15
