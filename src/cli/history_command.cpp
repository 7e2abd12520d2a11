#include "history_command.h"

#include "common.h"

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

// Options both subcommands take.
void add_common(CLI::App& sub, std::string& git_dir, std::string& config_path,
                std::vector<std::string>& check_ids, std::vector<std::string>& group_names,
                std::string& output, bool& stats, unsigned& jobs) {
  sub.add_option("--git-dir", git_dir, "Git directory (may be bare) instead of the current one")
      ->type_name("DIR");
  sub.add_option("--config", config_path,
                 "Config for every revision (default: each revision's .v15check.json)")
      ->type_name("FILE");
  add_list_option(sub, "--check", check_ids, "Only these check IDs (repeatable, comma-separated)",
                  "ID");
  add_list_option(sub, "--group", group_names, "Only these groups: route do jwt agent docker error",
                  "G");
  sub.add_option("--output,-o", output, "Write the report to FILE")->type_name("FILE");
  sub.add_flag("--stats", stats,
               "Print the work done to stderr: commits, file versions parsed, check runs, memo "
               "hits, peak memory");
  sub.add_option("--jobs,-j", jobs, "Parse on N threads (default: the available cores)")
      ->type_name("N")
      ->check(CLI::Range(1u, 256u));
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
    return usage_error(e.what());
  } catch (const history::HistoryError& e) {
    return usage_error(e.what());
  } catch (const ConfigError& e) {
    return usage_error(e.what());
  }
}

namespace {

// The selection of --check/--group (and blame's IDs); an unknown name is a usage error.
}  // namespace

history::Timeline HistoryCommands::timeline_of(const Registry& registry, const std::string& range,
                                               const Selection& selection) const {
  history::Options options;
  options.git_dir = git_dir_;
  options.range = range;
  options.config_path = config_path_;
  options.selection = selection;
  options.threads = jobs_;
  history::Timeline timeline = history::build_timeline(registry, options);
  if (stats_) print_stats(timeline.stats);
  return timeline;
}

int HistoryCommands::run_history() const {
  Registry registry = default_registry();
  std::string problem;
  auto selection = select_checks(registry, check_ids_, group_names_, problem);
  if (!selection) return usage_error(problem);
  history::Timeline timeline = timeline_of(registry, range_, *selection);
  if (timeline.checks.empty()) return usage_error("no check selected");
  std::ostringstream doc;
  if (format_ == "json")
    history::write_history_json(doc, timeline);
  else if (format_ == "html")
    history::write_history_html(doc, timeline, commit_url_);
  else
    history::write_history_text(doc, timeline);
  return write_document(doc.str(), output_);
}

int HistoryCommands::run_blame() const {
  Registry registry = default_registry();
  std::string problem;
  std::vector<std::string> ids = check_ids_;
  ids.insert(ids.end(), blame_ids_.begin(), blame_ids_.end());
  auto selection = select_checks(registry, ids, group_names_, problem);
  if (!selection) return usage_error(problem);
  if (rev_.empty() || rev_.front() == '-' || rev_.find_first_of("\n\r") != std::string::npos)
    return usage_error(fmt::format("--rev: '{}' is not a revision", rev_));
  git::Repo repo =
      git_dir_.empty() ? git::Repo::at_directory(".") : git::Repo::at_git_dir(git_dir_);
  std::string sha;
  try {
    sha = repo.run({"rev-parse", "--verify", "--quiet", rev_ + "^{commit}"});
  } catch (const git::GitError&) {
    repo.run({"rev-parse", "--git-dir"});  // not a repository: git's own message
    return usage_error(fmt::format("--rev: unknown revision '{}'", rev_));
  }
  while (!sha.empty() && (sha.back() == '\n' || sha.back() == '\r')) sha.pop_back();
  history::Timeline timeline = timeline_of(registry, sha, *selection);
  if (timeline.checks.empty()) return usage_error("no check selected");
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
  return write_document(doc.str(), output_);
}

}  // namespace v15::cli
