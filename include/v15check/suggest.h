// "Did you mean …?": the nearest known spelling of a mistyped name (config keys, roles, check
// IDs, suppression directives).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace v15 {

// Levenshtein distance: insertions, deletions and substitutions of single bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, when it is near enough to be what was meant: at most
// max(3, |word| / 3) edits away. Ties go to the earlier candidate.
std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates);

}  // namespace v15
