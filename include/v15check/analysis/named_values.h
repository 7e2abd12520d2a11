// Which value an expression is, seen from a method whose same-file helpers map parameters to
// arguments: the value called `sessionId`, an env binding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "v15check/model.h"

namespace v15::analysis {

// Whether an expression (seen from `caller`) is the value called `name`: an identifier or property
// of that name, or a binding traced back to one (`const sid = sessionId`,
// `const { sandboxId } = session`), including a helper's parameter mapped to its argument.
bool is_named(const FileModel& m, const Function& caller, const Node& expr, std::string_view name);
// Whether any name inside `expr` is the value called `name` (`model`, `body.model !== undefined`).
bool mentions(const FileModel& m, const Function& caller, const Node& expr, std::string_view name);
// The env binding `expr` reads, seen from `caller`.
std::optional<std::string> env_read(const FileModel& m, const Function& caller, const Node& expr);

}  // namespace v15::analysis
