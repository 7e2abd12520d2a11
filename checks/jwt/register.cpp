// The jwt checks in catalogue order.
#include "jwt.h"

namespace v15 {

void register_jwt_checks(Registry& r) {
  r.add(jwt_sign_check());
  r.add(jwt_verify_check());
  r.add(jwt_expiry_check());
}

}  // namespace v15
