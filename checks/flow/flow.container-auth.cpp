// flow.container-auth: the DO's container-facing fetch() branches verify the execution token
// before touching a bridge, reject a failed verification with 401/403 and key the bridge by the
// verified executionId.
#include <fmt/format.h>

#include <algorithm>

#include "flow.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/values.h"
#include "v15check/facts/flow_legs.h"

namespace v15 {

namespace {

using facts::PathRequest;
using facts::ServedRoute;

// A branch serves the container when its path is under /internal/ or is a URL the container is
// handed or connects to.
bool serves_container(const facts::FlowLegs& legs, const ServedRoute& b) {
  if (b.path.starts_with("/internal/")) return true;
  auto hits = [&](const std::vector<PathRequest>& list) {
    return std::any_of(list.begin(), list.end(),
                       [&](const PathRequest& r) { return facts::path_matches(r.path, b); });
  };
  return hits(legs.handed_urls) || hits(legs.agent_requests);
}

// `this.<map>.get(key)`: a lookup in a map the instance keeps (its bridges).
bool is_bridge_get(const Node& call) {
  if (FileModel::callee_name(call) != "get" || FileModel::arguments(call).size() != 1) return false;
  Node obj = FileModel::strip(FileModel::callee_object(call));
  return obj.is("member_expression") && FileModel::strip(obj.field("object")).is("this");
}

// The Authorization header read: `headers.get('Authorization')` or `headers.authorization`.
bool is_auth_header(const FileModel& m, const Node& n) {
  Node s = FileModel::strip(n);
  if (s.is("call_expression") && FileModel::callee_name(s) == "get" &&
      FileModel::last_name(FileModel::callee_object(s)) == "headers") {
    auto a = FileModel::arguments(s);
    auto v = a.empty() ? std::nullopt : m.fold_string(a[0]);
    return v && ascii_lower(*v) == "authorization";
  }
  return s.is("member_expression") && FileModel::last_name(s) == "authorization";
}

bool is_query_read(const Node& n) {
  Node s = FileModel::strip(n);
  return s.is("call_expression") && FileModel::callee_name(s) == "get" &&
         FileModel::last_name(FileModel::callee_object(s)) == "searchParams";
}

// Whether `key` is (or is compared, before `use`, with a 401/403 on mismatch to) the verified
// payload's executionId.
bool keyed_by_payload(const FileModel& m, const Node& key, const Binding* payload,
                      const Node& use) {
  auto is_payload_id = [&](const Node& e) {
    Origin o = m.trace(e);
    if (o.path.empty() || o.path.back() != "executionId") return false;
    Node s = FileModel::strip(o.expr);
    if (s.is("identifier")) return m.resolve(s) == payload;
    return o.binding == payload ||
           (o.binding && o.binding->init == payload->init && !payload->init.null());
  };
  if (is_payload_id(key)) return true;
  // a URL/header value compared with it: `if (id !== payload.executionId) return 403`
  const Function* fn = m.enclosing_function(use);
  if (!fn) return false;
  Node k = FileModel::strip(key);
  const Binding* kb = k.is("identifier") ? m.resolve(k) : nullptr;
  for (const Node& stmt : m.nodes_in("if_statement", fn->body)) {
    if (stmt.start_byte() >= use.start_byte()) break;
    if (stmt.parent().null() || !stmt.parent().contains(use)) continue;
    for (const Node& cmp : m.nodes_in("binary_expression", stmt.field("condition"))) {
      std::string_view op = cmp.field("operator").kind();
      if (op != "!==" && op != "!=") continue;
      Node l = cmp.field("left"), r = cmp.field("right");
      auto is_key = [&](const Node& e) {
        Node s = FileModel::strip(e);
        return kb ? (s.is("identifier") && m.resolve(s) == kb) : s.text() == k.text();
      };
      if (!((is_key(l) && is_payload_id(r)) || (is_key(r) && is_payload_id(l)))) continue;
      for (const Node& ret : m.nodes_in("return_statement", stmt.field("consequence"))) {
        auto s = ret.named_child_count() ? m.response_status(ret.named_child(0)) : std::nullopt;
        if (s && (*s == 401 || *s == 403)) return true;
      }
    }
  }
  return false;
}

Outcome judge(const CheckContext& ctx, const facts::FlowLegs& legs, const ServedRoute& b,
              std::string& passed) {
  const FileModel& d = *legs.durable_object;
  Region region = d.region(b.handler);
  std::vector<Node> gets;
  Node verify;
  for (const Node& call : d.nodes_in("call_expression", region)) {
    if (is_bridge_get(call)) gets.push_back(call);
    if (verify.null() && facts::is_verifier_call(ctx, d, call)) verify = call;
  }
  std::string branch = fmt::format("the DO's {} branch", b.summary());
  if (verify.null())
    return Outcome::fail(b.location,
                         fmt::format("{} serves the container without verifying the execution "
                                     "token{}",
                                     branch,
                                     gets.empty() ? std::string{}
                                                  : fmt::format(": it reads a bridge at line {}",
                                                                gets.front().line())));
  // the first lookup in the verifying function, else the first one a helper makes
  Node use = gets.empty() ? Node{} : gets.front();
  for (const Node& g : gets)
    if (d.enclosing_function(g) == d.enclosing_function(verify)) {
      use = g;
      break;
    }
  if (use.null()) {
    const Function* f = d.enclosing_function(verify);
    auto stmts = f ? analysis::statements_of(f->body) : std::vector<Node>{};
    if (!stmts.empty()) use = stmts.back();
  }
  std::string why;
  auto is_verify = [&](const Node& call) { return facts::is_verifier_call(ctx, d, call); };
  auto guard = use.null() ? std::nullopt : facts::auth_before(ctx, d, use, is_verify, why);
  if (!guard)
    return Outcome::fail(
        d.location(verify),
        fmt::format("{} calls `{}` (line {}) but a failed verification is not "
                    "rejected with 401/403 before the bridge{}",
                    branch, snippet(verify, 60), verify.line(), why.empty() ? "" : ": " + why));
  // the token: from Authorization (as the agent sends it, `Bearer <jwt>`) or the query
  auto args = FileModel::arguments(guard->call);
  if (args.empty())
    return Outcome::fail(d.location(guard->call),
                         fmt::format("{} verifies no token: `{}`", branch, snippet(guard->call)));
  Node token = args[0];
  bool header = d.derives_from(token, is_auth_header);
  // a same-file helper that reads it: `this.bearerToken(request)`
  Node made = FileModel::strip_await(d.trace(token).expr);
  if (const Function* f = made.is("call_expression") ? d.callee_function(made) : nullptr;
      !header && f)
    for (const Node& v : analysis::returned_values(d, *f))
      header = header || d.derives_from(v, is_auth_header);
  bool query =
      d.derives_from(token, [](const FileModel&, const Node& n) { return is_query_read(n); });
  if (!header && !query)
    return Outcome::fail(d.location(token),
                         fmt::format("{} verifies `{}`, which comes from neither the "
                                     "Authorization header nor the URL's query",
                                     branch, snippet(token, 50)));
  if (header) {
    analysis::Facts sent = {
        analysis::Fact::of(is_auth_header, analysis::Fact::Kind::Value, "Bearer <jwt>")};
    auto v = analysis::value_under(d, token, sent);
    if (v && *v != "<jwt>")
      return Outcome::fail(d.location(token),
                           fmt::format("{} verifies `{}`, which for the header the agent sends "
                                       "(`Bearer <jwt>`) is \"{}\", not the token: every "
                                       "verification fails",
                                       branch, snippet(token, 50), *v));
  }
  for (const Node& get : gets) {
    Node key = FileModel::arguments(get)[0];
    // a helper's parameter (`cleanupBridge(id)`): the values its callers in the branch pass
    std::vector<Node> passed = argument_values(d, region, key);
    if (!passed.empty() && std::all_of(passed.begin(), passed.end(), [&](const Node& v) {
          return keyed_by_payload(d, v, guard->result, get);
        }))
      continue;
    if (!keyed_by_payload(d, key, guard->result, get))
      return Outcome::fail(d.location(get),
                           fmt::format("{} looks the bridge up with `{}` (line {}), not the "
                                       "verified token's executionId, and never compares the "
                                       "two (a mismatch answered 401/403)",
                                       branch, snippet(key, 50), get.line()));
  }
  passed = fmt::format("{}: {}{}", b.summary(), guard->summary(),
                       gets.empty() ? std::string{}
                                    : fmt::format(", bridge keyed by the verified executionId "
                                                  "(line {})",
                                                  gets.front().line()));
  return Outcome::pass(d.location(guard->call), passed);
}

Outcome run(const CheckContext& ctx) {
  auto legs = facts::flow_legs(ctx);
  if (!legs) return legs.failure();
  const FileModel& d = *legs->durable_object;
  std::vector<Evidence> evidence;
  for (const ServedRoute& b : legs->do_branches) {
    if (!serves_container(*legs, b)) continue;
    std::string passed;
    Outcome o = judge(ctx, *legs, b, passed);
    if (!o.passed()) return o;
    evidence.push_back({o.location, passed});
  }
  if (evidence.empty())
    return Outcome::fail(d.location(legs->do_fetch->node),
                         fmt::format("the DO's fetch() has no branch that serves the container "
                                     "(an /internal/* path or a URL the container is handed){}",
                                     ctx.parse_note(d)));
  Location at = evidence.front().location;
  // worded before the evidence moves into the outcome
  std::string found = fmt::format(
      "{} container-facing branch(es) verify the execution token "
      "first ({})",
      evidence.size(), evidence.front().note);
  return Outcome::pass(at, std::move(found), std::move(evidence));
}

}  // namespace

Check flow_container_auth_check() {
  return {.id = "flow.container-auth",
          .group = Group::Flow,
          .title = "container-facing DO paths verify the execution token",
          .expected =
              "each container-facing DO fetch() branch verifies the token, rejects a "
              "null result with 401/403 before touching a bridge and keys it by the "
              "verified executionId",
          .role = Role::DurableObject,
          .passes_when =
              "every branch of the DO's fetch() that serves the container (an /internal/* path, "
              "or a WebSocket upgrade whose URL the DO hands the container) verifies the token "
              "(from Authorization, or a query parameter for a WebSocket upgrade) with the JWT "
              "verifier before touching a bridge, rejects a null result with 401 or 403, and "
              "uses the executionId of the verified payload (or a URL/header value compared with "
              "it, a mismatch rejected with 401/403)",
          .fails_when =
              "a WebSocket upgrade accepted unverified; executionId taken from "
              "url.searchParams and never compared with the token's",
          .config_keys = {"verifierFunctions", "roles.do"},
          .run = run};
}

}  // namespace v15
