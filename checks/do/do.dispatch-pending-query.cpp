// do.dispatch-pending-query: writes prompt to `/tmp/vf-pending-query.json`
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::describe_value;
using analysis::join_text;
using facts::kDispatchMethod;

Outcome pending_query(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& path = ctx.config().pending_query_path;
  auto calls = m.find("call_expression", s->region, match::call("writeFile"));
  if (calls.empty())
    return Outcome::fail(
        s->location(),
        fmt::format("dispatchContainer never calls writeFile('{}', …) with the prompt", cap(path)));
  Matcher prompt = [](const FileModel&, const Node& n) {
    Node x = FileModel::strip(n);
    if (x.is("pair"))
      return x.field("key").text() == "prompt" || x.field("key").text() == "'prompt'";
    return (x.is("identifier") || x.is("shorthand_property_identifier") ||
            x.is("member_expression")) &&
           FileModel::last_name(x) == "prompt";
  };
  std::vector<std::string> seen;
  bool other_path = false;  // a writeFile of the prompt to another path
  std::optional<ConfigMismatch> mismatch;
  for (const Node& call : calls) {
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    auto p = m.fold_string(m.caller_value(args[0], fn));
    bool has_prompt = args.size() > 1 && m.derives_from(m.caller_value(args[1], fn), prompt);
    if (p && !p->empty() && p != path && has_prompt && !mismatch)
      mismatch = ConfigMismatch{"pendingQueryPath", Constant{*p}, m.location(args[0])};
    if (p == path && has_prompt)
      return Outcome::pass(m.location(call), fmt::format("writeFile('{}', …prompt…) at line {}",
                                                         cap(path), call.line()));
    if (p == path)
      seen.push_back(fmt::format(
          "writeFile('{}') at line {} writes {}, which does not include the "
          "prompt",
          cap(path), call.line(), args.size() > 1 ? code_snippet(args[1], 50) : "nothing"));
    else
      seen.push_back(fmt::format("writeFile at line {} writes to {}", call.line(),
                                 describe_value(m, args[0])));
    other_path = other_path || (p != path && has_prompt);
  }
  std::string found =
      fmt::format("{}; expected the prompt written to '{}'", join_text(seen, "; "), cap(path));
  Outcome o = other_path ? ctx.differs(m.location(calls.front()), found, "pendingQueryPath")
                         : Outcome::fail(m.location(calls.front()), found);
  o.config_mismatch = std::move(mismatch);
  return o;
}

}  // namespace

Check do_dispatch_pending_query_check() {
  return {.id = "do.dispatch-pending-query",
          .group = Group::DurableObject,
          .title = "writes prompt to `/tmp/vf-pending-query.json`",
          .expected = "writeFile('/tmp/vf-pending-query.json', content including prompt)",
          .role = Role::DurableObject,
          .passes_when =
              "a writeFile call whose path folds to pendingQueryPath and whose content derives "
              "from prompt",
          .fails_when = "another path; content without the prompt; no writeFile",
          .config_keys = {"pendingQueryPath", "roles.do"},
          .run = pending_query};
}

}  // namespace v15
