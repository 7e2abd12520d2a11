// error.bridge-timeout: container never calls back → timeout → error event → cleanup
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/helper_region.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"

#include "error.h"

namespace v15 {

namespace {

using analysis::deep_region;
using analysis::join_text;
using analysis::line_suffix;
using facts::Actions;
using facts::actions_in;
using facts::BridgeValues;

Outcome bridge_timeout(const CheckContext& ctx) {
  auto scope = ctx.do_method("handleChatHttp");
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  const BridgeTimeout& bt = ctx.project().bridge_timeout();
  if (!bt.found())
    return Outcome::fail(
        scope->location(),
        "handleChatHttp arms no bridge timeout (no setTimeout(fn, ms) in it or its "
        "helpers): a container that never calls back leaves the browser waiting");
  const Function* cb = m.function_at(bt.callback);
  if (!cb)
    return Outcome::fail(m.location(bt.call),
                         fmt::format("the bridge timeout's callback {} is not a function this tool "
                                     "can follow",
                                     snippet(bt.callback)));
  BridgeValues bv(ctx.project(), m);
  Actions a = actions_in(m, bv, deep_region(m, *cb));
  std::vector<std::string> missing;
  if (a.error_writes.empty()) {
    std::string also;
    if (!a.other_writes.empty())
      also = fmt::format(" (the write at {} sends {}, whose type is not 'error')",
                         line_suffix(a.other_writes.front()),
                         snippet(FileModel::arguments(a.other_writes.front()).front(), 60));
    missing.push_back("never writes a line whose JSON has type: 'error' to the bridge writer" +
                      also);
  }
  if (a.settles.empty())
    missing.emplace_back(std::string_view("never resolves or rejects the bridge"));
  if (a.deletes.empty()) missing.push_back(fmt::format("never deletes it from {}", bv.map_name()));
  if (!missing.empty())
    return Outcome::fail(m.location(cb->node),
                         fmt::format("the bridge-timeout callback (line {}) {}", cb->node.line(),
                                     join_text(missing, "; ")));
  return Outcome::pass(
      m.location(cb->node),
      fmt::format("the timeout callback (line {}) writes an error line ({}), settles the bridge "
                  "({}) and deletes it from {} ({})",
                  cb->node.line(), line_suffix(a.error_writes.front()),
                  line_suffix(a.settles.front()), bv.map_name(), line_suffix(a.deletes.front())),
      {{m.location(a.error_writes.front()), "error line"},
       {m.location(a.settles.front()), "bridge settled"},
       {m.location(a.deletes.front()), "bridge deleted"}});
}

}  // namespace

Check error_bridge_timeout_check() {
  return {.id = "error.bridge-timeout",
          .group = Group::Error,
          .title = "container never calls back → timeout → error event → cleanup",
          .expected =
              "the bridge-timeout callback writes a type: 'error' line to the bridge writer, "
              "settles the bridge and deletes it from httpBridges",
          .role = Role::DurableObject,
          .passes_when =
              "the setTimeout callback of the bridge timeout (with its same-file helpers, "
              "e.g. sendError(writer, msg)) writes JSON whose type is 'error' to the "
              "bridge writer, calls the bridge's resolve or reject, and calls "
              "httpBridges.delete",
          .fails_when =
              "no timeout; the callback writes nothing or a non-error event; never settles; "
              "leaves the bridge in httpBridges",
          .config_keys = {"roles.do"},
          .run = bridge_timeout};
}

}  // namespace v15
