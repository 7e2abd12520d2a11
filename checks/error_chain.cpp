#include "v15check/check.h"

namespace v15 {

void register_error_checks(Registry&) {}

}  // namespace v15
