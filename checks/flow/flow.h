// The Flow Integrity checks (group flow), one file each: rules beyond the checklist for the
// defects a V1.5 flow gets after it works, asked of every transport the same files wire.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check flow_route_parity_check();
Check flow_entry_auth_check();
Check flow_container_auth_check();

}  // namespace v15
