#include "v15check/init.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "v15check/baseline.h"
#include "v15check/model.h"
#include "v15check/report.h"
#include "v15check/text.h"

namespace v15 {

namespace fs = std::filesystem;

namespace {

// Rounds of "run, set keys" before init stops looking: each round can only add keys, and there
// are few keys, so this is a bound against a cycle, not a tuning knob.
constexpr int kMaxRounds = 4;

std::string json_value(const Constant& c) {
  if (c.is_string()) return nlohmann::json(valid_utf8(c.string())).dump();
  double v = c.number();
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return fmt::format("{}", static_cast<long long>(v));
  return nlohmann::json(v).dump();
}

std::string shown_value(const Constant& c) {
  return c.is_string() ? sanitize(cap(c.string())) : json_value(c);
}

std::string at(const Location& l) {
  return l.line > 0 ? fmt::format("{}:{}", sanitize(l.path), l.line) : sanitize(l.path);
}

bool write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int InitPlan::failed() const { return count(results).failed; }

bool set_config_value(Config& config, const std::string& key, const Constant& value) {
  if (key == "bridgeTimeoutMs") {
    if (!value.is_number() || !(value.number() > 0)) return false;
    config.bridge_timeout_ms = value.number();
    return true;
  }
  if (!value.is_string() || value.string().empty()) return false;
  const std::string& s = value.string();
  if (key == "doBinding")
    config.do_binding = s;
  else if (key == "sandboxBinding")
    config.sandbox_binding = s;
  else if (key == "oauthPrefix")
    config.oauth_prefix = s;
  else if (key == "pendingQueryPath")
    config.pending_query_path = s;
  else if (key == "agentImagePath")
    config.agent_image_path = s;
  else if (key == "callbackUrl")
    config.callback_url = s;
  else if (key == "claudeConfigDir")
    config.claude_config_dir = s;
  else
    return false;
  return true;
}

InitPlan plan_init(const FileReader& reader, const Registry& registry) {
  InitPlan plan;
  for (int round = 0; round < kMaxRounds; ++round) {
    SourceSet sources = load_sources(reader, plan.config.paths);
    Project project(std::move(sources), plan.config);
    plan.results = run_checks(registry, project, Selection{});
    bool added = false;
    for (const Result& r : plan.results) {
      const auto& mismatch = r.outcome.config_mismatch;
      if (r.outcome.status != Status::Fail || !mismatch) continue;
      bool known = false;
      for (const InitSetting& s : plan.settings) known = known || s.key == mismatch->key;
      // a key set in an earlier round stays: two checks disagreeing on it is a real finding
      if (known || !set_config_value(plan.config, mismatch->key, mismatch->observed)) continue;
      plan.settings.push_back({mismatch->key, mismatch->observed, mismatch->location, r.check->id});
      added = true;
    }
    if (!added) break;
  }
  return plan;
}

std::string init_config_text(const InitPlan& plan) {
  std::string text =
      "// v15check configuration, written by `v15check init` from the code as it was.\n"
      "// Each key below is a value the code has where the checklist expects another; keep it\n"
      "// only if it is a deliberate choice. Every key: README (Configuration), "
      "docs/config.schema.json.\n"
      "{\n";
  std::vector<std::string> members;  // each with its comment lines, without the comma
  for (const InitSetting& s : plan.settings)
    // a path holding a newline would end the comment early: sanitize shows it escaped
    members.push_back(fmt::format("  // the code has this value at {} ({})\n  \"{}\": {}",
                                  at(s.location), s.check_id, s.key, json_value(s.value)));
  if (plan.failed() > 0)
    members.push_back(fmt::format(
        "  // FAILs no key explains, accepted until they are fixed: give each entry a \"reason\",\n"
        "  // or delete this key to see them fail again\n  \"baseline\": \"{}\"",
        kInitBaselineFileName));
  if (members.empty()) text += "  // the code has the checklist's values: nothing to set\n";
  for (std::size_t i = 0; i < members.size(); ++i)
    text += members[i] + (i + 1 < members.size() ? ",\n" : "\n");
  text += "}\n";
  return text;
}

int run_init(const InitRequest& request, const Registry& registry, std::ostream& out,
             std::ostream& err) {
  auto fail = [&](const std::string& message) {
    err << "v15check: error: " << sanitize(cap(message, kMessageMax)) << "\n";
    return 2;
  };
  std::error_code ec;
  const std::string& root = request.root;
  if (!fs::exists(root, ec)) return fail(fmt::format("root '{}' does not exist", root));
  if (!fs::is_directory(root, ec)) return fail(fmt::format("root '{}' is not a directory", root));
  if (::access(root.c_str(), R_OK | W_OK | X_OK) != 0)
    return fail(fmt::format("root '{}' is not writable ({})", root, std::strerror(errno)));
  fs::path config_file = fs::path(root) / kConfigFileName;
  fs::path baseline_file = fs::path(root) / kInitBaselineFileName;
  if (!request.force) {
    for (const fs::path& f : {config_file, baseline_file})
      if (fs::exists(fs::symlink_status(f, ec)))
        return fail(fmt::format("'{}' exists; pass --force to overwrite it", f.string()));
  }

  WorkingTreeReader reader(root);
  InitPlan plan = plan_init(reader, registry);
  {
    SourceSet sources = load_sources(reader, plan.config.paths);
    if (const auto& w = sources.wrangler; w && !w->ok())
      return fail(fmt::format("cannot use wrangler config: {}", w->error));
  }

  if (!write_file(config_file, init_config_text(plan)))
    return fail(fmt::format("cannot write '{}'", config_file.string()));
  out << "v15check init: wrote " << sanitize(config_file.string());
  if (plan.settings.empty()) out << " (the code has every default value)";
  out << "\n";
  for (const InitSetting& s : plan.settings)
    out << fmt::format("  {} = {}  (the code at {}, {})\n", s.key, shown_value(s.value),
                       at(s.location), s.check_id);

  int still = plan.failed();
  if (still == 0) {
    out << "v15check init: every check passes with this config\n";
    return 0;
  }
  Baseline b = baseline_of(plan.results, baseline_file.string());
  if (!write_file(baseline_file, baseline_text(b)))
    return fail(fmt::format("cannot write '{}'", baseline_file.string()));
  out << fmt::format(
      "v15check init: {} check{} still FAIL: no config key explains {}; they are listed in {}\n",
      still, still == 1 ? "" : "s", still == 1 ? "it" : "them", sanitize(baseline_file.string()));
  for (const Result& r : plan.results) {
    if (r.outcome.status != Status::Fail) continue;
    out << fmt::format("  FAIL {} at {}: {}\n", r.check->id, at(r.outcome.location),
                       sanitize(cap(r.outcome.found, 200)));
  }
  out << fmt::format(
      "The config's \"baseline\" key accepts them until they are fixed: give each entry in {} a "
      "\"reason\", or delete the key to see them fail\n",
      kInitBaselineFileName);
  return 0;
}

}  // namespace v15
