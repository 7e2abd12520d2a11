// 3. JWT Utils (jwt): signing, verification, and a token lifetime that outlives the bridge.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "v15check/check.h"

namespace v15 {

namespace {

// An exported function of the jwt file, or a FAIL.
const Function* exported_function(const CheckContext& ctx, std::string_view name, Outcome& failure,
                                  const FileModel** model) {
  const FileModel* m = ctx.file(Role::Jwt, failure);
  *model = m;
  if (!m) return nullptr;
  const Function* f = m->function(name);
  if (!f) {
    failure = Outcome::fail(m->location(m->root()), fmt::format("no function {} in {}{}", name,
                                                                m->path(), ctx.parse_note(*m)));
    return nullptr;
  }
  if (!f->exported) {
    failure = Outcome::fail(m->location(f->node), fmt::format("{} is not exported", name));
    return nullptr;
  }
  Node err = m->error_within(f->node);
  if (!err.null()) {
    failure = Outcome::fail(m->location(err),
                            fmt::format("a parse error at line {} inside {}()", err.line(), name));
    return nullptr;
  }
  return f;
}

// Parameter names must match in order; `secret` may be spelled with a qualifier (jwtSecret).
std::string parameter_problem(const Function& f, const std::vector<std::string>& expected) {
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::string got = f.parameter_name(i);
    bool ok = expected[i] == "secret" ? ascii_lower(got).find("secret") != std::string::npos ||
                                            ascii_lower(got).find("key") != std::string::npos
                                      : got == expected[i];
    if (!ok) {
      std::string list;
      for (std::size_t k = 0; k < f.parameters().size(); ++k)
        list += (k ? ", " : "") +
                (f.parameter_name(k).empty() ? std::string("…") : f.parameter_name(k));
      std::string want;
      for (std::size_t k = 0; k < expected.size(); ++k) want += (k ? ", " : "") + expected[k];
      return fmt::format("{}({}) — expected parameters ({}, …)", f.name, list, want);
    }
  }
  return {};
}

// A crypto operation: crypto.subtle.<op>(…), or a call to an imported function/method whose name
// contains op (jose's jwtVerify, a signer from another module).
Node crypto_call(const FileModel& m, const Region& r, std::string_view op) {
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string_view name = FileModel::callee_name(call);
    Node obj = FileModel::callee_object(call);
    if (name == op && FileModel::last_name(obj) == "subtle") return call;
  }
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string name = ascii_lower(FileModel::callee_name(call));
    if (name.find(op) == std::string::npos) continue;
    Node callee = FileModel::strip(call.field("function"));
    Node root = callee;
    while (root.is("member_expression")) root = FileModel::strip(root.field("object"));
    if (root.is("new_expression")) root = FileModel::strip(root.field("constructor"));
    if (root.is("identifier")) {
      const Binding* b = m.resolve(root);
      if (b && !b->import_source.empty()) return call;
    }
  }
  // createHmac('sha256', secret) from node:crypto
  for (const Node& call : m.nodes_in("call_expression", r))
    if (FileModel::callee_name(call) == "createHmac") return call;
  return {};
}

std::vector<Node> own_returns(const FileModel& m, const Function& f) {
  std::vector<Node> out;
  if (!f.body.is("statement_block")) {
    out.push_back(f.body);
    return out;
  }
  for (const Node& ret : m.nodes_in("return_statement", f.body))
    if (m.enclosing_function(ret) == &f) out.push_back(ret.named_child(0));
  return out;
}

bool is_null(const Node& n) {
  Node s = FileModel::strip(n);
  return s.null() || s.is("null") || s.is("undefined") ||
         (s.is("identifier") && s.text() == "undefined");
}

Outcome jwt_sign(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Function* f = exported_function(ctx, "signExecutionToken", failure, &m);
  if (!f) return failure;
  std::string bad = parameter_problem(*f, {"executionId", "sessionId", "secret"});
  if (!bad.empty()) return Outcome::fail(m->location(f->node), bad);
  Region r = m->region(*f);
  Node sign = crypto_call(*m, r, "sign");
  if (sign.null())
    return Outcome::fail(m->location(f->node),
                         "signExecutionToken never signs (no crypto.subtle.sign, HMAC or imported "
                         "signer)");
  bool returns_value = false;
  for (const Node& v : own_returns(*m, *f)) returns_value = returns_value || !is_null(v);
  if (!returns_value)
    return Outcome::fail(m->location(f->node), "signExecutionToken returns no token");
  return Outcome::pass(
      m->location(f->node),
      fmt::format("exported signExecutionToken({}, {}, {}) signs at line {}", f->parameter_name(0),
                  f->parameter_name(1), f->parameter_name(2), sign.line()));
}

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
  auto is_now = [](const FileModel&, const Node& n) {
    Node s = FileModel::strip(n);
    return s.is("call_expression") && FileModel::callee_name(s) == "now" &&
           FileModel::last_name(FileModel::callee_object(s)) == "Date";
  };
  for (const Node& b : m.nodes_in("binary_expression", r)) {
    std::string_view op = b.field("operator").kind();
    if (op != "<" && op != ">" && op != "<=" && op != ">=") continue;
    Node l = b.field("left"), rr = b.field("right");
    if ((m.derives_from(l, is_exp) && m.derives_from(rr, is_now)) ||
        (m.derives_from(rr, is_exp) && m.derives_from(l, is_now)))
      return b;
  }
  return {};
}

bool returns_null_or_throws(const FileModel& m, const Node& branch) {
  for (const Node& ret : m.nodes_in("return_statement", branch))
    if (is_null(ret.named_child(0)) && !ret.named_child(0).null()) return true;
  if (branch.is("return_statement")) return is_null(branch.named_child(0));
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
        (is_null(t.field("alternative")) || is_null(t.field("consequence"))))
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

Outcome jwt_verify(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Function* f = exported_function(ctx, "verifyExecutionToken", failure, &m);
  if (!f) return failure;
  std::string bad = parameter_problem(*f, {"token", "secret"});
  if (!bad.empty()) return Outcome::fail(m->location(f->node), bad);
  Region r = m->region(*f);
  std::vector<std::string> missing;
  Node verify = crypto_call(*m, r, "verify");
  if (verify.null()) {
    // recomputing the signature and comparing it is a verification too
    Node sign = crypto_call(*m, r, "sign");
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
  for (const Node& v : own_returns(*m, *f)) {
    if (is_null(v) && !v.null()) returns_null = true;
    if (is_null(v)) continue;
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

// -- jwt.expiry ---------------------------------------------------------------------------------

struct Ttl {
  std::optional<double> seconds;
  Location location;
  std::string how;
};

// "15m", "1h", "900s", "2 days" (jose/ms style) → seconds
std::optional<double> parse_duration(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
  std::string unit = ascii_lower(s.substr(i));
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  if (unit.empty() || unit == "s" || unit.rfind("sec", 0) == 0) return v;
  if (unit == "m" || unit.rfind("min", 0) == 0) return v * 60;
  if (unit == "h" || unit.rfind("h", 0) == 0) return v * 3600;
  if (unit == "d" || unit.rfind("day", 0) == 0) return v * 86400;
  return std::nullopt;
}

// Evaluates a TTL expression with parameters of `f` replaced by the value used at the call.
std::optional<double> eval_with_params(const FileModel& jwt, const Function& f, const Node& expr,
                                       const std::vector<std::optional<double>>& args,
                                       int depth = 0) {
  if (depth > 16) return std::nullopt;
  Node e = FileModel::strip(expr);
  if (auto v = jwt.fold_number(e)) return v;
  if (e.is("identifier")) {
    const Binding* b = jwt.resolve(e);
    if (b && b->kind == BindingKind::Param) {
      auto params = f.parameters();
      for (std::size_t i = 0; i < params.size(); ++i) {
        if (!params[i].contains(b->name_node)) continue;
        if (i < args.size() && args[i]) return args[i];
        if (!b->init.null()) return jwt.fold_number(b->init);
        return std::nullopt;
      }
    }
    if (b && !b->init.null() && b->path.empty())
      return eval_with_params(jwt, f, b->init, args, depth + 1);
    return std::nullopt;
  }
  if (e.is("binary_expression")) {
    auto l = eval_with_params(jwt, f, e.field("left"), args, depth + 1);
    auto r = eval_with_params(jwt, f, e.field("right"), args, depth + 1);
    if (!l || !r) return std::nullopt;
    std::string_view op = e.field("operator").kind();
    if (op == "+") return *l + *r;
    if (op == "-") return *l - *r;
    if (op == "*") return *l * *r;
    if (op == "/" && *r != 0) return *l / *r;
  }
  return std::nullopt;
}

bool is_now(const FileModel& m, const Node& n) {
  return m.derives_from(n, [](const FileModel&, const Node& x) {
    Node s = FileModel::strip(x);
    return s.is("call_expression") && FileModel::callee_name(s) == "now" &&
           FileModel::last_name(FileModel::callee_object(s)) == "Date";
  });
}

bool divides_by_1000(const FileModel& m, const Node& n) {
  return m.derives_from(n, [](const FileModel& fm, const Node& x) {
    Node s = FileModel::strip(x);
    return s.is("binary_expression") && s.field("operator").kind() == "/" &&
           fm.fold_number(s.field("right")) == 1000.0;
  });
}

Ttl token_ttl(const CheckContext& ctx, Outcome& failure) {
  Ttl ttl;
  const FileModel* jwt = ctx.file(Role::Jwt, failure);
  if (!jwt) return ttl;
  const Function* sign = jwt->function("signExecutionToken");
  if (!sign) {
    failure = Outcome::fail(jwt->location(jwt->root()),
                            fmt::format("no function signExecutionToken in {}", jwt->path()));
    return ttl;
  }
  // the values passed at the DO's call: without the DO the lifetime actually used is unknown
  std::vector<std::optional<double>> args;
  const FileModel* dom = ctx.file(Role::DurableObject, failure);
  if (!dom) {
    failure.found =
        fmt::format("cannot see the signExecutionToken call in the DO: {}", failure.found);
    return ttl;
  }
  Node call;
  if (dom)
    for (const Node& c :
         dom->find("call_expression", dom->root(), match::call("signExecutionToken")))
      if (call.null()) call = c;
  if (!call.null())
    for (const Node& a : FileModel::arguments(call)) args.push_back(dom->fold_number(a));
  Region r = jwt->region(*sign);
  // exp: now + TTL, in seconds or milliseconds
  for (const Node& pair : jwt->nodes_in("pair", r)) {
    std::string key = jwt->key_name(pair.field("key"));
    if (key != "exp" && key != "expiresAt") continue;
    Node v = FileModel::strip(pair.field("value"));
    if (v.is("identifier")) v = FileModel::strip(jwt->trace(v).expr);
    if (!v.is("binary_expression") || v.field("operator").kind() != "+") continue;
    Node l = v.field("left"), rr = v.field("right");
    Node now = is_now(*jwt, l) ? l : is_now(*jwt, rr) ? rr : Node{};
    if (now.null()) continue;
    Node delta = now == l ? rr : l;
    auto amount = eval_with_params(*jwt, *sign, delta, args);
    if (!amount) continue;
    bool seconds = divides_by_1000(*jwt, now);
    ttl.seconds = seconds ? *amount : *amount / 1000;
    // point at the value that decides it: an explicit argument, else the jwt file
    bool from_arg = false;
    for (const Node& id : jwt->nodes_in("identifier", delta)) {
      const Binding* b = jwt->resolve(id);
      if (b && b->kind == BindingKind::Param) {
        auto params = sign->parameters();
        for (std::size_t i = 0; i < params.size(); ++i)
          if (params[i].contains(b->name_node)) {
            if (i < args.size() && args[i]) {
              from_arg = true;
            } else if (!b->init.null()) {
              ttl.location = jwt->location(b->init);
              Origin o = jwt->trace(b->init);
              if (o.binding && !o.binding->init.null())
                ttl.location = jwt->location(o.binding->init);
            }
          }
      } else if (b && b->kind == BindingKind::Const && !b->init.null() && !ttl.location.known()) {
        ttl.location = jwt->location(b->init);
      }
    }
    if (from_arg) ttl.location = dom->location(call);
    if (!ttl.location.known()) ttl.location = jwt->location(delta);
    ttl.how = from_arg ? "argument at the signExecutionToken call" : "exp claim";
    return ttl;
  }
  // jose: .setExpirationTime('15m')
  for (const Node& c : jwt->find("call_expression", r, match::call("setExpirationTime"))) {
    auto a = FileModel::arguments(c);
    if (a.empty()) continue;
    if (auto s = jwt->fold_string(a[0])) ttl.seconds = parse_duration(*s);
    if (ttl.seconds) {
      ttl.location = jwt->location(c);
      ttl.how = "setExpirationTime";
      return ttl;
    }
  }
  failure = Outcome::fail(jwt->location(sign->node),
                          "cannot determine the token lifetime: no exp claim of the form now + TTL "
                          "with a constant TTL in signExecutionToken");
  return ttl;
}

Outcome jwt_expiry(const CheckContext& ctx) {
  Outcome failure;
  Ttl ttl = token_ttl(ctx, failure);
  if (!ttl.seconds) return failure;
  const BridgeTimeout& bt = ctx.project().bridge_timeout();
  double bridge_ms = bt.ms ? *bt.ms : ctx.config().bridge_timeout_ms;
  std::string bridge_where = bt.ms ? fmt::format("{}:{}", bt.location.path, bt.location.line)
                                   : "configured bridgeTimeoutMs; no bridge timeout found";
  double bridge_s = bridge_ms / 1000;
  std::string text = fmt::format("token TTL {} s ({}:{}) is {} bridge timeout {} s ({})",
                                 format_number(*ttl.seconds), ttl.location.path, ttl.location.line,
                                 *ttl.seconds > bridge_s ? "greater than" : "not greater than",
                                 format_number(bridge_s), bridge_where);
  std::vector<Evidence> ev = {{ttl.location, "token lifetime (" + ttl.how + ")"}};
  if (bt.ms) ev.push_back({bt.location, "bridge timeout"});
  if (*ttl.seconds > bridge_s) return Outcome::pass(ttl.location, text, ev);
  if (!bt.ms) {  // the configured timeout decided it
    Outcome o = ctx.differs(ttl.location, text, "bridgeTimeoutMs");
    o.evidence = std::move(ev);
    return o;
  }
  return Outcome::fail(ttl.location, text, ev);
}

}  // namespace

void register_jwt_checks(Registry& r) {
  r.add({.id = "jwt.sign",
         .group = Group::Jwt,
         .title = "signExecutionToken(executionId, sessionId, secret) returns a signed token",
         .expected = "an exported signExecutionToken(executionId, sessionId, secret) that signs "
                     "(HMAC via crypto.subtle.sign or an imported signer) and returns the token",
         .role = Role::Jwt,
         .passes_when = "exported function with those first three parameters, a signing call, and "
                        "a returned value",
         .fails_when = "missing or unexported function; parameters in another order; no signing",
         .config_keys = {"roles.jwt"},
         .run = jwt_sign});
  r.add({.id = "jwt.verify",
         .group = Group::Jwt,
         .title = "verifyExecutionToken(token, secret) returns payload or null",
         .expected = "an exported verifyExecutionToken(token, secret) that verifies the signature, "
                     "rejects expired tokens, returns null on failure and the payload on success",
         .role = Role::Jwt,
         .passes_when = "crypto.subtle.verify (or an imported verifier), an exp check against "
                        "Date.now(), return null, and a payload with executionId and sessionId",
         .fails_when = "no signature check; no expiry check; throws instead of returning null",
         .config_keys = {"roles.jwt"},
         .run = jwt_verify});
  r.add({.id = "jwt.expiry",
         .group = Group::Jwt,
         .title = "token expiry outlives the bridge timeout",
         .expected = "the token TTL used at the DO's signExecutionToken call strictly greater than "
                     "the bridge timeout",
         .role = Role::Jwt,
         .passes_when =
             "TTL (explicit argument, parameter default or constant) in seconds > bridge "
             "timeout (from handleChatHttp, else bridgeTimeoutMs) in seconds",
         .fails_when = "TTL equal to or shorter than the bridge timeout; no determinable TTL",
         .config_keys = {"bridgeTimeoutMs", "roles.jwt"},
         .run = jwt_expiry});
}

}  // namespace v15
