// How a Found text quotes code and places: a code excerpt in backticks, a file:line.
#pragma once

#include <cstddef>
#include <string>

#include "v15check/check.h"

namespace v15::analysis {

// A code excerpt for Found: `x`, or the excerpt as is when it has backticks of its own.
std::string code_excerpt(const Node& n, std::size_t max = 60);

// "path:line".
std::string file_line(const Location& l);

}  // namespace v15::analysis
