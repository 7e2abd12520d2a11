// do.dispatch-session-kv: reads session from `SESSIONS_KV` at `session:{sessionId}`
#include <fmt/format.h>

#include <algorithm>

#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using facts::in_own_body;
using facts::kDispatchMethod;
using facts::key_matches;
using facts::key_text;
using facts::kv_call_list;
using facts::kv_calls;
using facts::KvCall;

Outcome session_kv(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  auto reads = kv_calls(m, *s, "SESSIONS_KV", "get");
  for (const auto& r : reads)
    if (key_matches(m, *s->function, r.key, "session:", "sessionId"))
      return Outcome::pass(m.location(r.call), fmt::format("SESSIONS_KV.get({}) at line {}",
                                                           key_text(m, r.key), r.call.line()));
  if (reads.empty()) {
    auto others = kv_calls(m, *s, "", "get");
    for (const auto& o : others)
      if (key_matches(m, *s->function, o.key, "session:", "sessionId"))
        return Outcome::fail(m.location(o.call),
                             fmt::format("the session is read from {} at line {}, not SESSIONS_KV",
                                         o.binding, o.call.line()));
    return Outcome::fail(s->location(), fmt::format("dispatchContainer never reads SESSIONS_KV{}",
                                                    others.empty() ? std::string{}
                                                                   : "; KV reads found: " +
                                                                         kv_call_list(m, others)));
  }
  std::stable_partition(reads.begin(), reads.end(),
                        [&](const KvCall& r) { return in_own_body(*s, r.call); });
  return Outcome::fail(
      m.location(reads.front().call),
      fmt::format("SESSIONS_KV is read at key {} (line {}), not session:{{sessionId}}{}",
                  key_text(m, reads.front().key), reads.front().call.line(),
                  reads.size() > 1 ? "; all reads: " + kv_call_list(m, reads) : ""));
}

}  // namespace

Check do_dispatch_session_kv_check() {
  return {.id = "do.dispatch-session-kv",
          .group = Group::DurableObject,
          .title = "reads session from `SESSIONS_KV` at `session:{sessionId}`",
          .expected = "SESSIONS_KV.get(`session:${sessionId}`, …) in dispatchContainer",
          .role = Role::DurableObject,
          .passes_when =
              "a get on the SESSIONS_KV env binding (this.env / env / destructured) whose key is "
              "session:{sessionId} (template or concatenation)",
          .fails_when = "other key (sessions:…); another KV namespace; no session read",
          .config_keys = {"roles.do", "className"},
          .run = session_kv};
}

}  // namespace v15
