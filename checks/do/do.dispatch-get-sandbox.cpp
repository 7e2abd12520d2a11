// do.dispatch-get-sandbox: gets sandbox via `getSandbox(SANDBOX_CONTAINER, sandboxId)`
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/named_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::env_read;
using analysis::is_named;
using analysis::join_text;
using facts::kDispatchMethod;

Outcome get_sandbox(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& binding = ctx.config().sandbox_binding;
  auto calls = m.find("call_expression", s->region, match::call("getSandbox"));
  if (calls.empty())
    return Outcome::fail(s->location(), fmt::format("dispatchContainer never calls getSandbox({}, "
                                                    "session.sandboxId)",
                                                    cap(binding)));
  std::string problem;
  Node at;
  bool other_binding = false;  // the first problem is only that another env binding is passed
  std::optional<ConfigMismatch> mismatch;
  for (const Node& call : calls) {
    auto args = FileModel::arguments(call);
    Node a0 = args.size() > 0 ? args[0] : Node{}, a1 = args.size() > 1 ? args[1] : Node{};
    auto e0 = a0.null() ? std::nullopt : env_read(m, fn, a0);
    bool id1 = !a1.null() && is_named(m, fn, a1, "sandboxId");
    if (e0 == binding && id1)
      return Outcome::pass(m.location(call),
                           fmt::format("{} at line {}", code_snippet(call), call.line()));
    if (!problem.empty()) continue;
    at = call;
    // only the binding's name differs: a literal the sandboxBinding key controls
    if (e0 && id1) mismatch = ConfigMismatch{"sandboxBinding", Constant{*e0}, m.location(a0)};
    auto e1 = a1.null() ? std::nullopt : env_read(m, fn, a1);
    if (e1 == binding && !a0.null() && is_named(m, fn, a0, "sandboxId")) {
      problem = fmt::format("arguments 1 and 2 are swapped: {}", code_snippet(call));
      continue;
    }
    std::vector<std::string> parts;
    if (e0 != binding)
      parts.push_back(fmt::format("argument 1 is {}{}, expected the env binding {}",
                                  a0.null() ? "missing" : code_snippet(a0, 50),
                                  e0 ? fmt::format(" (env binding {})", *e0) : std::string{},
                                  cap(binding)));
    if (!id1)
      parts.push_back(fmt::format("argument 2 is {}, expected the session's sandboxId",
                                  a1.null() ? "missing" : code_snippet(a1, 50)));
    problem =
        fmt::format("{} at line {}: {}", code_snippet(call), call.line(), join_text(parts, "; "));
    other_binding = e0 && id1;
  }
  Outcome o = other_binding ? ctx.differs(m.location(at), problem, "sandboxBinding")
                            : Outcome::fail(m.location(at), problem);
  o.config_mismatch = std::move(mismatch);
  return o;
}

}  // namespace

Check do_dispatch_get_sandbox_check() {
  return {.id = "do.dispatch-get-sandbox",
          .group = Group::DurableObject,
          .title = "gets sandbox via `getSandbox(SANDBOX_CONTAINER, sandboxId)`",
          .expected = "getSandbox(<sandboxBinding env read>, session.sandboxId)",
          .role = Role::DurableObject,
          .passes_when =
              "a getSandbox call whose first argument reads the sandbox env binding and whose "
              "second is the session's sandboxId",
          .fails_when = "arguments swapped; another binding; no getSandbox call",
          .config_keys = {"sandboxBinding", "roles.do"},
          .run = get_sandbox};
}

}  // namespace v15
