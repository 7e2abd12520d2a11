// CLI wiring only: parse options, load config and sources, run the checks, report.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/report.h"
#include "v15check/source.h"
#include "v15check/trace.h"

#include "cli/history_command.h"

namespace fs = std::filesystem;

namespace {

constexpr int kExitUsage = 2;

int error(const std::string& message) {
  std::cerr << "v15check: error: " << v15::sanitize(v15::cap(message, v15::kMessageMax)) << "\n";
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
  CLI::App app{
      "v15check: proves from source that the V1.5 HTTP streaming flow is wired end to end.",
      "v15check"};
  app.set_version_flag("--version", std::string("v15check ") + V15CHECK_VERSION);
  std::string root = ".";
  std::string config_path;
  std::vector<std::string> check_ids, group_names;
  std::string format = "text";
  std::string output;
  std::string color = "auto";
  bool list = false, verbose = false, staged = false;
  std::string explain, rev, git_dir, changed_since;
  app.get_formatter()->column_width(26);
  app.footer(
      "Exit status: 0 all checks pass, 1 any FAIL, 2 usage/config/internal error.\n"
      "Suppress one FAIL: // v15check-disable-next-line ID -- reason. Docs: README.md, docs/.");
  app.add_option("root", root, "Project directory (default: .); with --git-dir: a dir in the repo")
      ->type_name("ROOT");
  app.add_option("--config", config_path, "Config file (default: ROOT/.v15check.json)")
      ->type_name("FILE");
  app.add_option("--check", check_ids, "Run only these check IDs (repeatable, comma-separated)")
      ->type_name("ID");
  app.add_option("--group", group_names, "Run only these groups: route do jwt agent docker error")
      ->type_name("G");
  app.add_option("--format", format, "Report format (--list-checks: text, json or markdown)")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "github", "markdown"}))
      ->type_name("F");
  app.add_option("--output,-o", output, "Write the report to FILE; a summary goes to stderr")
      ->type_name("FILE");
  app.add_option("--color", color, "Colour (auto: on a terminal, unless NO_COLOR is set)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  app.add_flag("--verbose,-v", verbose, "Also list passing and suppressed checks, with evidence");
  app.add_option("--rev", rev, "Check the files as they are at git revision REV")->type_name("REV");
  app.add_option("--git-dir", git_dir, "Git directory (may be bare) for --rev/--staged")
      ->type_name("DIR");
  app.add_option("--changed-since", changed_since,
                 "Exit 0 without checking unless a flow file changed since REV")
      ->type_name("REV");
  app.add_flag("--staged", staged, "Check the index; exit 0 unless a flow file is staged");
  app.add_option("--explain", explain, "Describe check ID (text or --format json) and exit")
      ->type_name("ID");
  bool trace = false, ascii = false;
  std::string trace_format = "text";
  app.add_flag("--trace", trace, "Print the V1.5 flow hop by hop before the report");
  app.add_option("--trace-format", trace_format, "Trace format (implies --trace)")
      ->check(CLI::IsMember({"text", "mermaid", "dot"}));
  app.add_flag("--ascii", ascii,
               "ASCII marks in the text trace (default when the locale is not UTF-8)");
  app.add_flag("--list-checks", list, "List the check catalogue and exit");
  v15::cli::HistoryCommands history_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (history_commands.chosen()) return history_commands.run();

  v15::Registry registry = v15::default_registry();
  v15::Selection selection;
  for (const auto& id : split_list(check_ids)) {
    if (!registry.find(id))
      return error(fmt::format("unknown check ID '{}' (see --list-checks)", id));
    selection.ids.push_back(id);
  }
  for (const auto& name : split_list(group_names)) {
    auto g = v15::group_from_name(name);
    if (!g)
      return error(fmt::format("unknown group '{}' (route, do, jwt, agent, docker, error)", name));
    selection.groups.push_back(*g);
  }

  // Writes a finished document to --output (then `summary` goes to stderr) or to stdout.
  auto emit = [&](const std::string& text, const std::string& summary) {
    if (output.empty()) {
      std::cout << text;
      std::cout.flush();
      return std::cout ? 0 : error("cannot write the report to stdout");
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return error(fmt::format("cannot write '{}'", output));
    std::cerr << "v15check: " << summary << " -> " << v15::sanitize(output) << "\n";
    return 0;
  };

  if (!explain.empty()) {
    const v15::Check* c = registry.find(explain);
    if (!c) return error(fmt::format("unknown check ID '{}' (see --list-checks)", explain));
    if (format != "text" && format != "json") return error("--explain prints text or json");
    std::ostringstream doc;
    format == "json" ? v15::write_explain_json(doc, *c) : v15::write_explain(doc, *c);
    return emit(doc.str(), "explained " + c->id);
  }
  if (list) {
    std::optional<v15::CatalogueFormat> cf =
        format == "text"       ? std::optional(v15::CatalogueFormat::Text)
        : format == "json"     ? std::optional(v15::CatalogueFormat::Json)
        : format == "markdown" ? std::optional(v15::CatalogueFormat::Markdown)
                               : std::nullopt;
    if (!cf) return error("--list-checks prints text, json or markdown");
    std::vector<const v15::Check*> listed;
    for (const auto& c : registry.checks())
      if (selection.selected(c)) listed.push_back(&c);
    std::ostringstream doc;
    v15::write_catalogue(doc, listed, *cf);
    return emit(doc.str(), fmt::format("{} checks listed", listed.size()));
  }
  if (format == "markdown") return error("--format markdown is for --list-checks");

  // Git: --rev/--staged read files through one `git cat-file --batch`; --changed-since/--staged
  // skip the run when no flow file changed (the checklist's "When to Run").
  v15::git::Request git_request{root, git_dir, rev, changed_since, staged};
  std::optional<v15::git::Session> git;
  if (!git_dir.empty() || git_request.reads_git() || git_request.gated()) {
    try {
      git.emplace(git_request);
    } catch (const v15::git::GitError& e) {
      return error(e.what());
    }
  }
  bool from_git = git && git_request.reads_git();

  std::error_code ec;
  if (git_dir.empty()) {  // with --git-dir, ROOT names a directory inside the repository
    if (!fs::exists(root, ec)) return error(fmt::format("root '{}' does not exist", root));
    if (!fs::is_directory(root, ec))
      return error(fmt::format("root '{}' is not a directory", root));
    if (::access(root.c_str(), R_OK | X_OK) != 0)
      return error(fmt::format("root '{}' is not readable ({})", root, std::strerror(errno)));
  }

  std::vector<std::string> all_ids;
  for (const auto& c : registry.checks()) all_ids.push_back(c.id);
  v15::Config config;
  try {
    if (!config_path.empty()) {
      config = v15::load_config_file(config_path, all_ids);
    } else {
      // read under the role files' rules (inside the root, a regular file, within the size cap),
      // from the revision or index for a git run
      std::string origin = (fs::path(root) / v15::kConfigFileName).string();
      v15::ReadResult r;
      if (from_git) {
        std::string at = v15::git::join(git->prefix(), v15::kConfigFileName);
        origin = fmt::format("{}:{}", rev, at);
        r = git->read_checked(at);
      } else {
        r = v15::WorkingTreeReader(root).read(v15::kConfigFileName);
      }
      // only a config that is not there at all means the defaults; a dangling link does not
      bool absent = r.status == v15::ReadResult::Status::Missing && !r.dangling;
      if (r.status == v15::ReadResult::Status::Ok)
        config = v15::parse_config(r.text, origin, all_ids);
      else if (!absent)
        throw v15::ConfigError(fmt::format("cannot use config file: {}", r.error));
    }
  } catch (const v15::ConfigError& e) {
    return error(e.what());
  }

  if (git && git_request.gated()) {
    std::vector<std::string> changed;
    try {
      changed = git->changed_files();
    } catch (const v15::git::GitError& e) {
      return error(e.what());
    }
    std::vector<std::string> watched = v15::watched_paths(config.paths, git->prefix());
    bool relevant = std::any_of(changed.begin(), changed.end(), [&](const std::string& f) {
      return std::find(watched.begin(), watched.end(), f) != watched.end();
    });
    if (!relevant) {
      std::string what = staged && changed_since.empty()
                             ? std::string("no flow file is staged")
                             : fmt::format("no flow file changed since {}", changed_since);
      (format == "text" && output.empty() ? std::cout : std::cerr)
          << "v15check: " << v15::sanitize(what) << "; nothing to check\n";
      return 0;
    }
  }

  std::unique_ptr<v15::FileReader> reader;
  if (from_git)
    reader = git->reader();
  else
    reader = std::make_unique<v15::WorkingTreeReader>(root);
  // The process ends right after the report, so the trees and models are left to the OS rather
  // than freed node by node (as compilers leave their ASTs); a static keeps them reachable.
  v15::SourceSet sources =
      v15::load_sources(*reader, config.paths, from_git ? git->prefix() : std::string{});
  // The wrangler config decides expected values: one that exists but cannot be read is the
  // same kind of error as an unusable config file, never a silent default.
  if (const auto& w = sources.wrangler; w && !w->ok())
    return error(fmt::format("cannot use wrangler config: {}", w->error));
  static const v15::Project* kept = nullptr;
  kept = new v15::Project(std::move(sources), config);
  const v15::Project& project = *kept;
  std::vector<v15::Result> results = v15::run_checks(registry, project, selection);
  std::vector<v15::Finding> findings = v15::directive_findings(project, registry, results);

  v15::ReportOptions options;
  options.verbose = verbose;
  options.root = reader->describe();
  options.findings = findings;
  if (from_git) {
    options.source = rev.empty() ? "index" : "revision";
    options.revision = rev;
    options.commit = git->commit();
  } else {
    options.root_uri = v15::file_uri(fs::weakly_canonical(root, ec).string());
  }
  bool to_terminal = output.empty() && isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  options.color = color == "always" ||
                  (color == "auto" && to_terminal && !(no_color && *no_color) && format == "text");

  if (trace || app.count("--trace-format") > 0) {
    // the trace judges every hop, whatever --check/--group selected for the report
    std::vector<v15::Result> all = selection.ids.empty() && selection.groups.empty()
                                       ? results
                                       : v15::run_checks(registry, project, v15::Selection{});
    // a machine-readable report on stdout must stay parseable: the trace then goes to stderr
    bool trace_to_stderr = format != "text" && output.empty();
    std::ostream& trace_out = trace_to_stderr ? std::cerr : std::cout;
    int trace_fd = trace_to_stderr ? STDERR_FILENO : STDOUT_FILENO;
    bool trace_color =
        color == "always" || (color == "auto" && isatty(trace_fd) && !(no_color && *no_color));
    v15::write_trace(trace_out, v15::build_trace(project, all),
                     *v15::trace_format_from_name(trace_format), ascii || !v15::locale_is_utf8(),
                     trace_color);
    trace_out << "\n";
  }

  std::ostringstream report;
  v15::write_report(report, *v15::format_from_name(format), results, options);
  if (int bad = emit(report.str(), v15::summary_line(results, findings))) return bad;
  return v15::exit_status(results, findings);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return error(fmt::format("internal error: {}", e.what()));
  }
}
