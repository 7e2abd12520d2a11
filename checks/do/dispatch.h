// dispatchContainer's checks (group do): the KV reads and guards before the sandbox starts, the
// execution token, the prompt file, and the env it hands to startProcess (do.env-*), one file each.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check do_dispatch_session_kv_check();
Check do_dispatch_session_status_check();
Check do_dispatch_sandbox_id_check();
Check do_dispatch_get_sandbox_check();
Check do_dispatch_sign_jwt_check();
Check do_dispatch_oauth_kv_check();
Check do_dispatch_oauth_prefix_check();
Check do_dispatch_pending_query_check();
Check do_env_system_check();
Check do_env_is_sandbox_check();
Check do_env_oauth_token_check();
Check do_env_callback_url_check();
Check do_env_stream_jwt_check();
Check do_env_sdk_session_check();
Check do_env_session_mode_check();
Check do_env_conditional_check();
Check do_env_config_dir_check();
Check do_env_secrets_check();
Check do_dispatch_last_active_check();

}  // namespace v15
