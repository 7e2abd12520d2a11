// 1. Route Registration (worker): the browser's chat route and the container's stream route.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "v15check/check.h"

namespace v15 {

namespace {

// How many levels of `!`, `&&` / `||` or helper hops a test looks through: each is a level of
// recursion, and a condition can nest without bound.
constexpr int kMaxConditionDepth = 64;

constexpr std::string_view kChatPath = "/api/v15/chat";
constexpr std::string_view kStreamPath = "/internal/stream";

std::string route_list(const FileModel& m, std::size_t max = 6) {
  std::string out;
  std::size_t n = 0;
  for (const Route& r : m.routes()) {
    if (n++ == max) {
      out += ", …";
      break;
    }
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {} (line {})", r.method.empty() ? "ANY" : cap(r.method), cap(r.path),
                       r.anchor.line());
  }
  return out.empty() ? "no routes" : out;
}

// The POST route for `path`, or a FAIL saying what is there instead.
const Route* post_route(const CheckContext& ctx, std::string_view path, Outcome& failure,
                        const FileModel** model) {
  const FileModel* m = ctx.file(Role::Worker, failure);
  *model = m;
  if (!m) return nullptr;
  if (const Route* r = m->route("POST", path)) {
    Node err = m->error_within(r->handler);
    if (!err.null()) {
      failure = Outcome::fail(
          m->location(err),
          fmt::format("a parse error at line {} inside the POST {} handler", err.line(), path));
      return nullptr;
    }
    return r;
  }
  std::vector<const Route*> same_path;
  for (const Route& r : m->routes())
    if (r.path == path) same_path.push_back(&r);
  if (!same_path.empty()) {
    const Route* r = same_path.front();
    if (r->method.empty())
      failure = Outcome::fail(m->location(r->anchor),
                              fmt::format("path {} is tested without a request method test, so any "
                                          "method reaches it",
                                          path));
    else
      failure =
          Outcome::fail(m->location(r->anchor),
                        fmt::format("path {} is only routed for {}, not POST", path, r->method));
    return nullptr;
  }
  failure = Outcome::fail(m->location(m->root()),
                          fmt::format("no route for POST {} in {}; routes found: {}{}", path,
                                      m->path(), route_list(*m), ctx.parse_note(*m)));
  return nullptr;
}

Outcome route_exists(const CheckContext& ctx, std::string_view path) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Route* r = post_route(ctx, path, failure, &m);
  if (!r) return failure;
  const char* how = r->kind == Route::Kind::Router       ? "router registration"
                    : r->kind == Route::Kind::SwitchCase ? "switch case"
                                                         : "if branch";
  return Outcome::pass(m->location(r->anchor),
                       fmt::format("POST {} ({}, line {})", path, how, r->anchor.line()));
}

// The handler's region plus same-file helpers it calls.
Region handler_region(const FileModel& m, const Route& r) {
  if (const Function* f = m.function_at(r.anchor.is("call_expression") ? r.handler : Node{}))
    return m.region(*f);
  return m.region(r.handler);
}

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

// The request handed to a stub's fetch: `fetch(request)`, `fetch(new Request(…))`, or
// `fetch(url, init)`. Returns {request expression, init object}.
std::pair<Node, Node> fetch_request(const FileModel& m, const Node& fetch_call) {
  auto args = FileModel::arguments(fetch_call);
  if (args.empty()) return {};
  Node first = FileModel::strip_await(args[0]);
  Node traced = FileModel::strip_await(m.trace(first).expr);
  if (traced.is("new_expression") && FileModel::callee_name(traced) == "Request") {
    auto rargs = FileModel::arguments(traced);
    return {traced, rargs.size() > 1 ? rargs[1] : Node{}};
  }
  return {first, args.size() > 1 ? args[1] : Node{}};
}

// The object literal serialised into a request init's body: `body: JSON.stringify({...})`.
Node forwarded_body(const FileModel& m, const Node& init) {
  Node obj = FileModel::strip(init);
  if (obj.is("identifier")) obj = FileModel::strip(m.trace(obj).expr);
  Node body = m.property(obj, "body");
  if (body.null()) return {};
  Node b = FileModel::strip_await(m.trace(body).expr);
  if (b.is("call_expression") && FileModel::callee_name(b) == "stringify") {
    auto args = FileModel::arguments(b);
    if (args.empty()) return {};
    Node v = FileModel::strip(args[0]);
    if (v.is("identifier")) v = FileModel::strip(m.trace(v).expr);
    return v.is("object") ? v : Node{};
  }
  return {};
}

// Whether `binding` (a value from an auth call) is null-checked by an `if` that leads to 401.
bool null_checked_to_401(const FileModel& m, const Binding& b) {
  const Function* owner = m.enclosing_function(b.name_node);
  Node scope = owner ? owner->body : m.root();
  for (const Node& stmt : m.nodes_in("if_statement", scope)) {
    Node cond = stmt.field("condition");
    bool mentions = false;
    for (const Node& id : m.nodes_in("identifier", cond))
      if (m.resolve(id) == &b) mentions = true;
    if (!mentions) continue;
    for (const Node& ret : m.nodes_in("return_statement", stmt.field("consequence"))) {
      auto s = m.response_status(ret.named_child(0));
      if (s && *s == 401) return true;
    }
    for (const Node& th : m.nodes_in("throw_statement", stmt.field("consequence"))) {
      for (const Node& n : m.nodes_in("number", th))
        if (m.fold_number(n) == 401.0) return true;
    }
  }
  return false;
}

// Where the value of userId comes from: the authenticated user, or somewhere else.
struct UserSource {
  bool authenticated = false;
  std::string description;
};

UserSource user_source(const FileModel& m, const Region& region, const Node& value, int depth = 0) {
  UserSource out;
  for (const Origin& o : m.trace_all(value)) {
    Node e = FileModel::strip_await(o.expr);
    // a helper's parameter (`handleV15Chat(request, env, user)`): what the route passes for it
    if (o.binding && o.binding->kind == BindingKind::Param && o.binding->path.empty() &&
        depth < 4) {
      for (const Node& arg : argument_values(m, region, o.expr)) {
        UserSource passed = user_source(m, region, arg, depth + 1);
        if (passed.authenticated) {
          const Function* helper = m.enclosing_function(o.binding->name_node);
          passed.description += fmt::format(
              ", via the parameter {} of {}() (call at line {})", o.binding->name,
              helper && !helper->name.empty() ? helper->name : std::string("a helper"), arg.line());
          return passed;
        }
        if (out.description.empty()) out.description = passed.description;
      }
    }
    // Hono: c.get('user') / c.var.user, set by an auth middleware
    if (e.is("call_expression") && FileModel::callee_name(e) == "get") {
      auto args = FileModel::arguments(e);
      if (!args.empty() && m.fold_string(args[0]) == std::string("user") &&
          FileModel::last_name(FileModel::callee_object(e)) != "headers") {
        out.authenticated = true;
        out.description = "the auth middleware's c.get('user')";
        return out;
      }
    }
    if (o.path.size() >= 2 && o.path[0] == "var" && o.path[1] == "user") {
      out.authenticated = true;
      out.description = "the auth middleware's c.var.user";
      return out;
    }
    if (e.is("call_expression") && FileModel::callee_name(e) == "json") {
      out.description =
          fmt::format("the request body ({}), which the client controls", snippet(value));
      return out;
    }
    if (e.is("call_expression")) {
      const Binding* holder = o.binding;
      if (holder && null_checked_to_401(m, *holder)) {
        out.authenticated = true;
        out.description = fmt::format("{}() (null-checked → 401)", FileModel::callee_name(e));
        return out;
      }
      out.description = fmt::format("{}() whose result is never checked to return 401",
                                    FileModel::callee_name(e));
      continue;
    }
    if (out.description.empty())
      out.description = fmt::format("{}, not an authenticated user", snippet(value));
  }
  return out;
}

Outcome chat_forwards_user(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Route* r = post_route(ctx, kChatPath, failure, &m);
  if (!r) return failure;
  Region region = handler_region(*m, *r);
  auto stubs = m->stub_fetches(region, "");
  if (stubs.empty())
    return Outcome::fail(
        m->location(r->anchor),
        "the POST /api/v15/chat handler never calls fetch on a Durable Object stub");
  for (const auto& stub : stubs) {
    auto [request, init] = fetch_request(*m, stub.fetch_call);
    Node body = init.null() ? Node{} : forwarded_body(*m, init);
    if (body.null()) continue;
    Node user_pair;
    std::size_t user_index = 0, index = 0;
    for (const Node& c : body.named_children()) {
      if ((c.is("pair") && m->key_name(c.field("key")) == "userId") ||
          (c.is("shorthand_property_identifier") && c.text() == "userId")) {
        user_pair = c;
        user_index = index;
      }
      ++index;
    }
    if (user_pair.null())
      return Outcome::fail(
          m->location(body),
          fmt::format("the body forwarded to the DO has no userId: {}", snippet(body)));
    Node value = user_pair.is("pair") ? user_pair.field("value") : user_pair;
    UserSource src = user_source(*m, region, value);
    if (!src.authenticated)
      return Outcome::fail(m->location(user_pair),
                           fmt::format("userId comes from {}", src.description));
    index = 0;
    for (const Node& c : body.named_children()) {
      if (index++ > user_index && c.is("spread_element")) {
        Node spread = FileModel::strip(c.named_child(0));
        Node lit = spread.is("object") ? spread : FileModel::strip(m->trace(spread).expr);
        if (lit.is("object") && m->property(lit, "userId").null()) continue;
        return Outcome::fail(
            m->location(c), fmt::format("{} after userId lets the client override it", snippet(c)));
      }
    }
    return Outcome::pass(m->location(user_pair),
                         fmt::format("userId from {} forwarded to the DO (line {})",
                                     src.description, stub.fetch_call.line()));
  }
  return Outcome::fail(m->location(stubs.front().fetch_call),
                       "the DO fetch does not forward a JSON body (body: JSON.stringify({...}))");
}

bool is_request_session_id(const FileModel& m, const Node& expr, std::string& why) {
  for (const Origin& o : m.trace_all(expr)) {
    Node e = FileModel::strip_await(o.expr);
    if (!o.path.empty() && o.path.back() == "userId") {
      why = "derives from userId";
      return false;
    }
    if (!o.path.empty() && o.path.back() == "sessionId") return true;
    if (e.is("call_expression")) {
      auto args = FileModel::arguments(e);
      if (!args.empty() && m.fold_string(args[0]) == std::string("sessionId")) return true;
    }
    if (e.is("identifier") && e.text() == "sessionId") return true;
  }
  if (why.empty()) why = fmt::format("is {}, not the request's sessionId", snippet(expr));
  return false;
}

Outcome chat_do_stub(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Route* r = post_route(ctx, kChatPath, failure, &m);
  if (!r) return failure;
  const std::string& binding = ctx.config().do_binding;
  Region region = handler_region(*m, *r);
  auto stubs = m->stub_fetches(region, "");
  if (stubs.empty())
    return Outcome::fail(
        m->location(r->anchor),
        "the POST /api/v15/chat handler never calls fetch on a Durable Object stub");
  std::string problem;
  bool other_binding = false;  // the last problem is only that another env binding is used
  std::optional<ConfigMismatch> mismatch;
  Location where = m->location(stubs.front().get_call);
  for (const auto& stub : stubs) {
    auto ns = m->env_name(FileModel::callee_object(stub.get_call));
    other_binding = false;
    if (!ns || *ns != binding) {
      problem = fmt::format("the stub comes from env.{}, not env.{}", ns ? *ns : "?", cap(binding));
      other_binding = ns.has_value();
      if (ns && !ns->empty())
        mismatch = ConfigMismatch{"doBinding", Constant{*ns}, m->location(stub.get_call)};
      continue;
    }
    Node id = FileModel::strip_await(m->trace(stub.id).expr);
    if (!id.is("call_expression")) {
      problem =
          fmt::format("the DO id {} is not from {}.idFromName(…)", snippet(stub.id), cap(binding));
      continue;
    }
    std::string_view how = FileModel::callee_name(id);
    auto id_ns = m->env_name(FileModel::callee_object(id));
    where = m->location(id);
    if (how != "idFromName") {
      problem = fmt::format("the DO id comes from {}(), not idFromName(sessionId){}", how,
                            how == "newUniqueId" ? ": every request would get a fresh DO" : "");
      continue;
    }
    if (!id_ns || *id_ns != binding) {
      problem = fmt::format("idFromName is called on env.{}, not env.{}", id_ns ? *id_ns : "?",
                            cap(binding));
      other_binding = id_ns.has_value();
      continue;
    }
    auto args = FileModel::arguments(id);
    std::string why;
    if (args.empty() || !is_request_session_id(*m, args[0], why)) {
      problem = fmt::format("idFromName({}) {}", args.empty() ? "" : snippet(args[0]), why);
      continue;
    }
    return Outcome::pass(m->location(id),
                         fmt::format("env.{}.idFromName({}) → get(id) → fetch (line {})",
                                     cap(binding), snippet(args[0]), stub.fetch_call.line()));
  }
  Outcome o =
      other_binding ? ctx.differs(where, problem, "doBinding") : Outcome::fail(where, problem);
  o.config_mismatch = std::move(mismatch);
  return o;
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

Outcome stream_forwards_jwt(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const Route* r = post_route(ctx, kStreamPath, failure, &m);
  if (!r) return failure;
  Region region = handler_region(*m, *r);
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
    auto [request, init] = fetch_request(*m, stub.fetch_call);
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

void register_route_checks(Registry& r) {
  r.add({.id = "route.chat-endpoint",
         .group = Group::Routes,
         .title = "POST /api/v15/chat route exists",
         .expected = "a handler guarded by method POST and path /api/v15/chat",
         .role = Role::Worker,
         .passes_when =
             "an if whose condition tests request.method === 'POST' and url.pathname === "
             "'/api/v15/chat' (any order and spelling), a router registration "
             "app.post('/api/v15/chat', …), or a switch on the path with a method test",
         .fails_when =
             "path absent; only GET; path /api/v15/chats; a path test without a method test",
         .config_keys = {"roles.worker"},
         .run = [](const CheckContext& ctx) { return route_exists(ctx, kChatPath); }});
  r.add({.id = "route.chat-forwards-user",
         .group = Group::Routes,
         .title = "route forwards authenticated userId to the DO",
         .expected = "userId from the authenticated user in the JSON body forwarded to the DO, "
                     "after any spread of client data",
         .role = Role::Worker,
         .passes_when = "inside the chat handler a user comes from an auth call whose null result "
                        "leads to 401 (or c.get('user')), and the body forwarded to the DO is an "
                        "object literal with userId derived from that user",
         .fails_when = "no userId in the body; userId from the request body; { userId, ...body }; "
                       "no auth check",
         .config_keys = {"roles.worker"},
         .run = chat_forwards_user});
  r.add({.id = "route.chat-do-stub",
         .group = Group::Routes,
         .title = "route gets DO stub from CHAT_SESSIONS by sessionId",
         .expected =
             "env.CHAT_SESSIONS.idFromName(sessionId) → env.CHAT_SESSIONS.get(id) → stub.fetch(…)",
         .role = Role::Worker,
         .passes_when =
             "the chat handler fetches a stub from the configured DO binding whose id is "
             "idFromName of the request's sessionId",
         .fails_when = "another binding; newUniqueId(); an id from userId",
         .config_keys = {"doBinding", "roles.worker"},
         .run = chat_do_stub});
  r.add({.id = "route.stream-endpoint",
         .group = Group::Routes,
         .title = "POST /internal/stream route exists",
         .expected = "a handler guarded by method POST and path /internal/stream",
         .role = Role::Worker,
         .passes_when = "as route.chat-endpoint, for /internal/stream",
         .fails_when = "path absent; wrong method; no method test",
         .config_keys = {"roles.worker"},
         .run = [](const CheckContext& ctx) { return route_exists(ctx, kStreamPath); }});
  r.add(
      {.id = "route.stream-forwards-jwt",
       .group = Group::Routes,
       .title = "stream route extracts JWT and forwards to the DO",
       .expected = "the Authorization header read, its Bearer prefix stripped, and the original "
                   "request passed to a DO stub's fetch",
       .role = Role::Worker,
       .passes_when = "inside the stream handler: headers.get('Authorization'), a Bearer strip or "
                      "parse, and stub.fetch(request) with the incoming request",
       .fails_when = "header not read; no Bearer handling; request not forwarded; a fresh Request "
                     "without the header",
       .config_keys = {"doBinding", "roles.worker"},
       .run = stream_forwards_jwt});
}

}  // namespace v15
