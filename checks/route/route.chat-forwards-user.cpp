// route.chat-forwards-user: the chat route forwards the authenticated user's id to the DO, where
// the client cannot override it.
#include <fmt/format.h>

#include "route.h"
#include "v15check/analysis/fetch_request.h"
#include "v15check/facts/worker_routes.h"

namespace v15 {

namespace {

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

Outcome run(const CheckContext& ctx) {
  auto route = facts::post_route(ctx, facts::kChatPath);
  if (!route) return route.failure();
  const FileModel* m = route->model;
  const Route* r = route->route;
  Region region = facts::handler_region(*m, *r);
  auto stubs = m->stub_fetches(region, "");
  if (stubs.empty())
    return Outcome::fail(
        m->location(r->anchor),
        "the POST /api/v15/chat handler never calls fetch on a Durable Object stub");
  for (const auto& stub : stubs) {
    auto [request, init] = analysis::fetch_request(*m, stub.fetch_call);
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

}  // namespace

Check route_chat_forwards_user_check() {
  return {.id = "route.chat-forwards-user",
          .group = Group::Routes,
          .title = "route forwards authenticated userId to the DO",
          .expected =
              "userId from the authenticated user in the JSON body forwarded to the DO, "
              "after any spread of client data",
          .role = Role::Worker,
          .passes_when =
              "inside the chat handler a user comes from an auth call whose null result "
              "leads to 401 (or c.get('user')), and the body forwarded to the DO is an "
              "object literal with userId derived from that user",
          .fails_when =
              "no userId in the body; userId from the request body; { userId, ...body }; "
              "no auth check",
          .config_keys = {"roles.worker"},
          .run = run};
}

}  // namespace v15
