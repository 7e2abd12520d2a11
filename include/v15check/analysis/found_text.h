// How a Found text quotes code and places: a code excerpt in backticks, a file:line, a list, the
// lines a statement spans.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15::analysis {

// A code excerpt for Found: `x`, or the excerpt as is when it has backticks of its own.
std::string code_excerpt(const Node& n, std::size_t max = 60);

// "path:line".
std::string file_line(const Location& l);

// "a, b, c" (or another separator).
inline std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// "line 7" or "lines 7–12": where a statement sits.
inline std::string lines_of(const Node& n) {
  return n.line() == n.end_line() ? fmt::format("line {}", n.line())
                                  : fmt::format("lines {}–{}", n.line(), n.end_line());
}

}  // namespace v15::analysis
