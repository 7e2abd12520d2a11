// do.dispatch-sign-jwt: signs JWT with `signExecutionToken(executionId, sessionId, JWT_SECRET)`
#include <fmt/format.h>

#include <algorithm>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/named_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"
#include "v15check/facts/sign_calls.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::env_read;
using analysis::is_named;
using analysis::join_text;
using analysis::origin_note;
using facts::kDispatchMethod;
using facts::sign_calls;
using facts::SignCall;

std::string normalise_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  auto flush = [&] {
    if (cur == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else
        parts.push_back(cur);
    } else if (!cur.empty() && cur != ".") {
      parts.push_back(cur);
    }
    cur.clear();
  };
  for (char c : path) {
    if (c == '/' || c == '\\')
      flush();
    else
      cur += c;
  }
  flush();
  return join_text(parts, "/");
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether an import specifier, written in `from`, names the file `target` (TypeScript's module
// resolution for relative paths: extension optional, `.js` standing for `.ts`, index files).
// Path aliases (`@/utils/jwt`, `~/utils/jwt`) match when the rest is a suffix of the target.
bool specifier_names(const std::string& from, const std::string& spec, const std::string& target) {
  std::string want = normalise_path(target);
  std::string stem = want;
  for (std::string_view ext : {".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"})
    if (ends_with(stem, ext)) {
      stem.erase(stem.size() - ext.size());
      break;
    }
  if (ends_with(stem, "/index")) stem.erase(stem.size() - 6);
  std::string resolved;
  if (spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0) {
    auto slash = from.find_last_of('/');
    resolved = normalise_path(
        (slash == std::string::npos ? std::string{} : from.substr(0, slash + 1)) + spec);
  } else if (spec.rfind("@/", 0) == 0 || spec.rfind("~/", 0) == 0) {
    std::string rest = normalise_path(spec.substr(2));
    for (std::string_view ext : {".js", ".ts"})
      if (ends_with(rest, ext)) rest.erase(rest.size() - ext.size());
    return stem == rest || ends_with(stem, "/" + rest);
  } else {
    return false;
  }
  for (std::string_view ext : {".js", ".mjs", ".ts", ".tsx", ".mts"})
    if (ends_with(resolved, ext)) {
      resolved.erase(resolved.size() - ext.size());
      break;
    }
  if (ends_with(resolved, "/index")) resolved.erase(resolved.size() - 6);
  return resolved == stem;
}

// What an argument of signExecutionToken is: executionId, sessionId, JWT_SECRET, or nothing.
std::string sign_argument_role(const FileModel& m, const Function& fn, const Node& a) {
  if (a.null()) return {};
  if (env_read(m, fn, a) == std::string("JWT_SECRET")) return "JWT_SECRET";
  if (is_named(m, fn, a, "executionId")) return "executionId";
  if (is_named(m, fn, a, "sessionId")) return "sessionId";
  return {};
}

Outcome sign_jwt(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto calls = sign_calls(m, s->region);
  if (calls.empty())
    return Outcome::fail(s->location(),
                         "dispatchContainer never calls signExecutionToken: the "
                         "agent would get no VF_STREAM_JWT to call back with");
  const SignCall& sc = calls.front();
  Node call = sc.call;
  const std::string jwt_path = ctx.config().path(Role::Jwt);
  // where it comes from
  if (!sc.import) {
    const Function* local = m.callee_function(call);
    return Outcome::fail(m.location(call),
                         local ? fmt::format("signExecutionToken is defined in {} (line {}), not "
                                             "imported from the jwt file {}",
                                             m.path(), local->node.line(), jwt_path)
                               : fmt::format("signExecutionToken at line {} is not imported; "
                                             "expected an import from {}",
                                             call.line(), jwt_path));
  }
  const std::string& spec = sc.import->import_source;
  if (!specifier_names(m.path(), spec, jwt_path))
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}' (line {}), which is "
                                     "not the jwt file {}",
                                     spec, sc.import->declarator.line(), jwt_path));
  const FileModel* jwt = ctx.project().file(Role::Jwt);
  if (!jwt)
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}', but {}", spec,
                                     ctx.project().unavailable(Role::Jwt)));
  if (!jwt->function("signExecutionToken"))
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}', but {} defines no "
                                     "signExecutionToken",
                                     spec, jwt_path));
  // the arguments
  auto args = FileModel::arguments(call);
  const std::vector<std::string> expected = {"executionId", "sessionId", "JWT_SECRET"};
  std::vector<std::string> roles;
  for (std::size_t i = 0; i < 3; ++i)
    roles.push_back(sign_argument_role(m, fn, i < args.size() ? args[i] : Node{}));
  if (roles == expected)
    return Outcome::pass(
        m.location(call),
        fmt::format("signExecutionToken(executionId, sessionId, JWT_SECRET) at line "
                    "{}, imported from '{}'",
                    call.line(), spec));
  auto shown = [&] {
    std::vector<std::string> a;
    for (std::size_t i = 0; i < args.size() && i < 3; ++i) a.push_back(snippet(args[i], 30));
    if (args.size() > 3) a.push_back("…");
    return fmt::format("signExecutionToken({})", join_text(a));
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(roles) == sorted(expected)) {
    std::vector<std::size_t> wrong;
    for (std::size_t i = 0; i < 3; ++i)
      if (roles[i] != expected[i]) wrong.push_back(i + 1);
    if (wrong.size() == 2)
      return Outcome::fail(m.location(call),
                           fmt::format("arguments {} and {} are swapped: {} — expected "
                                       "(executionId, sessionId, JWT_SECRET)",
                                       wrong[0], wrong[1], shown()));
    return Outcome::fail(m.location(call),
                         fmt::format("arguments in the wrong order: {} — expected (executionId, "
                                     "sessionId, JWT_SECRET)",
                                     shown()));
  }
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < 3; ++i) {
    if (roles[i] == expected[i]) continue;
    std::string want = i == 2 ? "the JWT_SECRET env binding" : expected[i];
    parts.push_back(i < args.size()
                        ? fmt::format("argument {} is {}{}, expected {}", i + 1,
                                      code_snippet(args[i], 40), origin_note(m, fn, args[i]), want)
                        : fmt::format("argument {} is missing, expected {}", i + 1, want));
  }
  return Outcome::fail(m.location(call), fmt::format("{} at line {}: {}", shown(), call.line(),
                                                     join_text(parts, "; ")));
}

}  // namespace

Check do_dispatch_sign_jwt_check() {
  return {.id = "do.dispatch-sign-jwt",
          .group = Group::DurableObject,
          .title = "signs JWT with `signExecutionToken(executionId, sessionId, JWT_SECRET)`",
          .expected =
              "signExecutionToken(executionId, sessionId, this.env.JWT_SECRET), imported from the "
              "jwt file",
          .role = Role::DurableObject,
          .passes_when =
              "the call's first three arguments are executionId, sessionId and the JWT_SECRET env "
              "binding, and the callee is imported from the jwt role file",
          .fails_when =
              "arguments swapped; another secret; defined locally or imported from elsewhere; "
              "jwt file missing",
          .config_keys = {"roles.jwt", "roles.do"},
          .run = sign_jwt};
}

}  // namespace v15
