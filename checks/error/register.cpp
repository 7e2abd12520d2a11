#include "error.h"

namespace v15 {

void register_error_checks(Registry& r) {
  r.add(error_bridge_timeout_check());
  r.add(error_invalid_jwt_check());
  r.add(error_dispatch_throws_check());
  r.add(error_browser_disconnect_check());
  r.add(error_session_not_found_check());
}

}  // namespace v15
