// The Dockerfile checks in catalogue order.
#include "docker.h"

namespace v15 {

void register_docker_checks(Registry& r) {
  r.add(docker_agent_sync_check());
  r.add(docker_env_names_check());
}

}  // namespace v15
