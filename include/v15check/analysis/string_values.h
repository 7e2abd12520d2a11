// Whether a value is a string: what a function returns or a slot receives, classified from the
// expressions that reach it (through bindings and same-file helpers).
#pragma once

#include <optional>

#include "v15check/model.h"

namespace v15::analysis {

enum class StringKind {
  String,     // some value reaching it is a string
  NotString,  // every value reaching it is known to be something else
  Unknown,    // neither can be told from the source
};

// A string literal or template, a `+` with a string operand, a call of a string method
// (`join`, `replace`, `toUpperCase`, `JSON.stringify`, `btoa`, `String(x)`, …) is a string; an
// object, array, number, boolean, null, a `new` expression, a function, or a call of
// `crypto.subtle` / `TextEncoder.encode` (buffers, keys) is not. Values are followed with
// values_reaching, up to `helper_depth` helper calls deep.
// `helper_depth` unset: the model's (config: helperDepth).
StringKind string_kind(const FileModel& m, const Node& expr,
                       std::optional<int> helper_depth = std::nullopt);

// The same over what function `f` returns (its reachable returns).
StringKind returns_string(const FileModel& m, const Function& f,
                          std::optional<int> helper_depth = std::nullopt);

}  // namespace v15::analysis
