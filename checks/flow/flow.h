// The Flow Integrity checks (group flow), one file each: rules beyond the checklist for the
// defects a V1.5 flow gets after it works, asked of every transport the same files wire.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check flow_route_parity_check();
Check flow_entry_auth_check();
Check flow_container_auth_check();
Check flow_bridge_timeout_cleared_check();
Check flow_single_execution_check();
Check flow_dispatch_no_silent_return_check();
Check flow_no_floating_promise_check();
Check flow_error_leak_check();
Check flow_stream_keepalive_check();
Check flow_stream_unbuffered_check();

}  // namespace v15
