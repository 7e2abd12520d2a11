// The current time as code reads it: `Date.now()`.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

// Whether `n` (parentheses aside) is a call of Date.now().
bool is_date_now(const Node& n);

// Whether the value of `n` derives from a Date.now() call (FileModel::derives_from).
bool derives_from_date_now(const FileModel& m, const Node& n);

}  // namespace v15::analysis
