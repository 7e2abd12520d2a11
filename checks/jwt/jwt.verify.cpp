// jwt.verify: verifyExecutionToken(token, secret) verifies the signature and the expiry, and
// returns the payload or null.
#include <fmt/format.h>

#include "jwt.h"
#include "v15check/analysis/date_now.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/nullish_returns.h"
#include "v15check/analysis/promises.h"
#include "v15check/facts/jwt_functions.h"

namespace v15 {

namespace {

bool reads_member(const FileModel& m, const Region& r, std::string_view name) {
  for (const Node& mem : m.nodes_in("member_expression", r))
    if (mem.field("property").text() == name) return true;
  for (const Node& p : m.nodes_in("shorthand_property_identifier_pattern", r))
    if (p.text() == name) return true;
  return false;
}

// An expiry test: a comparison between something read from `exp` and the current time.
Node expiry_test(const FileModel& m, const Region& r) {
  auto is_exp = [](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip(n);
    if (s.is("member_expression") && FileModel::last_name(s) == "exp") return true;
    if (s.is("identifier") || s.is("shorthand_property_identifier")) {
      Origin o = fm.trace(s);
      return (!o.path.empty() && o.path.back() == "exp") || s.text() == "exp";
    }
    return false;
  };
  for (const Node& b : m.nodes_in("binary_expression", r)) {
    std::string_view op = b.field("operator").kind();
    if (op != "<" && op != ">" && op != "<=" && op != ">=") continue;
    Node l = b.field("left"), rr = b.field("right");
    if ((m.derives_from(l, is_exp) && analysis::derives_from_date_now(m, rr)) ||
        (m.derives_from(rr, is_exp) && analysis::derives_from_date_now(m, l)))
      return b;
  }
  return {};
}

bool returns_null_or_throws(const FileModel& m, const Node& branch) {
  for (const Node& ret : m.nodes_in("return_statement", branch))
    if (analysis::is_nullish(ret.named_child(0)) && !ret.named_child(0).null()) return true;
  if (branch.is("return_statement")) return analysis::is_nullish(branch.named_child(0));
  return !m.nodes_in("throw_statement", branch).empty() || branch.is("throw_statement");
}

bool verification_decides(const FileModel& m, const Function& f, const Region& r,
                          const Node& verify) {
  auto from_verify = [&](const FileModel&, const Node& n) {
    return FileModel::strip_await(n) == verify;
  };
  for (const Node& stmt : m.nodes_in("if_statement", r)) {
    Node cond = stmt.field("condition");
    bool tests = cond.contains(verify) || m.derives_from(cond, from_verify);
    if (!tests) {
      // a comparison of a recomputed signature: the sign result flows into the condition
      for (const Node& id : m.nodes_in("identifier", cond))
        tests = tests || m.derives_from(id, from_verify);
    }
    if (tests && returns_null_or_throws(m, stmt.field("consequence"))) return true;
  }
  // `return valid ? payload : null` / `if (!(await verify(...))) …` handled above; ternary here
  for (const Node& t : m.nodes_in("ternary_expression", r)) {
    if (m.derives_from(t.field("condition"), from_verify) &&
        (analysis::is_nullish(t.field("alternative")) ||
         analysis::is_nullish(t.field("consequence"))))
      return true;
  }
  // a throwing verifier inside a try whose catch returns null
  ControlContext ctx = m.context(verify, f.node);
  if (ctx.in_try()) {
    Node handler = ctx.try_statement.field("handler");
    if (!handler.null() && returns_null_or_throws(m, handler)) return true;
  }
  return false;
}

Outcome run(const CheckContext& ctx) {
  auto found = facts::exported_jwt_function(ctx, "verifyExecutionToken");
  if (!found) return found.failure();
  const FileModel* m = found->model;
  const Function* f = found->function;
  std::string bad = facts::parameter_problem(*f, {"token", "secret"});
  if (!bad.empty()) return Outcome::fail(m->location(f->node), bad);
  Region r = m->region(*f);
  std::vector<std::string> missing;
  Node verify = facts::crypto_call(*m, r, "verify");
  if (verify.null()) {
    // recomputing the signature and comparing it is a verification too
    Node sign = facts::crypto_call(*m, r, "sign");
    bool compares = false;
    for (const Node& b : m->nodes_in("binary_expression", r)) {
      std::string_view op = b.field("operator").kind();
      compares = compares || op == "===" || op == "!==";
    }
    for (const Node& c : m->nodes_in("call_expression", r))
      compares = compares || FileModel::callee_name(c) == "timingSafeEqual";
    if (sign.null() || !compares)
      missing.push_back("no signature verification");
    else
      verify = sign;
  }
  // a verifier's result is a Promise: tested without await it is always truthy, so every
  // signature passes
  if (!verify.null()) {
    analysis::PromiseState ps = analysis::promise_state(*m, verify);
    if (!ps.condition.null() && ps.handling != analysis::Handling::Awaited)
      return Outcome::fail(
          m->location(verify),
          fmt::format("verifyExecutionToken: {} (line {}) is not awaited, so the condition {} "
                      "(line {}) tests a Promise, which is always truthy: a bad signature is "
                      "accepted",
                      analysis::code_excerpt(verify, 40), verify.line(),
                      analysis::code_excerpt(ps.condition, 40), ps.condition.line()));
  }
  // the verification result must decide: a test on it that returns null / throws, or a
  // throwing verifier (jose) inside a try whose catch returns null
  if (!verify.null() && !verification_decides(*m, *f, r, verify))
    missing.push_back(
        fmt::format("the verification result at line {} never leads to a null "
                    "return",
                    verify.line()));
  Node expiry = expiry_test(*m, r);
  bool jose = !verify.null() &&
              ascii_lower(FileModel::callee_name(verify)).find("jwtverify") != std::string::npos;
  if (expiry.null() && !jose) missing.push_back("no expiry (exp) check against the current time");
  bool returns_null = false, returns_payload = false;
  for (const Node& v : analysis::own_returns(*m, *f)) {
    if (analysis::is_nullish(v) && !v.null()) returns_null = true;
    if (analysis::is_nullish(v)) continue;
    Node val = FileModel::strip_await(v);
    if (val.is("object")) {
      returns_payload = returns_payload || (!m->property(val, "executionId").null() &&
                                            !m->property(val, "sessionId").null());
    } else {
      // a parsed payload: its fields are read (or typed) in the function
      returns_payload = returns_payload ||
                        (reads_member(*m, r, "executionId") && reads_member(*m, r, "sessionId"));
      if (!returns_payload) {
        Node ret_type = f->node.field("return_type");
        std::string type_text(ret_type.text());
        for (const Node& iface : m->nodes("interface_declaration")) {
          if (type_text.find(iface.field("name").text()) == std::string::npos) continue;
          std::string body(iface.field("body").text());
          returns_payload = returns_payload || (body.find("executionId") != std::string::npos &&
                                                body.find("sessionId") != std::string::npos);
        }
        for (const Node& alias : m->nodes("type_alias_declaration")) {
          if (type_text.find(alias.field("name").text()) == std::string::npos) continue;
          bool e = false, s = false;
          for (const Node& ps : m->nodes_in("property_signature", alias)) {
            e = e || ps.field("name").text() == "executionId";
            s = s || ps.field("name").text() == "sessionId";
          }
          returns_payload = returns_payload || (e && s);
        }
      }
    }
  }
  // a catch that returns null counts: `catch { return null }` is inside the function
  if (!returns_null) missing.push_back("never returns null on failure");
  if (!returns_payload)
    missing.push_back("does not return a payload with executionId and sessionId");
  if (!missing.empty()) {
    std::string list;
    for (const auto& s : missing) list += (list.empty() ? "" : "; ") + s;
    return Outcome::fail(m->location(f->node), fmt::format("verifyExecutionToken: {}", list));
  }
  return Outcome::pass(
      m->location(f->node),
      fmt::format("verifies at line {}, checks expiry{}, returns null or the payload",
                  verify.line(),
                  expiry.null() ? " (jwtVerify)" : fmt::format(" at line {}", expiry.line())));
}

}  // namespace

Check jwt_verify_check() {
  return {.id = "jwt.verify",
          .group = Group::Jwt,
          .title = "verifyExecutionToken(token, secret) returns payload or null",
          .expected =
              "an exported verifyExecutionToken(token, secret) that verifies the signature, "
              "rejects expired tokens, returns null on failure and the payload on success",
          .role = Role::Jwt,
          .passes_when =
              "crypto.subtle.verify (or an imported verifier), an exp check against "
              "Date.now(), return null, and a payload with executionId and sessionId",
          .fails_when = "no signature check; no expiry check; throws instead of returning null",
          .config_keys = {"roles.jwt"},
          .run = run};
}

}  // namespace v15
