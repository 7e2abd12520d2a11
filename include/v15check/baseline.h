// Baselines: a committed list of accepted FAILs (`--write-baseline`, `--baseline`) or the FAILs
// at a git revision (`--new-since`). A FAIL the baseline lists is reported as BASELINED: it is
// not a PASS, and it does not fail the run; any other FAIL still does.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/suppress.h"

namespace v15 {

// The version of the baseline file's shape (docs/baseline.schema.json).
inline constexpr int kBaselineVersion = 1;
inline constexpr std::string_view kUnusedBaselineRule = "v15check/unused-baseline-entry";

struct BaselineEntry {
  std::string id;
  // report.h fingerprint(): the check ID, the file and the Found text without line numbers,
  // so an entry survives code moving up or down and edits elsewhere.
  std::string fingerprint;
  Location location;   // where the FAIL was when the entry was written (informational)
  std::string found;   // its Found text then (informational, for reviewers)
  std::string reason;  // why the FAIL is accepted; written empty for the user to fill in
  int line = 0;        // where the entry sits in the baseline file; 0 when not from a file
};

struct Baseline {
  std::string origin;  // the file, or "the FAILs at REV"
  std::vector<BaselineEntry> entries;
  // Whether entries that match nothing are reported: yes for a committed file, which can be
  // cleaned up; no for a revision's FAILs, which were fixed since.
  bool report_unused = true;
};

// A baseline that cannot be used: the message names the file and where in it.
struct BaselineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses a baseline file's text (JSON; comments allowed). Unknown keys, missing fields and a
// wrong version are errors naming `origin` and the entry.
Baseline parse_baseline(const std::string& text, const std::string& origin);
Baseline load_baseline_file(const std::string& path);

// The baseline that accepts every FAIL (and keeps every BASELINED result with its reason) of
// `results`, in catalogue order.
Baseline baseline_of(const std::vector<Result>& results, std::string origin);

// The baseline file's text (ends with a newline; deterministic for the same results).
std::string baseline_text(const Baseline& baseline);

// Turns each FAIL whose fingerprint the baseline lists into BASELINED (with the entry's reason).
// Returns a warning for each entry that matched nothing although its check ran, or that names
// no known check; none when the baseline does not report unused entries.
std::vector<Finding> apply_baseline(const Baseline& baseline, std::vector<Result>& results,
                                    const Registry& registry);

// The FAILs of the selected checks on the files as they are at git revision `rev`, checked with
// `config` (today's expectations), as a baseline. `request` is the run's own git request (its
// root and --git-dir); throws git::GitError for a git problem and BaselineError when the
// revision's wrangler config cannot be used.
Baseline baseline_at_revision(const git::Request& request, const std::string& rev,
                              const Config& config, const Registry& registry,
                              const Selection& selection);

}  // namespace v15
