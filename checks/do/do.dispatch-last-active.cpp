// do.dispatch-last-active: updates `lastActiveAt` in KV without blocking
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::join_text;
using facts::kDispatchMethod;
using facts::kv_call_list;
using facts::kv_calls;

// Whether the value put is an object carrying lastActiveAt: `JSON.stringify({ …, lastActiveAt })`,
// an object literal, or a bound object whose lastActiveAt is assigned first.
bool carries_last_active(const FileModel& m, const Function& fn, const Region& r,
                         const Node& value) {
  Node v = FileModel::strip_await(m.caller_value(value, fn));
  if (v.is("call_expression") && FileModel::callee_name(v) == "stringify") {
    auto args = FileModel::arguments(v);
    if (args.empty()) return false;
    v = FileModel::strip(m.caller_value(args[0], fn));
  }
  Node base = v;
  if (v.is("identifier")) {
    Origin o = m.trace(v);
    if (o.path.empty()) v = FileModel::strip_await(o.expr);
  }
  if (v.is("object") && !m.property(v, "lastActiveAt").null()) return true;
  if (!base.is("identifier")) return false;
  const Binding* b = m.resolve(base);
  for (const Node& a : m.nodes_in("assignment_expression", r)) {
    Node left = FileModel::strip(a.field("left"));
    if (left.is("member_expression") && left.field("property").text() == "lastActiveAt" &&
        FileModel::strip(left.field("object")).is("identifier") &&
        m.resolve(FileModel::strip(left.field("object"))) == b)
      return true;
  }
  return false;
}

// Handed to `waitUntil(…)`, directly or through a binding.
bool passed_to_wait_until(const FileModel& m, const Region& r, const Node& outer) {
  Node p = outer.parent();
  while (p.is("parenthesized_expression")) p = p.parent();
  if (p.is("arguments") && FileModel::callee_name(p.parent()) == "waitUntil") return true;
  if (p.is("variable_declarator")) {
    const Binding* b = m.resolve(p.field("name"));
    for (const Node& call : m.find("call_expression", r, match::call("waitUntil")))
      for (const Node& a : FileModel::arguments(call))
        if (FileModel::strip(a).is("identifier") && m.resolve(FileModel::strip(a)) == b)
          return true;
  }
  return false;
}

Outcome last_active(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto puts = kv_calls(m, *s, "SESSIONS_KV", "put");
  std::vector<std::string> problems;
  Node at;
  for (const auto& p : puts) {
    auto args = FileModel::arguments(p.call);
    if (args.size() < 2 || !carries_last_active(m, fn, s->region, args[1])) continue;
    PromiseUse use = m.promise_use(p.call);
    bool waited = passed_to_wait_until(m, s->region, use.outer);
    bool caught = use.has("catch") || (use.has("then") && use.chain.back().args.size() > 1);
    if (!use.awaited && !use.returned && (waited || caught))
      return Outcome::pass(
          m.location(p.call),
          fmt::format("SESSIONS_KV.put(…lastActiveAt…) at line {}, {}", p.call.line(),
                      waited ? "handed to waitUntil" : "not awaited, with .catch()"));
    if (at.null()) at = p.call;
    if (use.awaited)
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is awaited, so dispatch waits for KV; "
                      "drop the await and add .catch(() => {{}}) or pass it to waitUntil",
                      p.call.line()));
    else if (use.returned)
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is returned, so the caller waits for it",
                      p.call.line()));
    else
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is neither caught nor handed to "
                      "waitUntil: a failed write is an unhandled rejection",
                      p.call.line()));
  }
  if (!problems.empty()) return Outcome::fail(m.location(at), join_text(problems, "; "));
  return Outcome::fail(
      s->location(),
      fmt::format("no SESSIONS_KV.put of the session with lastActiveAt in "
                  "dispatchContainer{}",
                  puts.empty() ? std::string{} : "; puts found: " + kv_call_list(m, puts)));
}

}  // namespace

Check do_dispatch_last_active_check() {
  return {
      .id = "do.dispatch-last-active",
      .group = Group::DurableObject,
      .title = "updates `lastActiveAt` in KV without blocking",
      .expected =
          "SESSIONS_KV.put(…, JSON.stringify({ …, lastActiveAt })) not awaited, with .catch() or "
          "in waitUntil",
      .role = Role::DurableObject,
      .passes_when =
          "a SESSIONS_KV.put of an object with lastActiveAt that is not awaited or returned and "
          "is caught or handed to waitUntil",
      .fails_when = "awaited; neither caught nor in waitUntil; no lastActiveAt write",
      .config_keys = {"roles.do", "className"},
      .run = last_active};
}

}  // namespace v15
