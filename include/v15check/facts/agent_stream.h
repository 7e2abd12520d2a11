// The container agent's callback stream: the request that POSTs events back to the Worker, the
// calls that write to its stream, and which of the agent's functions send events.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "v15check/check.h"

namespace v15::facts {

// The env names the agent reads the callback URL and its token from.
inline constexpr std::string_view kCallbackUrl = "VF_CALLBACK_URL";
inline constexpr std::string_view kStreamJwt = "VF_STREAM_JWT";

// The callback request of the agent file, with the model it points into.
struct AgentCallback {
  const FileModel* model = nullptr;
  const CallbackRequest* request = nullptr;
};

// The agent's callback request; a FAIL when the agent file is unavailable or makes no request
// that could be the callback.
Expected<AgentCallback> callback_request(const CheckContext& ctx);

// "fetch()" or the request function as written ("https.request()").
std::string api_name(const CallbackRequest& r);

// Whether `call` writes to the callback stream: `.write(…)` / `.enqueue(…)` on it.
bool is_stream_write(const FileModel& m, const CallbackRequest& r, const Node& call);

// Which functions write to the callback stream, themselves or through the functions they call
// (two levels down). Each (function, level) is worked out once: helpers that call helpers K
// times each would otherwise be walked K^3 times.
class StreamWriters {
 public:
  StreamWriters(const FileModel& m, const CallbackRequest& r) : m_(m), r_(r) {}

  bool writes(const Function& f, int depth = 0);

  // A call that sends events: a stream write, a call of a function that writes, or a call that
  // hands such a function on (`runAgent(prompt, emit)`).
  bool is_work_call(const Node& c);

 private:
  const FileModel& m_;
  const CallbackRequest& r_;
  std::map<std::pair<const Function*, int>, bool> memo_;
};

}  // namespace v15::facts
