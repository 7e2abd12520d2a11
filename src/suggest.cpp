#include "v15check/suggest.h"

#include <algorithm>

namespace v15 {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
  // Beyond this many edits a suggestion is a guess, not a correction.
  std::size_t bound = std::max<std::size_t>(3, word.size() / 3) + 1;
  const std::string* best = nullptr;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < bound) {
      bound = d;
      best = &c;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace v15
