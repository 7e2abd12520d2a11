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

#include "v15check/baseline.h"
#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/init.h"
#include "v15check/man.h"
#include "v15check/report.h"
#include "v15check/root.h"
#include "v15check/source.h"
#include "v15check/suggest.h"
#include "v15check/trace.h"

#include "cli/common.h"
#include "cli/history_command.h"

namespace fs = std::filesystem;

namespace {

using v15::cli::kExitUsage;

int error(const std::string& message) { return v15::cli::usage_error(message); }

// The options as --help lists them (hidden ones left out), for the man page.
std::vector<v15::ManOption> man_options(const CLI::App& app) {
  std::vector<v15::ManOption> options;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) continue;
    std::string names = o->get_name(true, true);
    for (std::size_t at = names.find(','); at != std::string::npos; at = names.find(',', at + 2))
      names.replace(at, 1, ", ");
    bool positional = o->get_positional();
    std::string value = o->get_items_expected_max() == 0 || positional ? "" : o->get_type_name();
    options.push_back({positional ? o->get_type_name() : names, value, o->get_description()});
  }
  return options;
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
  bool list = false, verbose = false, staged = false, quiet = false;
  std::string explain, rev, git_dir, changed_since;
  app.get_formatter()->column_width(26);
  app.footer(
      "Exit status: 0 all checks pass, 1 any FAIL, 2 usage/config/internal error.\n"
      "Suppress one FAIL: // v15check-disable-next-line ID -- reason. Docs: README.md, docs/.");
  app.add_option("root", root, "Project directory (default: .); with --git-dir: a dir in the repo")
      ->type_name("ROOT");
  app.add_option("--config", config_path, "Config file (default: ROOT/.v15check.json)")
      ->type_name("FILE");
  // one value per use, so `--check ID ROOT` leaves ROOT a root
  v15::cli::add_list_option(app, "--check", check_ids,
                            "Run only these check IDs (repeatable, comma-separated)", "ID");
  v15::cli::add_list_option(app, "--group", group_names,
                            "Run only these groups: route do jwt agent docker error", "G");
  // the formats are listed in the description, so the option takes one line of --help
  app.add_option("--format", format,
                 "text json sarif junit github compact (--list-checks: text json markdown)")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "github", "compact", "markdown"})
                  .description(""))
      ->type_name("F");
  app.add_option("--output,-o", output, "Write the report to FILE; a summary goes to stderr")
      ->type_name("FILE");
  app.add_option("--color", color, "Colour (auto: on a terminal, unless NO_COLOR is set)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->type_name("WHEN");
  app.add_flag("--verbose,-v", verbose, "Also list passing and suppressed checks, with evidence");
  app.add_flag("--quiet,-q", quiet, "Print only FAILs and errors (text, compact, github)");
  app.add_option("--rev", rev, "Check the files as they are at git revision REV")->type_name("REV");
  app.add_option("--git-dir", git_dir, "Git directory (may be bare) for --rev/--staged")
      ->type_name("DIR");
  app.add_option("--changed-since", changed_since,
                 "Exit 0 without checking unless a flow file changed since REV")
      ->type_name("REV");
  app.add_flag("--staged", staged, "Check the index; exit 0 unless a flow file is staged");
  std::string baseline_path, write_baseline_path, new_since;
  app.add_option("--baseline", baseline_path,
                 "Report the FAILs FILE lists as BASELINED: they do not fail the run")
      ->type_name("FILE");
  app.add_option("--write-baseline", write_baseline_path,
                 "Write the current FAILs to FILE as a baseline")
      ->type_name("FILE");
  app.add_option("--new-since", new_since,
                 "Report the FAILs the files had at git revision REV as BASELINED")
      ->type_name("REV");
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
  bool man = false;  // hidden: the build writes v15check.1 with it
  app.add_flag("--man", man, "Write the man page (roff) and exit")->group("");
  v15::InitRequest init_request;
  CLI::App* init = app.add_subcommand(
      "init", "Write a starting .v15check.json (and a baseline of what still fails) from ROOT");
  init->add_option("root", init_request.root, "Project directory (default: .)")->type_name("ROOT");
  init->add_flag("--force", init_request.force, "Overwrite an existing config or baseline file");
  init->footer("Exit status: 0 written, 2 usage error or a file exists (without --force).");
  v15::cli::HistoryCommands history_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "v15check: error: " << v15::sanitize(e.what())
              << "\nRun 'v15check --help' for the options.\n";
    return kExitUsage;
  }
  if (history_commands.chosen()) return history_commands.run();
  if (quiet && verbose) return error("--quiet and --verbose exclude each other");
  if (quiet && format != "text" && format != "compact" && format != "github")
    return error("--quiet is for the text, compact and github formats");

  v15::Registry registry = v15::default_registry();
  if (init->parsed()) return v15::run_init(init_request, registry, std::cout, std::cerr);
  v15::Selection selection;
  {
    std::string problem;
    auto selected = v15::cli::select_checks(registry, check_ids, group_names, problem);
    if (!selected) return error(problem);
    selection = std::move(*selected);
  }

  // Writes a finished document to --output (then `summary` goes to stderr) or to stdout.
  auto emit = [&](const std::string& text, const std::string& summary) {
    if (int status = v15::cli::write_document(text, output); status != 0) return status;
    if (!output.empty() && !quiet)
      std::cerr << "v15check: " << summary << " -> " << v15::sanitize(output) << "\n";
    return 0;
  };

  if (man) {
    std::vector<const v15::Check*> checks;
    for (const auto& c : registry.checks()) checks.push_back(&c);
    std::ostringstream doc;
    v15::write_man_page(doc, man_options(app), checks, V15CHECK_VERSION);
    return emit(doc.str(), "man page written");
  }

  // With --config, the catalogue views word each check with the configured values too.
  if ((!explain.empty() || list) && !config_path.empty()) {
    try {
      std::vector<std::string> ids;
      for (const auto& c : registry.checks()) ids.push_back(c.id);
      registry.configure(v15::load_config_file(config_path, ids));
    } catch (const v15::ConfigError& e) {
      return error(e.what());
    }
  }

  if (!explain.empty()) {
    const v15::Check* c = registry.find(explain);
    if (!c) {
      std::vector<std::string> ids;
      for (const auto& check : registry.checks()) ids.push_back(check.id);
      auto near = v15::nearest(explain, ids);
      return error(fmt::format("unknown check ID '{}'{} (see --list-checks)", explain,
                               near ? fmt::format("; did you mean '{}'?", *near) : ""));
    }
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
  // A graph trace (mermaid, dot) owns stdout, so `> flow.dot` is a document `dot` reads; the
  // report goes only where -o sends it.
  bool tracing = trace || app.count("--trace-format") > 0;
  bool graph_trace = tracing && trace_format != "text";
  if (graph_trace && output.empty() && app.count("--format") > 0 && format != "text")
    return error(
        fmt::format("--trace-format {} writes the graph to stdout; add -o FILE for the {} "
                    "report",
                    trace_format, format));

  std::vector<std::string> all_ids;
  for (const auto& c : registry.checks()) all_ids.push_back(c.id);
  v15::Config config;
  try {
    if (!config_path.empty()) config = v15::load_config_file(config_path, all_ids);
  } catch (const v15::ConfigError& e) {
    return error(e.what());
  }

  // No ROOT given: the nearest directory upwards that holds the config or a role file, as
  // ESLint and clang-tidy find their config; a git-aware run looks no higher than the top of
  // the repository and falls back to it, so `cd src && v15check --staged` checks the project.
  bool root_given = app.count("root") > 0 || !git_dir.empty();
  bool root_found = root_given;
  if (!root_given) {
    std::string top;
    if (!rev.empty() || staged || !changed_since.empty()) {
      try {
        std::string up = v15::git::Repo::at_directory(".").run({"rev-parse", "--show-cdup"});
        while (!up.empty() && (up.back() == '\n' || up.back() == '/')) up.pop_back();
        top = up.empty() ? "." : up;
      } catch (const v15::git::GitError&) {
        // not a repository: the git session below says so
      }
    }
    auto found = v15::find_project_root(".", config.paths, top);
    root_found = found.has_value();
    root = found ? *found : top.empty() ? "." : top;
  }

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

  try {
    if (config_path.empty()) {
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
      if (!quiet)
        (format == "text" && output.empty() && !graph_trace ? std::cout : std::cerr)
            << "v15check: " << v15::sanitize(what) << "; nothing to check\n";
      return 0;
    }
  }

  // A baseline is read before the run, so an unusable one stops it with exit 2.
  if (!baseline_path.empty() && !new_since.empty())
    return error("--baseline and --new-since name two baselines: give one");
  std::optional<v15::Baseline> baseline;
  try {
    if (!baseline_path.empty())
      baseline = v15::load_baseline_file(baseline_path);
    else if (!new_since.empty())
      baseline = v15::baseline_at_revision(git_request, new_since, config, registry, selection);
    else if (!config.baseline.empty()) {
      // the config's baseline is read like the config: from the revision or index in a git run
      std::string at = config.baseline;
      v15::ReadResult r;
      if (from_git) {
        at = v15::git::join(git->prefix(), config.baseline);
        r = git->read_checked(at);
      } else {
        r = v15::WorkingTreeReader(root).read(config.baseline);
      }
      if (r.status != v15::ReadResult::Status::Ok)
        return error(fmt::format("cannot use the config's baseline: {}", r.error));
      baseline = v15::parse_baseline(r.text, at);
    }
  } catch (const v15::BaselineError& e) {
    return error(e.what());
  } catch (const v15::git::GitError& e) {
    return error(fmt::format("--new-since {}: {}", new_since, e.what()));
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
  // Checking a directory that is not the project would report every check "not found".
  if (v15::holds_no_role_file(sources)) {
    std::string files;
    for (v15::Role r : v15::kAllRoles) files += (files.empty() ? "" : ", ") + sources.get(r).path;
    return error(
        root_found
            ? fmt::format("{} holds none of the V1.5 role files ({}): name the project "
                          "directory as ROOT, or set \"roles\" in {}",
                          reader->describe(), files, v15::kConfigFileName)
            : fmt::format("no project root found: neither {} nor a directory above it holds {} "
                          "or a role file ({}); name the project directory as ROOT",
                          fs::current_path(ec).string(), v15::kConfigFileName, files));
  }
  static const v15::Project* kept = nullptr;
  kept = new v15::Project(std::move(sources), config);
  const v15::Project& project = *kept;
  // every report words a check with the project's values (config file, then wrangler bindings)
  registry.configure(project.config());
  std::vector<v15::Result> results = v15::run_checks(registry, project, selection);
  std::vector<v15::Finding> findings = v15::directive_findings(project, registry, results);
  if (baseline) {
    std::vector<v15::Finding> unused = v15::apply_baseline(*baseline, results, registry);
    findings.insert(findings.end(), unused.begin(), unused.end());
  }
  if (!write_baseline_path.empty()) {
    // the run then reports against the baseline just written: every FAIL is accepted
    v15::Baseline written = v15::baseline_of(results, write_baseline_path);
    std::ofstream file(write_baseline_path, std::ios::binary | std::ios::trunc);
    file << v15::baseline_text(written);
    file.close();
    if (!file) return error(fmt::format("cannot write baseline '{}'", write_baseline_path));
    v15::apply_baseline(written, results, registry);
    std::cerr << "v15check: wrote " << written.entries.size() << " baseline entr"
              << (written.entries.size() == 1 ? "y" : "ies") << " to "
              << v15::sanitize(write_baseline_path) << "\n";
  }

  v15::ReportOptions options;
  options.verbose = verbose;
  options.quiet = quiet;
  options.root = reader->describe();
  options.findings = findings;
  if (!write_baseline_path.empty())
    options.baseline = write_baseline_path;
  else if (baseline)
    options.baseline = new_since.empty() ? baseline->origin : "--new-since " + new_since;
  if (from_git) {
    options.source = rev.empty() ? "index" : "revision";
    options.revision = rev;
    options.commit = git->commit();
  } else {
    options.root_uri = v15::file_uri(fs::weakly_canonical(root, ec).string());
  }
  bool to_terminal = output.empty() && isatty(STDOUT_FILENO);
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  // a terminal that says it cannot show escapes (Emacs' shell, some CI logs) gets none
  bool plain_terminal = (no_color && *no_color) || (term && std::string_view(term) == "dumb");
  options.color =
      color == "always" || (color == "auto" && to_terminal && !plain_terminal && format == "text");

  if (tracing) {
    // the trace judges every hop, whatever --check/--group selected for the report
    std::vector<v15::Result> all = selection.ids.empty() && selection.groups.empty()
                                       ? results
                                       : v15::run_checks(registry, project, v15::Selection{});
    // a machine-readable report on stdout must stay parseable: a text trace then goes to stderr
    bool trace_to_stderr = !graph_trace && format != "text" && output.empty();
    std::ostream& trace_out = trace_to_stderr ? std::cerr : std::cout;
    int trace_fd = trace_to_stderr ? STDERR_FILENO : STDOUT_FILENO;
    bool trace_color =
        color == "always" || (color == "auto" && isatty(trace_fd) && !plain_terminal);
    v15::write_trace(trace_out, v15::build_trace(project, all),
                     *v15::trace_format_from_name(trace_format), ascii || !v15::locale_is_utf8(),
                     trace_color);
    if (graph_trace) {
      std::cout.flush();
      if (!std::cout) return error("cannot write the trace to stdout");
      if (output.empty()) {
        std::cerr << "v15check: " << v15::summary_line(results, findings) << "\n";
        return v15::exit_status(results, findings);
      }
    } else {
      trace_out << "\n";
    }
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
