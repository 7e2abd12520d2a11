#include "dispatch.h"

namespace v15 {

void register_do_dispatch_checks(Registry& r) {
  r.add(do_dispatch_session_kv_check());
  r.add(do_dispatch_session_status_check());
  r.add(do_dispatch_sandbox_id_check());
  r.add(do_dispatch_get_sandbox_check());
  r.add(do_dispatch_sign_jwt_check());
  r.add(do_dispatch_oauth_kv_check());
  r.add(do_dispatch_oauth_prefix_check());
  r.add(do_dispatch_pending_query_check());
  r.add(do_env_system_check());
  r.add(do_env_is_sandbox_check());
  r.add(do_env_oauth_token_check());
  r.add(do_env_callback_url_check());
  r.add(do_env_stream_jwt_check());
  r.add(do_env_sdk_session_check());
  r.add(do_env_session_mode_check());
  r.add(do_env_conditional_check());
  r.add(do_env_config_dir_check());
  r.add(do_env_secrets_check());
  r.add(do_dispatch_last_active_check());
}

}  // namespace v15
