#include "v15check/analysis/found_values.h"

#include <fmt/format.h>

#include "v15check/check.h"

namespace v15::analysis {

namespace {

std::string in_quotes(std::string_view s) { return fmt::format("'{}'", s); }

}  // namespace

std::string code_snippet(const Node& n, std::size_t max) {
  return fmt::format("`{}`", snippet(n, max));
}

std::string line_suffix(const Node& n) { return fmt::format(":{}", n.line()); }

std::string join_text(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

std::string describe_value(const FileModel& m, const Node& n) {
  if (auto c = m.fold(n))
    return c->is_string() ? in_quotes(c->string()) : format_number(c->number());
  return code_snippet(n);
}

std::string origin_note(const FileModel& m, const Function& caller, const Node& expr) {
  Node v = FileModel::strip_await(m.caller_value(expr, caller));
  if (auto e = m.env_name(v)) return fmt::format(", the env binding {}", *e);
  if (m.fold(v)) return {};
  Origin o = m.trace(v);
  Node origin = FileModel::strip_await(o.expr);
  if (origin.null() || origin == v || origin.is("required_parameter") ||
      origin.is("optional_parameter"))
    return {};
  std::string path;
  for (const auto& p : o.path) path += "." + p;
  return fmt::format(" = {}{} (line {})", code_snippet(origin, 50), path, origin.line());
}

}  // namespace v15::analysis
