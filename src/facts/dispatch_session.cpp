#include "v15check/facts/dispatch_session.h"

#include <fmt/format.h>

#include "v15check/analysis/found_values.h"
#include "v15check/analysis/named_values.h"

namespace v15::facts {

using analysis::env_read;
using analysis::is_named;
using analysis::join_text;

namespace {

// The one substitution of a key built as `prefix${x}` or 'prefix' + x (through a const).
Node key_substitution(const FileModel& m, const Node& key, std::string_view prefix) {
  Node e = FileModel::strip(key);
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    if (!o.path.empty()) return {};
    e = FileModel::strip(o.expr);
  }
  if (e.is("template_string")) {
    Node sub;
    std::string head;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("template_substitution")) {
        if (!sub.null()) return {};
        sub = c.named_child(0);
      } else if (c.is("string_fragment") && sub.null()) {
        head += c.text();
      } else if (c.is("string_fragment")) {
        return {};  // text after the id
      }
    }
    return head == prefix ? sub : Node{};
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+" &&
      m.fold_string(e.field("left")) == std::string(prefix))
    return e.field("right");
  return {};
}

}  // namespace

bool in_own_body(const MethodScope& s, const Node& n) { return s.function->body.contains(n); }

std::vector<KvCall> kv_calls(const FileModel& m, const MethodScope& s, std::string_view binding,
                             std::string_view method) {
  std::vector<KvCall> out;
  for (const Node& call : m.nodes_in("call_expression", s.region)) {
    if (FileModel::callee_name(call) != method) continue;
    Node obj = FileModel::callee_object(call);
    if (obj.null()) continue;
    auto env = env_read(m, *s.function, obj);
    if (!env || (!binding.empty() && *env != binding)) continue;
    auto args = FileModel::arguments(call);
    out.push_back({call, args.empty() ? Node{} : args[0], *env});
  }
  return out;
}

std::string key_text(const FileModel& m, const Node& key) {
  if (key.null()) return "(no key)";
  auto p = m.pattern(key);
  return p ? *p : snippet(key, 50);
}

bool key_matches(const FileModel& m, const Function& caller, const Node& key,
                 std::string_view prefix, std::string_view name) {
  if (key.null()) return false;
  if (m.pattern(key) == fmt::format("{}{{{}}}", prefix, name)) return true;
  Node sub = key_substitution(m, key, prefix);
  return !sub.null() && is_named(m, caller, sub, name);
}

std::string kv_call_list(const FileModel& m, const std::vector<KvCall>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls)
    out.push_back(fmt::format("{}.{}({}) at line {}", c.binding, FileModel::callee_name(c.call),
                              key_text(m, c.key), c.call.line()));
  return join_text(out);
}

}  // namespace v15::facts
