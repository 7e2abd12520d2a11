// do.meta-persist: persists `sdkSessionId` to DO storage.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"

namespace v15 {

namespace {

Outcome meta_persist(const CheckContext& ctx) {
  auto sc = ctx.do_method("extractMetadata");
  if (!sc) return sc.failure();
  const FileModel& m = *sc->model;
  Node wrong, not_storage;
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
    if (right && storage)
      return Outcome::pass(m.location(call),
                           fmt::format("{} at line {}", snippet(call), call.line()));
    if (right && not_storage.null()) not_storage = call;
    if (!right && storage && wrong.null()) {
      wrong = call;
      wrong_key = key ? "'" + *key + "'" : snippet(args[0]);
    }
  }
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
              "folding exactly to 'sdkSessionId', or an object with that key",
          .fails_when =
              "no put; another key ('sdkSessionID', 'sessionId'); a KV put instead of DO "
              "storage",
          .config_keys = {"className", "roles.do"},
          .run = meta_persist};
}

}  // namespace v15
