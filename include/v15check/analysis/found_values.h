// How Found lines name code and values: a node in backticks, a constant as a reader writes it,
// where a value passed to a helper comes from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

// A node's text in backticks, cut to `max` bytes (snippet()).
std::string code_snippet(const Node& n, std::size_t max = 70);
// ":N", the line of a node, for "(…) at :N" evidence lists.
std::string line_suffix(const Node& n);
// The parts separated by `sep`.
std::string join_text(const std::vector<std::string>& parts, std::string_view sep = ", ");
// A constant as a reader would write it: 'text' or 42; else the expression in backticks.
std::string describe_value(const FileModel& m, const Node& n);
// " (env binding X)" or " = origin (line N)" for Found lines that say where a value comes from,
// `expr` seen from `caller` (a helper's parameter maps to its argument).
std::string origin_note(const FileModel& m, const Function& caller, const Node& expr);

}  // namespace v15::analysis
