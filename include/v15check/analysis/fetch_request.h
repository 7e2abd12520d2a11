// What a `fetch` call sends: the request expression and its init object.
#pragma once

#include <utility>

#include "v15check/model.h"

namespace v15::analysis {

// The request handed to a stub's fetch: `fetch(request)`, `fetch(new Request(…))`, or
// `fetch(url, init)`. Returns {request expression, init object}; null nodes when absent.
std::pair<Node, Node> fetch_request(const FileModel& m, const Node& fetch_call);

}  // namespace v15::analysis
