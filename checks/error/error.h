// The error-handling checks (group error), one file each: each failure of the flow traced across
// functions to what the browser (or the container) finally sees.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check error_bridge_timeout_check();
Check error_invalid_jwt_check();
Check error_dispatch_throws_check();
Check error_browser_disconnect_check();
Check error_session_not_found_check();

}  // namespace v15
