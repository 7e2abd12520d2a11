// Comparing two texts line by line: where they first differ, how many lines differ, and the
// first hunk to show.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace v15::analysis {

// The lines of `text`, without their '\n'.
std::vector<std::string_view> lines_of(std::string_view text);

struct LineDiff {
  bool equal = true;
  std::size_t first = 0;      // 0-based index of the first differing line (same in both)
  std::size_t differing = 0;  // changed lines: per hunk, the larger of its removals and additions
  std::vector<std::string> hunk;  // the first hunk: "-line" (from a) / "+line" (from b)
  std::size_t hunk_more = 0;      // lines of the first hunk left out of `hunk`
};

// A line diff of `a` against `b` (a longest common subsequence over the middle that differs;
// beyond a size bound, every middle line counts as changed).
LineDiff diff_lines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b);

// CRLF as LF, and a final newline added when missing: a file as a `cat > f <<EOF` heredoc would
// write it.
std::string normalise_newlines(std::string_view text);

}  // namespace v15::analysis
