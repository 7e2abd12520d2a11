// flow.bridge-timeout-cleared: the bridge timeout stops when the container's output starts
#include <fmt/format.h>

#include <algorithm>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/order.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_kinds.h"
#include "v15check/text.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::join_text;
using facts::BridgeKind;
using facts::BridgeKinds;
using facts::BridgeMap;

// A place where the container's output for a bridge starts to flow, and the node the clear must
// come before.
struct OutputStart {
  std::string what;  // for Found: "handleContainerStream() before its read loop"
  Node before;       // the read loop, the accept/listen call, the log-stream call
  const Function* scope = nullptr;
};

bool writes_writer(const FileModel& m, const BridgeKinds& k, const BridgeMap& b, const Region& r) {
  for (const Node& w : m.nodes_in("call_expression", r))
    if (FileModel::callee_name(w) == "write" && k.is_writer(FileModel::callee_object(w), b))
      return true;
  return false;
}

std::string fn_name(const Function* f) { return f ? f->name + "()" : std::string("a callback"); }

std::vector<OutputStart> output_starts(const Project& p, const BridgeKinds& k, const BridgeMap& b) {
  const FileModel& m = *k.model;
  std::vector<OutputStart> out;
  // the container pushes it: the DO branch for the container's POST
  const ContainerStream& cs = p.container_stream();
  if (cs.found() && !cs.lookup.null() && k.is_map(FileModel::callee_object(cs.lookup), b)) {
    std::vector<Node> firsts;
    for (const Node& n : {cs.read_loop, cs.reader}) firsts.push_back(n);
    for (const StreamCall& w : cs.writes) firsts.push_back(w.call);
    Node first;
    for (const Node& n : firsts)
      if (!n.null() && (first.null() || n.start_byte() < first.start_byte())) first = n;
    if (!first.null()) {
      // a step done in a helper is judged at the method's call of that helper
      const Function* f = analysis::owning_function(m, first);
      if (f && f != cs.method && !cs.method->node.contains(first))
        for (const Node& c : m.calls_of(*f))
          if (cs.method->node.contains(c)) {
            first = c;
            break;
          }
      std::string what = first == cs.read_loop ? "its read loop"
                         : first == cs.reader  ? "it reads the body"
                                               : "its first bridge write";
      out.push_back({fmt::format("{} before {} (line {})", fn_name(cs.method), what, first.line()),
                     first, cs.method});
    }
  }
  // a WebSocket the container sends output over: a message listener writing to the bridge
  for (const Node& c : m.nodes_in("call_expression", k.cls->node)) {
    std::string_view name = FileModel::callee_name(c);
    auto args = FileModel::arguments(c);
    if (name == "addEventListener" && args.size() >= 2 &&
        m.fold_string(args[0]).value_or("") == "message") {
      const Function* cb = m.function_at(args[1]);
      if (!cb || !writes_writer(m, k, b, analysis::deep_region(m, *cb))) continue;
      const Function* scope = analysis::owning_function(m, c);
      if (!scope) continue;
      Node before = c;
      // the socket is accepted before it is listened to: the clear comes before that too
      Node socket = FileModel::callee_object(c);
      Origin so = m.trace(socket);
      for (const Node& a : m.nodes_in("call_expression", scope->node)) {
        if (a.start_byte() >= c.start_byte()) break;
        std::string_view an = FileModel::callee_name(a);
        auto aa = FileModel::arguments(a);
        Node target = an == "accept"                           ? FileModel::callee_object(a)
                      : an == "acceptWebSocket" && !aa.empty() ? aa[0]
                                                               : Node{};
        if (target.null()) continue;
        Origin to = m.trace(target);
        if (to.expr == so.expr && to.path == so.path) {
          before = a;
          break;
        }
      }
      out.push_back(
          {fmt::format("{} before the container's WebSocket is {} (line {})", fn_name(scope),
                       before == c ? "listened to" : "accepted", before.line()),
           before, scope});
    }
  }
  // the hibernation API's message handler
  if (const Function* wsm = m.method(k.cls->name, "webSocketMessage")) {
    Region r = analysis::deep_region(m, *wsm);
    for (const Node& w : m.nodes_in("call_expression", r))
      if (FileModel::callee_name(w) == "write" && k.is_writer(FileModel::callee_object(w), b)) {
        Node before = w;
        if (!wsm->node.contains(w))
          if (const Function* f = analysis::owning_function(m, w))
            for (const Node& c : m.calls_of(*f))
              if (wsm->node.contains(c)) {
                before = c;
                break;
              }
        out.push_back(
            {fmt::format("webSocketMessage() before its bridge write (line {})", before.line()),
             before, wsm});
        break;
      }
  }
  // the DO pulls it: the process's log stream consumed into the writer
  for (const Node& c : m.nodes_in("call_expression", k.cls->node)) {
    std::string_view name = FileModel::callee_name(c);
    if (name != "streamProcessLogs" && name != "getProcessLogs" && name != "streamLogs") continue;
    const Function* scope = analysis::owning_function(m, c);
    if (!scope || !writes_writer(m, k, b, m.region(*scope))) continue;
    out.push_back({fmt::format("{} before it consumes the process's log stream (line {})",
                               fn_name(scope), c.line()),
                   c, scope});
  }
  return out;
}

Outcome bridge_timeout_cleared(const CheckContext& ctx) {
  auto kinds = facts::do_bridge_kinds(ctx);
  if (!kinds) return kinds.failure();
  const BridgeKinds& k = *kinds;
  const FileModel& m = *k.model;
  std::vector<std::string> missing, verified;
  std::vector<Evidence> evidence;
  Location first_bad;
  bool any_http = false;
  for (const BridgeMap& b : k.maps) {
    if (b.kind != BridgeKind::Http) continue;
    any_http = true;
    if (!b.timeout.found()) continue;  // no timer cuts the answer off
    if (b.timeout.property.empty() && !b.timeout.binding) {
      missing.push_back(fmt::format(
          "the timeout of the {} bridges (setTimeout at line {}) is kept nowhere, so nothing can "
          "clear it",
          b.name, b.timeout.call.line()));
      if (!first_bad.known()) first_bad = m.location(b.timeout.call);
      continue;
    }
    std::string handle =
        b.timeout.cancel_function     ? fmt::format("the bridge's {}()", b.timeout.property)
        : !b.timeout.property.empty() ? fmt::format("clearTimeout(<bridge>.{})", b.timeout.property)
                                      : fmt::format("clearTimeout({})", b.timeout.binding->name);
    auto starts = output_starts(ctx.project(), k, b);
    if (starts.empty()) {
      missing.push_back(fmt::format(
          "no place where container output for the {} bridges starts was found (no container "
          "stream handler, output WebSocket or log-stream consumer writing to them)",
          b.name));
      if (!first_bad.known()) first_bad = m.location(b.field);
      continue;
    }
    for (const OutputStart& s : starts) {
      Node clear =
          analysis::first_executed_before(m, s.scope->body, s.before, "call_expression",
                                          [&](const Node& c) { return k.clears(c, b.timeout, b); });
      if (clear.null()) {
        // say what the code does instead: a clear that is only later, conditional or in a finally
        std::vector<std::string> elsewhere;
        for (const Node& c : m.nodes_in("call_expression", s.scope->node))
          if (k.clears(c, b.timeout, b)) {
            ControlContext cx = m.context(c);
            elsewhere.push_back(
                fmt::format("line {}{}", c.line(),
                            cx.in_finally() ? " (in the finally, after the stream ended)"
                            : c.start_byte() > s.before.start_byte() ? " (after it)"
                                                                     : " (not on every path)"));
          }
        missing.push_back(
            fmt::format("{}: the timeout is not cleared ({}) on every path there{}", s.what, handle,
                        elsewhere.empty() ? std::string(" — no clear at all")
                                          : "; cleared only at " + join_text(elsewhere)));
        if (!first_bad.known()) first_bad = m.location(s.before);
      } else {
        verified.push_back(fmt::format("{}: cleared at line {}", s.what, clear.line()));
        evidence.push_back({m.location(clear), "timeout cleared"});
      }
    }
  }
  if (!any_http)
    return Outcome::fail(m.location(k.cls->node),
                         fmt::format("class {} keeps no HTTP bridge map (a class field `new Map` "
                                     "whose .set values hold a stream writer or resolve/reject)",
                                     cap(k.cls->name)));
  if (!missing.empty()) return Outcome::fail(first_bad, join_text(missing, "; "));
  if (verified.empty())
    return Outcome::pass(m.location(k.cls->node),
                         "no bridge keeps a timeout, so none can cut an answer off");
  return Outcome::pass(evidence.front().location, join_text(verified, "; "), evidence);
}

}  // namespace

Check flow_bridge_timeout_cleared_check() {
  return {.id = "flow.bridge-timeout-cleared",
          .group = Group::Flow,
          .title = "the bridge timeout stops when the container's output starts",
          .expected =
              "each bridge's timeout handle is cleared on every path where container "
              "output for that bridge starts to flow, before it is piped",
          .role = Role::DurableObject,
          .passes_when =
              "for every HTTP bridge map of the DO class (a `new Map` field whose .set values "
              "hold a stream writer or resolve/reject), the timeout handle (a setTimeout result "
              "in a binding or the bridge, or a cancel function in the bridge) is cleared before "
              "the container stream handler's read loop, before a WebSocket carrying container "
              "output is accepted/listened to, and before a log stream is consumed into the "
              "writer — on every path, not in a finally or a callback",
          .fails_when =
              "no clear; cleared on the POST path but not on the WebSocket or "
              "log-stream path; cleared only in the finally after the stream ended",
          .config_keys = {"className", "helperDepth", "roles.do"},
          .run = bridge_timeout_cleared};
}

}  // namespace v15
