#include "v15check/analysis/string_values.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "v15check/analysis/values.h"

namespace v15::analysis {

namespace {

// Bounds the `+` operands and helper hops followed per question.
constexpr int kMaxStringDepth = 16;

// Methods and functions whose result is always a string.
constexpr std::array<std::string_view, 18> kStringResults = {"join",
                                                             "toString",
                                                             "toUpperCase",
                                                             "toLowerCase",
                                                             "trim",
                                                             "trimStart",
                                                             "trimEnd",
                                                             "replace",
                                                             "replaceAll",
                                                             "padStart",
                                                             "padEnd",
                                                             "substring",
                                                             "repeat",
                                                             "toISOString",
                                                             "stringify",
                                                             "btoa",
                                                             "encodeURIComponent",
                                                             "String"};

StringKind classify(const FileModel& m, const Node& expr, int helper_depth, int depth);

StringKind combine(StringKind acc, StringKind k) {
  if (acc == StringKind::String || k == StringKind::String) return StringKind::String;
  if (acc == StringKind::Unknown || k == StringKind::Unknown) return StringKind::Unknown;
  return StringKind::NotString;
}

StringKind of_values(const FileModel& m, const std::vector<Node>& values, int helper_depth,
                     int depth) {
  if (values.empty()) return StringKind::Unknown;
  StringKind out = StringKind::NotString;
  for (const Node& v : values) {
    out = combine(out, classify(m, v, helper_depth, depth + 1));
    if (out == StringKind::String) break;
  }
  return out;
}

StringKind classify(const FileModel& m, const Node& expr, int helper_depth, int depth) {
  if (expr.null() || depth > kMaxStringDepth) return StringKind::Unknown;
  Node e = FileModel::strip_await(FileModel::strip(expr));
  std::string_view k = e.kind();
  if (k == "string" || k == "template_string") return StringKind::String;
  if (k == "number" || k == "true" || k == "false" || k == "null" || k == "undefined" ||
      k == "object" || k == "array" || k == "new_expression" || k == "arrow_function" ||
      k == "function_expression" || k == "regex")
    return StringKind::NotString;
  if (k == "binary_expression") {
    std::string_view op = e.field("operator").kind();
    if (op != "+")
      return op == "??" || op == "||" || op == "&&" ? StringKind::Unknown : StringKind::NotString;
    StringKind l = classify(m, e.field("left"), helper_depth, depth + 1);
    StringKind r = classify(m, e.field("right"), helper_depth, depth + 1);
    // without a string operand `+` adds numbers, or stringifies objects: not decided here
    return l == StringKind::String || r == StringKind::String ? StringKind::String
                                                              : StringKind::Unknown;
  }
  if (k == "ternary_expression")
    return combine(classify(m, e.field("consequence"), helper_depth, depth + 1),
                   classify(m, e.field("alternative"), helper_depth, depth + 1));
  if (k == "call_expression") {
    std::string_view name = FileModel::callee_name(e);
    if (std::find(kStringResults.begin(), kStringResults.end(), name) != kStringResults.end())
      return StringKind::String;
    Node object = FileModel::strip(FileModel::callee_object(e));
    // Web Crypto and TextEncoder give buffers and keys, never strings
    if (object.is("member_expression") && FileModel::last_name(object) == "subtle")
      return StringKind::NotString;
    if (name == "encode" && object.is("identifier")) {
      const Binding* b = m.resolve(object);
      Node init = b ? FileModel::strip(b->init) : Node{};
      if (init.is("new_expression") &&
          FileModel::last_name(init.field("constructor")) == "TextEncoder")
        return StringKind::NotString;
    }
  }
  // a binding or a same-file helper: the values that reach it
  std::vector<Node> values = values_reaching(m, e, helper_depth);
  if (values.size() == 1 && values.front() == e) return StringKind::Unknown;
  return of_values(m, values, helper_depth, depth);
}

}  // namespace

StringKind string_kind(const FileModel& m, const Node& expr, std::optional<int> helper_depth) {
  return classify(m, expr, helper_depth.value_or(m.helper_depth()), 0);
}

StringKind returns_string(const FileModel& m, const Function& f, std::optional<int> helper_depth) {
  return of_values(m, returned_values(m, f), helper_depth.value_or(m.helper_depth()), 0);
}

}  // namespace v15::analysis
