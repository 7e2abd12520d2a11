// do.meta-events: parses JSON, looks for `session-init` / `done` with `sessionId`.
#include <fmt/format.h>

#include <algorithm>

#include "do.h"
#include "v15check/analysis/first_parameter.h"
#include "v15check/check.h"

namespace v15 {

namespace {

// `JSON.parse(x)` where x derives from the method's first parameter (the line).
std::vector<Node> line_parses(const MethodScope& sc, std::vector<Node>* others) {
  const FileModel& m = *sc.model;
  std::vector<Node> out;
  for (const Node& call : m.nodes_in("call_expression", sc.region)) {
    if (FileModel::callee_name(call) != "parse" ||
        FileModel::last_name(FileModel::callee_object(call)) != "JSON")
      continue;
    auto args = FileModel::arguments(call);
    bool of_line = !args.empty() && analysis::from_first_parameter(m, *sc.function, args[0]);
    (of_line ? out : *others).push_back(call);
  }
  return out;
}

// Whether `expr` reads field `name` of a parsed event (`event.type`, a destructured `type`).
bool event_field(const FileModel& m, const std::vector<Node>& parses, const Node& expr,
                 std::string_view name) {
  Origin o = m.trace(expr);
  if (o.path.empty() || o.path.back() != name) return false;
  Node base = FileModel::strip_await(o.expr);
  return std::any_of(parses.begin(), parses.end(), [&](const Node& p) { return p == base; });
}

// The statement or expression a test belongs to: the if / ternary whose condition holds it, the
// outermost && chain, or the switch it discriminates.
Node test_anchor(const Node& n) {
  Node child = n;
  Node best;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if ((p.is("if_statement") || p.is("ternary_expression") || p.is("while_statement")) &&
        p.field("condition") == child)
      return p;
    if (p.is("switch_statement")) return p;
    if (p.is("binary_expression") && p.field("operator").kind() == "&&") best = p;
    if (p.is("expression_statement") || p.is("statement_block") || p.is("return_statement") ||
        p.is("lexical_declaration"))
      break;
  }
  return best;
}

Outcome meta_events(const CheckContext& ctx) {
  auto sc = ctx.do_method("extractMetadata");
  if (!sc) return sc.failure();
  const FileModel& m = *sc->model;
  std::vector<Node> other_parses;
  auto parses = line_parses(*sc, &other_parses);
  if (parses.empty())
    return Outcome::fail(
        other_parses.empty() ? sc->location() : m.location(other_parses.front()),
        other_parses.empty()
            ? std::string("extractMetadata never calls JSON.parse(line)")
            : fmt::format("{} at line {} does not parse the line parameter",
                          snippet(other_parses.front()), other_parses.front().line()));
  // every constant the event's type is compared with, and where
  std::vector<std::pair<std::string, Node>> compared;
  for (const Node& b : m.nodes_in("binary_expression", sc->region)) {
    std::string_view op = b.field("operator").kind();
    if (op != "===" && op != "==" && op != "!==" && op != "!=") continue;
    Node l = b.field("left"), r = b.field("right");
    if (auto v = m.fold_string(r); v && event_field(m, parses, l, "type"))
      compared.emplace_back(*v, b);
    if (auto v = m.fold_string(l); v && event_field(m, parses, r, "type"))
      compared.emplace_back(*v, b);
  }
  for (const Node& sw : m.nodes_in("switch_statement", sc->region)) {
    if (!event_field(m, parses, sw.field("value"), "type")) continue;
    for (const Node& c : m.nodes_in("switch_case", sw))
      if (auto v = m.fold_string(c.field("value"))) compared.emplace_back(*v, c.field("value"));
  }
  for (const Node& call : m.nodes_in("call_expression", sc->region)) {
    if (FileModel::callee_name(call) != "includes") continue;
    auto args = FileModel::arguments(call);
    Node list = FileModel::strip(m.trace(FileModel::callee_object(call)).expr);
    if (args.empty() || !list.is("array") || !event_field(m, parses, args[0], "type")) continue;
    for (const Node& e : list.named_children())
      if (auto v = m.fold_string(e)) compared.emplace_back(*v, call);
  }
  auto find = [&](std::string_view v) -> Node {
    for (const auto& [value, node] : compared)
      if (value == v) return node;
    return {};
  };
  Node init = find("session-init"), done = find("done");
  if (init.null() || done.null()) {
    std::string seen;
    for (const auto& [value, node] : compared)
      if (seen.find("'" + value + "'") == std::string::npos)
        seen += (seen.empty() ? "'" : ", '") + value + "'";
    std::string missing = init.null() && done.null() ? "'session-init' and 'done'"
                          : init.null()              ? "'session-init'"
                                                     : "'done'";
    return Outcome::fail(
        compared.empty() ? m.location(parses.front()) : m.location(compared.front().second),
        compared.empty()
            ? fmt::format("the parsed event's type is never compared (JSON.parse at "
                          "line {}); expected 'session-init' and 'done'",
                          parses.front().line())
            : fmt::format("the event type is compared with {} but never with {}", seen, missing));
  }
  // a sessionId test that goes with the type test
  std::vector<Node> type_anchors;
  for (const Node& n : {init, done}) {
    Node a = test_anchor(n);
    type_anchors.push_back(a.null() ? n : a);
  }
  std::vector<Node> session_reads;
  for (std::string_view k : {std::string_view("member_expression"), std::string_view("identifier"),
                             std::string_view("shorthand_property_identifier")})
    for (const Node& n : m.nodes_in(k, sc->region))
      if (event_field(m, parses, n, "sessionId")) session_reads.push_back(n);
  Node together;
  for (const Node& read : session_reads) {
    Node s = test_anchor(read);
    if (s.null()) continue;
    for (const Node& a : type_anchors) {
      bool related = s == a || s.contains(a) || a.contains(s);
      // an early exit: `if (!event.sessionId) return;` before the type test
      if (!related && s.is("if_statement") && s.start_byte() < a.start_byte() &&
          !m.nodes_in("return_statement", s.field("consequence")).empty())
        related = true;
      if (related && together.null()) together = read;
    }
  }
  if (together.null())
    return Outcome::fail(m.location(init),
                         fmt::format("the event type is compared with 'session-init' (line {}) and "
                                     "'done' (line {}), but sessionId is never tested with it: "
                                     "events without a sessionId are persisted too",
                                     init.line(), done.line()));
  return Outcome::pass(
      m.location(init),
      fmt::format("JSON.parse(line) (line {}); type 'session-init' (line {}) / "
                  "'done' (line {}) with a sessionId test (line {})",
                  parses.front().line(), init.line(), done.line(), together.line()));
}

}  // namespace

Check do_meta_events_check() {
  return {.id = "do.meta-events",
          .group = Group::DurableObject,
          .title = "parses JSON, looks for `session-init` / `done` with `sessionId`",
          .expected =
              "JSON.parse(line) and a condition on type being 'session-init' or 'done' "
              "together with sessionId",
          .role = Role::DurableObject,
          .passes_when =
              "JSON.parse of the line parameter; its `type` (member or destructured) "
              "compared with both 'session-init' and 'done' (===, switch cases, or "
              "[…].includes(type)); and its sessionId tested in the same condition, an "
              "enclosing or nested one, or an early return before it",
          .fails_when =
              "no JSON.parse of the line; other event names ('init', 'result'); one of "
              "the two missing; sessionId never tested",
          .config_keys = {"className", "roles.do"},
          .run = meta_events};
}

}  // namespace v15
