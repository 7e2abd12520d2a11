// Where a node sits relative to the code around it: the wrappers that do not change its value,
// a region it may lie in, the promise continuation it runs in.
#pragma once

#include <string_view>

#include "v15check/model.h"

namespace v15::analysis {

// Climbs from an expression through the wrappers that do not change its value (parentheses,
// `as`, `satisfies`, `!`, `await`, type assertions).
Node outermost(Node n);

// Whether `n` lies in `outer`; false when `outer` is null (the construct was not found).
bool inside(const Node& outer, const Node& n);

// Whether `call` runs as a promise continuation: inside the function passed to `.catch(fn)` /
// `.then(_, fn)` (method "catch") or to `.finally(fn)` (method "finally").
bool in_continuation(const FileModel& m, const Node& call, std::string_view method);

}  // namespace v15::analysis
