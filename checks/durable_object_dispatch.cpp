#include "v15check/check.h"

namespace v15 {

void register_do_dispatch_checks(Registry&) {}

}  // namespace v15
