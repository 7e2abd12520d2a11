// Following code through same-file helpers: a function's body plus the bodies it calls, and how
// far parameter → argument and caller hops are followed.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

constexpr int kHelperLevels = 2;  // helpers of helpers: `sendError` called from `failBridge`
constexpr int kMaxCallHops = 3;   // parameter → argument and caller hops

// A function's body plus the bodies of the same-file functions it calls, `levels` deep.
Region deep_region(const FileModel& m, const Function& fn, int levels = kHelperLevels);

}  // namespace v15::analysis
