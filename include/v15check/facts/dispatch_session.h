// What dispatchContainer reads before the sandbox starts: the KV calls on its env bindings and
// their keys (`session:${sessionId}`, `user:${userId}`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15::facts {

// The DO method that starts the container.
constexpr std::string_view kDispatchMethod = "dispatchContainer";

// Whether `n` is in the method's own body (not a helper's).
bool in_own_body(const MethodScope& s, const Node& n);

struct KvCall {
  Node call;
  Node key;  // first argument
  std::string binding;
};

// `.method(…)` calls on an env binding (any binding when empty) in the scope.
std::vector<KvCall> kv_calls(const FileModel& m, const MethodScope& s, std::string_view binding,
                             std::string_view method);
// A key as a pattern (`session:{sessionId}`) or its text.
std::string key_text(const FileModel& m, const Node& key);
// Whether a KV key is `prefix{name}`: the substitution is the value called `name`.
bool key_matches(const FileModel& m, const Function& caller, const Node& key,
                 std::string_view prefix, std::string_view name);
// "BINDING.method(key) at line N, …" for Found lines.
std::string kv_call_list(const FileModel& m, const std::vector<KvCall>& calls);

}  // namespace v15::facts
