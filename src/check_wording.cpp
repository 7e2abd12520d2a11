// A check's title and Expected line as the configuration words them: the catalogue is written
// with the checklist's defaults, and a project that configures another value (or whose wrangler
// config declares another binding) reads its own value in every report, not the default.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "v15check/check.h"

namespace v15 {

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty() || from == to) return;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A duration as the titles say it: "5 minutes", "1 hour", "90 seconds", "1500 ms".
std::string human_duration(double ms) {
  auto unit = [](double n, std::string_view one) {
    return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s");
  };
  if (ms > 0 && std::fmod(ms, 3600000) == 0) return unit(ms / 3600000, "hour");
  if (ms > 0 && std::fmod(ms, 60000) == 0) return unit(ms / 60000, "minute");
  if (ms > 0 && std::fmod(ms, 1000) == 0) return unit(ms / 1000, "second");
  return fmt::format("{} ms", ms);
}

bool reads(const Check& check, std::string_view key) {
  return std::find(check.config_keys.begin(), check.config_keys.end(), key) !=
         check.config_keys.end();
}

}  // namespace

Check configured(const Check& check, const Config& config) {
  static const Config defaults;
  Check out = check;
  auto reword = [&](std::string_view from, std::string_view to) {
    replace_all(out.title, from, to);
    replace_all(out.expected, from, to);
  };
  // string keys: the default literal stands for the configured one wherever the wording shows it
  const std::pair<std::string_view, std::string Config::*> literals[] = {
      {"doBinding", &Config::do_binding},
      {"sandboxBinding", &Config::sandbox_binding},
      {"oauthPrefix", &Config::oauth_prefix},
      {"pendingQueryPath", &Config::pending_query_path},
      {"callbackUrl", &Config::callback_url},
      {"claudeConfigDir", &Config::claude_config_dir},
      {"agentImagePath", &Config::agent_image_path},
  };
  for (const auto& [key, member] : literals) {
    if (!reads(check, key) || config.*member == defaults.*member) continue;
    const std::string value = cap(config.*member);
    reword(defaults.*member, value);
    if (key == "sandboxBinding")
      replace_all(out.expected, "<sandboxBinding env read>", fmt::format("env.{}", value));
  }
  if (reads(check, "envPrefixes") && config.env_prefixes != defaults.env_prefixes &&
      !config.env_prefixes.empty()) {
    std::string names;
    for (const auto& p : config.env_prefixes)
      names += fmt::format("{}{}*", names.empty() ? "" : "/", cap(p));
    reword("VF_*", names);
  }
  if (reads(check, "bridgeTimeoutMs") && config.bridge_timeout_ms != defaults.bridge_timeout_ms) {
    const double ms = config.bridge_timeout_ms;
    replace_all(out.title, human_duration(defaults.bridge_timeout_ms), human_duration(ms));
    replace_all(out.expected,
                fmt::format("bridgeTimeoutMs (default {} ms)", defaults.bridge_timeout_ms),
                fmt::format("bridgeTimeoutMs = {}", describe_ms(ms)));
  }
  return out;
}

void Registry::configure(const Config& config) {
  for (Check& c : checks_) c = configured(c, config);
}

}  // namespace v15
