// The container agent's callback stream and the functions that write to it.
#include "v15check/facts/agent_stream.h"

#include <fmt/format.h>

namespace v15::facts {

Expected<AgentCallback> callback_request(const CheckContext& ctx) {
  auto file = ctx.file(Role::Agent);
  if (!file) return file.failure();
  const FileModel* m = *file;
  const CallbackRequest& r = ctx.project().callback_request();
  if (!r.found()) return Outcome::fail(m->location(m->root()), r.problem + ctx.parse_note(*m));
  return AgentCallback{m, &r};
}

std::string api_name(const CallbackRequest& r) {
  return r.api == CallbackRequest::Api::Fetch
             ? "fetch()"
             : fmt::format("{}()", snippet(r.call.field("function"), 40));
}

bool is_stream_write(const FileModel& m, const CallbackRequest& r, const Node& call) {
  std::string_view name = FileModel::callee_name(call);
  return (name == "write" || name == "enqueue") && r.is_stream(m, FileModel::callee_object(call));
}

bool StreamWriters::writes(const Function& f, int depth) {
  if (f.body.null()) return false;
  auto key = std::make_pair(&f, depth);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  memo_[key] = false;  // a call back into f while it is being worked out adds nothing
  bool found = false;
  for (const Node& c : m_.nodes_in("call_expression", f.body)) {
    if (is_stream_write(m_, r_, c)) {
      found = true;
      break;
    }
    if (depth >= 2) continue;
    const Function* g = m_.function_at(FileModel::strip(c.field("function")));
    if (!g) g = m_.callee_function(c);
    if (g && g != &f && writes(*g, depth + 1)) {
      found = true;
      break;
    }
  }
  memo_[key] = found;
  return found;
}

bool StreamWriters::is_work_call(const Node& c) {
  if (is_stream_write(m_, r_, c)) return true;
  const Function* g = m_.function_at(FileModel::strip(c.field("function")));
  if (!g) g = m_.callee_function(c);
  if (g && writes(*g)) return true;
  for (const Node& a : FileModel::arguments(c))
    if (const Function* h = m_.function_at(a); h && writes(*h)) return true;
  return false;
}

}  // namespace v15::facts
