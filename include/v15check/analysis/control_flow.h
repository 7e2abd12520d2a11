// Control flow within one function: which statements can run at all, which never complete
// normally, and the three-valued truth of conditions whose value the source fixes.
#pragma once

#include <cstdint>

#include "v15check/model.h"

namespace v15::analysis {

// Three-valued (Kleene) truth: a condition is known true, known false, or depends on input.
enum class Truth : uint8_t { False, True, Unknown };
Truth negate(Truth t);
Truth both(Truth a, Truth b);    // a && b
Truth either(Truth a, Truth b);  // a || b

// The truthiness of an expression the source fixes: literals, `!`, `&&`, `||`, ternaries and
// identifiers bound to a `const` of such a value (`const ENABLED = false`), strings and numbers
// through constant folding, objects/arrays/functions (always truthy). Unknown otherwise.
Truth constant_truth(const FileModel& m, const Node& expr);

// Whether a statement never completes normally: return, throw, break, continue, a block that
// contains one at its top level, an `if` whose branches both never complete, a `try` whose
// block and handler never complete (or whose finally never completes), an endless loop without
// a break.
bool completes_abruptly(const FileModel& m, const Node& stmt);

// Whether `n` can run at all: it is not after a statement of its own statement list that never
// completes normally, and no enclosing branch is excluded by a condition that folds to a
// constant (`if (false)`, `const ENABLED = false; if (ENABLED)`, `false && x`, `while (false)`).
// Decided up to the enclosing function; memoised per statement.
bool reachable(const FileModel& m, const Node& n);

// The statements of a block, program or switch case, or the statement itself.
std::vector<Node> statements_of(const Node& n);

// Whether kind names a loop statement (for, for…in/of, while, do).
bool is_loop(const Node& n);

}  // namespace v15::analysis
