// In-source suppressions (`// v15check-disable-next-line <id>[, <id>…] -- <reason>`, `# …` in
// the Dockerfile) and config-disabled checks, plus the findings about the directives themselves
// (a directive without a reason, an unknown ID, a suppression that matched nothing).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15 {

inline constexpr std::string_view kDirectiveKeyword = "v15check-disable-next-line";
inline constexpr std::string_view kInvalidDirectiveRule = "v15check/invalid-directive";
inline constexpr std::string_view kUnusedDirectiveRule = "v15check/unused-directive";
// A comment that starts like a directive but is spelt otherwise (`v15check-disable-line`,
// `v15check-ignore`): it suppresses nothing, which its writer did not mean.
inline constexpr std::string_view kUnknownDirectiveRule = "v15check/unknown-directive";

struct Directive {
  Location location;             // the comment
  int target_line = 0;           // the line it covers: the one after the comment ends
  std::vector<std::string> ids;  // as written
  std::string reason;
  std::string problem;  // why it is malformed (then it suppresses nothing); empty when valid
  bool valid() const { return problem.empty(); }
};

enum class FindingSeverity { Error, Warning };

// A problem with the run's own inputs that is not a check outcome. Errors fail the run (exit 1).
struct Finding {
  FindingSeverity severity = FindingSeverity::Error;
  std::string rule;  // kInvalidDirectiveRule, kUnusedDirectiveRule or kUnknownDirectiveRule
  Location location;
  std::string message;
};

// Parses one comment (with its `//`, `/* */` or `#` marker). nullopt when the comment is not a
// directive (it does not start with the keyword).
std::optional<Directive> parse_directive(std::string_view comment, Location where, int end_line);

// The first word of a comment that starts like a directive but is not the directive's keyword
// (`v15check-disable-line`, `v15check:ignore`, `V15check-disable-next-line`); nullopt otherwise.
std::optional<std::string> misspelled_directive(std::string_view comment);

// Every directive in the project's role files, in file and line order. TS/JS comments come from
// the syntax tree; Dockerfile comments are `#` lines outside heredoc bodies.
std::vector<Directive> collect_directives(const Project& project);

// Turns FAILs covered by a valid directive into SUPPRESSED (outcome.suppressed_at names the
// directive). Called by run_checks.
void apply_inline_suppressions(const Project& project, std::vector<Result>& results);

// The outcome of a check the config disables: SUPPRESSED with the config's reason.
Outcome disabled_outcome(const Project& project, const Check& check, const DisabledCheck& entry);

// Findings about the directives, after the run: malformed directives and unknown IDs (errors),
// suppressions of a check that ran but did not fail on the covered line, and misspelt
// directive keywords (warnings).
std::vector<Finding> directive_findings(const Project& project, const Registry& registry,
                                        const std::vector<Result>& results);

int count_errors(const std::vector<Finding>& findings);

// How reports name a finding: "invalid suppression directive", "unused suppression directive"
// or "unknown suppression directive".
std::string_view finding_title(const Finding& finding);

}  // namespace v15
