// The OAuth token dispatchContainer hands to the agent: the `.claudeToken` field of the user
// record read from AUTH_KV at user:{userId}. Computed once per check run by both
// do.dispatch-oauth-* checks and do.env-oauth-token, so they agree on what "the token" is.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

namespace v15::facts {

struct OAuthToken {
  std::vector<KvCall> records;         // every AUTH_KV.get in scope
  const KvCall* record = nullptr;      // the user record read, when there is one
  std::map<std::string, Node> fields;  // fields read off that record → first read
  Node base;                      // origin of the token value (the record call, or another value)
  std::vector<std::string> path;  // property path from base
  Node read;                      // where the token is read (a declarator or member read)
  std::string name;               // how to call it in Found lines
  bool found() const { return !base.null(); }
  std::string where() const { return fmt::format("{} (line {})", name, read.line()); }
};

OAuthToken oauth_token(const FileModel& m, const MethodScope& s, const Config& config);
// Whether `expr` (seen from `caller`) is the token.
bool is_token(const FileModel& m, const Function& caller, const OAuthToken& t, const Node& expr);

}  // namespace v15::facts
