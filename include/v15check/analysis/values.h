// Value flow: which definitions of a variable reach a use, and which values reach a slot through
// bindings and same-file helpers.
#pragma once

#include <optional>
#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

// The definitions of the `let`/`var` (or `const`) binding that `use` reads which may reach it:
// its initialiser and its assignments, minus those a later assignment overwrites on every path
// to the use (one in a statement list that encloses the use). An assignment later in a loop
// that encloses the use reaches it on the next iteration. The nodes are the assigned values.
std::vector<Node> reaching_definitions(const FileModel& m, const Node& use);

// The values a same-file function returns: the expressions of its reachable `return`s, or its
// concise arrow body.
std::vector<Node> returned_values(const FileModel& m, const Function& f);

// The expressions whose value may reach `expr`: through identifiers (the definitions that reach
// them), parentheses and type wrappers, `await`, and calls of same-file functions (their return
// values), up to `helper_depth` calls deep. An expression that is none of these is its own
// value. `helper_depth` unset: the model's (config: helperDepth).
std::vector<Node> values_reaching(const FileModel& m, const Node& expr,
                                  std::optional<int> helper_depth = std::nullopt);

// Follows an origin into object literals: `const b = { writer }; b.writer` → writer's origin.
Origin into_literals(const FileModel& m, Origin o);

}  // namespace v15::analysis
