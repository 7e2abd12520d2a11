// flow.single-execution: one execution per session at a time
#include <fmt/format.h>

#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/order.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_kinds.h"
#include "v15check/facts/dispatch_session.h"
#include "v15check/text.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::join_text;
using analysis::Truth;
using facts::BridgeKinds;
using facts::BridgeMap;

// The DO's in-flight state in one scenario: which bridge map holds an execution. A stored
// in-flight flag (a field the class sets to `true`) is set in every scenario.
struct Busy {
  const BridgeKinds& k;
  const std::vector<std::string>& flags;
  std::size_t busy;  // index into k.maps
};

std::optional<double> number(const FileModel& m, const Node& e, const Busy& s) {
  Node x = FileModel::strip(e);
  if (x.is("member_expression") && x.field("property").text() == "size") {
    for (std::size_t i = 0; i < s.k.maps.size(); ++i)
      if (s.k.is_map(x.field("object"), s.k.maps[i])) return i == s.busy ? 1.0 : 0.0;
    return std::nullopt;
  }
  return m.fold_number(x);
}

Truth truth(const FileModel& m, const Node& e, const Busy& s, int depth = 0) {
  if (depth > 64) return Truth::Unknown;
  Node x = FileModel::strip(e);
  if (x.is("unary_expression") && x.field("operator").kind() == "!")
    return analysis::negate(truth(m, x.field("argument"), s, depth + 1));
  if (x.is("binary_expression")) {
    std::string_view op = x.field("operator").kind();
    if (op == "&&")
      return analysis::both(truth(m, x.field("left"), s, depth + 1),
                            truth(m, x.field("right"), s, depth + 1));
    if (op == "||")
      return analysis::either(truth(m, x.field("left"), s, depth + 1),
                              truth(m, x.field("right"), s, depth + 1));
    auto a = number(m, x.field("left"), s);
    auto b = number(m, x.field("right"), s);
    if (!a || !b) return Truth::Unknown;
    bool r = false;
    if (op == ">")
      r = *a > *b;
    else if (op == ">=")
      r = *a >= *b;
    else if (op == "<")
      r = *a < *b;
    else if (op == "<=")
      r = *a <= *b;
    else if (op == "===" || op == "==")
      r = *a == *b;
    else if (op == "!==" || op == "!=")
      r = *a != *b;
    else
      return Truth::Unknown;
    return r ? Truth::True : Truth::False;
  }
  if (auto n = number(m, x, s)) return *n != 0 ? Truth::True : Truth::False;
  if (x.is("member_expression") && FileModel::strip(x.field("object")).is("this"))
    for (const std::string& f : s.flags)
      if (x.field("property").text() == f) return Truth::True;
  return analysis::constant_truth(m, x);
}

// Fields the class sets to `true`: stored in-flight flags.
std::vector<std::string> flags_of(const FileModel& m, const ClassInfo& cls) {
  std::vector<std::string> out;
  for (const Node& a : m.nodes_in("assignment_expression", cls.node)) {
    Node left = FileModel::strip(a.field("left"));
    if (left.is("member_expression") && FileModel::strip(left.field("object")).is("this") &&
        FileModel::strip(a.field("right")).is("true"))
      out.emplace_back(left.field("property").text());
  }
  return out;
}

// Whether a guard's branch refuses: it leaves, answering 409/429 or after sending the client an
// error line or frame.
bool refuses(const FileModel& m, const Node& branch) {
  if (branch.null() || !analysis::completes_abruptly(m, branch)) return false;
  const Function* own = m.enclosing_function(branch);
  for (const Node& r : m.nodes_in("return_statement", branch)) {
    if (m.enclosing_function(r) != own) continue;
    Node v = r.named_child_count() ? r.named_child(0) : Node{};
    if (!v.null()) {
      auto st = m.response_status(v);
      if (st && (*st == 409 || *st == 429)) return true;
    }
  }
  for (const Node& c : m.nodes_in("call_expression", branch)) {
    std::string_view n = FileModel::callee_name(c);
    if ((n == "write" || n == "send" || n == "enqueue") && m.enclosing_function(c) == own &&
        !m.nodes_in("return_statement", branch).empty())
      return true;
  }
  return false;
}

struct Verdict {
  Node guard;           // the guard that refuses in every scenario
  std::string problem;  // else: what the code does
  Location where;
};

std::string scenario_text(const BridgeKinds& k, std::size_t i) {
  return fmt::format("{} holds an execution", k.maps[i].name);
}

// Looks for the guard ahead of `d` in its function, then ahead of each call of that function.
Verdict guarded(const FileModel& m, const BridgeKinds& k, const std::vector<std::string>& flags,
                const Node& d, int depth) {
  Verdict v;
  const Function* scope = analysis::owning_function(m, d);
  if (!scope || scope->body.null()) {
    v.problem = fmt::format("the dispatch at line {} is in no function", d.line());
    v.where = m.location(d);
    return v;
  }
  std::string near;  // the closest miss, for Found
  Node near_node;
  for (const Node& g : m.nodes_in("if_statement", scope->body)) {
    if (g.start_byte() >= d.start_byte()) break;
    Node cond = g.field("condition");
    bool mentions = false;
    for (const Node& mem : m.nodes_in("member_expression", cond)) {
      for (const BridgeMap& b : k.maps)
        if (k.is_map(mem, b)) mentions = true;
      for (const std::string& f : flags)
        if (FileModel::strip(mem.field("object")).is("this") && mem.field("property").text() == f)
          mentions = true;
    }
    if (!mentions) continue;
    std::vector<std::string> open;
    for (std::size_t i = 0; i < k.maps.size(); ++i)
      if (truth(m, cond, Busy{k, flags, i}) != Truth::True) open.push_back(scenario_text(k, i));
    bool before = analysis::executed_before(m, g, d);
    bool refusing = refuses(m, g.field("consequence"));
    if (open.empty() && before && refusing) {
      v.guard = g;
      return v;
    }
    if (near.empty()) near_node = g;
    if (near.empty())
      near = fmt::format("the test {} at line {} {}", code_snippet(cond, 90), g.line(),
                         !open.empty() ? "does not hold when " + join_text(open, " / ")
                         : !before
                             ? "is not on every path to it"
                             : "does not refuse (no 409/429 Response, no error to the client then "
                               "return)");
  }
  if (near.empty())
    for (const Node& g : m.nodes_in("if_statement", scope->body)) {
      if (g.start_byte() <= d.start_byte()) continue;
      for (const Node& mem : m.nodes_in("member_expression", g.field("condition")))
        for (const BridgeMap& b : k.maps)
          if (near.empty() && k.is_map(mem, b)) {
            near_node = g;
            near = fmt::format("the test {} at line {} comes after it",
                               code_snippet(g.field("condition"), 90), g.line());
          }
    }
  v.where = m.location(near_node.null() ? d : near_node);
  v.problem = fmt::format(
      "{}() reaches the dispatch at line {} ({}) with no refusal ahead of "
      "it when an execution is in flight{}",
      scope->name, d.line(), code_snippet(d, 60),
      near.empty() ? std::string(": no test of the bridge maps' .size or an "
                                 "in-flight flag")
                   : ": " + near);
  // a caller may refuse before calling the function that dispatches
  if (depth > 0 && scope->is_method()) {
    std::vector<Node> callers;
    for (const Node& c : m.calls_of(*scope))
      if (k.cls->node.contains(c) && !scope->node.contains(c)) callers.push_back(c);
    if (!callers.empty()) {
      for (const Node& c : callers) {
        Verdict cv = guarded(m, k, flags, c, depth - 1);
        if (cv.guard.null()) return near.empty() ? cv : v;
        v.guard = cv.guard;
      }
      v.problem.clear();
    }
  }
  return v;
}

Outcome single_execution(const CheckContext& ctx) {
  auto kinds = facts::do_bridge_kinds(ctx);
  if (!kinds) return kinds.failure();
  const BridgeKinds& k = *kinds;
  const FileModel& m = *k.model;
  // the dispatches: calls of dispatchContainer, and startProcess calls outside it
  std::vector<Node> dispatches;
  const Function* dc = m.method(k.cls->name, facts::kDispatchMethod);
  if (dc)
    for (const Node& c : invocations_of(m, *dc))
      if (k.cls->node.contains(c) && !dc->node.contains(c)) dispatches.push_back(c);
  for (const Node& c : m.nodes_in("call_expression", k.cls->node))
    if (FileModel::callee_name(c) == "startProcess" && !(dc && dc->node.contains(c)))
      dispatches.push_back(c);
  if (dispatches.empty())
    return Outcome::fail(m.location(k.cls->node),
                         fmt::format("class {} never dispatches the container (no call of {}() "
                                     "or startProcess)",
                                     cap(k.cls->name), facts::kDispatchMethod));
  if (k.maps.empty())
    return Outcome::fail(m.location(dispatches.front()),
                         fmt::format("class {} keeps no bridge map that holds an open execution, "
                                     "so nothing tells the dispatch at line {} that one is in "
                                     "flight",
                                     cap(k.cls->name), dispatches.front().line()));
  std::vector<std::string> flags = flags_of(m, *k.cls);
  std::vector<std::string> verified;
  std::vector<Evidence> evidence;
  for (const Node& d : dispatches) {
    if (!analysis::reachable(m, d)) continue;
    Verdict v = guarded(m, k, flags, d, m.helper_depth());
    if (v.guard.null()) return Outcome::fail(v.where, v.problem);
    verified.push_back(
        fmt::format("the dispatch at line {} is refused first by the test at line "
                    "{} ({})",
                    d.line(), v.guard.line(), code_snippet(v.guard.field("condition"), 90)));
    evidence.push_back({m.location(v.guard), "in-flight guard"});
  }
  if (verified.empty())
    return Outcome::fail(m.location(dispatches.front()),
                         "no dispatch of the container is reachable");
  std::vector<std::string> names;
  for (const BridgeMap& b : k.maps) names.push_back(b.name);
  return Outcome::pass(evidence.front().location,
                       fmt::format("{}; it holds whenever any of {} holds an execution",
                                   join_text(verified, "; "), join_text(names)),
                       evidence);
}

}  // namespace

Check flow_single_execution_check() {
  return {.id = "flow.single-execution",
          .group = Group::Flow,
          .title = "one execution per session at a time",
          .expected =
              "every path that dispatches the container first refuses (409/429, or an "
              "error to the client then return) when any execution is in flight",
          .role = Role::DurableObject,
          .passes_when =
              "before every call of dispatchContainer (or the sandbox's startProcess), on every "
              "path, an `if` whose test holds whenever any bridge map of the DO class (HTTP or "
              "WebSocket: `.size > 0`, `.size`, `.size !== 0`) or a stored in-flight flag says "
              "an execution is open returns a 409/429 Response or sends an error then returns",
          .fails_when =
              "no test; the HTTP path tests only httpBridges while a WebSocket map "
              "exists; a per-socket test; the guard after the dispatch",
          .config_keys = {"className", "helperDepth", "roles.do"},
          .run = single_execution};
}

}  // namespace v15
