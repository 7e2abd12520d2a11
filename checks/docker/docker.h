// Dockerfile Sync (docker): the image runs the same claude-agent.js as the source tree, at the
// path startProcess starts, and the env names the DO sets are the ones the agent reads.
#pragma once

#include "v15check/check.h"

namespace v15 {

Check docker_agent_sync_check();
Check docker_env_names_check();

}  // namespace v15
