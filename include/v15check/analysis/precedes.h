// Order within one function: whether one node is executed on every path that reaches another.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

// Whether `a` runs, on every path, before control reaches `b` in the same function: `a` sits in a
// statement that precedes `b`'s in an enclosing statement list (or inside `b` itself, e.g. the
// argument of a `return`, or `b` is the function body and `a` is at its top level), and nothing
// between `a` and that statement makes it conditional (an `if` branch, the right side of `&&`/
// `||`/`??`, a ternary branch, a loop body, a switch case, a catch clause, a try block whose
// handler lets control continue, a nested function). Structural, so it errs towards false.
bool runs_before(const FileModel& m, const Node& a, const Node& b);

}  // namespace v15::analysis
