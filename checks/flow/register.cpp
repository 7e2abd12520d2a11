#include "flow.h"

namespace v15 {

void register_flow_checks(Registry& r) {
  r.add(flow_route_parity_check());
  r.add(flow_entry_auth_check());
  r.add(flow_container_auth_check());
}

}  // namespace v15
