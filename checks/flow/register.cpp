#include "flow.h"

namespace v15 {

void register_flow_checks(Registry& r) {
  r.add(flow_dispatch_no_silent_return_check());
  r.add(flow_no_floating_promise_check());
  r.add(flow_error_leak_check());
}

}  // namespace v15
