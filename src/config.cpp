#include "v15check/config.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace v15 {

using nlohmann::json;

Config::Config() {
  for (Role r : kAllRoles) paths[r] = std::string(default_role_path(r));
}

const std::map<std::string, std::string>& config_key_docs() {
  static const std::map<std::string, std::string> docs = {
      {"roles", "object: role (worker, do, jwt, agent, dockerfile) → path relative to the root"},
      {"className", "string: the Durable Object class (default ChatSessionAgent)"},
      {"doBinding", "string: the Durable Object namespace binding (default CHAT_SESSIONS)"},
      {"sandboxBinding", "string: the sandbox container binding (default SANDBOX_CONTAINER)"},
      {"bridgeTimeoutMs", "number: expected bridge timeout in ms (default 300000)"},
      {"oauthPrefix", "string: required OAuth token prefix (default sk-ant-oat01-)"},
      {"pendingQueryPath", "string: where the prompt is written (default /tmp/vf-pending-query.json)"},
      {"callbackUrl", "string: expected VF_CALLBACK_URL (default https://vaporforge.dev/internal/stream)"},
      {"claudeConfigDir", "string: expected CLAUDE_CONFIG_DIR (default /root/.config/claude)"},
      {"envPrefixes", "array of strings: env name prefixes cross-checked by docker.env-names (default [\"VF_\"])"},
      {"envIgnore", "array of strings: env names docker.env-names ignores (default [])"},
      {"disable", "array of {id, reason}: checks turned off, each with a required reason"},
  };
  return docs;
}

namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& where, const std::string& what) {
  throw ConfigError(fmt::format("{}: {}: {}", origin, where, what));
}

std::string type_name(const json& j) { return j.type_name(); }

std::string get_string(const json& j, const std::string& origin, const std::string& where) {
  if (!j.is_string()) fail(origin, where, "expected a string, found " + type_name(j));
  std::string s = j.get<std::string>();
  return s;
}

std::vector<std::string> get_strings(const json& j, const std::string& origin,
                                     const std::string& where) {
  if (!j.is_array()) fail(origin, where, "expected an array of strings, found " + type_name(j));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i)
    out.push_back(get_string(j[i], origin, fmt::format("{}/{}", where, i)));
  return out;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; turn it into line:column for people.
    std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    int line = 1, col = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    auto pos = what.find("syntax error");
    throw ConfigError(fmt::format("{}:{}:{}: invalid JSON: {}", origin, line, col,
                                  pos == std::string::npos ? what : what.substr(pos)));
  }
  if (!doc.is_object()) fail(origin, "/", "expected an object, found " + type_name(doc));
  Config c;
  for (const auto& [key, value] : doc.items()) {
    std::string where = "/" + key;
    if (key == "$schema") {
      get_string(value, origin, where);
    } else if (key == "roles") {
      if (!value.is_object()) fail(origin, where, "expected an object, found " + type_name(value));
      for (const auto& [rk, rv] : value.items()) {
        auto role = role_from_key(rk);
        if (!role)
          fail(origin, where + "/" + rk,
               "unknown role (expected worker, do, jwt, agent or dockerfile)");
        std::string p = get_string(rv, origin, where + "/" + rk);
        if (p.empty()) fail(origin, where + "/" + rk, "empty path");
        c.paths[*role] = p;
      }
    } else if (key == "className") {
      c.class_name = get_string(value, origin, where);
    } else if (key == "doBinding") {
      c.do_binding = get_string(value, origin, where);
    } else if (key == "sandboxBinding") {
      c.sandbox_binding = get_string(value, origin, where);
    } else if (key == "bridgeTimeoutMs") {
      if (!value.is_number() || value.get<double>() <= 0)
        fail(origin, where, "expected a positive number, found " + value.dump());
      c.bridge_timeout_ms = value.get<double>();
    } else if (key == "oauthPrefix") {
      c.oauth_prefix = get_string(value, origin, where);
    } else if (key == "pendingQueryPath") {
      c.pending_query_path = get_string(value, origin, where);
    } else if (key == "callbackUrl") {
      c.callback_url = get_string(value, origin, where);
    } else if (key == "claudeConfigDir") {
      c.claude_config_dir = get_string(value, origin, where);
    } else if (key == "envPrefixes") {
      c.env_prefixes = get_strings(value, origin, where);
    } else if (key == "envIgnore") {
      c.env_ignore = get_strings(value, origin, where);
    } else if (key == "disable") {
      if (!value.is_array()) fail(origin, where, "expected an array, found " + type_name(value));
      for (std::size_t i = 0; i < value.size(); ++i) {
        std::string w = fmt::format("{}/{}", where, i);
        const json& item = value[i];
        if (!item.is_object()) fail(origin, w, "expected {\"id\": …, \"reason\": …}");
        DisabledCheck d;
        for (const auto& [dk, dv] : item.items()) {
          if (dk == "id")
            d.id = get_string(dv, origin, w + "/id");
          else if (dk == "reason")
            d.reason = get_string(dv, origin, w + "/reason");
          else
            fail(origin, w + "/" + dk, "unknown key (expected id, reason)");
        }
        if (d.id.empty()) fail(origin, w, "missing \"id\"");
        if (d.reason.empty()) fail(origin, w, "missing \"reason\": say why the check is off");
        c.disable.push_back(std::move(d));
      }
    } else {
      fail(origin, where, "unknown key");
    }
  }
  return c;
}

}  // namespace v15
