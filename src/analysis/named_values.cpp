#include "v15check/analysis/named_values.h"

namespace v15::analysis {

bool is_named(const FileModel& m, const Function& caller, const Node& expr, std::string_view name) {
  Node v = FileModel::strip_await(m.caller_value(expr, caller));
  if (v.null()) return false;
  if (FileModel::last_name(v) == name) return true;
  Origin o = m.trace(v);
  if (!o.path.empty()) return o.path.back() == name;
  if (o.binding && o.binding->name == name) return true;
  return FileModel::last_name(o.expr) == name;
}

bool mentions(const FileModel& m, const Function& caller, const Node& expr, std::string_view name) {
  if (expr.null()) return false;
  if (is_named(m, caller, expr, name)) return true;
  for (std::string_view kind : {"identifier", "member_expression", "shorthand_property_identifier"})
    for (const Node& n : m.nodes_in(kind, expr))
      if (is_named(m, caller, n, name)) return true;
  return false;
}

std::optional<std::string> env_read(const FileModel& m, const Function& caller, const Node& expr) {
  return m.env_name(m.caller_value(expr, caller));
}

}  // namespace v15::analysis
