// The DO's fetch() router: which of its routes reach which handler method.
#pragma once

#include <string_view>

#include "v15check/check.h"

namespace v15::facts {

// Whether fetch() routes POST `path` to `this.<target>(request)`, returning or awaiting it: a PASS
// naming the branch and the call, or a FAIL saying what the branch does instead (another handler,
// another method, no method test, the result dropped, no such branch).
Outcome fetch_routes_to(const CheckContext& ctx, std::string_view path, std::string_view target);

}  // namespace v15::facts
