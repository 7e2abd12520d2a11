// agent.env-read: the agent reads the callback URL and its token from its env.
#include <fmt/format.h>

#include "agent.h"
#include "v15check/facts/agent_stream.h"

namespace v15 {

namespace {

Outcome run(const CheckContext& ctx) {
  auto file = ctx.file(Role::Agent);
  if (!file) return file.failure();
  const FileModel* m = *file;
  const AgentEnv& env = ctx.project().agent_env();
  std::vector<std::string> missing, found;
  std::vector<Evidence> ev;
  for (std::string_view name : {facts::kCallbackUrl, facts::kStreamJwt}) {
    const EnvRead* r = env.first(name);
    if (!r) {
      missing.push_back(fmt::format("process.env.{}", name));
      continue;
    }
    found.push_back(fmt::format("{} (line {})", name, r->location.line));
    ev.push_back({r->location, fmt::format("reads {}", name)});
  }
  if (missing.empty())
    return Outcome::pass(ev.front().location, fmt::format("reads {}", fmt::join(found, ", ")), ev);
  std::string text = fmt::format("no read of {}", fmt::join(missing, " or "));
  if (!found.empty()) text += fmt::format(" (reads {})", fmt::join(found, ", "));
  return Outcome::fail(ev.empty() ? m->location(m->root()) : ev.front().location,
                       text + ctx.parse_note(*m), ev);
}

}  // namespace

Check agent_env_read_check() {
  return {.id = "agent.env-read",
          .group = Group::Agent,
          .title = "reads VF_CALLBACK_URL and VF_STREAM_JWT from env",
          .expected = "process.env.VF_CALLBACK_URL and process.env.VF_STREAM_JWT read",
          .role = Role::Agent,
          .passes_when =
              "both names read from process.env (member, ['X'], destructuring, an alias "
              "of process.env, or a same-file requireEnv('X') helper)",
          .fails_when = "either name never read; only mentioned in a comment or a string",
          .config_keys = {"roles.agent"},
          .run = run};
}

}  // namespace v15
