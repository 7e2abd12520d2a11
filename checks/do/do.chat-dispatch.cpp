// do.chat-dispatch: dispatches container fire-and-forget with .catch().
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/promises.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using analysis::join;
using facts::chat_scope;

Outcome chat_dispatch(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.dispatch_call.null())
    return Outcome::fail(s->location(), "handleChatHttp never calls this.dispatchContainer(…)");
  Node call = b.dispatch_call;
  Location at = m.location(call);
  if (!analysis::reachable(m, call))
    return Outcome::fail(at, fmt::format("this.dispatchContainer(…) at line {} never runs: it is "
                                         "behind a condition that is always false or after the "
                                         "method has already left",
                                         call.line()));
  PromiseUse use = m.promise_use(call);
  if (use.awaited)
    return Outcome::fail(at, fmt::format("this.dispatchContainer(…) is awaited at line {}: the "
                                         "browser's response waits for the container",
                                         call.line()));
  if (use.returned)
    return Outcome::fail(at, fmt::format("this.dispatchContainer(…) is returned at line {}: the "
                                         "response waits for the container",
                                         call.line()));
  const Continuation* handler = nullptr;
  for (const auto& c : use.chain)
    if (c.method == "catch" && !c.args.empty() && !handler) handler = &c;
  if (!handler) {
    std::vector<std::string> chain;
    for (const auto& c : use.chain)
      chain.push_back(fmt::format(".{}({})", c.method, c.args.empty() ? "" : "…"));
    return Outcome::fail(
        at, chain.empty()
                ? fmt::format("this.dispatchContainer(…) at line {} has no .catch(…): a failed "
                              "dispatch is an unhandled rejection",
                              call.line())
                : fmt::format("this.dispatchContainer(…) at line {} is chained with {} but no "
                              ".catch(handler)",
                              call.line(), join(chain, "")));
  }
  Node rethrow;
  if (!analysis::handles_rejection(m, handler->args[0], &rethrow))
    return Outcome::fail(
        m.location(rethrow.null() ? handler->call : rethrow),
        fmt::format("the .catch(…) handler of this.dispatchContainer(…) (line {}) throws again{}: "
                    "the rejection is not handled",
                    handler->call.line(),
                    rethrow.null() ? std::string() : fmt::format(" at line {}", rethrow.line())));
  // `const p = this.dispatchContainer(…).catch(…)` must not be awaited later either
  Node parent = use.outer.parent();
  if (parent.is("variable_declarator")) {
    if (const Binding* holder = m.resolve(parent.field("name"))) {
      for (const Node& aw : m.nodes_in("await_expression", s->method.region)) {
        Node v = FileModel::strip(aw.named_child(0));
        if (v.is("identifier") && m.resolve(v) == holder)
          return Outcome::fail(m.location(aw),
                               fmt::format("the dispatch promise is awaited at line {}: the "
                                           "browser's response waits for the container",
                                           aw.line()));
      }
    }
  }
  return Outcome::pass(at,
                       fmt::format("this.dispatchContainer(…) not awaited, .catch(…) at line {}",
                                   handler->call.line()));
}

}  // namespace

Check do_chat_dispatch_check() {
  return {
      .id = "do.chat-dispatch",
      .group = Group::DurableObject,
      .title = "dispatches container fire-and-forget with .catch()",
      .expected = "this.dispatchContainer(…) not awaited, chained directly with .catch(handler)",
      .role = Role::DurableObject,
      .passes_when =
          "the dispatch call is reachable, neither awaited nor returned (also not awaited "
          "later through a binding) and its chain has .catch(handler) that does not rethrow",
      .fails_when =
          "await this.dispatchContainer(…); no .catch; only .then(…); a .catch that "
          "rethrows; the call behind a constant-false condition",
      .config_keys = {"className", "roles.do"},
      .run = chat_dispatch};
}

}  // namespace v15
