// flow.dispatch-no-silent-return: dispatch starts the process or fails loudly
#include <fmt/format.h>

#include <string>
#include <vector>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/precedes.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_callers.h"
#include "v15check/facts/dispatch_session.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::ExitKind;
using analysis::join;

bool is_start_process(const Node& call) {
  return call.is("call_expression") && FileModel::callee_name(call) == "startProcess";
}

// The calls in dispatchContainer's own body that start the process: the sandbox's
// startProcess, or a call of a same-file helper whose region makes one.
std::vector<Node> starts_in(const FileModel& m, const Function& fn) {
  std::vector<Node> out;
  for (const Node& call : m.nodes_in("call_expression", fn.body)) {
    if (m.enclosing_function(call) != &fn) continue;
    if (is_start_process(call)) {
      out.push_back(call);
      continue;
    }
    const Function* h = m.callee_function(call);
    if (!h || h == &fn) continue;
    for (const Node& inner : m.nodes_in("call_expression", m.region(*h)))
      if (is_start_process(inner)) {
        out.push_back(call);
        break;
      }
  }
  return out;
}

std::string exit_text(const analysis::Exit& e) {
  if (e.kind == ExitKind::End)
    return fmt::format("the end of the body (line {})", e.node.end_line());
  return fmt::format("`{}` at line {}", snippet(e.node, 50), e.node.line());
}

Outcome dispatch_no_silent_return(const CheckContext& ctx) {
  auto scope = ctx.do_method(facts::kDispatchMethod, false);
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  const Function& fn = *scope->function;
  std::vector<Node> starts = starts_in(m, fn);
  analysis::Paths p = analysis::paths(m, fn.body, {});
  std::vector<std::string> silent;
  Node first;
  int loud = 0;
  for (const analysis::Exit& e : p.exits) {
    if (e.rejects()) {
      ++loud;
      continue;
    }
    bool started = false;
    for (const Node& s : starts)
      if (analysis::runs_before(m, s, e.node)) {
        started = true;
        break;
      }
    if (started) continue;
    if (first.null()) first = e.kind == ExitKind::End ? fn.node : e.node;
    silent.push_back(exit_text(e));
  }
  if (!silent.empty()) {
    std::string start_text =
        starts.empty() ? "it never calls the sandbox's startProcess()"
                       : fmt::format("before the startProcess() call at line {} on some path",
                                     starts.front().line());
    return Outcome::fail(
        m.location(first),
        fmt::format("dispatchContainer() leaves without starting the process and without "
                    "throwing at {}: {}, so the browser waits for the bridge timeout",
                    join(silent, ", "), start_text));
  }
  facts::DispatchCallers callers = facts::dispatch_callers(m, ctx.config().class_name);
  std::vector<std::string> from;
  for (const auto& c : callers.calls)
    from.push_back(
        fmt::format("{}() line {}", c.caller ? c.caller->name : "module", c.call.line()));
  return Outcome::pass(
      m.location(starts.empty() ? fn.node : starts.front()),
      fmt::format(
          "every exit of dispatchContainer() throws ({} exit(s)) or comes after the "
          "startProcess() call at line {}{}",
          loud, starts.empty() ? fn.node.line() : starts.front().line(),
          from.empty() ? std::string{} : fmt::format("; called from {}", join(from, ", "))));
}

}  // namespace

Check flow_dispatch_no_silent_return_check() {
  return {
      .id = "flow.dispatch-no-silent-return",
      .group = Group::Flow,
      .title = "dispatch starts the process or fails loudly",
      .expected = "every exit of dispatchContainer() throws or comes after sandbox.startProcess()",
      .role = Role::DurableObject,
      .passes_when =
          "every exit of dispatchContainer itself (its own returns and its end, not those of "
          "functions nested in it or of helpers it calls) is reached only after the sandbox's "
          "startProcess call on every path (`return sandbox.startProcess(…)` counts), or is a "
          "throw or rejection",
      .fails_when =
          "`if (alreadyRunning) return;` before startProcess; a silent return for a "
          "missing sandboxId",
      .config_keys = {"roles.do", "helperDepth"},
      .run = dispatch_no_silent_return};
}

}  // namespace v15
