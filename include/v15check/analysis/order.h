// Order within a function: whether one piece of code runs on every path to another, before it.
// Dominance over the statement tree, not a full control-flow graph: enough for "the clear comes
// before the read loop", "the guard comes before the dispatch".
#pragma once

#include <functional>
#include <optional>

#include "v15check/model.h"

namespace v15::analysis {

// Whether `a` is executed on every path from its function's entry to `b`, before `b`: a's
// statement is reachable and sits in a statement list that encloses `b`, ahead of b's statement
// there, and nothing between a and that list makes it conditional (an if/else branch b is
// outside of, a loop body, a catch or finally clause, a switch case, the right side of
// `&&`/`||`/`??`, a ternary branch) or defers it (a nested function: a callback runs later, if
// ever). An `a` in the condition of an `if` that encloses `b` counts.
bool executed_before(const FileModel& m, const Node& a, const Node& b);

// Whether `a` runs whenever the end of its function `body` is reached or the function returns
// after it: it is reachable and unconditional up to the body (as above).
bool unconditional_in(const FileModel& m, const Node& a, const Node& body);

// The first node in `scope` (a function body enclosing b) for which `is_a` holds (searched among
// `kind` nodes) and that is executed before `b`; a call of a same-file helper that does it
// unconditionally (up to `helper_depth` calls deep; unset: the model's depth) counts, as the call.
// Null when none.
Node first_executed_before(const FileModel& m, const Node& scope, const Node& b,
                           std::string_view kind, const std::function<bool(const Node&)>& is_a,
                           std::optional<int> helper_depth = std::nullopt);

// Whether same-file function `f` does `is_a` unconditionally (a `kind` node, or a call of a helper
// that does, up to `depth` calls deep).
bool always_does(const FileModel& m, const Function& f, std::string_view kind,
                 const std::function<bool(const Node&)>& is_a, int depth);

// The function `n` is judged in: the innermost method or named function that contains it, past
// the callbacks nested in it (an arrow passed to addEventListener belongs to its method).
const Function* owning_function(const FileModel& m, const Node& n);

}  // namespace v15::analysis
