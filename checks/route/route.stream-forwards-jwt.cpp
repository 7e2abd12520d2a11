// route.stream-forwards-jwt: the stream route reads the container's bearer token and hands the
// original request, headers included, to the DO.
#include <fmt/format.h>

#include <algorithm>

#include "route.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/fetch_request.h"
#include "v15check/facts/worker_routes.h"

namespace v15 {

namespace {

// How many levels of `!`, `&&` / `||` or helper hops a test looks through: each is a level of
// recursion, and a condition can nest without bound.
constexpr int kMaxConditionDepth = 64;

// The request object the handler received: the enclosing function's first parameter, or
// Hono's `c.req.raw`.
bool is_incoming_request(const FileModel& m, const Route& r, const Node& expr, int depth = 0) {
  if (depth > kMaxConditionDepth) return false;  // helper hops nest as deep as the calls do

  Node e = FileModel::strip_await(expr);
  Origin o = m.trace(e);
  Node base = FileModel::strip(o.expr);
  if (o.path.size() == 2 && o.path[0] == "req" && o.path[1] == "raw") return true;
  if (!o.path.empty() || !base.is("identifier")) return false;
  const Binding* b = m.resolve(base);
  if (!b || b->kind != BindingKind::Param) return false;
  const Function* f = r.kind == Route::Kind::Router ? m.function_at(r.handler) : r.function;
  if (!f) f = m.enclosing_function(r.anchor);
  if (!f) return false;
  auto params = f->parameters();
  if (!params.empty() && params[0].contains(b->name_node)) return true;
  // a same-file helper's parameter (`handleStream(request, env)`): the argument the route passes
  Node outer = m.caller_value(base, *f);
  return !outer.null() && outer != base && is_incoming_request(m, r, outer, depth + 1);
}

// The token the question assumes the container sends: `Authorization: Bearer <token>`.
constexpr std::string_view kToken = "eyJhbGciOiJIUzI1NiJ9.e30.c2ln";

// The expression of the handler that yields the token when the header is `Bearer <token>`: the
// prefix stripped (`replace`, `slice(7)`, a regex) or parsed (`split(' ')[1]`, a destructured
// element, a match group). Every candidate is evaluated, so what counts is what it yields, not
// what it mentions: `replace('bearer ', '')` strips nothing from `Bearer …`.
Node token_expression(const FileModel& m, const Region& region, const analysis::Facts& facts) {
  static constexpr std::string_view kKinds[] = {"call_expression", "subscript_expression",
                                                "ternary_expression", "binary_expression"};
  Node best;
  for (std::string_view kind : kKinds)
    for (const Node& n : m.nodes_in(kind, region))
      if (analysis::value_under(m, n, facts) == std::string(kToken) &&
          (best.null() || n.start_byte() < best.start_byte()))
        best = n;
  if (!best.null()) return best;
  for (std::string_view pattern : {"array_pattern", "object_pattern"})
    for (const Node& p : m.nodes_in(pattern, region))
      for (const Node& id : m.nodes_in("identifier", p))
        if (analysis::value_under(m, id, facts) == std::string(kToken)) return id;
  return {};
}

// For a FAIL: the call that tries to strip the prefix from the header, and what it yields.
std::pair<Node, std::string> strip_attempt(const FileModel& m, const Region& region,
                                           const Node& header_read, const analysis::Facts& facts) {
  static constexpr std::string_view kParsers[] = {"replace", "replaceAll", "slice", "substring",
                                                  "substr",  "split",      "match", "exec"};
  for (const Node& call : m.nodes_in("call_expression", region)) {
    std::string_view name = FileModel::callee_name(call);
    if (std::find(std::begin(kParsers), std::end(kParsers), name) == std::end(kParsers)) continue;
    bool on_header = false;
    for (const Node& part : FileModel::arguments(call))
      on_header = on_header || m.derives_from(part, [&](const FileModel&, const Node& n) {
        return n == header_read;
      });
    on_header = on_header ||
                m.derives_from(FileModel::callee_object(call),
                               [&](const FileModel&, const Node& n) { return n == header_read; });
    if (!on_header) continue;
    Node whole = call;
    if (whole.parent().is("subscript_expression") && whole.parent().field("object") == whole)
      whole = whole.parent();
    auto v = analysis::value_under(m, whole, facts);
    return {whole,
            fmt::format("; `{}` (line {}) yields {} for the header 'Bearer {}'", snippet(whole, 60),
                        whole.line(), v ? fmt::format("'{}'", *v) : std::string("no known value"),
                        kToken)};
  }
  return {};
}

Outcome run(const CheckContext& ctx) {
  auto route = facts::post_route(ctx, facts::kStreamPath);
  if (!route) return route.failure();
  const FileModel* m = route->model;
  const Route* r = route->route;
  Region region = facts::handler_region(*m, *r);
  // 1. the Authorization header is read
  Node header_read;
  for (const Node& call : m->nodes_in("call_expression", region)) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "get" && name != "header") continue;
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    auto key = m->fold_string(args[0]);
    if (!key) continue;
    std::string k = *key;
    for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (k == "authorization") {
      header_read = call;
      break;
    }
  }
  if (header_read.null())
    return Outcome::fail(m->location(r->anchor),
                         "the POST /internal/stream handler never reads the Authorization header");
  // 2. a Bearer prefix is stripped or parsed: some expression yields the token itself when the
  // header is `Bearer <token>`
  analysis::Facts facts = {
      analysis::Fact::of([&](const FileModel&, const Node& n) { return n == header_read; },
                         analysis::Fact::Kind::Value, fmt::format("Bearer {}", kToken))};
  Node bearer = token_expression(*m, region, facts);
  if (bearer.null()) {
    auto [attempt, yields] = strip_attempt(*m, region, header_read, facts);
    return Outcome::fail(m->location(attempt.null() ? header_read : attempt),
                         fmt::format("the Authorization header is read but no `Bearer ` prefix is "
                                     "stripped or parsed{}",
                                     yields));
  }
  // 3. the original request reaches a DO stub's fetch
  auto stubs = m->stub_fetches(region, "");
  if (stubs.empty())
    return Outcome::fail(m->location(r->anchor),
                         "the POST /internal/stream handler never calls fetch on a Durable Object "
                         "stub");
  std::string problem;
  for (const auto& stub : stubs) {
    auto [request, init] = analysis::fetch_request(*m, stub.fetch_call);
    Node req = FileModel::strip(request);
    if (req.is("new_expression")) {
      auto rargs = FileModel::arguments(req);
      bool keeps = (!rargs.empty() && is_incoming_request(*m, *r, rargs[0])) ||
                   (rargs.size() > 1 && is_incoming_request(*m, *r, rargs[1]));
      Node init_obj = rargs.size() > 1 ? FileModel::strip(m->trace(rargs[1]).expr) : Node{};
      Node headers = m->property(init_obj, "headers");
      bool headers_kept =
          !headers.null() && m->derives_from(headers, [&](const FileModel& fm, const Node& n) {
            Node s = FileModel::strip(n);
            return s.is("member_expression") && FileModel::last_name(s) == "headers" &&
                   is_incoming_request(fm, *r, s.field("object"));
          });
      if (!rargs.empty() && is_incoming_request(*m, *r, rargs[0]) && headers.null()) keeps = true;
      if (!headers.null()) keeps = headers_kept;
      if (keeps)
        return Outcome::pass(
            m->location(stub.fetch_call),
            fmt::format("Authorization read (line {}), Bearer parsed (line {}), "
                        "request forwarded with its headers (line {})",
                        header_read.line(), bearer.line(), stub.fetch_call.line()));
      problem = fmt::format("a fresh Request without the Authorization header is forwarded: {}",
                            snippet(req));
      continue;
    }
    if (is_incoming_request(*m, *r, req))
      return Outcome::pass(m->location(stub.fetch_call),
                           fmt::format("Authorization read (line {}), Bearer parsed (line {}), "
                                       "original request forwarded (line {})",
                                       header_read.line(), bearer.line(), stub.fetch_call.line()));
    problem = fmt::format("the DO fetch gets {}, not the original request", snippet(req));
  }
  return Outcome::fail(m->location(stubs.front().fetch_call), problem);
}

}  // namespace

Check route_stream_forwards_jwt_check() {
  return {.id = "route.stream-forwards-jwt",
          .group = Group::Routes,
          .title = "stream route extracts JWT and forwards to the DO",
          .expected =
              "the Authorization header read, its Bearer prefix stripped, and the original "
              "request passed to a DO stub's fetch",
          .role = Role::Worker,
          .passes_when =
              "inside the stream handler: headers.get('Authorization'), a Bearer strip or "
              "parse, and stub.fetch(request) with the incoming request",
          .fails_when =
              "header not read; no Bearer handling; request not forwarded; a fresh Request "
              "without the header",
          .config_keys = {"doBinding", "roles.worker"},
          .run = run};
}

}  // namespace v15
