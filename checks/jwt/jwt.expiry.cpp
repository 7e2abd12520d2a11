// jwt.expiry: the token lifetime used at the DO's signExecutionToken call outlives the bridge
// timeout, so a token cannot expire while the bridge still waits for the stream.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "jwt.h"
#include "v15check/analysis/date_now.h"

namespace v15 {

namespace {

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

bool divides_by_1000(const FileModel& m, const Node& n) {
  return m.derives_from(n, [](const FileModel& fm, const Node& x) {
    Node s = FileModel::strip(x);
    return s.is("binary_expression") && s.field("operator").kind() == "/" &&
           fm.fold_number(s.field("right")) == 1000.0;
  });
}

Expected<Ttl> token_ttl(const CheckContext& ctx) {
  Ttl ttl;
  auto jwt_file = ctx.file(Role::Jwt);
  if (!jwt_file) return jwt_file.failure();
  const FileModel* jwt = *jwt_file;
  const Function* sign = jwt->function("signExecutionToken");
  if (!sign)
    return Outcome::fail(jwt->location(jwt->root()),
                         fmt::format("no function signExecutionToken in {}", jwt->path()));
  // the values passed at the DO's call: without the DO the lifetime actually used is unknown
  std::vector<std::optional<double>> args;
  auto dom_file = ctx.file(Role::DurableObject);
  if (!dom_file) {
    Outcome failure = dom_file.failure();
    failure.found =
        fmt::format("cannot see the signExecutionToken call in the DO: {}", failure.found);
    return failure;
  }
  const FileModel* dom = *dom_file;
  Node call;
  for (const Node& c : dom->find("call_expression", dom->root(), match::call("signExecutionToken")))
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
    Node now = analysis::derives_from_date_now(*jwt, l)    ? l
               : analysis::derives_from_date_now(*jwt, rr) ? rr
                                                           : Node{};
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
  return Outcome::fail(jwt->location(sign->node),
                       "cannot determine the token lifetime: no exp claim of the form now + TTL "
                       "with a constant TTL in signExecutionToken");
}

Outcome run(const CheckContext& ctx) {
  auto found = token_ttl(ctx);
  if (!found) return found.failure();
  const Ttl& ttl = *found;
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

Check jwt_expiry_check() {
  return {.id = "jwt.expiry",
          .group = Group::Jwt,
          .title = "token expiry outlives the bridge timeout",
          .expected =
              "the token TTL used at the DO's signExecutionToken call strictly greater than "
              "the bridge timeout",
          .role = Role::Jwt,
          .passes_when =
              "TTL (explicit argument, parameter default or constant) in seconds > bridge "
              "timeout (from handleChatHttp, else bridgeTimeoutMs) in seconds",
          .fails_when = "TTL equal to or shorter than the bridge timeout; no determinable TTL",
          .config_keys = {"bridgeTimeoutMs", "roles.jwt"},
          .run = run};
}

}  // namespace v15
