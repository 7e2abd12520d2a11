// route.chat-do-stub: the chat route reaches the session's DO: a stub of the configured binding
// whose id is idFromName of the request's sessionId.
#include <fmt/format.h>

#include "route.h"
#include "v15check/facts/worker_routes.h"

namespace v15 {

namespace {

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

Outcome run(const CheckContext& ctx) {
  auto route = facts::post_route(ctx, facts::kChatPath);
  if (!route) return route.failure();
  const FileModel* m = route->model;
  const Route* r = route->route;
  const std::string& binding = ctx.config().do_binding;
  Region region = facts::handler_region(*m, *r);
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

}  // namespace

Check route_chat_do_stub_check() {
  return {.id = "route.chat-do-stub",
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
          .run = run};
}

}  // namespace v15
