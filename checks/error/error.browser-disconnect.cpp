// error.browser-disconnect: writer errors are caught
#include <fmt/format.h>

#include <algorithm>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/rejection.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"

#include "error.h"

namespace v15 {

namespace {

using analysis::catching_try;
using analysis::join_text;
using analysis::kMaxCallHops;
using analysis::rejection_handler;
using facts::BridgeValues;

struct Guard {
  bool ok = false;
  std::string how;  // how it is guarded, or why not
};

Guard guard_of(const FileModel& m, const Node& promise, int depth);

// A function's returned promise is guarded when every use of it is: as a promise continuation
// handler, the chain it belongs to; as a named function, each call of it.
Guard function_guard(const FileModel& m, const Function& f, int depth) {
  if (depth >= kMaxCallHops) return {false, "its caller chain is too deep to follow"};
  Node parent = f.node.parent();
  if (parent.is("arguments")) {
    Node call = parent.parent();
    std::string_view name = FileModel::callee_name(call);
    if (call.is("call_expression") && (name == "then" || name == "catch" || name == "finally")) {
      Guard g = guard_of(m, call, depth + 1);
      if (g.ok) return {true, "returned into a promise chain with " + g.how};
      return {false, "returned into a promise chain that has no later .catch()"};
    }
    return {false, fmt::format("inside a callback passed to {}(), which does not handle its "
                               "rejection",
                               name.empty() ? "a call" : name)};
  }
  auto calls = invocations_of(m, f);
  if (calls.empty()) return {false, fmt::format("in {}(), whose promise is never caught", f.name)};
  for (const Node& c : calls) {
    Guard g = guard_of(m, c, depth + 1);
    if (!g.ok)
      return {false, fmt::format("in {}(), whose call at line {} is unguarded ({})", f.name,
                                 c.line(), g.how)};
  }
  return {true, fmt::format("every call of {}() is guarded", f.name)};
}

Guard guard_of(const FileModel& m, const Node& promise, int depth) {
  PromiseUse use = m.promise_use(promise);
  Node continuation;
  if (!rejection_handler(use, &continuation).null()) return {true, ".catch()"};
  if (use.awaited) {
    Node t = catching_try(m, use.outer);
    if (!t.null()) return {true, fmt::format("awaited in the try at line {}", t.line())};
    const Function* f = m.enclosing_function(use.outer);
    if (!f) return {false, "awaited outside any try/catch"};
    Guard g = function_guard(m, *f, depth);
    if (g.ok) return {true, "awaited; " + g.how};
    return {false, "awaited outside any try/catch, " + g.how};
  }
  if (use.returned) {
    const Function* f = m.enclosing_function(use.outer);
    if (!f) return {false, "returned, never caught"};
    Guard g = function_guard(m, *f, depth);
    if (g.ok) return g;
    return {false, "returned, " + g.how};
  }
  if (use.assigned) {
    Node decl = use.outer.parent();
    while (decl.is("parenthesized_expression")) decl = decl.parent();
    Node name = decl.is("variable_declarator") ? decl.field("name") : Node{};
    const Binding* b = name.is("identifier") ? m.resolve(name) : nullptr;
    if (b && depth < kMaxCallHops) {
      for (const Node& id : m.nodes("identifier")) {
        if (id == b->name_node || m.resolve(id) != b) continue;
        Guard g = guard_of(m, id, depth + 1);
        if (g.ok) return {true, fmt::format("{} ({} at line {})", g.how, b->name, id.line())};
      }
    }
    return {false, "stored in a variable whose promise is never caught"};
  }
  if (!use.chain.empty())
    return {false, fmt::format(".{}() without .catch()", use.chain.back().method)};
  return {false, "fire-and-forget without .catch()"};
}

Outcome browser_disconnect(const CheckContext& ctx) {
  auto file = ctx.file(Role::DurableObject);
  if (!file) return file.failure();
  const FileModel* m = *file;
  BridgeValues bv(ctx.project(), *m);
  std::vector<Node> calls;
  for (const Node& call : m->nodes("call_expression"))
    if (bv.is_writer_call(call, "write") || bv.is_writer_call(call, "close")) calls.push_back(call);
  // the container stream fact follows helper parameters from handleContainerStream's region
  for (const StreamCall& sc : ctx.project().container_stream().writes) {
    std::string_view name = FileModel::callee_name(sc.call);
    if ((name == "write" || name == "close") &&
        std::find(calls.begin(), calls.end(), sc.call) == calls.end())
      calls.push_back(sc.call);
  }
  std::sort(calls.begin(), calls.end(),
            [](const Node& a, const Node& b) { return a.start_byte() < b.start_byte(); });
  if (calls.empty())
    return Outcome::fail(m->location(m->root()),
                         fmt::format("no bridge writer write()/close() calls found in {}{}",
                                     m->path(), ctx.parse_note(*m)));
  std::vector<std::string> unguarded;
  std::vector<Evidence> evidence;
  Node first;
  int caught = 0, awaited = 0;
  for (const Node& call : calls) {
    Guard g = guard_of(*m, call, 0);
    Node callee = FileModel::strip(call.field("function"));
    std::string what = fmt::format("{}(…)", snippet(callee, 40));
    if (g.ok) {
      (g.how == ".catch()" ? caught : awaited) += 1;
      evidence.push_back({m->location(call), what + ": " + g.how});
      continue;
    }
    if (first.null()) first = call;
    unguarded.push_back(fmt::format("{} at line {} ({})", what, call.line(), g.how));
    evidence.push_back({m->location(call), what + ": UNGUARDED, " + g.how});
  }
  if (!unguarded.empty())
    return Outcome::fail(m->location(first),
                         fmt::format("{} of {} writer calls can reject unhandled when the browser "
                                     "disconnects: {}",
                                     unguarded.size(), calls.size(), join_text(unguarded, "; ")),
                         evidence);
  return Outcome::pass(m->location(calls.front()),
                       fmt::format("all {} writer write()/close() calls are guarded ({} with "
                                   ".catch(), {} otherwise)",
                                   calls.size(), caught, awaited),
                       evidence);
}

}  // namespace

Check error_browser_disconnect_check() {
  return {.id = "error.browser-disconnect",
          .group = Group::Error,
          .title = "writer errors are caught",
          .expected =
              "every bridge writer write()/close() in the DO either has a .catch() or is "
              "awaited inside a try/catch",
          .role = Role::DurableObject,
          .passes_when =
              "each write/close on a writer (handleChatHttp's writer, bridge.writer, a "
              "helper parameter given one) is chained with .catch(), or awaited inside a "
              "try with a catch, or returned to a caller that guards it",
          .fails_when =
              "fire-and-forget writer.write() without .catch(); await outside any try; "
              "Found lists every unguarded call",
          .config_keys = {"roles.do"},
          .run = browser_disconnect};
}

}  // namespace v15
