#include "v15check/facts/dispatch_callers.h"

#include "v15check/facts/dispatch_session.h"

namespace v15::facts {

DispatchCallers dispatch_callers(const FileModel& m, std::string_view class_name) {
  DispatchCallers out;
  out.dispatch = m.method(class_name, kDispatchMethod);
  if (!out.dispatch) return out;
  // invocations_of also finds calls through a parameter the method is handed to (a transport
  // helper that receives the dispatch function).
  for (const Node& call : invocations_of(m, *out.dispatch))
    out.calls.push_back({call, m.enclosing_function(call)});
  return out;
}

}  // namespace v15::facts
