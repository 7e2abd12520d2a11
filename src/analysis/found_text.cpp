// How a Found text quotes code and places.
#include "v15check/analysis/found_text.h"

#include <fmt/format.h>

namespace v15::analysis {

std::string code_excerpt(const Node& n, std::size_t max) {
  std::string s = snippet(n, max);
  return s.find('`') == std::string::npos ? "`" + s + "`" : s;
}

std::string file_line(const Location& l) { return fmt::format("{}:{}", l.path, l.line); }

}  // namespace v15::analysis
