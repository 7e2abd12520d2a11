// The container agent checks in catalogue order.
#include "agent.h"

namespace v15 {

void register_agent_checks(Registry& r) {
  r.add(agent_env_read_check());
  r.add(agent_callback_post_check());
  r.add(agent_ndjson_check());
  r.add(agent_oauth_betas_check());
  r.add(agent_close_stream_check());
}

}  // namespace v15
