// flow.no-floating-promise: no promise in the flow is left unhandled
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/promises.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"
#include "v15check/facts/worker_routes.h"
#include "v15check/text.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::join;

struct Floating {
  const FileModel* model = nullptr;
  Node statement;
  std::string what;  // "`code` (why it is a promise)"
};

// The call a chain of `.then/.catch/.finally` starts from: `p.finally(f).catch(g)` → `p`.
Node chain_base(Node e, std::string& last_method) {
  e = FileModel::strip(e);
  while (e.is("call_expression")) {
    std::string_view name = FileModel::callee_name(e);
    Node callee = FileModel::strip(e.field("function"));
    if (!callee.is("member_expression") || (name != "then" && name != "catch" && name != "finally"))
      break;
    if (last_method.empty()) last_method = std::string(name);
    e = FileModel::strip(callee.field("object"));
  }
  return e;
}

// The expression statements of `within` whose promise nobody handles.
void scan(const FileModel& m, const std::vector<Node>& statements,
          const std::function<bool(const Node&)>& is_writer, const std::set<std::string>& stubs,
          std::set<uint32_t>& seen, std::vector<Floating>& out) {
  for (const Node& st : statements) {
    if (!seen.insert(st.index()).second || !analysis::reachable(m, st)) continue;
    Node e = FileModel::strip(st.named_child(0));
    if (!e.is("call_expression")) continue;
    std::string last;
    Node base = chain_base(e, last);
    std::string why = analysis::promise_source(m, base, is_writer);
    // a namespace's get(id) is a stub, not a promise
    if (!why.empty() && FileModel::callee_name(base) == "get")
      if (auto b = m.env_name(FileModel::callee_object(base)); b && stubs.count(*b)) why.clear();
    // any .then/.catch/.finally chain is a promise of its own, whatever it starts from
    if (why.empty() && !last.empty()) why = fmt::format("a .{}() chain", last);
    if (why.empty()) continue;
    analysis::PromiseState ps = analysis::promise_state(m, base);
    if (ps.handled()) continue;
    std::string how = ps.rethrow.null()
                          ? std::string{}
                          : fmt::format(", its handler rethrows at line {}", ps.rethrow.line());
    out.push_back(
        {&m, st,
         fmt::format("{} at line {} ({}{})", analysis::code_excerpt(e, 50), st.line(), why, how)});
  }
}

Outcome no_floating_promise(const CheckContext& ctx) {
  auto dom = ctx.file(Role::DurableObject);
  if (!dom) return dom.failure();
  auto wm = ctx.file(Role::Worker);
  if (!wm) return wm.failure();
  const FileModel& d = **dom;
  const FileModel& w = **wm;
  const std::string& class_name = ctx.config().class_name;
  const ClassInfo* cls = d.class_named(class_name);
  if (!cls)
    return Outcome::fail(d.location(d.root()), fmt::format("no class {} in {}{}", cap(class_name),
                                                           d.path(), ctx.parse_note(d)));
  std::set<std::string> stubs;
  if (const WranglerVars* wr = ctx.project().wrangler())
    for (const auto& b : wr->durable_objects) stubs.insert(b.name);

  std::vector<Floating> floating;
  std::set<uint32_t> seen;
  std::size_t statements = 0;
  facts::BridgeValues bv(ctx.project(), d);
  auto do_writer = [&](const Node& n) { return bv.is_writer(n); };
  {
    std::vector<Node> sts = d.nodes_in("expression_statement", cls->node);
    // blockConcurrencyWhile in the constructor is exempt: the runtime waits for it
    std::erase_if(sts, [&](const Node& s) {
      const Function* f = d.enclosing_function(s);
      Node e = FileModel::strip(s.named_child(0));
      return f && f->name == "constructor" && e.is("call_expression") &&
             FileModel::callee_name(e) == "blockConcurrencyWhile";
    });
    statements += sts.size();
    scan(d, sts, do_writer, stubs, seen, floating);
  }
  std::vector<std::string> routes;
  std::set<uint32_t> wseen;
  for (const Route& r : w.routes()) {
    Region region = facts::handler_region(w, r);
    if (w.stub_fetches(region, "").empty()) continue;
    routes.push_back(fmt::format("{} {} (line {})", r.method.empty() ? "ANY" : r.method, r.path,
                                 r.anchor.line()));
    std::vector<Node> sts = w.nodes_in("expression_statement", region);
    statements += sts.size();
    scan(w, sts, {}, stubs, wseen, floating);
  }
  if (!floating.empty()) {
    std::vector<std::string> items;
    for (const Floating& f : floating)
      items.push_back(fmt::format("{} {}", f.model->path(), f.what));
    const Floating& first = floating.front();
    return Outcome::fail(first.model->location(first.statement),
                         fmt::format("{} promise(s) nobody awaits, returns, catches, hands to "
                                     "waitUntil or discards with void: {}",
                                     floating.size(), join(items, "; ")));
  }
  return Outcome::pass(
      d.location(cls->node),
      fmt::format("every promise-valued expression statement of the DO class and of the Worker's "
                  "routes into it ({}) is awaited, returned, handled or voided ({} statements "
                  "looked at)",
                  routes.empty() ? "none" : join(routes), statements));
}

}  // namespace

Check flow_no_floating_promise_check() {
  return {
      .id = "flow.no-floating-promise",
      .group = Group::Flow,
      .title = "no promise in the flow is left unhandled",
      .expected =
          "every promise-valued statement in the DO class and the Worker's routes into "
          "it is awaited, returned, given a rejection handler, passed to waitUntil or "
          "voided",
      .role = Role::DurableObject,
      .passes_when =
          "in the DO class and the Worker's routes that call a DO stub's fetch, every "
          "expression statement whose value is a promise (an async same-file function or "
          "method, fetch, a KV or R2 operation, a writer's write/close/abort, a sandbox call, a "
          ".then(f)/.finally(f) chain without a rejection handler) is awaited, returned, "
          "handled by a .catch or .then(_, h) that does not rethrow, passed to waitUntil, "
          "collected in a handled Promise.all/allSettled, kept in a binding handled later, or "
          "discarded with void; DO storage writes and blockConcurrencyWhile in the constructor "
          "are exempt",
      .fails_when =
          "this.consumeLogs(proc); with no await or catch; promise.finally(() => "
          "cleanup()); with no catch; a KV put without await in the chat route",
      .config_keys = {"roles.worker", "roles.do", "className"},
      .run = no_floating_promise};
}

}  // namespace v15
