// Whether a value comes from a function's first parameter: the request a fetch handler was given,
// the line a per-line helper was called with.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

// Whether the value of `expr` flows from `f`'s first parameter (through bindings, fields and the
// expressions built from it, FileModel::derives_from). False when `f` has no parameters.
bool from_first_parameter(const FileModel& m, const Function& f, const Node& expr);

}  // namespace v15::analysis
