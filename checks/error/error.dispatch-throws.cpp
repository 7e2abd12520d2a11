// error.dispatch-throws: dispatch failure → error written → writer closed → bridge cleaned up
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/promises.h"
#include "v15check/analysis/rejection.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"

#include "error.h"

namespace v15 {

namespace {

using analysis::deep_region;
using analysis::join_text;
using analysis::line_suffix;
using analysis::rejection_handler;
using facts::Actions;
using facts::actions_in;
using facts::BridgeValues;

// The deferred's continuations (`promise.then(…).catch(…)`) in handleChatHttp that close the
// writer: a rejection there closes the browser's stream.
Node deferred_close_on_reject(const FileModel& m, const BridgeValues& bv) {
  const ChatBridge& cb = bv.chat();
  if (cb.model != &m || !cb.has_deferred()) return {};
  for (const Node& call : m.nodes_in("call_expression", cb.region)) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "then" && name != "catch" && name != "finally") continue;
    if (!cb.is_promise(m, FileModel::callee_object(call))) continue;
    PromiseUse use = m.promise_use(FileModel::callee_object(call));
    for (const Continuation& c : use.chain) {
      Node handler;
      if (c.method == "catch" || c.method == "finally")
        handler = c.args.empty() ? Node{} : c.args[0];
      if (c.method == "then" && c.args.size() > 1) handler = c.args[1];
      const Function* f = handler.null() ? nullptr : m.function_at(handler);
      if (!f) continue;
      for (const Node& close : m.nodes_in("call_expression", deep_region(m, *f)))
        if (bv.is_writer_call(close, "close")) return close;
    }
  }
  return {};
}

Outcome dispatch_throws(const CheckContext& ctx) {
  auto scope = ctx.do_method("handleChatHttp");
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  const ChatBridge& cb = ctx.project().chat_bridge();
  if (cb.dispatch_call.null())
    return Outcome::fail(scope->location(), "handleChatHttp never calls this.dispatchContainer()");
  PromiseUse use = m.promise_use(cb.dispatch_call);
  Node continuation;
  Node handler = rejection_handler(use, &continuation);
  if (handler.null()) {
    std::string how = use.awaited ? "is awaited without .catch(), so a failure never reaches the "
                                    "stream's error path"
                                  : "has no .catch(): a failure is an unhandled rejection";
    return Outcome::fail(m.location(cb.dispatch_call),
                         fmt::format("this.dispatchContainer() at line {} {} (no error line, "
                                     "writer left open, bridge left in httpBridges)",
                                     cb.dispatch_call.line(), how));
  }
  const Function* h = m.function_at(handler);
  if (!h)
    return Outcome::fail(m.location(continuation),
                         fmt::format("the dispatch failure handler {} is not a function this tool "
                                     "can follow",
                                     snippet(handler)));
  // A handler that rethrows does not handle: the rejection escapes the .catch() unhandled.
  if (Node rethrow; !analysis::handles_rejection(m, handler, &rethrow))
    return Outcome::fail(
        m.location(rethrow.null() ? handler : rethrow),
        fmt::format("the .catch() of dispatchContainer() (line {}) rethrows{}: the rejection "
                    "is not handled and escapes the fire-and-forget dispatch",
                    handler.line(),
                    rethrow.null() ? "" : fmt::format(" at line {}", rethrow.line())));
  BridgeValues bv(ctx.project(), m);
  Actions a = actions_in(m, bv, deep_region(m, *h));
  // A write after the writer's close() is lost: only error lines written before it count.
  Node lost, lost_close;
  std::erase_if(a.error_writes, [&](const Node& w) {
    Node c = analysis::closed_before(m, w, [&](const Node& n) {
      return n.is("call_expression") && bv.is_writer_call(n, "close");
    });
    if (!c.null() && lost.null()) {
      lost = w;
      lost_close = c;
    }
    return !c.null();
  });
  Node close = a.closes.empty() ? Node{} : a.closes.front();
  std::string close_how;
  if (close.null() && !a.settles.empty()) {
    close = deferred_close_on_reject(m, bv);
    if (!close.null())
      close_how = fmt::format(" (settles the bridge at {}; the deferred closes the writer at {})",
                              line_suffix(a.settles.front()), line_suffix(close));
  }
  std::vector<std::string> missing;
  if (a.error_writes.empty() && !lost.null())
    missing.push_back(fmt::format(
        "writes its error line at line {} after closing the writer at line {}: a write after "
        "close() is lost",
        lost.line(), lost_close.line()));
  else if (a.error_writes.empty())
    missing.push_back("writes no error line (type: 'error') to the writer");
  if (close.null()) missing.push_back("never closes the writer");
  if (a.deletes.empty())
    missing.push_back(fmt::format("never deletes the bridge from {}", bv.map_name()));
  if (!missing.empty())
    return Outcome::fail(m.location(handler),
                         fmt::format("the .catch() of dispatchContainer() (line {}) {}",
                                     handler.line(), join_text(missing, "; ")));
  return Outcome::pass(
      m.location(handler),
      fmt::format("dispatchContainer().catch at line {} writes an error line ({}), "
                  "closes the writer ({}){} and deletes the bridge ({})",
                  handler.line(), line_suffix(a.error_writes.front()), line_suffix(close),
                  close_how, line_suffix(a.deletes.front())),
      {{m.location(a.error_writes.front()), "error line"},
       {m.location(close), "writer closed"},
       {m.location(a.deletes.front()), "bridge deleted"}});
}

}  // namespace

Check error_dispatch_throws_check() {
  return {
      .id = "error.dispatch-throws",
      .group = Group::Error,
      .title = "dispatch failure → error written → writer closed → bridge cleaned up",
      .expected =
          "the .catch of this.dispatchContainer() writes an error line, closes the "
          "writer and deletes the bridge",
      .role = Role::DurableObject,
      .passes_when =
          "the rejection handler chained on dispatchContainer() (with same-file "
          "helpers) writes a type: 'error' line to the bridge writer, closes it (or "
          "rejects the deferred whose continuation closes it) and calls "
          "httpBridges.delete",
      .fails_when = "no .catch (awaited or bare); a handler that only logs; no close; no delete",
      .config_keys = {"roles.do"},
      .run = dispatch_throws};
}

}  // namespace v15
