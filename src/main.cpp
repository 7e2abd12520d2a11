// CLI wiring only: parse options, load config and sources, run the checks, report.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/report.h"
#include "v15check/source.h"

namespace fs = std::filesystem;

namespace {

constexpr int kExitUsage = 2;

int error(const std::string& message) {
  std::cerr << "v15check: error: " << v15::sanitize(message) << "\n";
  return kExitUsage;
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

int run(int argc, char** argv) {
  CLI::App app{"v15check: proves from source that the V1.5 HTTP streaming flow is wired end to end.",
               "v15check"};
  app.set_version_flag("--version", std::string("v15check ") + V15CHECK_VERSION);
  std::string root = ".";
  std::string config_path;
  std::vector<std::string> check_ids, group_names;
  std::string format = "text";
  std::string output;
  std::string color = "auto";
  bool list = false, verbose = false;
  app.add_option("root", root, "Directory holding the Worker project (default: .)");
  app.add_option("--config", config_path, "Config file (default: ROOT/.v15check.json if present)");
  app.add_option("--check", check_ids, "Run only these check IDs (repeatable, comma-separated)");
  app.add_option("--group", group_names,
                 "Run only these groups: route, do, jwt, agent, docker, error (repeatable)");
  app.add_option("--format", format, "Report format")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--output,-o", output, "Write the report to FILE; a summary goes to stderr");
  app.add_option("--color", color, "Colour: auto (terminal only, honours NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("--verbose,-v", verbose, "Also list passing checks with their evidence");
  app.add_flag("--list-checks", list, "List the check catalogue and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  v15::Registry registry = v15::default_registry();
  v15::Selection selection;
  for (const auto& id : split_list(check_ids)) {
    if (!registry.find(id)) return error(fmt::format("unknown check ID '{}' (see --list-checks)", id));
    selection.ids.push_back(id);
  }
  for (const auto& name : split_list(group_names)) {
    auto g = v15::group_from_name(name);
    if (!g) return error(fmt::format("unknown group '{}' (route, do, jwt, agent, docker, error)", name));
    selection.groups.push_back(*g);
  }

  if (list) {
    for (const auto& c : registry.checks()) {
      if (!selection.selected(c)) continue;
      std::cout << fmt::format("{:<28} {:<20} {}\n", c.id, v15::group_info(c.group).title, c.title);
    }
    return 0;
  }

  std::error_code ec;
  if (!fs::exists(root, ec)) return error(fmt::format("root '{}' does not exist", root));
  if (!fs::is_directory(root, ec)) return error(fmt::format("root '{}' is not a directory", root));

  v15::Config config;
  std::string cfg = config_path;
  if (cfg.empty() && fs::exists(fs::path(root) / ".v15check.json", ec))
    cfg = (fs::path(root) / ".v15check.json").string();
  if (!cfg.empty()) {
    std::ifstream in(cfg, std::ios::binary);
    if (!in) return error(fmt::format("cannot read config file '{}'", cfg));
    std::stringstream text;
    text << in.rdbuf();
    try {
      config = v15::parse_config(text.str(), cfg);
    } catch (const v15::ConfigError& e) {
      return error(e.what());
    }
  }

  v15::WorkingTreeReader reader(root);
  v15::Project project(v15::load_sources(reader, config.paths), config);
  std::vector<v15::Result> results = v15::run_checks(registry, project, selection);

  v15::ReportOptions options;
  options.verbose = verbose;
  options.root = reader.describe();
  bool to_terminal = output.empty() && isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  options.color = color == "always" ||
                  (color == "auto" && to_terminal && !(no_color && *no_color) && format == "text");

  std::ostringstream report;
  if (format == "json")
    v15::write_json(report, results, options);
  else
    v15::write_text(report, results, options);

  if (output.empty()) {
    std::cout << report.str();
  } else {
    std::ofstream out(output, std::ios::binary);
    if (!out) return error(fmt::format("cannot write '{}'", output));
    out << report.str();
    v15::Counts c = v15::count(results);
    std::cerr << fmt::format("v15check: {} checks, {} passed, {} failed -> {}\n", c.total(), c.passed,
                             c.failed, v15::sanitize(output));
  }
  return v15::exit_status(results);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return error(fmt::format("internal error: {}", e.what()));
  }
}
