// flow.stream-keepalive: the open HTTP bridge sends heartbeats
#include <fmt/format.h>

#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/order.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"
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
using facts::BridgeTimer;

std::string ms_text(double ms) { return fmt::format("{} ms", static_cast<long long>(ms)); }

// Whether a clear runs when the bridge settles: in a continuation of a promise (`.finally`,
// `.then`, `.catch` callbacks), in a finally clause, or beside a settle / map delete.
bool on_settle(const FileModel& m, const facts::BridgeValues& bv, const BridgeKinds& k,
               const BridgeMap& b, const Node& clear) {
  ControlContext cx = m.context(clear);
  if (cx.in_finally()) return true;
  const Function* f = m.enclosing_function(clear);
  if (!f) return false;
  Node parent = f->node.parent();
  if (parent.is("arguments")) {
    Node call = parent.parent();
    std::string_view n = FileModel::callee_name(call);
    if (n == "finally" || n == "then" || n == "catch") return true;
  }
  for (const Node& c : m.nodes_in("call_expression", f->body.null() ? f->node : f->body)) {
    if (m.enclosing_function(c) != f) continue;
    if (bv.is_settle(c)) return true;
    if (FileModel::callee_name(c) == "delete" && k.is_map(FileModel::callee_object(c), b))
      return true;
  }
  return false;
}

Outcome stream_keepalive(const CheckContext& ctx) {
  auto kinds = facts::do_bridge_kinds(ctx);
  if (!kinds) return kinds.failure();
  const BridgeKinds& k = *kinds;
  const FileModel& m = *k.model;
  facts::BridgeValues bv(ctx.project(), m);
  const double max = ctx.config().heartbeat_max_ms;
  std::vector<std::string> verified;
  std::vector<Evidence> evidence;
  bool any_http = false;
  for (const BridgeMap& b : k.maps) {
    if (b.kind != BridgeKind::Http) continue;  // the hibernation API keeps sockets without timers
    any_http = true;
    if (b.writer.null())
      return Outcome::fail(m.location(b.sets.front()),
                           fmt::format("the {} bridges (set at line {}) keep no stream writer "
                                       "this tool can follow, so no heartbeat can be verified",
                                       b.name, b.sets.front().line()));
    if (b.heartbeats.empty())
      return Outcome::fail(
          m.location(b.sets.front()),
          fmt::format("no heartbeat while a {} bridge is open: no setInterval (or re-arming "
                      "setTimeout) in class {} writes to its writer {}, so a client or proxy "
                      "timeout drops a long tool call",
                      b.name, cap(k.cls->name), code_snippet(b.writer, 40)));
    std::vector<std::string> problems;
    const BridgeTimer* good = nullptr;
    Node good_clear;
    for (const BridgeTimer& hb : b.heartbeats) {
      std::string what = fmt::format("the heartbeat at line {} ({})", hb.call.line(),
                                     FileModel::callee_name(hb.call));
      if (!analysis::reachable(m, hb.call)) {
        problems.push_back(what + " is never reached");
        continue;
      }
      if (!hb.ms) {
        problems.push_back(fmt::format("{} has a period {} this tool cannot fold", what,
                                       code_snippet(hb.delay, 40)));
        continue;
      }
      if (*hb.ms > max) {
        problems.push_back(
            fmt::format("{} writes every {} ({}), longer than {} (config: "
                        "heartbeatMaxMs = {})",
                        what, ms_text(*hb.ms), code_snippet(hb.delay, 40), ms_text(max),
                        static_cast<long long>(max)));
        continue;
      }
      Node clear;
      for (const Node& c : m.nodes_in("call_expression", k.cls->node))
        if (k.clears(c, hb, b) && analysis::reachable(m, c) && on_settle(m, bv, k, b, c)) {
          clear = c;
          break;
        }
      if (clear.null()) {
        problems.push_back(fmt::format(
            "{} is never cleared when the bridge settles (no clearInterval/clearTimeout of {} in "
            "the deferred's continuation, a settle path or a finally): it keeps writing to a "
            "closed writer",
            what, hb.binding ? hb.binding->name : std::string("its handle")));
        continue;
      }
      good = &hb;
      good_clear = clear;
      break;
    }
    if (!good)
      return Outcome::fail(m.location(b.heartbeats.front().call), join_text(problems, "; "));
    verified.push_back(fmt::format(
        "the {} bridge writer gets a heartbeat every {} ({} at line {}, ≤ {}), cleared at line {}",
        b.name, ms_text(*good->ms), FileModel::callee_name(good->call), good->call.line(),
        ms_text(max), good_clear.line()));
    evidence.push_back({m.location(good->call), "heartbeat"});
    evidence.push_back({m.location(good_clear), "heartbeat cleared"});
  }
  if (!any_http)
    return Outcome::fail(m.location(k.cls->node),
                         fmt::format("class {} keeps no HTTP bridge map (a class field `new Map` "
                                     "whose .set values hold a stream writer or resolve/reject)",
                                     cap(k.cls->name)));
  return Outcome::pass(evidence.front().location, join_text(verified, "; "), evidence);
}

}  // namespace

Check flow_stream_keepalive_check() {
  return {.id = "flow.stream-keepalive",
          .group = Group::Flow,
          .title = "the open HTTP bridge sends heartbeats",
          .expected =
              "while an HTTP bridge's response is open, a periodic write to its writer "
              "with a period ≤ heartbeatMaxMs, cleared when the bridge settles",
          .role = Role::DurableObject,
          .passes_when =
              "for every HTTP bridge map of the DO class, a setInterval whose callback writes to "
              "the bridge's writer (or a setTimeout that re-arms itself) with a period, folded "
              "through consts, of at most heartbeatMaxMs, and a clearInterval/clearTimeout of "
              "its handle in the deferred's continuation, a settle path or a finally. WebSocket "
              "bridges are exempt",
          .fails_when =
              "no heartbeat; a period over heartbeatMaxMs; an interval never cleared; "
              "the heartbeat writes to another writer",
          .config_keys = {"className", "heartbeatMaxMs", "roles.do"},
          .run = stream_keepalive};
}

}  // namespace v15
