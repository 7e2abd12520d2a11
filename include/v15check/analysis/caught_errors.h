// Caught exceptions as values: which bindings hold one (a catch clause parameter, the parameter of
// a `.catch(h)` / `.then(_, h)` handler, a binding destructured from one, the parameter of a
// same-file helper its callers pass one), and whether an expression's value is built from one
// (`e`, `e.message`, `e.stack`, `String(e)`, `` `${e}` ``, `JSON.stringify(e)`, `'x' + e`, an
// object or array literal holding one), followed through bindings and helper returns.
#pragma once

#include <optional>

#include "v15check/model.h"

namespace v15::analysis {

// Whether the identifier `id` denotes a caught exception or a value derived from one.
// `helper_depth` unset: the model's (config: helperDepth).
bool is_caught_error(const FileModel& m, const Node& id,
                     std::optional<int> helper_depth = std::nullopt);

// The read of a caught exception `expr`'s value is built from (the identifier where the value
// enters, in the expression or the binding/helper it follows), or null when it carries none.
Node caught_error_in(const FileModel& m, const Node& expr,
                     std::optional<int> helper_depth = std::nullopt);

}  // namespace v15::analysis
