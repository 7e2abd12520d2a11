// Every caller of the DO's dispatchContainer: the HTTP bridge's call in handleChatHttp and any
// other transport's (a WebSocket path), each with the function it sits in.
#pragma once

#include <vector>

#include "v15check/model.h"

namespace v15::facts {

struct DispatchCall {
  Node call;                         // the call invoking dispatchContainer
  const Function* caller = nullptr;  // the function the call sits in (null: module level)
};

struct DispatchCallers {
  const Function* dispatch = nullptr;  // dispatchContainer of the DO class; null when missing
  std::vector<DispatchCall> calls;     // in document order (invocations_of)
};

// The callers of `class_name`'s dispatchContainer in the DO file `m`.
DispatchCallers dispatch_callers(const FileModel& m, std::string_view class_name);

}  // namespace v15::facts
