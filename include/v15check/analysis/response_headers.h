// The headers a Response is built with, and whether its body is a stream.
#pragma once

#include <string>
#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

struct HeaderValue {
  std::string name;   // lower-case
  std::string value;  // folded; empty when it cannot be folded
  bool folded = false;
  Node node;  // the key, the set/append call, or the entry
};

// The headers of `new Response(body, init)` / `Response.json(x, init)`: init's `headers` as an
// object literal (const objects spread into it contribute their keys), a `new Headers(…)` plus
// the `.set`/`.append` calls on its binding, or what a same-file helper returns; followed
// through consts. Names are lower-cased.
std::vector<HeaderValue> response_headers(const FileModel& m, const Node& response);

// Whether a Response body is a stream: a TransformStream's `readable` (through destructuring and
// aliases) or a `new ReadableStream(…)`.
bool streamed_body(const FileModel& m, const Node& body);

// Whether a header list carries `name: token`: the name case-insensitive, the token one of the
// value's comma-separated items (case-insensitive).
bool has_header_token(const std::vector<HeaderValue>& headers, std::string_view name,
                      std::string_view token);

}  // namespace v15::analysis
