// do.meta-persist: persists `sdkSessionId` to DO storage.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/check.h"

namespace v15 {

namespace {

// The event's field `name`: `event.name`, or a binding destructured from it.
bool is_field(const FileModel& m, const Node& e, std::string_view name) {
  Node s = FileModel::strip(e);
  if (s.is("member_expression")) return FileModel::last_name(s) == name;
  if (!s.is("identifier")) return false;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == name;
}

// Whether `call` runs when the parsed event is a `session-init` or `done` carrying a sessionId:
// it is reachable and no enclosing branch excludes it under those facts.
bool on_matched_path(const FileModel& m, const Node& call, const Node& body) {
  if (!analysis::reachable(m, call)) return false;
  for (const char* type : {"session-init", "done"}) {
    analysis::Facts facts = {
        analysis::Fact::of(
            [](const FileModel& fm, const Node& e) { return is_field(fm, e, "type"); },
            analysis::Fact::Kind::Value, type),
        analysis::Fact::of(
            [](const FileModel& fm, const Node& e) { return is_field(fm, e, "sessionId"); },
            analysis::Fact::Kind::Truthy)};
    bool taken = true;
    Node child = call;
    for (Node up = call.parent(); taken && !up.null() && !(up == body);
         child = up, up = up.parent()) {
      if (!up.is("if_statement")) continue;
      analysis::Truth t = analysis::evaluate(m, up.field("condition"), facts);
      bool in_then = up.field("consequence") == child;
      if ((in_then && t == analysis::Truth::False) || (!in_then && t == analysis::Truth::True))
        taken = false;
    }
    if (taken) return true;
  }
  return false;
}

// Whether the stored value derives from the event's sessionId (not a constant such as '').
bool from_session_id(const FileModel& m, const Node& value) {
  if (m.fold(value)) return false;
  return m.derives_from(
      value, [](const FileModel& fm, const Node& n) { return is_field(fm, n, "sessionId"); });
}

Outcome meta_persist(const CheckContext& ctx) {
  auto sc = ctx.do_method("extractMetadata");
  if (!sc) return sc.failure();
  const FileModel& m = *sc->model;
  Node wrong, not_storage, off_path;
  std::string off_path_why;
  std::string wrong_key;
  for (const Node& call : m.nodes_in("call_expression", sc->region)) {
    if (FileModel::callee_name(call) != "put") continue;
    Origin o = m.trace(FileModel::callee_object(call));
    std::string_view owner = !o.path.empty() ? std::string_view(o.path.back())
                             : o.binding     ? std::string_view(o.binding->name)
                                             : FileModel::last_name(o.expr);
    bool storage = owner == "storage";
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    auto key = m.fold_string(args[0]);
    Node obj = FileModel::strip(m.trace(args[0]).expr);
    bool right = (key && *key == "sdkSessionId") ||
                 (!key && obj.is("object") && !m.property(obj, "sdkSessionId").null());
    if (right && storage && key) {
      if (args.size() < 2 || !from_session_id(m, args[1])) {
        if (off_path.null()) {
          off_path = call;
          off_path_why = fmt::format(
              "{} at line {} stores {}, not the event's sessionId", snippet(call), call.line(),
              args.size() < 2 ? std::string("nothing") : "`" + snippet(args[1], 40) + "`");
        }
        continue;
      }
      if (!on_matched_path(m, call, sc->function->body)) {
        if (off_path.null()) {
          off_path = call;
          off_path_why = fmt::format(
              "{} at line {} does not run when the parsed event is a session-init/done with a "
              "sessionId (its branch is never taken then)",
              snippet(call), call.line());
        }
        continue;
      }
    }
    if (right && storage)
      return Outcome::pass(m.location(call),
                           fmt::format("{} at line {}", snippet(call), call.line()));
    if (right && not_storage.null()) not_storage = call;
    if (!right && storage && wrong.null()) {
      wrong = call;
      wrong_key = key ? "'" + *key + "'" : snippet(args[0]);
    }
  }
  if (!off_path.null()) return Outcome::fail(m.location(off_path), off_path_why);
  if (!not_storage.null())
    return Outcome::fail(m.location(not_storage),
                         fmt::format("{} at line {} is not DO storage (this.state.storage / "
                                     "this.ctx.storage)",
                                     snippet(not_storage), not_storage.line()));
  if (!wrong.null())
    return Outcome::fail(m.location(wrong),
                         fmt::format("{} at line {} stores the key {}, not 'sdkSessionId' (the key "
                                     "the next dispatch reads)",
                                     snippet(wrong), wrong.line(), wrong_key));
  return Outcome::fail(
      sc->location(),
      "extractMetadata never calls storage.put('sdkSessionId', …): the SDK session "
      "is not remembered for the next message");
}

}  // namespace

Check do_meta_persist_check() {
  return {.id = "do.meta-persist",
          .group = Group::DurableObject,
          .title = "persists `sdkSessionId` to DO storage",
          .expected = "storage.put('sdkSessionId', …) on the DO's storage",
          .role = Role::DurableObject,
          .passes_when =
              "a put on this.state.storage / this.ctx.storage (or an alias) with the key "
              "folding exactly to 'sdkSessionId' (and a value derived from the event's "
              "sessionId, on the path where the event is session-init/done with a sessionId), "
              "or an object with that key",
          .fails_when =
              "no put; another key ('sdkSessionID', 'sessionId'); a KV put instead of DO "
              "storage; a constant value; a put whose branch is never taken for a matching event",
          .config_keys = {"className", "roles.do"},
          .run = meta_persist};
}

}  // namespace v15
