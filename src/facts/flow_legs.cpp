// The flow's legs and the routes they use (see flow_legs.h).
#include "v15check/facts/flow_legs.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/guard_conditions.h"
#include "v15check/facts/jwt_functions.h"

namespace v15::facts {

namespace {

constexpr int kMaxUrlDepth = 8;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// `url.pathname`, `new URL(request.url).pathname`, Hono's `c.req.path`, or a binding of one.
bool is_path_expr(const FileModel& m, const Node& e) {
  Node s = FileModel::strip(e);
  auto named_path = [](std::string_view last, std::string_view before) {
    return last == "pathname" || (last == "path" && before == "req");
  };
  if (s.is("member_expression"))
    return named_path(FileModel::last_name(s), FileModel::last_name(s.field("object")));
  if (s.is("identifier")) {
    Origin o = m.trace(s);
    if (o.path.empty()) return false;
    return named_path(o.path.back(), o.path.size() >= 2 ? o.path[o.path.size() - 2] : "");
  }
  return false;
}

// Whether every return of a handler answers 404: a catch-all "not found", not a route.
bool only_not_found(const FileModel& m, const Node& handler) {
  auto returns = m.nodes_in("return_statement", handler);
  if (returns.empty()) return false;
  return std::all_of(returns.begin(), returns.end(), [&](const Node& r) {
    Node v = r.named_child_count() > 0 ? r.named_child(0) : Node{};
    return !v.null() && m.response_status(v) == 404;
  });
}

// `pathname.startsWith('/prefix')` tests that hold when an if's condition holds (conjuncts of &&).
void prefix_routes(const FileModel& m, const Node& scope, std::vector<ServedRoute>& out) {
  for (const Node& stmt : m.nodes_in("if_statement", scope)) {
    std::vector<Node> work{stmt.field("condition")};
    while (!work.empty()) {
      Node c = FileModel::strip(work.back());
      work.pop_back();
      if (c.is("parenthesized_expression") && c.named_child_count() > 0) {
        work.push_back(c.named_child(0));
        continue;
      }
      if (c.is("binary_expression") && c.field("operator").kind() == "&&") {
        work.push_back(c.field("left"));
        work.push_back(c.field("right"));
        continue;
      }
      if (!c.is("call_expression") || FileModel::callee_name(c) != "startsWith") continue;
      if (!is_path_expr(m, FileModel::callee_object(c))) continue;
      auto args = FileModel::arguments(c);
      if (args.empty()) continue;
      auto prefix = m.fold_string(args[0]);
      if (!prefix || prefix->empty() || (*prefix)[0] != '/') continue;
      Node handler = stmt.field("consequence");
      if (only_not_found(m, handler) || !analysis::reachable(m, stmt)) continue;
      ServedRoute r;
      r.kind = ServedRoute::Kind::Prefix;
      r.path = *prefix;
      r.anchor = stmt;
      r.handler = handler;
      r.function = m.enclosing_function(stmt);
      r.location = m.location(stmt);
      out.push_back(std::move(r));
    }
  }
}

void served_routes(const FileModel& m, const Node& scope, std::vector<ServedRoute>& out) {
  for (const Route& r : m.routes()) {
    if (!scope.null() && !scope.contains(r.anchor)) continue;
    // a branch behind a condition that folds to false serves nothing
    if (r.kind == Route::Kind::IfBranch &&
        analysis::constant_truth(m, r.anchor.field("condition")) == analysis::Truth::False)
      continue;
    ServedRoute s;
    s.kind = r.path.find_first_of(":*") != std::string::npos ? ServedRoute::Kind::Pattern
                                                             : ServedRoute::Kind::Exact;
    s.method = r.method;
    s.path = r.path;
    s.anchor = r.anchor;
    s.handler = r.handler;
    s.function = r.function;
    s.location = m.location(r.anchor);
    out.push_back(std::move(s));
  }
  prefix_routes(m, scope.null() ? m.root() : scope, out);
}

std::vector<std::string> segments(std::string_view p) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= p.size()) {
    auto j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// A route's own path as a request path: `:id` becomes `{id}`.
std::string as_request_path(const ServedRoute& r) {
  if (r.kind != ServedRoute::Kind::Pattern) return r.path;
  std::string out;
  bool first = true;
  for (const std::string& seg : segments(r.path)) {
    if (!first) out += "/";
    first = false;
    out += !seg.empty() && seg[0] == ':' ? "{" + seg.substr(1) + "}" : seg;
  }
  return out.empty() ? "/" : out;
}

std::string method_of_init(const FileModel& m, const Node& init, const std::string& dflt) {
  if (init.null()) return dflt;
  Node obj = FileModel::strip(m.trace(init).expr);
  if (!obj.is("object")) return {};
  Node v = m.property(obj, "method");
  if (v.null()) return dflt;
  auto s = m.fold_string(v);
  // The Fetch API upper-cases the standard methods given in any case.
  return s ? upper(*s) : std::string{};
}

bool is_original_request(const FileModel& m, const Node& arg, const Function* fn) {
  Node a = FileModel::strip_await(FileModel::strip(arg));
  if (a.is("member_expression")) {
    std::string_view last = FileModel::last_name(a);
    if (last == "raw" || last == "url") return true;  // Hono's c.req.raw, request.url
  }
  if (!a.is("identifier")) return false;
  const Binding* b = m.resolve(a);
  if (!b) return false;
  if (b->kind == BindingKind::Param) return true;
  Node init = FileModel::strip_await(FileModel::strip(b->init));
  (void)fn;
  return !init.null() && init.is("member_expression") && FileModel::last_name(init) == "raw";
}

// The Worker → DO request a stub fetch makes.
void describe_stub_request(const FileModel& m, const FlowLegs& legs, PathRequest& r) {
  auto args = FileModel::arguments(r.node);
  if (args.empty()) {
    r.problem = "fetch() without a request";
    return;
  }
  const ServedRoute* route = r.route >= 0 ? &legs.worker_routes[r.route] : nullptr;
  auto original = [&]() {
    if (!route) {
      r.problem = "forwards the incoming request outside any route";
      return;
    }
    r.method = route->method;
    r.path = as_request_path(*route);
    r.what = fmt::format("stub.fetch({}) (the route's own request)", snippet(args[0], 40));
  };
  Node e = FileModel::strip_await(FileModel::strip(m.trace(args[0]).expr));
  Node url, init;
  if (e.is("new_expression") && FileModel::last_name(e.field("constructor")) == "Request") {
    auto a = FileModel::arguments(e);
    if (a.empty()) return;
    url = a[0];
    if (a.size() > 1) init = a[1];
  } else if (is_original_request(m, args[0], nullptr)) {
    original();
    return;
  } else {
    url = args[0];
    if (args.size() > 1) init = args[1];
  }
  if (is_original_request(m, url, nullptr)) {
    // `new Request(request, init)` / `new Request(request.url, init)`: the route's path
    original();
    if (!init.null() && !is_original_request(m, init, nullptr))
      r.method = method_of_init(m, init, r.method);
    return;
  }
  auto pat = m.pattern(url);
  if (!pat) {
    r.problem = fmt::format("the URL {} does not fold", snippet(url, 50));
    return;
  }
  r.path = url_path(*pat);
  if (!init.null() && is_original_request(m, init, nullptr))
    r.method = route ? route->method : std::string{};
  else
    r.method = method_of_init(m, init, "GET");
  r.what = fmt::format("stub.fetch({})", snippet(args[0], 60));
}

std::string host_of(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  auto rest = url.substr(p + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

bool is_absolute(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://", "ws://", "wss://"})
    if (url.starts_with(scheme)) return true;
  return false;
}

void handed_urls(const CheckContext& ctx, FlowLegs& legs) {
  const StartProcessEnv& env = ctx.project().start_process_env();
  if (!env.found() || !legs.durable_object) return;
  const FileModel& m = *legs.durable_object;
  const WranglerVars* vars = ctx.project().wrangler();
  for (const EnvEntry& entry : env.entries) {
    if (!entry.key.starts_with("VF_")) continue;
    std::optional<std::string> value = m.pattern(entry.source);
    if (!value || value->find('{') == 0) {
      if (auto name = m.env_name(entry.source); name && vars) {
        auto it = vars->vars.find(*name);
        if (it != vars->vars.end()) value = it->second;
      }
    }
    if (!value || !is_absolute(*value)) continue;
    PathRequest r;
    r.path = url_path(*value);
    r.node = entry.value;
    r.location = entry.location.known() ? entry.location : m.location(entry.value);
    r.what = fmt::format("{} = {}", entry.key, *value);
    r.host = host_of(*value);
    const CallbackRequest& cb = ctx.project().callback_request();
    if (entry.key == "VF_CALLBACK_URL" && cb.found() && cb.url_from_callback && cb.method)
      r.method = *cb.method;
    legs.handed_urls.push_back(std::move(r));
  }
}

struct Resolved {
  std::string path;
  bool worker = false;
};

// The Worker path a URL expression of the agent denotes, when it is built from a handed VF_* URL
// or names a handed host: through bindings, `new URL(path, base)`, `new URL(x)`, `.href`,
// `.toString()`, a protocol switch `.replace(/^http/, 'ws')` and a template on a base.
std::optional<Resolved> resolve_agent_url(const FileModel& m, const FlowLegs& legs,
                                          const Node& expr, int depth) {
  if (depth > kMaxUrlDepth || expr.null()) return std::nullopt;
  Node e = FileModel::strip_await(FileModel::strip(expr));
  if (auto name = m.process_env_name(e)) {
    for (const PathRequest& h : legs.handed_urls)
      if (h.what.starts_with(*name + " = ")) return Resolved{h.path, true};
    return std::nullopt;
  }
  if (e.is("identifier")) {
    const Binding* b = m.resolve(e);
    if (!b || b->init.null() || !b->path.empty()) return std::nullopt;
    return resolve_agent_url(m, legs, b->init, depth + 1);
  }
  if (e.is("member_expression")) {
    std::string_view last = FileModel::last_name(e);
    if (last == "href") return resolve_agent_url(m, legs, e.field("object"), depth + 1);
    return std::nullopt;
  }
  if (e.is("new_expression") && FileModel::last_name(e.field("constructor")) == "URL") {
    auto a = FileModel::arguments(e);
    if (a.empty()) return std::nullopt;
    if (a.size() >= 2) {
      auto base = resolve_agent_url(m, legs, a[1], depth + 1);
      auto rel = m.pattern(a[0]);
      if (!base || !rel) return std::nullopt;
      if (!rel->empty() && (*rel)[0] == '/') return Resolved{*rel, base->worker};
      std::string dir = base->path.substr(0, base->path.rfind('/') + 1);
      return Resolved{dir + *rel, base->worker};
    }
    return resolve_agent_url(m, legs, a[0], depth + 1);
  }
  if (e.is("call_expression")) {
    std::string_view name = FileModel::callee_name(e);
    if (name == "replace" || name == "toString" || name == "replaceAll")
      return resolve_agent_url(m, legs, FileModel::callee_object(e), depth + 1);
    if (name == "String") {
      auto a = FileModel::arguments(e);
      return a.empty() ? std::nullopt : resolve_agent_url(m, legs, a[0], depth + 1);
    }
    return std::nullopt;
  }
  if (e.is("template_string") || e.is("binary_expression")) {
    // a base URL followed by a path: `${base}/approval/${id}`, base + '/approval'
    Node first;
    if (e.is("binary_expression")) {
      first = e.field("left");
    } else {
      for (const Node& c : e.named_children())
        if (c.is("template_substitution")) {
          first = c.named_child(0);
          break;
        } else if (c.is("string_fragment") && !c.text().empty()) {
          break;
        }
    }
    auto whole = m.pattern(e);
    if (!first.null() && whole && (*whole)[0] == '{') {
      auto base = resolve_agent_url(m, legs, first, depth + 1);
      if (base) {
        std::string rest = whole->substr(whole->find('}') + 1);
        std::string b = base->path;
        while (!b.empty() && b.back() == '/') b.pop_back();
        return Resolved{b + url_path(rest.empty() || rest[0] != '/' ? "/" + rest : rest),
                        base->worker};
      }
      return std::nullopt;
    }
  }
  if (auto s = m.pattern(e); s && is_absolute(*s)) {
    std::string host = host_of(*s);
    bool worker = std::any_of(legs.handed_urls.begin(), legs.handed_urls.end(),
                              [&](const PathRequest& h) { return h.host == host; });
    return Resolved{url_path(*s), worker};
  }
  return std::nullopt;
}

bool is_node_http(const FileModel& m, const Node& obj) {
  Node o = FileModel::strip(obj);
  if (!o.is("identifier")) return false;
  if (const Binding* b = m.resolve(o)) {
    if (b->kind == BindingKind::Import)
      return b->import_source == "https" || b->import_source == "http" ||
             b->import_source == "node:https" || b->import_source == "node:http";
    Node init = FileModel::strip(b->init);
    if (init.is("call_expression") && FileModel::callee_name(init) == "require") {
      auto a = FileModel::arguments(init);
      auto s = a.empty() ? std::nullopt : m.fold_string(a[0]);
      return s && (*s == "https" || *s == "http" || *s == "node:https" || *s == "node:http");
    }
  }
  return o.text() == "https" || o.text() == "http";
}

void agent_requests(const CheckContext& ctx, FlowLegs& legs) {
  const FileModel* m = legs.agent;
  if (!m) return;
  const CallbackRequest& cb = ctx.project().callback_request();
  auto add = [&](const Node& call, const Node& url, std::string method, bool ws, std::string what) {
    auto r = resolve_agent_url(*m, legs, url, 0);
    if (!r || !r->worker) return;
    if (!cb.call.null() && cb.call == call && cb.method) method = *cb.method;
    PathRequest p;
    p.method = std::move(method);
    p.path = r->path;
    p.node = call;
    p.location = m->location(call);
    p.what = std::move(what);
    p.websocket = ws;
    legs.agent_requests.push_back(std::move(p));
  };
  for (const Node& call : m->nodes("call_expression")) {
    std::string_view name = FileModel::callee_name(call);
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    Node callee = FileModel::strip(call.field("function"));
    bool global_fetch =
        callee.is("identifier") || (callee.is("member_expression") &&
                                    FileModel::last_name(callee.field("object")) == "globalThis");
    if (name == "fetch" && global_fetch) {
      add(call, args[0], method_of_init(*m, args.size() > 1 ? args[1] : Node{}, "GET"), false,
          fmt::format("fetch({})", snippet(args[0], 40)));
    } else if ((name == "request" || name == "get") &&
               is_node_http(*m, FileModel::callee_object(call))) {
      const std::string dflt = "GET";
      Node first = FileModel::strip(m->trace(args[0]).expr);
      if (first.is("object")) {
        // request(options, cb): the options carry the path
        Node path = m->property(first, "path");
        auto p = path.null() ? std::nullopt : m->pattern(path);
        if (!p) continue;
        PathRequest r;
        r.method = method_of_init(*m, args[0], dflt);
        r.path = url_path(*p);
        r.node = call;
        r.location = m->location(call);
        r.what = fmt::format("{}.{}(…)", snippet(FileModel::callee_object(call), 20), name);
        if (!cb.call.null() && cb.call == call && cb.method) r.method = *cb.method;
        legs.agent_requests.push_back(std::move(r));
        continue;
      }
      Node init =
          args.size() > 1 && !is_function_kind(FileModel::strip(args[1]).kind()) ? args[1] : Node{};
      add(call, args[0], method_of_init(*m, init, dflt), false,
          fmt::format("{}.{}({}, …)", snippet(FileModel::callee_object(call), 20), name,
                      snippet(args[0], 40)));
    }
  }
  for (const Node& n : m->nodes("new_expression")) {
    if (FileModel::last_name(n.field("constructor")) != "WebSocket") continue;
    auto args = FileModel::arguments(n);
    if (args.empty()) continue;
    add(n, args[0], "GET", true, fmt::format("new WebSocket({})", snippet(args[0], 40)));
  }
}

}  // namespace

std::string ServedRoute::summary() const {
  const char* kind_text = kind == Kind::Prefix ? " (prefix)" : "";
  return fmt::format("{} {}{} (line {})", method.empty() ? "ANY" : method, path, kind_text,
                     location.line);
}

std::string url_path(std::string_view url) {
  std::string_view rest = url;
  if (auto p = rest.find("://"); p != std::string_view::npos) {
    rest = rest.substr(p + 3);
    auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view{"/"} : rest.substr(slash);
  } else if (!rest.empty() && rest[0] == '{') {
    // a substituted base: the path starts after it
    auto close = rest.find('}');
    rest = close == std::string_view::npos ? rest : rest.substr(close + 1);
    auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view{"/"} : rest.substr(slash);
  }
  rest = rest.substr(0, rest.find_first_of("?#"));
  return rest.empty() ? "/" : std::string(rest);
}

bool path_matches(std::string_view requested, const ServedRoute& route) {
  switch (route.kind) {
    case ServedRoute::Kind::Exact:
      return requested == route.path;
    case ServedRoute::Kind::Prefix:
      return requested.starts_with(route.path);
    case ServedRoute::Kind::Pattern: {
      auto want = segments(route.path), have = segments(requested);
      for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "*") return true;
        if (i >= have.size()) return false;
        bool param = !want[i].empty() && want[i][0] == ':';
        if (param ? have[i].empty() : want[i] != have[i]) return false;
      }
      return want.size() == have.size();
    }
  }
  return false;
}

bool serves(const ServedRoute& route, const PathRequest& request) {
  if (!route.method.empty() && !request.method.empty() && route.method != request.method &&
      !(route.method == "GET" && request.method == "HEAD"))
    return false;
  return path_matches(request.path, route);
}

bool is_verifier_call(const CheckContext& ctx, const FileModel& m, const Node& call) {
  std::vector<std::string> names = ctx.config().verifier_functions;
  if (names.empty()) names.push_back("verifyExecutionToken");
  std::string_view callee = FileModel::callee_name(call);
  if (std::find(names.begin(), names.end(), callee) != names.end()) return true;
  Node f = FileModel::strip(call.field("function"));
  if (!f.is("identifier")) return false;
  const Binding* b = m.resolve(f);
  return b && b->kind == BindingKind::Import &&
         std::find(names.begin(), names.end(), b->imported_name) != names.end();
}

Expected<FlowLegs> flow_legs(const CheckContext& ctx) {
  FlowLegs legs;
  auto worker = ctx.file(Role::Worker);
  if (!worker) return worker.failure();
  auto fetch = ctx.do_method("fetch", false);
  if (!fetch) return fetch.failure();
  legs.worker = *worker;
  legs.durable_object = fetch->model;
  legs.do_fetch = fetch->function;
  legs.agent = ctx.project().file(Role::Agent);
  const FileModel& w = *legs.worker;

  served_routes(w, Node{}, legs.worker_routes);
  served_routes(*legs.durable_object, legs.do_fetch->node, legs.do_branches);

  Region all;
  all.parts.push_back(w.root());
  for (const auto& s : w.stub_fetches(all, ctx.config().do_binding)) {
    PathRequest r;
    r.node = s.fetch_call;
    r.get_call = s.get_call;
    r.id = s.id;
    r.location = w.location(s.fetch_call);
    legs.do_requests.push_back(std::move(r));
  }
  // the route each stub fetch runs in: the innermost route whose handler (with its helpers)
  // reaches it
  for (std::size_t i = 0; i < legs.worker_routes.size(); ++i) {
    const ServedRoute& route = legs.worker_routes[i];
    Region region = w.region(route.handler);
    for (PathRequest& r : legs.do_requests) {
      if (!region.contains(r.node)) continue;
      bool inner = r.route < 0 || legs.worker_routes[r.route].anchor.contains(route.anchor);
      if (inner) r.route = static_cast<int>(i);
    }
  }
  for (PathRequest& r : legs.do_requests) describe_stub_request(w, legs, r);
  handed_urls(ctx, legs);
  agent_requests(ctx, legs);
  return legs;
}

std::string AuthGuard::summary() const {
  return fmt::format("`{}` (line {}), {} at line {}", snippet(call, 60), call.line(), status,
                     exit.line());
}

bool returns_promise(const CheckContext& ctx, const FileModel& m, const Node& call) {
  auto is_async = [](const Node& fn) {
    for (const Node& c : fn.children())
      if (c.kind() == "async") return true;
    return false;
  };
  if (const Function* f = m.callee_function(call)) return is_async(f->node);
  Node callee = FileModel::strip(call.field("function"));
  const Binding* b = callee.is("identifier") ? m.resolve(callee) : nullptr;
  if (!b || b->kind != BindingKind::Import || !b->import_source.starts_with(".")) return false;
  if (!ctx.project().file(Role::Jwt)) return false;
  auto f = exported_jwt_function(ctx, b->imported_name);
  return f && is_async(f->function->node);
}

namespace {

// The call a declaration's value makes: `await f(x)`, `f(x).catch(() => null)`, `await f(x) as T`.
Node value_call(const Node& value, bool& awaited) {
  Node v = FileModel::strip(value);
  awaited = false;
  for (int i = 0; i < 8; ++i) {
    if (v.is("await_expression")) {
      awaited = true;
      v = FileModel::strip(v.named_child(0));
      continue;
    }
    if (v.is("call_expression")) {
      std::string_view n = FileModel::callee_name(v);
      Node obj = FileModel::strip(FileModel::callee_object(v));
      if ((n == "catch" || n == "then") && obj.is("call_expression")) {
        v = obj;
        continue;
      }
      return v;
    }
    return Node{};
  }
  return Node{};
}

// Whether an `if` between the declaration and the use tests `b` and has a 401/403 answer in its
// branch: the shape of an authentication, whatever its logic.
bool auth_tested(const FileModel& m, const Binding* b, const Node& decl, const Node& use) {
  for (const Node& stmt : m.nodes_in("if_statement", decl.parent().parent())) {
    if (stmt.start_byte() < decl.end_byte()) continue;
    if (stmt.start_byte() > use.start_byte()) break;
    bool tests = false;
    for (const Node& id : m.nodes_in("identifier", stmt.field("condition")))
      tests = tests || m.resolve(id) == b;
    if (!tests) continue;
    for (const Node& ret : m.nodes_in("return_statement", stmt.field("consequence"))) {
      Node owner = ret.parent();  // the answer must be this test's own, not a nested one's
      while (!owner.null() && !owner.is("if_statement")) owner = owner.parent();
      if (!(owner == stmt)) continue;
      auto s = ret.named_child_count() ? m.response_status(ret.named_child(0)) : std::nullopt;
      if (s && (*s == 401 || *s == 403)) return true;
    }
  }
  return false;
}

// The 401/403 a test's own branch answers with.
std::optional<int> missing_status(const FileModel& m, const Node& stmt) {
  Node cons = stmt.field("consequence");
  if (!analysis::completes_abruptly(m, cons)) return std::nullopt;
  for (const Node& ret : m.nodes_in("return_statement", cons)) {
    auto s = ret.named_child_count() ? m.response_status(ret.named_child(0)) : std::nullopt;
    if (s && (*s == 401 || *s == 403)) return s;
    return std::nullopt;
  }
  return std::nullopt;
}

// An `if` between the declaration and the use, on every path to the use, whose condition holds
// when `b` is missing and whose branch answers 401/403.
Node missing_test(const FileModel& m, const Binding* b, const Node& decl, const Node& use) {
  Node list = decl.parent().parent();
  for (const Node& stmt : list.named_children()) {
    if (stmt.start_byte() < decl.end_byte() || !stmt.is("if_statement")) continue;
    if (stmt.start_byte() > use.start_byte()) break;
    auto is_b = [&](const Node& n) {
      Node s = FileModel::strip(n);
      return s.is("identifier") && m.resolve(s) == b;
    };
    if (analysis::tests_missing(stmt.field("condition"), is_b) && missing_status(m, stmt))
      return stmt;
  }
  return {};
}

bool explicit_auth(const CheckContext& ctx, const FileModel& m, const Node& call) {
  const auto& names = ctx.config().auth_functions;
  return is_verifier_call(ctx, m, call) ||
         std::find(names.begin(), names.end(), FileModel::callee_name(call)) != names.end();
}

std::optional<int> exit_status(const FileModel& m, const analysis::Exit& e) {
  if (e.kind != analysis::ExitKind::ErrorReturn) return std::nullopt;
  Node n = e.node;
  if (!n.is("return_statement") || n.named_child_count() == 0) return std::nullopt;
  return m.response_status(n.named_child(0));
}

}  // namespace

std::optional<AuthGuard> auth_before(const CheckContext& ctx, const FileModel& m, const Node& use,
                                     const std::function<bool(const Node&)>& accept,
                                     std::string& why) {
  const Function* fn = m.enclosing_function(use);
  if (!fn || fn->body.null()) return std::nullopt;
  int priority = -1;  // of the reason in `why`
  why.clear();
  for (const Node& decl : m.nodes_in("variable_declarator", fn->body)) {
    if (decl.start_byte() >= use.start_byte()) break;
    if (m.enclosing_function(decl) != fn) continue;
    Node name = decl.field("name");
    if (!name.is("identifier")) continue;
    bool awaited = false;
    Node call = value_call(decl.field("value"), awaited);
    if (call.null() || !accept(call)) continue;
    Node stmt = decl.parent();
    if (stmt.null() || stmt.parent().null() || !stmt.parent().contains(use)) continue;
    if (!awaited && returns_promise(ctx, m, call)) {
      priority = 3;
      why = fmt::format(
          "`{}` (line {}) is not awaited: its result is a Promise, always truthy, so "
          "the failure test never rejects",
          snippet(decl, 70), decl.line());
      continue;
    }
    Node from = stmt.next_named_sibling();
    const Binding* b = m.resolve(name);
    if (from.null() || !b) continue;
    analysis::Paths p =
        analysis::paths(m, fn->body, {analysis::Fact::of_binding(b, analysis::Fact::Kind::Falsy)},
                        std::nullopt, from);
    const analysis::Exit* bad = nullptr;
    std::optional<int> status;
    for (const analysis::Exit& e : p.exits) {
      auto s = exit_status(m, e);
      if (!s || (*s != 401 && *s != 403) || e.node.start_byte() > use.start_byte()) {
        bad = &e;
        break;
      }
      if (!status) status = s;
    }
    if (p.exits.empty() || bad || !status) {
      // `if (payload === null) return unauthorized();` after `.catch(() => null)`: a test that
      // holds for a missing result, whose own branch leaves with 401/403 before the use
      if (Node test = missing_test(m, b, decl, use); !test.null()) {
        AuthGuard g;
        g.call = call;
        g.result = b;
        g.exit = test;
        g.status = *missing_status(m, test);
        return g;
      }
      // the reason worth reporting: an unawaited call (above), else a candidate tested by a branch
      // that answers 401/403, else a verifier or configured authentication
      int rank = auth_tested(m, b, decl, use) ? 2 : (explicit_auth(ctx, m, call) ? 1 : 0);
      if (rank == 0 || rank < priority || (rank == priority && !why.empty())) continue;
      priority = rank;
      if (bad && bad->node.start_byte() > use.start_byte())
        why =
            fmt::format("with `{}` null, the request reaches line {} before any 401/403 (line {})",
                        name.text(), use.line(), bad->node.line());
      else if (bad && exit_status(m, *bad))
        why = fmt::format("with `{}` null, line {} answers {}, not 401/403", name.text(),
                          bad->node.line(), *exit_status(m, *bad));
      else if (bad && bad->kind == analysis::ExitKind::End)
        why = fmt::format("with `{}` null, the function runs to its end without a 401/403",
                          name.text());
      else if (bad)
        why = fmt::format("with `{}` null, line {} {} without a 401/403", name.text(),
                          bad->node.line(),
                          bad->kind == analysis::ExitKind::Throw ? "throws" : "returns");
      else
        why = fmt::format("a null `{}` (line {}) is never rejected", name.text(), decl.line());
      continue;
    }
    AuthGuard g;
    g.call = call;
    g.result = b;
    g.status = *status;
    for (const analysis::Exit& e : p.exits) {
      g.exit = e.node;
      break;
    }
    return g;
  }
  return std::nullopt;
}

namespace {

Supplier supplier_depth(const CheckContext& ctx, const FileModel& m, const Node& expr, int depth) {
  if (depth > kMaxUrlDepth || expr.null()) return Supplier::Unknown;
  Supplier found = Supplier::Unknown;
  for (const Origin& o : m.trace_all(expr)) {
    Node e = FileModel::strip_await(FileModel::strip(o.expr));
    for (const std::string& p : o.path)
      if (p == "searchParams" || p == "headers" || p == "pathname" || p == "query" || p == "params")
        return Supplier::Client;
    if (e.null()) continue;
    if (e.is("call_expression")) {
      if (is_verifier_call(ctx, m, e)) {
        found = Supplier::Server;
        continue;
      }
      std::string_view n = FileModel::callee_name(e);
      if (n == "json" || n == "formData" || n == "text" || n == "param" || n == "query" ||
          n == "header" || n == "parseBody")
        return Supplier::Client;
      if (n == "randomUUID" || n == "newUniqueId") {
        found = Supplier::Server;
        continue;
      }
      Supplier s = supplier_depth(ctx, m, FileModel::callee_object(e), depth + 1);
      for (const Node& a : FileModel::arguments(e)) {
        if (s != Supplier::Unknown) break;
        s = supplier_depth(ctx, m, a, depth + 1);
      }
      if (s == Supplier::Client) return s;
      if (s == Supplier::Server) found = s;
      continue;
    }
    if (e.is("member_expression") || e.is("subscript_expression")) {
      std::string_view last = FileModel::last_name(e);
      if (last == "searchParams" || last == "headers" || last == "pathname" || last == "body" ||
          last == "query")
        return Supplier::Client;
      Supplier s = supplier_depth(ctx, m, e.field("object"), depth + 1);
      if (s == Supplier::Client) return s;
      if (s == Supplier::Server) found = s;
      continue;
    }
    // `a ?? b`, ternaries, templates, `+`: any operand the client supplies
    for (const Node& c : e.named_children()) {
      Supplier s = supplier_depth(ctx, m, c, depth + 1);
      if (s == Supplier::Client) return s;
    }
  }
  return found;
}

}  // namespace

Supplier supplier_of(const CheckContext& ctx, const FileModel& m, const Node& expr) {
  return supplier_depth(ctx, m, expr, 0);
}

}  // namespace v15::facts
