// The manual page, v15check.1 (roff with the man macros), generated at build time from the CLI's
// own options and the check catalogue, so it cannot drift from either.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15 {

// One command-line option as --help lists it.
struct ManOption {
  std::string names;        // "-o, --output" or "ROOT"
  std::string value;        // the value's name ("FILE"), empty for a flag
  std::string description;  // the help text
};

// Writes the page: name, synopsis, description, the options, every check by group, the config
// keys, exit status, files. No date: the same binary writes the same page.
void write_man_page(std::ostream& out, const std::vector<ManOption>& options,
                    const std::vector<const Check*>& checks, std::string_view version);

// Text made safe for a roff line: backslashes, and a leading `.` or `'` that roff would read as
// a request; hyphens become \- so options copy and paste as ASCII.
std::string roff_escape(std::string_view text);

}  // namespace v15
