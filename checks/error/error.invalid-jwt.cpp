// error.invalid-jwt: invalid JWT → 401 → container sees error
#include <fmt/format.h>

#include "v15check/analysis/guard_conditions.h"
#include "v15check/analysis/rejection.h"
#include "v15check/check.h"

#include "error.h"

namespace v15 {

namespace {

using analysis::catching_try;
using analysis::kMaxConditionDepth;
using analysis::tests_missing;

// A call of verifyExecutionToken, by name or through its import under another name.
bool is_verify_call(const FileModel& m, const Node& call) {
  if (FileModel::callee_name(call) == "verifyExecutionToken") return true;
  Node callee = FileModel::strip(call.field("function"));
  if (!callee.is("identifier")) return false;
  const Binding* b = m.resolve(callee);
  return b && b->kind == BindingKind::Import && b->imported_name == "verifyExecutionToken";
}

// The Worker's side: it verifies and answers 401 itself, or it forwards the request and returns
// the DO's response (so the DO's 401 reaches the container).
Expected<std::string> worker_side(const CheckContext& ctx) {
  auto file = ctx.file(Role::Worker);
  if (!file) return file.failure();
  const FileModel* m = *file;
  const Route* route = m->route("POST", "/internal/stream");
  if (!route) {
    return Outcome::fail(m->location(m->root()),
                         fmt::format("{} has no POST /internal/stream route: the container's "
                                     "callback never reaches a token check{}",
                                     m->path(), ctx.parse_note(*m)));
  }
  const Function* hf =
      route->kind == Route::Kind::Router ? m->function_at(route->handler) : nullptr;
  Region region = hf ? m->region(*hf) : m->region(route->handler);
  Node verify;
  for (const Node& call : m->nodes_in("call_expression", region))
    if (is_verify_call(*m, call)) {
      verify = call;
      break;
    }
  if (!verify.null()) {
    auto from_verify = [&](const Node& n) {
      Origin o = m->trace(n);
      Node s = FileModel::strip_await(o.expr);
      while (s.is("call_expression") &&
             (FileModel::callee_name(s) == "catch" || FileModel::callee_name(s) == "then"))
        s = FileModel::strip_await(FileModel::callee_object(s));
      return o.path.empty() && s == verify;
    };
    for (const Node& stmt : m->nodes_in("if_statement", region)) {
      if (!tests_missing(stmt.field("condition"), from_verify)) continue;
      for (const Node& ret : m->nodes_in("return_statement", stmt.field("consequence"))) {
        auto s = m->response_status(ret.named_child(0));
        if (s && *s == 401)
          return fmt::format("the Worker verifies at {}:{} and returns 401 at line {}", m->path(),
                             verify.line(), ret.line());
        if (s) {
          return Outcome::fail(m->location(ret),
                               fmt::format("the Worker's failed-verify branch (line {}) returns "
                                           "status {}, not 401",
                                           stmt.line(), *s));
        }
      }
    }
    // a throwing verifier inside a try whose catch answers 401
    Node t = catching_try(*m, verify);
    if (!t.null())
      for (const Node& ret : m->nodes_in("return_statement", t.field("handler")))
        if (m->response_status(ret.named_child(0)) == 401)
          return fmt::format("the Worker verifies at {}:{}; its catch returns 401 at line {}",
                             m->path(), verify.line(), ret.line());
    return Outcome::fail(m->location(verify),
                         fmt::format("the Worker verifies the token at line {} but a failed "
                                     "verify does not return 401 (the null result is never "
                                     "tested)",
                                     verify.line()));
  }
  // no verification in the Worker: the DO's answer must be what the container gets
  auto stubs = m->stub_fetches(region, "");
  for (const auto& stub : stubs) {
    PromiseUse use = m->promise_use(stub.fetch_call);
    if (use.returned)
      return fmt::format(
          "the Worker forwards without verifying and returns the DO's response "
          "(line {})",
          stub.fetch_call.line());
    for (const Node& ret : m->nodes_in("return_statement", region))
      if (m->derives_from(ret.named_child(0), [&](const FileModel&, const Node& n) {
            return FileModel::strip_await(n) == stub.fetch_call;
          }))
        return fmt::format(
            "the Worker forwards without verifying and returns the DO's response "
            "(line {})",
            ret.line());
  }
  return Outcome::fail(m->location(route->anchor),
                       stubs.empty()
                           ? "the Worker's /internal/stream route neither verifies the token "
                             "nor forwards the request to the DO"
                           : "the Worker's /internal/stream route does not verify the token "
                             "and does not return the DO's response, so the DO's 401 never "
                             "reaches the container");
}

// Which branch of a status test runs on failure: +1 the consequence, -1 the alternative, 0 either.
int failure_branch(const FileModel& m, const Node& cond, const Node& read, int depth = 0) {
  if (depth > kMaxConditionDepth) return 0;  // `!!…x`, `a && b && …`: a level per operator

  Node c = FileModel::strip(cond);
  if (c.is("unary_expression") && c.field("operator").text() == "!")
    return -failure_branch(m, c.field("argument"), read, depth + 1);
  if (c.is("member_expression") && FileModel::last_name(c) == "ok") return -1;
  if (c.is("binary_expression")) {
    std::string_view op = c.field("operator").kind();
    if (op == "&&" || op == "||") {
      Node side = c.field("left").contains(read) ? c.field("left") : c.field("right");
      return failure_branch(m, side, read, depth + 1);
    }
    Node l = c.field("left"), r = c.field("right");
    auto n = m.fold_number(r.contains(read) ? l : r);
    if (!n) return 0;
    bool success_code = *n >= 200 && *n < 300;
    if (op == "!==" || op == "!=") return success_code ? 1 : -1;
    if (op == "===" || op == "==") return success_code ? -1 : 1;
    bool read_left = l.contains(read);
    if (op == ">=" || op == ">") return read_left ? (*n >= 300 ? 1 : -1) : -1;
    if (op == "<" || op == "<=") return read_left ? -1 : 1;
  }
  return 0;
}

// Whether code in `r` reacts to a failure: throws, exits, sets an exit code, logs an error, aborts,
// rejects, destroys the request, or retries (continue).
Node handles_failure(const FileModel& m, const Node& within) {
  if (within.null()) return {};
  Region r = m.region(within);
  if (!m.nodes_in("throw_statement", r).empty()) return m.nodes_in("throw_statement", r).front();
  if (!m.nodes_in("continue_statement", r).empty())
    return m.nodes_in("continue_statement", r).front();
  for (const Node& a : m.nodes_in("assignment_expression", r)) {
    Node left = FileModel::strip(a.field("left"));
    if (left.is("member_expression") && FileModel::last_name(left) == "exitCode") return a;
  }
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string_view name = FileModel::callee_name(call);
    std::string_view obj = FileModel::last_name(FileModel::callee_object(call));
    if ((name == "exit" && obj == "process") ||
        ((name == "error" || name == "warn") && obj == "console") ||
        (name == "write" && obj == "stderr") || name == "abort" || name == "reject" ||
        name == "destroy" || name == "kill")
      return call;
  }
  return {};
}

// Nodes after `stmt` in its block: the failure path of `if (res.ok) return …;`.
Node rest_of_block(const Node& stmt) {
  Node block = stmt.parent();
  if (!block.is("statement_block")) return {};
  Node next = stmt.next_named_sibling();
  return next.null() ? Node{} : block;
}

Expected<std::string> agent_side(const CheckContext& ctx) {
  auto file = ctx.file(Role::Agent);
  if (!file) return file.failure();
  const FileModel* m = *file;
  const CallbackRequest& cr = ctx.project().callback_request();
  if (!cr.found()) {
    return Outcome::fail(m->location(m->root()),
                         fmt::format("the agent makes no callback request{}",
                                     cr.problem.empty() ? "" : ": " + cr.problem));
  }
  const Function* handler =
      cr.response_handler.null() ? nullptr : m->function_at(cr.response_handler);
  Node handler_param;
  if (handler && !handler->parameters().empty()) handler_param = handler->parameters().front();
  auto is_response = [&](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip_await(n);
    if (s == cr.call) return true;
    if (!s.is("identifier")) return false;
    const Binding* b = fm.resolve(s);
    if (!b) return false;
    if (cr.response_binding && b == cr.response_binding) return true;
    return !handler_param.null() && b->kind == BindingKind::Param &&
           handler_param.contains(b->name_node);
  };
  Node read_found;
  for (const Node& mem : m->nodes("member_expression")) {
    std::string_view prop = mem.field("property").text();
    if (prop != "ok" && prop != "status" && prop != "statusCode") continue;
    if (!flows_from(*m, mem.field("object"), is_response)) continue;
    if (read_found.null()) read_found = mem;
    // the test it sits in, and the branch that runs on failure
    for (Node p = mem.parent(); !p.null(); p = p.parent()) {
      Node cond, cons, alt, anchor = p;
      if (p.is("if_statement")) {
        cond = p.field("condition");
        cons = p.field("consequence");
        alt = p.field("alternative");
      } else if (p.is("ternary_expression")) {
        cond = p.field("condition");
        cons = p.field("consequence");
        alt = p.field("alternative");
      } else if (p.is("switch_statement")) {
        if (Node h = handles_failure(*m, p.field("body")); !h.null())
          return fmt::format(
              "the agent switches on the callback status at line {} and handles a "
              "failure (line {})",
              p.line(), h.line());
        break;
      } else if (p.is("statement_block") || p.is("arrow_function") ||
                 p.is("function_declaration")) {
        break;
      } else {
        continue;
      }
      if (!cond.contains(mem)) break;
      int branch = failure_branch(*m, cond, mem);
      std::vector<Node> candidates;
      if (branch >= 0) candidates.push_back(cons);
      if (branch <= 0) {
        candidates.push_back(alt);
        if (alt.null() && p.is("if_statement")) candidates.push_back(rest_of_block(p));
      }
      for (const Node& c : candidates)
        if (Node h = handles_failure(*m, c); !h.null())
          return fmt::format(
              "the agent tests the callback status ({}) at line {} and handles a "
              "failure (line {})",
              snippet(mem, 30), anchor.line(), h.line());
      break;
    }
  }
  return Outcome::fail(
      read_found.null() ? m->location(cr.call) : m->location(read_found),
      read_found.null()
          ? fmt::format("the agent never checks the callback response status (res.ok / status / "
                        "statusCode) of its request at line {}: a 401 goes unnoticed",
                        cr.call.line())
          : fmt::format("the agent reads {} at line {} but no failure branch reports or handles a "
                        "rejected callback (log to stderr, exit non-zero, throw, abort, retry)",
                        snippet(read_found, 30), read_found.line()));
}

Outcome invalid_jwt(const CheckContext& ctx) {
  auto worker = worker_side(ctx);
  if (!worker) return worker.failure();
  // the DO: handleContainerStream's failed verify answers 401
  auto scope = ctx.do_method("handleContainerStream");
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  const ContainerStream& cs = ctx.project().container_stream();
  if (cs.verify_call.null())
    return Outcome::fail(scope->location(),
                         "handleContainerStream never calls verifyExecutionToken()");
  if (cs.verify_guard.null())
    return Outcome::fail(m.location(cs.verify_call),
                         fmt::format("handleContainerStream never tests the verify result of line "
                                     "{} for null",
                                     cs.verify_call.line()));
  if (cs.verify_guard_status != 401)
    return Outcome::fail(
        m.location(cs.verify_guard_return.null() ? cs.verify_guard : cs.verify_guard_return),
        fmt::format("handleContainerStream's failed-verify branch (line {}) {}",
                    cs.verify_guard.line(),
                    cs.verify_guard_status
                        ? fmt::format("returns status {}, not 401", *cs.verify_guard_status)
                        : std::string("does not return a 401 response")));
  std::string do_side = fmt::format(
      "handleContainerStream returns 401 at line {}",
      (cs.verify_guard_return.null() ? cs.verify_guard : cs.verify_guard_return).line());
  auto agent = agent_side(ctx);
  if (!agent) return agent.failure();
  return Outcome::pass(m.location(cs.verify_guard),
                       fmt::format("{}; {}; {}", *worker, do_side, *agent));
}

}  // namespace

Check error_invalid_jwt_check() {
  return {.id = "error.invalid-jwt",
          .group = Group::Error,
          .title = "invalid JWT → 401 → container sees error",
          .expected =
              "the Worker stream route and handleContainerStream return 401 on a failed "
              "verify, and the agent checks the callback response status and handles a "
              "failure",
          .role = Role::DurableObject,
          .passes_when =
              "Worker: POST /internal/stream verifies and returns 401 on a null result, or "
              "forwards the request and returns the DO's response; DO: the failed-verify "
              "branch returns 401; agent: a test on res.ok / status / statusCode whose "
              "failure branch logs to stderr, exits non-zero, throws, aborts or retries",
          .fails_when =
              "no stream route; the Worker verifies but ignores a null result; the DO "
              "answers 403 or nothing; the agent ignores the response status",
          .config_keys = {"roles.worker", "roles.do", "roles.agent"},
          .run = invalid_jwt};
}

}  // namespace v15
