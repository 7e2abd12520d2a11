// do.stream-cleanup: cleans up bridge in `finally`.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::in_continuation;
using analysis::inside;
using facts::stream_handler;

Outcome stream_cleanup(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->deletes.empty())
    return Outcome::fail(scope.location(),
                         "handleContainerStream never deletes the bridge from httpBridges: "
                         "finished executions stay registered");
  const StreamCall* wrong_key = nullptr;
  const StreamCall* outside = nullptr;
  Node outside_site;  // for a delete in a helper: the method's call of that helper
  for (std::size_t i = 0; i < s->deletes.size(); ++i) {
    const StreamCall& d = s->deletes[i];
    bool in_finally = d.context.in_finally() || in_continuation(m, d.call, "finally");
    // A delete inside a same-file helper (`this.cleanupBridge(id)`) runs where the method calls
    // that helper: it counts when a call of the helper in the method's body sits in finally.
    const Function* helper = m.enclosing_function(d.call);
    Node site_outside;
    if (!in_finally && helper && helper != scope.function &&
        !scope.function->node.contains(d.call)) {
      for (const Node& site : m.calls_of(*helper)) {
        if (!scope.function->node.contains(site)) continue;
        if (m.context(site).in_finally() || in_continuation(m, site, "finally")) {
          in_finally = true;
          break;
        }
        // the call that decides: one outside the empty-body branch, if there is one
        if (site_outside.null() ||
            (inside(s->empty_body_guard, site_outside) && !inside(s->empty_body_guard, site)))
          site_outside = site;
      }
    }
    if (in_finally && s->delete_key_matches_lookup[i])
      return Outcome::pass(m.location(d.call), fmt::format("{} at line {} runs in finally",
                                                           snippet(d.call), d.call.line()));
    if (in_finally && !wrong_key) wrong_key = &d;
    if (!in_finally && !inside(s->empty_body_guard, d.call) && !outside) {
      outside = &d;
      outside_site = site_outside;
    }
  }
  if (wrong_key)
    return Outcome::fail(m.location(wrong_key->call),
                         fmt::format("{} in finally at line {}: the key is not the one the "
                                     "bridge was looked up by (payload.executionId)",
                                     snippet(wrong_key->call), wrong_key->call.line()));
  const StreamCall& d = outside ? *outside : s->deletes.front();
  if (!outside_site.null()) {
    // the delete sits in a helper: what matters is where the method calls it
    ControlContext at = m.context(outside_site);
    std::string where = inside(s->empty_body_guard, outside_site)
                            ? "only in the empty-body branch: a streamed body leaves the bridge "
                              "registered"
                        : at.in_try() ? "in the try block, not in finally: an exception skips it"
                        : at.in_catch()
                            ? "in the catch block, not in finally: a successful stream leaves "
                              "the bridge registered"
                            : "not in a finally block: an exception from the read loop skips it";
    return Outcome::fail(
        m.location(outside_site),
        fmt::format("the delete at line {} ({}) runs in a helper whose call at line {} ({}) is {}",
                    d.call.line(), snippet(d.call), outside_site.line(), snippet(outside_site),
                    where));
  }
  std::string where = d.context.in_try() ? "in the try block, not in finally: an exception skips it"
                      : d.context.in_catch() ? "in the catch block, not in finally: a successful "
                                               "stream leaves the bridge registered"
                      : inside(s->empty_body_guard, d.call)
                          ? "only in the empty-body branch: a streamed body leaves the bridge "
                            "registered"
                          : "not in a finally block: an exception from the read loop skips it";
  return Outcome::fail(m.location(d.call), fmt::format("delete at line {} ({}) is {}",
                                                       d.call.line(), snippet(d.call), where));
}

}  // namespace

Check do_stream_cleanup_check() {
  return {.id = "do.stream-cleanup",
          .group = Group::DurableObject,
          .title = "cleans up bridge in `finally`",
          .expected = "this.httpBridges.delete(payload.executionId) inside a finally block",
          .role = Role::DurableObject,
          .passes_when =
              "a delete keyed by the verified executionId (or the same value the "
              "bridge was looked up by) in a finally clause or a .finally() callback",
          .fails_when =
              "no delete; the delete at the end of try (an exception skips it) or in "
              "catch (success leaves the bridge registered); a wrong key",
          .config_keys = {"className", "roles.do"},
          .run = stream_cleanup};
}

}  // namespace v15
