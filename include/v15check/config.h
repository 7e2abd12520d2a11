// Project configuration: role paths, the class name, and the checklist's expected values.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "v15check/source.h"

namespace v15 {

struct DisabledCheck {
  std::string id;
  std::string reason;
  int line = 0, column = 0;  // where the entry's "id" value sits in the config file (0: unknown)
};

struct Config {
  std::map<Role, std::string> paths;  // role → path relative to the root; defaults from CHECKS.md
  std::string class_name = "ChatSessionAgent";
  std::string do_binding = "CHAT_SESSIONS";
  std::string sandbox_binding = "SANDBOX_CONTAINER";
  double bridge_timeout_ms = 300000;
  std::string oauth_prefix = "sk-ant-oat01-";
  std::string pending_query_path = "/tmp/vf-pending-query.json";
  // Where the image keeps the agent script when the DO's startProcess command cannot tell.
  std::string agent_image_path = "/opt/claude-agent/claude-agent.js";
  std::string callback_url = "https://vaporforge.dev/internal/stream";
  std::string claude_config_dir = "/root/.config/claude";
  std::vector<std::string> env_prefixes = {"VF_"};
  std::vector<std::string> env_ignore;
  // How many same-file helper calls deep "in method M" reaches, for every check.
  int helper_depth = 3;
  // flow.stream-keepalive: the longest heartbeat period an open HTTP bridge may have.
  double heartbeat_max_ms = 60000;
  // flow.stream-unbuffered: headers that keep the edge from buffering a stream, as
  // "Name: value" (the value a token of the header's comma-separated list).
  std::vector<std::string> unbuffered_headers = {
      "Cache-Control: no-transform", "Content-Encoding: identity", "Content-Encoding: none"};
  // flow.entry-auth: the functions that authenticate a user. Empty: any call whose null or
  // false result is answered with 401/403.
  std::vector<std::string> auth_functions;
  // flow.entry-auth, flow.container-auth: the execution-token verifiers. Empty: the verifier
  // the JWT file exports.
  std::vector<std::string> verifier_functions;
  std::vector<DisabledCheck> disable;
  // Where a key's value comes from when it is not the checklist's default: the config file that
  // sets it, or the wrangler config that declares the binding (key → file).
  std::map<std::string, std::string> origins;
  // A baseline file (relative to the root) whose FAILs every run accepts; empty: none.
  std::string baseline;

  Config();
  std::string path(Role role) const { return paths.at(role); }
  // The entry of `disable` for a check ID, or null.
  const DisabledCheck* disabled(const std::string& id) const;
};

// A config file that cannot be used: the message names the file and line:column of the
// offending key or value.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The name a config file has at the checked root.
inline constexpr const char* kConfigFileName = ".v15check.json";

// Parses `.v15check.json` text (JSON with comments). Unknown keys, duplicate keys and wrong
// types are errors: a typo must never silently turn a check off. `origin` names the file in
// messages. When `check_ids` is non-empty, a `disable` entry naming an ID outside it is an error.
Config parse_config(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& check_ids = {});

// Reads and parses a config file; a file that cannot be read is a ConfigError too.
Config load_config_file(const std::string& path, const std::vector<std::string>& check_ids = {});

// The names of all config keys, with a one-line description, for --explain and docs.
const std::map<std::string, std::string>& config_key_docs();

// A key's value as a Found or Expected text shows it: `300000`, `SANDBOX_CONTAINER`,
// `["VF_"]`; empty for keys without one value (roles, disable).
std::string config_value(const Config& config, std::string_view key);
// "(config: bridgeTimeoutMs = 300000)", with ", from FILE" when a file set the value.
std::string config_note(const Config& config, std::string_view key);

}  // namespace v15
