// Comparing two texts line by line.
#include "v15check/analysis/line_diff.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace v15::analysis {

namespace {

std::string shorten(std::string_view line, std::size_t max = 60) {
  std::size_t b = 0, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
  std::string out(line.substr(b, e - b));
  if (out.size() > max) {
    out.resize(max);
    out += "…";
  }
  return out;
}

}  // namespace

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

LineDiff diff_lines(const std::vector<std::string_view>& a,
                    const std::vector<std::string_view>& b) {
  LineDiff d;
  std::size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  if (p == a.size() && p == b.size()) return d;
  d.equal = false;
  d.first = p;
  std::size_t s = 0;
  while (s < a.size() - p && s < b.size() - p && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  std::size_t n = a.size() - p - s, m = b.size() - p - s;
  // edit script over the middle: 0 equal, 1 removal (a), 2 addition (b)
  std::vector<std::pair<int, std::string_view>> ops;
  constexpr std::size_t kMaxCells = 4'000'000;
  if (n * m > kMaxCells || n == 0 || m == 0) {
    for (std::size_t i = 0; i < n; ++i) ops.emplace_back(1, a[p + i]);
    for (std::size_t j = 0; j < m; ++j) ops.emplace_back(2, b[p + j]);
  } else {
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        at(i, j) =
            a[p + i] == b[p + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[p + i] == b[p + j]) {
        ops.emplace_back(0, a[p + i]);
        ++i, ++j;
      } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        ops.emplace_back(1, a[p + i++]);
      } else {
        ops.emplace_back(2, b[p + j++]);
      }
    }
  }
  constexpr std::size_t kHunkLines = 10;
  bool first_hunk = true, in_hunk = false;
  std::size_t removed = 0, added = 0;
  auto close_hunk = [&] {
    if (!in_hunk) return;
    d.differing += std::max(removed, added);
    removed = added = 0;
    in_hunk = false;
    first_hunk = false;
  };
  for (const auto& [op, line] : ops) {
    if (op == 0) {
      close_hunk();
      continue;
    }
    in_hunk = true;
    (op == 1 ? removed : added)++;
    if (!first_hunk) continue;
    if (d.hunk.size() < kHunkLines)
      d.hunk.push_back(std::string(op == 1 ? "-" : "+").append(shorten(line)));
    else
      ++d.hunk_more;
  }
  close_hunk();
  return d;
}

std::string normalise_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  // `cat > f <<EOF` always ends the file with a newline; a source without one is the same script
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

}  // namespace v15::analysis
