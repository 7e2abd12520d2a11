// jwt.sign: signExecutionToken(executionId, sessionId, secret) signs and returns a token.
#include <fmt/format.h>

#include "jwt.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/nullish_returns.h"
#include "v15check/analysis/string_values.h"
#include "v15check/analysis/values.h"
#include "v15check/facts/jwt_functions.h"

namespace v15 {

namespace {

Outcome run(const CheckContext& ctx) {
  auto found = facts::exported_jwt_function(ctx, "signExecutionToken");
  if (!found) return found.failure();
  const FileModel* m = found->model;
  const Function* f = found->function;
  std::string bad = facts::parameter_problem(*f, {"executionId", "sessionId", "secret"});
  if (!bad.empty()) return Outcome::fail(m->location(f->node), bad);
  Region r = m->region(*f);
  Node sign = facts::crypto_call(*m, r, "sign");
  if (sign.null())
    return Outcome::fail(m->location(f->node),
                         "signExecutionToken never signs (no crypto.subtle.sign, HMAC or imported "
                         "signer)");
  bool returns_value = false;
  for (const Node& v : analysis::own_returns(*m, *f))
    returns_value = returns_value || !analysis::is_nullish(v);
  if (!returns_value)
    return Outcome::fail(m->location(f->node), "signExecutionToken returns no token");
  // the token is a string: a template, a concatenation, a join, a helper returning one; a value
  // the source cannot classify (an imported signer) counts when the declared type says string
  analysis::StringKind kind = analysis::returns_string(*m, *f);
  std::string declared(f->node.field("return_type").text());
  bool declared_string = declared.find("string") != std::string::npos;
  if (kind == analysis::StringKind::NotString ||
      (kind == analysis::StringKind::Unknown && !declared_string)) {
    auto values = analysis::returned_values(*m, *f);
    Node v = values.empty() ? f->node : values.front();
    return Outcome::fail(
        m->location(v),
        fmt::format("signExecutionToken returns {} (line {}), {} a string",
                    analysis::code_excerpt(v, 50), v.line(),
                    kind == analysis::StringKind::NotString ? "not" : "not known to be"));
  }
  return Outcome::pass(
      m->location(f->node),
      fmt::format("exported signExecutionToken({}, {}, {}) signs at line {}", f->parameter_name(0),
                  f->parameter_name(1), f->parameter_name(2), sign.line()));
}

}  // namespace

Check jwt_sign_check() {
  return {.id = "jwt.sign",
          .group = Group::Jwt,
          .title = "signExecutionToken(executionId, sessionId, secret) returns a signed token",
          .expected =
              "an exported signExecutionToken(executionId, sessionId, secret) that signs "
              "(HMAC via crypto.subtle.sign or an imported signer) and returns the token",
          .role = Role::Jwt,
          .passes_when =
              "exported function with those first three parameters, a signing call, and "
              "a returned value",
          .fails_when = "missing or unexported function; parameters in another order; no signing",
          .config_keys = {"roles.jwt"},
          .run = run};
}

}  // namespace v15
