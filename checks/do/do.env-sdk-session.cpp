// do.env-sdk-session: env sets `VF_SDK_SESSION_ID`
#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::describe_value;
using analysis::origin_note;
using facts::dispatch_env;
using facts::entry_name;
using facts::every_entry;

// `storage.get('sdkSessionId')` on this.state / this.ctx storage.
bool is_sdk_session_read(const FileModel& m, const Node& n) {
  Node s = FileModel::strip_await(n);
  if (!s.is("call_expression") || FileModel::callee_name(s) != "get") return false;
  if (FileModel::last_name(FileModel::callee_object(s)) != "storage") return false;
  auto args = FileModel::arguments(s);
  return !args.empty() && m.fold_string(args[0]) == std::string("sdkSessionId");
}

Outcome env_sdk_session(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  // a storage read, also one a same-file helper returns (`await this.loadSdkSession()`)
  Matcher read = [](const FileModel& fm, const Node& n) {
    if (is_sdk_session_read(fm, n)) return true;
    Node c = FileModel::strip_await(n);
    if (!c.is("call_expression")) return false;
    const Function* f = fm.callee_function(c);
    if (!f) return false;
    if (!f->body.is("statement_block"))
      return fm.derives_from(
          f->body, [](const FileModel& x, const Node& y) { return is_sdk_session_read(x, y); });
    for (const Node& ret : fm.nodes_in("return_statement", f->body))
      if (fm.enclosing_function(ret) == f &&
          fm.derives_from(ret.named_child(0), [](const FileModel& x, const Node& y) {
            return is_sdk_session_read(x, y);
          }))
        return true;
    return false;
  };
  bool any_read = !m.find("call_expression", s->region, read).empty();
  return every_entry(
      *env, "VF_SDK_SESSION_ID", [&](const EnvEntry& e) { return m.derives_from(e.source, read); },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}{}, not the sdkSessionId read from DO storage{}", entry_name(e),
                           describe_value(m, e.source), origin_note(m, fn, e.source),
                           any_read
                               ? std::string{}
                               : "; dispatchContainer never reads storage.get('sdkSessionId'), so "
                                 "the agent cannot resume the conversation");
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} derives from storage.get('sdkSessionId')", entry_name(e));
      });
}

}  // namespace

Check do_env_sdk_session_check() {
  return {.id = "do.env-sdk-session",
          .group = Group::DurableObject,
          .title = "env sets `VF_SDK_SESSION_ID`",
          .expected = "VF_SDK_SESSION_ID derived from storage.get('sdkSessionId')",
          .role = Role::DurableObject,
          .passes_when =
              "the value derives from the DO storage read of sdkSessionId (this.state.storage or "
              "this.ctx.storage), directly or through a let a branch may clear",
          .fails_when = "a constant; another value; missing",
          .config_keys = {"roles.do", "className"},
          .run = env_sdk_session};
}

}  // namespace v15
