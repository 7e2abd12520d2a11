// History and blame: every check's state at every commit of a first-parent timeline, computed
// in one process. Each distinct file version is read, parsed and modelled once (a cache keyed by
// blob id); a check runs once per distinct combination of the file versions it reads (a memo);
// models of versions no later commit holds are released as the walk goes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"
#include "v15check/source.h"

namespace v15::history {

// A history that cannot be computed (a bad range, a config that cannot be used at a revision).
struct HistoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A check's state at a commit. Absent: a role file the check reads is not yet present.
enum class State : std::uint8_t { Pass, Fail, Absent };
std::string_view state_name(State s);  // PASS, FAIL, ABSENT

struct Commit {
  std::string sha;      // 40 hex
  std::string date;     // committer date, ISO 8601 (strict)
  std::string author;   // author name
  std::string subject;  // first line of the message
  std::string short_sha() const { return sha.substr(0, 7); }
};

// What a check said at a commit: its state, the Found text, and whether a FAIL was suppressed.
struct Verdict {
  State state = State::Fail;
  bool suppressed = false;
  std::string found;
};

// Which role files a check reads (its own role always among them) and whether it reads the
// Worker's wrangler config. The memo key of a check is the config plus the versions of these.
struct Reads {
  std::vector<Role> roles;
  bool wrangler = false;
};
// Declared per registration function of checks/*.cpp (each reads a known set of roles); a check
// registered elsewhere is taken to read everything.
Reads reads_of(const Check& check);

// A role file followed through a rename that git shows while the config still names the old path.
struct Rename {
  std::size_t commit = 0;  // index into Timeline::commits
  Role role = Role::Worker;
  std::string from, to;
};

struct Stats {
  std::size_t commits = 0;
  std::size_t files_read = 0;       // distinct file versions read from git
  std::size_t files_parsed = 0;     // of them, TS/JS versions parsed and modelled
  std::size_t check_runs = 0;       // check hooks run
  std::size_t memo_hits = 0;        // check states taken from the memo
  std::size_t projects = 0;         // revisions assembled to run checks on
  std::size_t peak_live_files = 0;  // most file versions held at once
  long peak_rss_kib = 0;            // getrusage ru_maxrss at the end
  unsigned threads = 1;
};

struct Timeline {
  std::string range;
  std::vector<Commit> commits;                   // oldest first
  std::vector<const Check*> checks;              // selected, catalogue order
  std::vector<std::vector<Verdict>> verdicts;    // per check: its distinct verdicts
  std::vector<std::vector<std::uint32_t>> cell;  // [check][commit] → index into verdicts[check]
  std::vector<Rename> renames;
  Stats stats;

  const Verdict& at(std::size_t check, std::size_t commit) const {
    return verdicts[check][cell[check][commit]];
  }
};

struct Options {
  std::string directory = ".";  // a directory in the repository (git -C)
  std::string git_dir;          // --git-dir: used instead of `directory`
  std::string range = "HEAD";
  std::string config_path;  // --config: one config for every revision; empty: per revision
  Selection selection;
  unsigned threads = 0;  // 0: the available cores
};

// Walks `git rev-list --first-parent --reverse RANGE` and computes every selected check's state
// at every commit. Throws git::GitError, HistoryError or ConfigError.
Timeline build_timeline(const Registry& registry, const Options& options);

// A state change of a check between a commit and the one before it.
struct Flip {
  std::size_t commit = 0;
  std::size_t check = 0;
  State from = State::Pass, to = State::Pass;
};
// Commit order, then catalogue order. The first commit's states are the starting point.
std::vector<Flip> flips(const Timeline& timeline);

// The commit that introduced a check's current FAIL: the first commit after the last non-FAIL
// state. `introduced` is empty when the check does not FAIL at the last commit; `from` is empty
// when it has failed since the first commit.
struct BlameEntry {
  std::size_t check = 0;
  State current = State::Pass;
  std::optional<std::size_t> introduced;
  std::optional<State> from;
  std::string before, after, now;  // Found texts: before (empty for PASS), at it, at the end
};
// For the given checks (indices into timeline.checks), blamed at the timeline's last commit.
std::vector<BlameEntry> blame(const Timeline& timeline, const std::vector<std::size_t>& checks);

// -- views (src/report/history_*.cpp) ---------------------------------------------------------

// The timeline of flips for a person (terminal-safe).
void write_history_text(std::ostream& out, const Timeline& timeline);
// Version 1 of the history JSON (docs/history.schema.json).
void write_history_json(std::ostream& out, const Timeline& timeline);
// One self-contained page: a checks × commits heat map (inline SVG) and the flips table.
// `commit_url` is a template with {sha}; empty: cells link to the commit's row in the page.
void write_history_html(std::ostream& out, const Timeline& timeline,
                        const std::string& commit_url = {});

void write_blame_text(std::ostream& out, const Timeline& timeline,
                      const std::vector<BlameEntry>& entries);
// Version 1 of the blame JSON; `rev` is the blamed commit (40 hex).
void write_blame_json(std::ostream& out, const Timeline& timeline,
                      const std::vector<BlameEntry>& entries);

inline constexpr int kHistoryJsonVersion = 1;

}  // namespace v15::history
