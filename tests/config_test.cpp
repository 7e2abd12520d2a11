// The config loader: every key, positions in error messages, the JSON Schema in docs/ and the
// example configs in examples/ (loaded through the tool's own loader).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "fixture_support.h"
#include "v15check/check.h"
#include "v15check/config.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> all_ids() {
  std::vector<std::string> ids;
  const Registry registry = default_registry();
  for (const auto& c : registry.checks()) ids.push_back(c.id);
  return ids;
}

// The message of the ConfigError that parsing `text` throws, or "" when it parses.
std::string error_of(const std::string& text, const std::vector<std::string>& ids = {}) {
  try {
    parse_config(text, "cfg.json", ids);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreTheChecklistValues) {
  Config c = parse_config("{}", "cfg.json");
  EXPECT_EQ(c.class_name, "ChatSessionAgent");
  EXPECT_EQ(c.path(Role::DurableObject), "src/agents/chat-session-agent.ts");
  EXPECT_EQ(c.bridge_timeout_ms, 300000);
  EXPECT_EQ(c.env_prefixes, std::vector<std::string>{"VF_"});
  EXPECT_TRUE(c.disable.empty());
}

TEST(Config, EveryKeyIsRead) {
  Config c = parse_config(R"({
    // comments are allowed
    "$schema": "docs/config.schema.json",
    "roles": {"worker": "apps/w/index.ts", "do": "a/do.ts", "jwt": "j.ts", "agent": "a.js",
              "dockerfile": "docker/Dockerfile"},
    "className": "Chat", "doBinding": "CHATS", "sandboxBinding": "BOX",
    "bridgeTimeoutMs": 600000, "oauthPrefix": "tok-", "pendingQueryPath": "/tmp/q.json",
    "callbackUrl": "https://example.invalid/cb", "claudeConfigDir": "/home/c",
    "envPrefixes": ["VF_", "APP_"], "envIgnore": ["VF_DEBUG"],
    "disable": [{"id": "jwt.expiry", "reason": "TTL set by the gateway"}]
  })",
                          "cfg.json", all_ids());
  EXPECT_EQ(c.path(Role::Worker), "apps/w/index.ts");
  EXPECT_EQ(c.path(Role::Dockerfile), "docker/Dockerfile");
  EXPECT_EQ(c.class_name, "Chat");
  EXPECT_EQ(c.do_binding, "CHATS");
  EXPECT_EQ(c.sandbox_binding, "BOX");
  EXPECT_EQ(c.bridge_timeout_ms, 600000);
  EXPECT_EQ(c.oauth_prefix, "tok-");
  EXPECT_EQ(c.pending_query_path, "/tmp/q.json");
  EXPECT_EQ(c.callback_url, "https://example.invalid/cb");
  EXPECT_EQ(c.claude_config_dir, "/home/c");
  EXPECT_EQ(c.env_prefixes.size(), 2u);
  EXPECT_EQ(c.env_ignore, std::vector<std::string>{"VF_DEBUG"});
  ASSERT_EQ(c.disable.size(), 1u);
  EXPECT_EQ(c.disable[0].id, "jwt.expiry");
  EXPECT_EQ(c.disable[0].line, 10);
  ASSERT_TRUE(c.disabled("jwt.expiry"));
  EXPECT_EQ(c.disabled("jwt.expiry")->reason, "TTL set by the gateway");
}

TEST(Config, FlowAndHelperKeysAreRead) {
  Config c = parse_config(R"({"helperDepth": 1, "heartbeatMaxMs": 15000,
    "unbufferedHeaders": ["X-Accel-Buffering: no"], "authFunctions": ["requireUser"],
    "verifierFunctions": ["checkToken", "verifyWsTicket"]})",
                          "cfg.json");
  EXPECT_EQ(c.helper_depth, 1);
  EXPECT_EQ(c.heartbeat_max_ms, 15000);
  EXPECT_EQ(c.unbuffered_headers, std::vector<std::string>{"X-Accel-Buffering: no"});
  EXPECT_EQ(c.auth_functions, std::vector<std::string>{"requireUser"});
  EXPECT_EQ(c.verifier_functions.size(), 2u);
  EXPECT_EQ(config_value(c, "unbufferedHeaders"), "[\"X-Accel-Buffering: no\"]");

  std::string e = error_of(R"({"helperDepth": 2.5})");
  EXPECT_NE(e.find("expected an integer from 0 to 10"), std::string::npos) << e;
  e = error_of(R"({"helperDepth": 11})");
  EXPECT_NE(e.find("expected an integer from 0 to 10"), std::string::npos) << e;
  e = error_of(R"({"heartbeatMaxMs": 0})");
  EXPECT_NE(e.find("expected a positive number"), std::string::npos) << e;
  e = error_of(R"({"unbufferedHeaders": ["Cache-Control: no-transform", "no-transform"]})");
  EXPECT_NE(e.find("/unbufferedHeaders/1"), std::string::npos) << e;
  EXPECT_NE(e.find("expected \"Name: value\""), std::string::npos) << e;
}

TEST(Config, UnknownKeyNamesItsPosition) {
  std::string e = error_of("{\n  \"className\": \"X\",\n  \"clasName\": \"Y\"\n}");
  EXPECT_NE(e.find("cfg.json:3:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key \"clasName\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"className\""), std::string::npos) << e;
}

TEST(Config, WrongTypeNamesTheValuePosition) {
  std::string e = error_of("{\n  \"bridgeTimeoutMs\": \"5 min\"\n}");
  EXPECT_NE(e.find("cfg.json:2:22:"), std::string::npos) << e;
  EXPECT_NE(e.find("/bridgeTimeoutMs"), std::string::npos) << e;
  e = error_of("{\"envPrefixes\": [\"VF_\", 3]}");
  EXPECT_NE(e.find("cfg.json:1:25:"), std::string::npos) << e;
  EXPECT_NE(e.find("/envPrefixes/1"), std::string::npos) << e;
  e = error_of("[]");
  EXPECT_NE(e.find("cfg.json:1:1:"), std::string::npos) << e;
}

TEST(Config, PositionsCountCharactersAndSkipComments) {
  // A multi-byte character before the key and a comment containing braces and quotes.
  std::string e = error_of("{ /* {\"x\": 1} */ \"className\": \"é\", \"nope\": 1 }");
  EXPECT_NE(e.find("cfg.json:1:36:"), std::string::npos) << e;
}

TEST(Config, RolesAreChecked) {
  std::string e = error_of("{\"roles\": {\n \"workr\": \"x.ts\"}}");
  EXPECT_NE(e.find("cfg.json:2:2:"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"worker\""), std::string::npos) << e;
  EXPECT_NE(error_of("{\"roles\": {\"worker\": \"\"}}").find("non-empty"), std::string::npos);
  EXPECT_NE(error_of("{\"roles\": {\"worker\": \"/abs/x.ts\"}}").find("relative"),
            std::string::npos);
}

TEST(Config, DisableNeedsAKnownIdAndAReason) {
  auto ids = all_ids();
  std::string e = error_of("{\"disable\": [{\"id\": \"jwt.expiry\"}]}", ids);
  EXPECT_NE(e.find("missing \"reason\""), std::string::npos) << e;
  e = error_of("{\"disable\": [{\"id\": \"jwt.expiry\", \"reason\": \"  \"}]}", ids);
  EXPECT_NE(e.find("missing \"reason\""), std::string::npos) << e;
  e = error_of("{\"disable\": [\n  {\"id\": \"jwt.expiri\", \"reason\": \"x\"}]}", ids);
  EXPECT_NE(e.find("cfg.json:2:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown check ID \"jwt.expiri\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"jwt.expiry\""), std::string::npos) << e;
  e = error_of("{\"disable\": [{\"id\": \"jwt.sign\", \"reason\": \"x\", \"why\": 1}]}", ids);
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
  e = error_of(
      R"({"disable": [{"id": "jwt.sign", "reason": "a"}, {"id": "jwt.sign", "reason": "b"}]})",
      ids);
  EXPECT_NE(e.find("disabled twice"), std::string::npos) << e;
  e = error_of(R"({"disable": ["jwt.sign"]})", ids);
  EXPECT_NE(e.find("expected {\"id\""), std::string::npos) << e;
}

TEST(Config, DuplicateKeysAreErrors) {
  std::string e = error_of("{\"className\": \"A\",\n\"className\": \"B\"}");
  EXPECT_NE(e.find("cfg.json:2:1:"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate key"), std::string::npos) << e;
}

TEST(Config, InvalidJsonNamesLineAndColumn) {
  std::string e = error_of("{\n  \"className\": \"A\"\n  \"doBinding\": \"B\"\n}");
  EXPECT_NE(e.find("cfg.json:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
}

TEST(Config, NumberOutOfRangeIsAConfigError) {
  // nlohmann's parser reports a number past double's range as out_of_range, not parse_error.
  std::string e = error_of("{\n  \"bridgeTimeoutMs\": 1e999\n}");
  EXPECT_NE(e.find("cfg.json:2:22:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid JSON: number overflow parsing '1e999'"), std::string::npos) << e;
}

TEST(Config, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "{\"roles\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_NE(error_of(deep).find("/roles"), std::string::npos);
}

TEST(Config, UnreadableFileIsAConfigError) {
  EXPECT_THROW(load_config_file("/nonexistent/v15check.json"), ConfigError);
}

nlohmann::json schema() {
  return nlohmann::json::parse(read_file(source_dir() / "docs" / "config.schema.json"));
}

TEST(ConfigSchema, CoversExactlyTheLoadersKeys) {
  nlohmann::json s = schema();
  EXPECT_EQ(s.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(s.at("additionalProperties"), false);
  std::set<std::string> in_schema, in_loader;
  for (const auto& [k, _] : s.at("properties").items()) in_schema.insert(k);
  for (const auto& [k, _] : config_key_docs()) in_loader.insert(k);
  EXPECT_EQ(in_schema, in_loader);
  const auto& roles = s.at("properties").at("roles");
  EXPECT_EQ(roles.at("additionalProperties"), false);
  for (Role r : kAllRoles)
    EXPECT_TRUE(roles.at("properties").contains(std::string(role_key(r)))) << role_key(r);
  const auto& item = s.at("properties").at("disable").at("items");
  EXPECT_EQ(item.at("required"), nlohmann::json({"id", "reason"}));
  // Every registered check ID matches the schema's ID pattern.
  std::regex id_pattern(item.at("properties").at("id").at("pattern").get<std::string>(),
                        std::regex::ECMAScript);
  for (const auto& id : all_ids()) EXPECT_TRUE(std::regex_search(id, id_pattern)) << id;
  EXPECT_FALSE(std::regex_search(std::string("nope"), id_pattern));
}

TEST(ConfigSchema, DefaultsMatchTheLoader) {
  nlohmann::json props = schema().at("properties");
  Config c;
  EXPECT_EQ(props.at("className").at("default"), c.class_name);
  EXPECT_EQ(props.at("doBinding").at("default"), c.do_binding);
  EXPECT_EQ(props.at("sandboxBinding").at("default"), c.sandbox_binding);
  EXPECT_EQ(props.at("bridgeTimeoutMs").at("default").get<double>(), c.bridge_timeout_ms);
  EXPECT_EQ(props.at("oauthPrefix").at("default"), c.oauth_prefix);
  EXPECT_EQ(props.at("pendingQueryPath").at("default"), c.pending_query_path);
  EXPECT_EQ(props.at("agentImagePath").at("default"), c.agent_image_path);
  EXPECT_EQ(props.at("callbackUrl").at("default"), c.callback_url);
  EXPECT_EQ(props.at("claudeConfigDir").at("default"), c.claude_config_dir);
  EXPECT_EQ(props.at("envPrefixes").at("default"), nlohmann::json(c.env_prefixes));
  EXPECT_EQ(props.at("helperDepth").at("default").get<int>(), c.helper_depth);
  EXPECT_EQ(props.at("heartbeatMaxMs").at("default").get<double>(), c.heartbeat_max_ms);
  EXPECT_EQ(props.at("unbufferedHeaders").at("default"), nlohmann::json(c.unbuffered_headers));
  EXPECT_EQ(props.at("authFunctions").at("default"), nlohmann::json(c.auth_functions));
  EXPECT_EQ(props.at("verifierFunctions").at("default"), nlohmann::json(c.verifier_functions));
  for (Role r : kAllRoles)
    EXPECT_EQ(props.at("roles").at("properties").at(std::string(role_key(r))).at("default"),
              c.path(r));
}

TEST(ExampleConfigs, LoadThroughTheToolsLoader) {
  fs::path dir = source_dir() / "examples" / "config";
  int loaded = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(load_config_file(e.path().string(), all_ids()));
    ++loaded;
  }
  EXPECT_GE(loaded, 2);
}

}  // namespace
}  // namespace v15::testing
