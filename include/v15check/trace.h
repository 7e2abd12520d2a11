// --trace: the V1.5 flow as an ordered list of hops, built from the same check outcomes the
// report shows (one source of truth), and printed as text, a Mermaid sequence diagram or a
// Graphviz digraph.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15 {

// The four participants of the flow, in diagram order.
inline constexpr std::string_view kBrowser = "Browser";
inline constexpr std::string_view kWorker = "Worker";
inline constexpr std::string_view kAgentDo = "ChatSessionAgent";
inline constexpr std::string_view kContainer = "Container";

// How the code holds a hop up, from the checks behind it.
enum class HopState {
  Found,       // every check behind it passed
  Suppressed,  // none failed, and at least one FAIL was suppressed (a directive or the config)
  Differs,     // the code is there with another value than expected (a timeout, a binding name)
  Missing,     // a check behind it failed because the code is not there (or is wrong otherwise)
};
std::string_view hop_state_name(HopState s);  // found, suppressed, differs, missing

struct Hop {
  std::string from, to;  // participants
  std::string label;     // what happens; may contain text taken from the checked code
  Location location;     // where it happens (unknown when the code has no such construct)
  bool found = false;    // false exactly when a check behind the hop failed
  HopState state = HopState::Missing;
  std::vector<std::string> check_ids;       // the checks behind the hop (registered ones)
  std::vector<std::string> failed_ids;      // those that failed; empty when found
  std::vector<std::string> suppressed_ids;  // those whose FAIL is suppressed
  bool error_path = false;                  // what the browser / container sees when a step fails
};

enum class TraceFormat { Text, Mermaid, Dot };
std::optional<TraceFormat> trace_format_from_name(std::string_view name);

// The flow's hops in order. `results` should hold every check (a hop whose checks have no result
// is judged by whether the model found its construct).
std::vector<Hop> build_trace(const Project& project, const std::vector<Result>& results);

// `ascii` replaces ✓/⊘/≠/✗/→ by [ok]/[SUPPRESSED]/[DIFFERS]/[MISSING]/-> in the text format;
// `color` adds ANSI colours to it. Mermaid and DOT output is plain ASCII apart from text taken from
// the code, escaped for the format.
void write_trace(std::ostream& out, const std::vector<Hop>& hops, TraceFormat format, bool ascii,
                 bool color);

// Whether the locale is UTF-8: the first set of LC_ALL, LC_CTYPE, LANG names a UTF-8 codeset.
bool locale_is_utf8(const char* lc_all, const char* lc_ctype, const char* lang);
bool locale_is_utf8();  // from the process environment

// Escapers, exposed for tests: the result can be placed after `:` in a Mermaid message or note
// / inside a DOT double-quoted string without changing the diagram's structure.
std::string mermaid_escape(std::string_view text);
std::string dot_escape(std::string_view text);

}  // namespace v15
