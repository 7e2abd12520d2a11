// jwt.sign: signExecutionToken(executionId, sessionId, secret) signs and returns a token.
#include <fmt/format.h>

#include "jwt.h"
#include "v15check/analysis/nullish_returns.h"
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
