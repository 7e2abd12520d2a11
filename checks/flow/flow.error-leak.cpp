// flow.error-leak: error details never reach a client in a 5xx
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "v15check/analysis/caught_errors.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_text.h"
#include "v15check/check.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::code_excerpt;
using analysis::join;

// A Response the code builds: `new Response(body, init)`, `Response.json(body, init)`, or a
// framework context's `c.json(body, status)` / `c.text(…)` / `c.html(…)`.
bool builds_response(const FileModel& m, const Node& n) {
  if (n.is("new_expression")) return FileModel::callee_name(n) == "Response";
  if (!n.is("call_expression")) return false;
  std::string_view name = FileModel::callee_name(n);
  Node obj = FileModel::strip(FileModel::callee_object(n));
  if (obj.null()) return false;
  if (FileModel::last_name(obj) == "Response") return name == "json";
  if (name != "json" && name != "text" && name != "html") return false;
  const Binding* b = obj.is("identifier") ? m.resolve(obj) : nullptr;
  return b && b->kind == BindingKind::Param;
}

// The 5xx statuses `response` is sent with: its own, or, when it sits in a same-file helper and
// its status comes from the caller, the status each call of the helper gives.
std::optional<int> server_error_status(const FileModel& m, const Node& response) {
  auto own = m.response_status(response);
  if (own && *own >= 500) return own;
  const Function* f = m.enclosing_function(response);
  if (!f || f->is_method()) return std::nullopt;
  for (const Node& call : m.calls_of(*f))
    if (auto s = m.response_status(call); s && *s >= 500) return s;
  return std::nullopt;
}

struct Leak {
  Node response;
  Node body;
  Node error;  // the caught exception's read the body is built from
  int status = 0;
};

struct Scan {
  std::vector<Leak> leaks;
  std::vector<std::string> safe;  // "path:line (500)" of 5xx Responses without error detail
  Location first_safe;
};

void scan(const FileModel& m, Scan& out) {
  for (std::string_view kind : {"new_expression", "call_expression"}) {
    for (const Node& n : m.nodes(kind)) {
      if (!builds_response(m, n) || !analysis::reachable(m, n)) continue;
      auto status = server_error_status(m, n);
      if (!status) continue;
      auto args = FileModel::arguments(n);
      Node body = args.empty() ? Node{} : args[0];
      Node err = body.null() ? Node{} : analysis::caught_error_in(m, body);
      if (!err.null()) {
        out.leaks.push_back({n, body, err, *status});
        continue;
      }
      if (out.safe.empty()) out.first_safe = m.location(n);
      out.safe.push_back(fmt::format("{}:{} ({})", m.path(), n.line(), *status));
    }
  }
}

Outcome error_leak(const CheckContext& ctx) {
  Scan s;
  for (Role role : {Role::Worker, Role::DurableObject}) {
    auto m = ctx.file(role);
    if (!m) return m.failure();
    scan(**m, s);
  }
  if (!s.leaks.empty()) {
    const Leak& l = s.leaks.front();
    const FileModel* m = ctx.project().file(Role::DurableObject);
    if (!m || m->root().table() != l.response.table()) m = ctx.project().file(Role::Worker);
    std::vector<std::string> all;
    for (const Leak& x : s.leaks)
      all.push_back(fmt::format("line {} ({}, body {} from `{}` at line {})", x.response.line(),
                                x.status, code_excerpt(x.body), x.error.text(), x.error.line()));
    return Outcome::fail(
        m->location(l.response),
        fmt::format("a Response with status {} sends a body built from a caught exception "
                    "(`{}`, line {}): {} in {}",
                    l.status, l.error.text(), l.error.line(), join(all, "; "), m->path()));
  }
  if (s.safe.empty())
    return Outcome::pass(ctx.project().location(Role::DurableObject, 1),
                         "the Worker and the DO build no Response with status >= 500");
  return Outcome::pass(s.first_safe,
                       fmt::format("{} Response(s) with status >= 500 ({}); none has a body built "
                                   "from a caught exception",
                                   s.safe.size(), join(s.safe)));
}

}  // namespace

Check flow_error_leak_check() {
  return {.id = "flow.error-leak",
          .group = Group::Flow,
          .title = "error details never reach a client in a 5xx",
          .expected =
              "every Response with status >= 500 of the Worker and the DO has a body "
              "that carries no caught exception",
          .role = Role::DurableObject,
          .passes_when =
              "no Response with status >= 500 that the Worker or the DO builds (directly, "
              "Response.json, c.json, or in a same-file helper) has a body built from a caught "
              "exception: the catch parameter or a rejection handler's, its message or stack, "
              "String(err), a template or concatenation of it, JSON.stringify(err), an object "
              "holding one, through bindings and helpers",
          .fails_when =
              "new Response(`DO error: ${err.message}`, { status: 500 }); a 500 with "
              "String(err); a helper returning new Response(err.stack, { status: 500 })",
          .config_keys = {"roles.worker", "roles.do", "helperDepth"},
          .run = error_leak};
}

}  // namespace v15
