// What a function returns: its own return values, and whether a value is null or undefined.
#pragma once

#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

// The values `f` returns itself (not those of functions nested in it); for an expression-bodied
// arrow, its body. A bare `return;` contributes a null node.
std::vector<Node> own_returns(const FileModel& m, const Function& f);

// Whether `n` is absent, `null` or `undefined`.
bool is_nullish(const Node& n);

}  // namespace v15::analysis
