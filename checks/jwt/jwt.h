// JWT Utils (jwt): signing, verification, and a token lifetime that outlives the bridge.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check jwt_sign_check();
Check jwt_verify_check();
Check jwt_expiry_check();

}  // namespace v15
