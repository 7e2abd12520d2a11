// route.stream-forwards-jwt: the stream route reads the container's bearer token and hands the
// original request, headers included, to the DO.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "route.h"
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

bool mentions_bearer(const FileModel& m, const Node& n, int depth = 0) {
  if (depth > kMaxConditionDepth) return false;  // `x.length.length…`

  auto has = [](std::string_view s) {
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.find("bearer") != std::string::npos;
  };
  Node s = FileModel::strip(n);
  if (s.is("regex")) return has(s.field("pattern").text());
  if (auto v = m.fold_string(s)) return has(*v);
  if (s.is("identifier")) {
    Node t = FileModel::strip(m.trace(s).expr);
    if (t.is("regex")) return has(t.field("pattern").text());
  }
  if (s.is("member_expression") && FileModel::last_name(s) == "length")
    return mentions_bearer(m, s.field("object"), depth + 1);
  return false;
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
  // 2. a Bearer prefix is stripped or parsed
  Node bearer;
  for (const Node& call : m->nodes_in("call_expression", region)) {
    std::string_view name = FileModel::callee_name(call);
    static constexpr std::string_view kParsers[] = {
        "replace", "replaceAll", "startsWith", "slice", "substring",
        "substr",  "split",      "match",      "exec",  "test"};
    if (std::find(std::begin(kParsers), std::end(kParsers), name) == std::end(kParsers)) continue;
    bool found = false;
    for (const Node& a : FileModel::arguments(call)) found = found || mentions_bearer(*m, a);
    found = found || mentions_bearer(*m, FileModel::callee_object(call));
    // `.slice(7)` / `.substring(7)` on the header value: 7 = "Bearer ".length
    if (!found && (name == "slice" || name == "substring" || name == "substr")) {
      auto args = FileModel::arguments(call);
      if (!args.empty() && m->fold_number(args[0]) == 7.0 &&
          m->derives_from(FileModel::callee_object(call),
                          [&](const FileModel&, const Node& n) { return n == header_read; }))
        found = true;
    }
    // `header.split(' ')[1]` / `const [, token] = header.split(' ')`: the scheme is split off
    if (!found && name == "split") {
      auto args = FileModel::arguments(call);
      Node up = call.parent();
      bool second = (up.is("subscript_expression") && up.field("object") == call &&
                     m->fold_number(up.field("index")) == 1.0) ||
                    (up.is("variable_declarator") && up.field("name").is("array_pattern"));
      if (second && !args.empty() && m->fold_string(args[0]) == std::string(" ") &&
          m->derives_from(FileModel::callee_object(call),
                          [&](const FileModel&, const Node& n) { return n == header_read; }))
        found = true;
    }
    if (found) {
      bearer = call;
      break;
    }
  }
  if (bearer.null())
    return Outcome::fail(m->location(header_read),
                         "the Authorization header is read but no `Bearer ` prefix is stripped or "
                         "parsed");
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
