// What a loop hands its body: `for…of` yields the elements of the collection, `for…in` yields
// its keys (for an array, the indices as strings), a counting `for`/`while` an index, and
// `forEach(cb)` the element as the callback's first parameter.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

// Whether `loop` is a `for…in` loop (keys/indices, not elements).
bool iterates_keys(const Node& loop);

// Whether the value of `expr` is (or derives from) an element that `loop` visits: the variable of
// a `for…of`, `coll[k]` indexed by the variable of a `for…in` or by a variable of a counting
// loop's condition (or a `slice`/`substring` at such a position: an indexOf scan), or the first
// parameter of a `forEach` callback. `loop` is the loop statement or the `forEach` call. The
// index or key alone is not an element.
bool carries_element(const FileModel& m, const Node& loop, const Node& expr);

}  // namespace v15::analysis
