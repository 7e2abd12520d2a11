// agent.close-stream: the agent ends the callback stream when its work is done, so the Worker
// sees the end of the body.
#include <fmt/format.h>

#include <optional>
#include <utility>

#include "agent.h"
#include "v15check/analysis/found_text.h"
#include "v15check/facts/agent_stream.h"

namespace v15 {

namespace {

// Whether `n` runs only when something failed: inside a catch clause, an error event handler
// (`.on('error', fn)`) or a `.catch(fn)` / second `.then` argument.
bool on_error_path(const FileModel& m, const Node& n) {
  for (const Function* f = m.enclosing_function(n); f; f = m.enclosing_function(f->node)) {
    Node arg = f->node;
    while (arg.parent().is("parenthesized_expression")) arg = arg.parent();
    Node args = arg.parent();
    if (!args.is("arguments")) continue;
    Node call = args.parent();
    std::string_view name = FileModel::callee_name(call);
    auto a = FileModel::arguments(call);
    if (name == "catch") return true;
    if (name == "then" && a.size() > 1 && a[1] == arg) return true;
    if ((name == "on" || name == "once" || name == "addEventListener") && !a.empty()) {
      auto ev = m.fold_string(a[0]);
      if (ev && (*ev == "error" || *ev == "abort")) return true;
    }
  }
  ControlContext c = m.context(n);
  return c.in_catch() && !c.in_finally();
}

// A completion continuation: the close sits in a `.then(fn)` / `.finally(fn)` callback.
bool in_completion_callback(const FileModel& m, const Node& n) {
  for (const Function* f = m.enclosing_function(n); f; f = m.enclosing_function(f->node)) {
    Node arg = f->node;
    while (arg.parent().is("parenthesized_expression")) arg = arg.parent();
    Node args = arg.parent();
    if (!args.is("arguments")) continue;
    Node call = args.parent();
    std::string_view name = FileModel::callee_name(call);
    auto a = FileModel::arguments(call);
    if ((name == "then" && !a.empty() && a[0] == arg) || name == "finally") return true;
    if ((name == "on" || name == "once") && !a.empty()) {
      auto ev = m.fold_string(a[0]);
      if (ev && (*ev == "end" || *ev == "finish" || *ev == "close" || *ev == "exit")) return true;
    }
  }
  return false;
}

// The agent's work around a close in the same function: the last await, loop or event-sending
// call before it, and the first event-sending call after it.
struct WorkAround {
  Node before;
  Node after;
};

WorkAround work_around(const FileModel& m, facts::StreamWriters& writers, const Node& close) {
  const Function* f = m.enclosing_function(close);
  Node body = f ? f->body : m.root();
  WorkAround w;
  auto own = [&](const Node& n) { return m.enclosing_function(n) == f && !n.contains(close); };
  auto before = [&](const Node& n) {
    if (n.start_byte() >= close.start_byte() || !own(n)) return;
    if (w.before.null() || n.start_byte() > w.before.start_byte()) w.before = n;
  };
  for (const Node& a : m.nodes_in("await_expression", body)) before(a);
  for (std::string_view k :
       {"for_statement", "for_in_statement", "while_statement", "do_statement"})
    for (const Node& l : m.nodes_in(k, body)) before(l);
  for (const Node& c : m.nodes_in("call_expression", body)) {
    if (c == close || !own(c) || !writers.is_work_call(c)) continue;
    if (c.start_byte() < close.start_byte())
      before(c);
    else if (w.after.null())
      w.after = c;
  }
  return w;
}

Outcome run(const CheckContext& ctx) {
  auto callback = facts::callback_request(ctx);
  if (!callback) return callback.failure();
  const FileModel* m = callback->model;
  const CallbackRequest* r = callback->request;
  const char* want = r->api == CallbackRequest::Api::HttpRequest ? "req.end()" : "writer.close()";
  if (r->stream_origins.empty())
    return Outcome::fail(r->location,
                         fmt::format("cannot find the stream the {} at line {} sends, so nothing "
                                     "can close it",
                                     facts::api_name(*r), r->location.line));
  std::vector<Node> closes;
  for (const Node& call : m->nodes("call_expression")) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "end" && name != "close") continue;
    if (r->is_stream(*m, FileModel::callee_object(call))) closes.push_back(call);
  }
  if (closes.empty())
    return Outcome::fail(
        r->location, fmt::format("the callback stream of the {} at line {} is never ended (no "
                                 "{}), so the Worker never sees the end of the body{}",
                                 facts::api_name(*r), r->location.line, want, ctx.parse_note(*m)));
  Node early, early_work, error_only;
  std::optional<Outcome> after_work;
  // A close with no work before it in its own function may sit in a helper
  // (`function finalizeCallback() { req.end(); }`): then the helper's call sites decide.
  std::vector<std::pair<Node, Node>> work_list;  // (site judged, the close it leads to)
  facts::StreamWriters writers(*m, *r);
  for (const Node& c : closes) work_list.emplace_back(c, c);
  for (std::size_t i = 0; i < work_list.size(); ++i) {
    auto [c, close] = work_list[i];
    bool via_helper = !(c == close);
    ControlContext cc = m->context(c);
    std::vector<Evidence> ev = {{m->location(close), "closes the stream"},
                                {r->location, "callback request"}};
    if (via_helper) ev.push_back({m->location(c), "calls the helper that closes it"});
    std::string what =
        via_helper
            ? fmt::format("{} (line {}, which calls {} at line {})", analysis::code_excerpt(c, 50),
                          c.line(), analysis::code_excerpt(close, 40), close.line())
            : fmt::format("{} (line {})", analysis::code_excerpt(c, 50), c.line());
    if (cc.in_finally())
      return Outcome::pass(m->location(c), fmt::format("{} in a finally block", what), ev);
    if (on_error_path(*m, c)) {
      if (error_only.null()) error_only = c;
      continue;
    }
    if (in_completion_callback(*m, c))
      return Outcome::pass(m->location(c), fmt::format("{} in a completion callback", what), ev);
    WorkAround work = work_around(*m, writers, c);
    if (work.before.null() && work.after.null() && work_list.size() < 64) {
      if (const Function* helper = m->enclosing_function(c)) {
        bool called = false;
        for (const Node& site : m->calls_of(*helper))
          if (!helper->node.contains(site)) {
            work_list.emplace_back(site, close);
            called = true;
          }
        if (called) continue;
      }
    }
    if (work.before.null() || !work.after.null()) {
      if (early.null()) {
        early = c;
        early_work = work.after;
      }
      continue;
    }
    // a close after the work passes, unless a finally or completion callback says it better
    if (!after_work)
      after_work = Outcome::pass(
          m->location(c),
          fmt::format("{} after the agent's work (line {})", what, work.before.line()), ev);
  }
  if (after_work) return *after_work;
  if (!early.null() && !early_work.null())
    return Outcome::fail(m->location(early),
                         fmt::format("{} (line {}) ends the callback stream before the agent's "
                                     "work: {} (line {}) still sends events",
                                     analysis::code_excerpt(early, 50), early.line(),
                                     analysis::code_excerpt(early_work, 50), early_work.line()));
  if (!early.null())
    return Outcome::fail(m->location(early),
                         fmt::format("{} (line {}) ends the callback stream before any work (no "
                                     "await, loop or write precedes it in its function)",
                                     analysis::code_excerpt(early, 50), early.line()));
  return Outcome::fail(m->location(error_only),
                       fmt::format("{} (line {}) ends the callback stream only on the error path; "
                                   "a successful run leaves it open",
                                   analysis::code_excerpt(error_only, 50), error_only.line()));
}

}  // namespace

Check agent_close_stream_check() {
  return {.id = "agent.close-stream",
          .group = Group::Agent,
          .title = "closes the POST stream when the agent completes",
          .expected =
              ".end() / .close() on the callback request or stream writer on the completion "
              "path",
          .role = Role::Agent,
          .passes_when =
              "an end/close on the callback stream in a finally, in a .then/.finally "
              "continuation, or after the agent's work (an await, loop or event-sending "
              "call before it and no event-sending call after it in its function) outside "
              "catch blocks and error handlers",
          .fails_when =
              "never ended; ended only in catch / on('error'); ended before the calls that "
              "send events",
          .config_keys = {"roles.agent"},
          .run = run};
}

}  // namespace v15
