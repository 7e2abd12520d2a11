// Container Agent (agent): the script the sandbox runs reads its env, POSTs NDJSON back to the
// Worker with the execution token, skips betas for OAuth tokens and ends the stream when done.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check agent_env_read_check();
Check agent_callback_post_check();
Check agent_ndjson_check();
Check agent_oauth_betas_check();
Check agent_close_stream_check();

}  // namespace v15
