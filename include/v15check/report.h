// Reporters: the boxed text report of the checklist, and machine formats (JSON, SARIF 2.1.0,
// JUnit XML, GitHub workflow commands), plus the catalogue views (--list-checks, --explain).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"
#include "v15check/suppress.h"
#include "v15check/text.h"

// SARIF's tool.driver.informationUri: where the project lives. Left out of the report unless a
// build sets it (-DV15CHECK_INFORMATION_URI=\"https://…\"); the tool invents no address.
#ifndef V15CHECK_INFORMATION_URI
#define V15CHECK_INFORMATION_URI ""
#endif

namespace v15 {

// The version of the JSON report's shape (docs/report.schema.json).
inline constexpr int kJsonSchemaVersion = 1;

struct ReportOptions {
  bool color = false;
  bool verbose = false;  // also list PASS lines with their evidence
  // Only what fails the run: FAILs and directive errors, no header, group tallies, Result line
  // or warnings (text, compact and github; the document formats are always whole).
  bool quiet = false;
  std::string root;  // as shown in machine formats
  std::string tool_version = V15CHECK_VERSION;
  std::string information_uri = V15CHECK_INFORMATION_URI;
  // What was checked: "working-tree", "revision" (--rev) or "index" (--staged).
  std::string source = "working-tree";
  std::string revision;  // --rev as given
  std::string commit;    // the commit it resolved to, when known
  // An absolute file:// URI of the directory report paths are relative to (SARIF's %SRCROOT%);
  // empty when it is not a directory on this machine.
  std::string root_uri;
  std::vector<Finding> findings;  // suppression directive errors and warnings
  // The baseline the run was compared with (--baseline FILE or --new-since REV, as given);
  // empty when none. SARIF then states each result's baselineState.
  std::string baseline;
};

struct Counts {
  int passed = 0, failed = 0, suppressed = 0, baselined = 0;
  int total() const { return passed + failed + suppressed + baselined; }
};
Counts count(const std::vector<Result>& results);

enum class Format { Text, Json, Sarif, Junit, Github, Compact };
std::optional<Format> format_from_name(std::string_view name);

void write_text(std::ostream& out, const std::vector<Result>& results,
                const ReportOptions& options);
void write_json(std::ostream& out, const std::vector<Result>& results,
                const ReportOptions& options);
void write_sarif(std::ostream& out, const std::vector<Result>& results,
                 const ReportOptions& options);
void write_junit(std::ostream& out, const std::vector<Result>& results,
                 const ReportOptions& options);
void write_github(std::ostream& out, const std::vector<Result>& results,
                  const ReportOptions& options);
// One line per FAIL, directive error and warning, as gcc and ESLint's compact formatter write
// them (src/report/compact.cpp): `path:line:col: error: title [id]`.
void write_compact(std::ostream& out, const std::vector<Result>& results,
                   const ReportOptions& options);
void write_report(std::ostream& out, Format format, const std::vector<Result>& results,
                  const ReportOptions& options);

// The text of a JSON document: nlohmann's, with the characters the escaping policy shows as
// escapes written as \uXXXX (JSON stays parseable; a terminal can neither reorder nor hide text).
std::string json_text(const nlohmann::ordered_json& doc);

// `file:///abs/dir/` for an absolute directory, percent-encoded (SARIF originalUriBaseIds).
std::string file_uri(const std::string& absolute_dir);

// The one line printed to stderr when the report goes to a file.
std::string summary_line(const std::vector<Result>& results, const std::vector<Finding>& findings);

// SARIF partialFingerprints value of a FAIL: a hash of the rule ID, the path and the Found text
// with line numbers removed, so it survives code moving up or down.
std::string fingerprint(const Result& result);

// Exit status for a run: 0 when nothing failed, 1 otherwise (a FAIL or an error finding).
int exit_status(const std::vector<Result>& results);
int exit_status(const std::vector<Result>& results, const std::vector<Finding>& findings);

// The catalogue: --list-checks as text, JSON or Markdown (docs/checks.md), and --explain.
enum class CatalogueFormat { Text, Json, Markdown };
void write_catalogue(std::ostream& out, const std::vector<const Check*>& checks,
                     CatalogueFormat format);
void write_explain(std::ostream& out, const Check& check);
void write_explain_json(std::ostream& out, const Check& check);

}  // namespace v15
