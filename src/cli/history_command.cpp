#include "history_command.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/history.h"
#include "v15check/text.h"

namespace v15::cli {

namespace {

constexpr int kExitUsage = 2;

int error(const std::string& message) {
  std::cerr << "v15check: error: " << sanitize(cap(message, kMessageMax)) << "\n";
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

// Options both subcommands take.
void add_common(CLI::App& sub, std::string& git_dir, std::string& config_path,
                std::vector<std::string>& check_ids, std::vector<std::string>& group_names,
                std::string& output, bool& stats, unsigned& jobs) {
  sub.add_option("--git-dir", git_dir, "Git directory (may be bare) instead of the current one")
      ->type_name("DIR");
  sub.add_option("--config", config_path,
                 "Config for every revision (default: each revision's .v15check.json)")
      ->type_name("FILE");
  sub.add_option("--check", check_ids, "Only these check IDs (repeatable, comma-separated)")
      ->type_name("ID");
  sub.add_option("--group", group_names, "Only these groups: route do jwt agent docker error")
      ->type_name("G");
  sub.add_option("--output,-o", output, "Write the report to FILE")->type_name("FILE");
  sub.add_flag("--stats", stats,
               "Print the work done to stderr: commits, file versions parsed, check runs, memo "
               "hits, peak memory");
  sub.add_option("--jobs,-j", jobs, "Parse on N threads (default: the available cores)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
}

int emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    std::cout.flush();
    return std::cout ? 0 : error("cannot write the report to stdout");
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return error(fmt::format("cannot write '{}'", output));
  return 0;
}

void print_stats(const history::Stats& s) {
  std::cerr << fmt::format(
      "v15check: stats: {} commits, {} file versions read, {} parsed, {} check runs, {} memo "
      "hits, {} revisions assembled, at most {} file versions held, {} threads, peak RSS {} KiB\n",
      s.commits, s.files_read, s.files_parsed, s.check_runs, s.memo_hits, s.projects,
      s.peak_live_files, s.threads, s.peak_rss_kib);
}

}  // namespace

HistoryCommands::HistoryCommands(CLI::App& app) {
  history_ = app.add_subcommand(
      "history", "Every check's state at every commit of REV-RANGE (first parent); the flips");
  history_->add_option("range", range_, "Revision range (default: HEAD)")->type_name("REV-RANGE");
  history_->add_option("--format", format_, "text, json or html")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->type_name("F");
  history_
      ->add_option("--commit-url", commit_url_,
                   "HTML: link cells to this address, {sha} replaced by the commit")
      ->type_name("TEMPLATE");
  add_common(*history_, git_dir_, config_path_, check_ids_, group_names_, output_, stats_, jobs_);

  blame_ = app.add_subcommand(
      "blame", "For each check failing at REV (or each ID): the commit that introduced the FAIL");
  blame_->add_option("ids", blame_ids_, "Check IDs (default: every check that fails at REV)")
      ->type_name("ID");
  blame_->add_option("--rev", rev_, "Blame at this revision (default: HEAD)")->type_name("REV");
  blame_->add_option("--format", format_, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("F");
  add_common(*blame_, git_dir_, config_path_, check_ids_, group_names_, output_, stats_, jobs_);
  for (CLI::App* sub : {history_, blame_})
    sub->footer(
        "Exit status: 0 with the report written (a report, not a gate), 2 usage/git/config "
        "error.\nStates: PASS, FAIL, ABSENT (a file the check reads is not yet present). Docs: "
        "docs/history.md.");
}

bool HistoryCommands::chosen() const { return history_->parsed() || blame_->parsed(); }

int HistoryCommands::run() const {
  try {
    return history_->parsed() ? run_history() : run_blame();
  } catch (const git::GitError& e) {
    return error(e.what());
  } catch (const history::HistoryError& e) {
    return error(e.what());
  } catch (const ConfigError& e) {
    return error(e.what());
  }
}

namespace {

// The selection of --check/--group (and blame's IDs); an unknown name is a usage error.
std::optional<Selection> select(const Registry& registry, const std::vector<std::string>& ids,
                                const std::vector<std::string>& group_names, std::string& problem) {
  Selection s;
  for (const auto& id : split_list(ids)) {
    if (!registry.find(id)) {
      problem = fmt::format("unknown check ID '{}' (see --list-checks)", id);
      return std::nullopt;
    }
    s.ids.push_back(id);
  }
  for (const auto& name : split_list(group_names)) {
    auto g = group_from_name(name);
    if (!g) {
      problem = fmt::format("unknown group '{}' (route, do, jwt, agent, docker, error)", name);
      return std::nullopt;
    }
    s.groups.push_back(*g);
  }
  return s;
}

}  // namespace

int HistoryCommands::run_history() const {
  Registry registry = default_registry();
  std::string problem;
  auto selection = select(registry, check_ids_, group_names_, problem);
  if (!selection) return error(problem);
  history::Options options;
  options.git_dir = git_dir_;
  options.range = range_;
  options.config_path = config_path_;
  options.selection = *selection;
  options.threads = jobs_;
  history::Timeline timeline = history::build_timeline(registry, options);
  if (timeline.checks.empty()) return error("no check selected");
  if (stats_) print_stats(timeline.stats);
  std::ostringstream doc;
  if (format_ == "json")
    history::write_history_json(doc, timeline);
  else if (format_ == "html")
    history::write_history_html(doc, timeline, commit_url_);
  else
    history::write_history_text(doc, timeline);
  return emit(doc.str(), output_);
}

int HistoryCommands::run_blame() const {
  Registry registry = default_registry();
  std::string problem;
  std::vector<std::string> ids = check_ids_;
  ids.insert(ids.end(), blame_ids_.begin(), blame_ids_.end());
  auto selection = select(registry, ids, group_names_, problem);
  if (!selection) return error(problem);
  if (rev_.empty() || rev_.front() == '-' || rev_.find_first_of("\n\r") != std::string::npos)
    return error(fmt::format("--rev: '{}' is not a revision", rev_));
  git::Repo repo =
      git_dir_.empty() ? git::Repo::at_directory(".") : git::Repo::at_git_dir(git_dir_);
  std::string sha;
  try {
    sha = repo.run({"rev-parse", "--verify", "--quiet", rev_ + "^{commit}"});
  } catch (const git::GitError&) {
    repo.run({"rev-parse", "--git-dir"});  // not a repository: git's own message
    return error(fmt::format("--rev: unknown revision '{}'", rev_));
  }
  while (!sha.empty() && (sha.back() == '\n' || sha.back() == '\r')) sha.pop_back();
  history::Options options;
  options.git_dir = git_dir_;
  options.range = sha;
  options.config_path = config_path_;
  options.selection = *selection;
  options.threads = jobs_;
  history::Timeline timeline = history::build_timeline(registry, options);
  if (timeline.checks.empty()) return error("no check selected");
  if (stats_) print_stats(timeline.stats);
  std::vector<std::size_t> blamed;
  bool named = !selection->ids.empty();
  for (std::size_t c = 0; c < timeline.checks.size(); ++c)
    if (named || timeline.at(c, timeline.commits.size() - 1).state == history::State::Fail)
      blamed.push_back(c);
  std::vector<history::BlameEntry> entries = history::blame(timeline, blamed);
  std::ostringstream doc;
  if (format_ == "json")
    history::write_blame_json(doc, timeline, entries);
  else
    history::write_blame_text(doc, timeline, entries);
  return emit(doc.str(), output_);
}

}  // namespace v15::cli
