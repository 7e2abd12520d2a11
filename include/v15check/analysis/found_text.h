// Pieces of Found text several checks word the same way. Inline: they are a few lines each and
// carry no reasoning of their own.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "v15check/syntax.h"

namespace v15::analysis {

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
