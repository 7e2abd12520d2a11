// The `history` and `blame` subcommands of the CLI: their options, and the run that builds the
// timeline and writes the chosen view.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "v15check/check.h"
#include "v15check/history.h"

namespace v15::cli {

class HistoryCommands {
 public:
  // Adds the two subcommands to `app` (which must outlive this object).
  explicit HistoryCommands(CLI::App& app);
  HistoryCommands(const HistoryCommands&) = delete;
  HistoryCommands& operator=(const HistoryCommands&) = delete;

  // Whether the parsed command line chose one of them.
  bool chosen() const;
  // Runs the chosen subcommand: exit 0 with the report written, 2 on a usage, git or config error.
  int run() const;

 private:
  int run_history() const;
  int run_blame() const;
  history::Timeline timeline_of(const Registry& registry, const std::string& range,
                                const Selection& selection) const;

  CLI::App* history_ = nullptr;
  CLI::App* blame_ = nullptr;
  std::string range_ = "HEAD";
  std::string rev_ = "HEAD";
  std::vector<std::string> blame_ids_;
  std::string git_dir_, config_path_, output_, commit_url_;
  std::string format_ = "text";
  std::vector<std::string> check_ids_, group_names_;
  bool stats_ = false;
  unsigned jobs_ = 0;
};

}  // namespace v15::cli
