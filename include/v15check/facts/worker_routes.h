// The Worker's routes the checklist names: the browser's chat route and the container's stream
// route, each found as a POST route with the region its handler runs.
#pragma once

#include <string>
#include <string_view>

#include "v15check/check.h"

namespace v15::facts {

inline constexpr std::string_view kChatPath = "/api/v15/chat";
inline constexpr std::string_view kStreamPath = "/internal/stream";

// A POST route of the Worker file, with the model it points into.
struct WorkerRoute {
  const FileModel* model = nullptr;
  const Route* route = nullptr;
  std::string path;
  Location location() const { return model->location(route->anchor); }
  // "POST /path (router registration, line N)": how the route is registered.
  std::string summary() const;
};

// The POST route for `path`; a FAIL saying what is there instead (another method, a path test
// without a method test, no such path) or naming a parse error inside its handler.
Expected<WorkerRoute> post_route(const CheckContext& ctx, std::string_view path);

// The handler's region plus same-file helpers it calls.
Region handler_region(const FileModel& m, const Route& r);

}  // namespace v15::facts
