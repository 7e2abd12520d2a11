// Reporters: the boxed text report of the checklist, and machine formats.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15 {

struct ReportOptions {
  bool color = false;
  bool verbose = false;  // also list PASS lines with their evidence
  std::string root;      // as shown in machine formats
  std::string tool_version = V15CHECK_VERSION;
};

// Makes text from checked code safe for a terminal: control characters (C0, DEL, C1) become
// visible escapes (\n, \x1b, \u009b) and invalid UTF-8 bytes become \xNN. Valid UTF-8 is kept.
std::string sanitize(std::string_view text);

struct Counts {
  int passed = 0, failed = 0, suppressed = 0;
  int total() const { return passed + failed + suppressed; }
};
Counts count(const std::vector<Result>& results);

void write_text(std::ostream& out, const std::vector<Result>& results, const ReportOptions& options);
void write_json(std::ostream& out, const std::vector<Result>& results, const ReportOptions& options);

// Exit status for a run: 0 when nothing failed, 1 otherwise.
int exit_status(const std::vector<Result>& results);

}  // namespace v15
