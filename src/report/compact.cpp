// The compact format: one line per problem, `path:line:col: error: title [id]`, the shape gcc
// and ESLint's compact formatter give their diagnostics, so editors' problem matchers and
// Vim's quickfix (`:cexpr`, errorformat `%f:%l:%c: %t%*[^:]: %m`) read it as it is.
//
// Every line carries a line and a column: a FAIL located at a file but no line (a missing
// function, a file that cannot be read; run_checks points those at line 1 of the role file)
// is written 1:1, and a missing column is 1, so one pattern reads every line. PASS and SUPPRESSED
// outcomes print nothing; there is no summary line, so an empty output means nothing failed.
#include <fmt/format.h>

#include "v15check/report.h"

namespace v15 {

namespace {

void diagnostic(std::ostream& out, const Location& at, std::string_view fallback_path,
                std::string_view severity, std::string_view message, std::string_view id) {
  std::string path = at.path.empty() ? std::string(fallback_path) : at.path;
  int line = at.line > 0 ? at.line : 1;
  int column = at.line > 0 && at.column > 0 ? at.column : 1;
  out << fmt::format("{}:{}:{}: {}: {} [{}]\n", sanitize(path), line, column, severity,
                     sanitize(message), sanitize(id));
}

}  // namespace

void write_compact(std::ostream& out, const std::vector<Result>& results,
                   const ReportOptions& options) {
  for (const Result& r : results)
    if (r.outcome.status == Status::Fail)
      diagnostic(out, r.outcome.location, default_role_path(r.check->role), "error", r.check->title,
                 r.check->id);
  for (const Finding& f : options.findings) {
    bool error = f.severity == FindingSeverity::Error;
    if (options.quiet && !error) continue;
    diagnostic(out, f.location, "", error ? "error" : "warning",
               fmt::format("{}: {}", finding_title(f), f.message), f.rule);
  }
}

}  // namespace v15
