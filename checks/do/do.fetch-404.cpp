// do.fetch-404: fetch returns 404 for unknown paths.
#include <fmt/format.h>

#include <optional>

#include "do.h"
#include "v15check/analysis/conditions.h"
#include "v15check/check.h"

namespace v15 {

namespace {

// A path no route serves: every pathname test is false for it.
constexpr const char* kUnknownPath = "/__v15check_unknown_path__";

// `url.pathname`, `new URL(request.url).pathname`, or a binding destructured from `pathname`.
bool is_pathname(const FileModel& m, const Node& e) {
  Node s = FileModel::strip(e);
  if (s.is("member_expression")) return FileModel::last_name(s) == "pathname";
  if (!s.is("identifier")) return false;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "pathname";
}

// `request.method` or a binding destructured from `method`.
bool is_method(const FileModel& m, const Node& e) {
  Node s = FileModel::strip(e);
  if (s.is("member_expression")) return FileModel::last_name(s) == "method";
  if (!s.is("identifier")) return false;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "method";
}

// An exit a request for an unknown path reaches that is not a 404 (or 405) response, described.
struct Wrong {
  Node at;
  std::string found;
};
std::optional<Wrong> wrong_exit(const FileModel& m, const analysis::Exit& e) {
  using analysis::ExitKind;
  if (e.kind == ExitKind::End)
    return Wrong{e.node,
                 "fetch() runs off its end for an unknown path without returning a "
                 "response, so unknown paths get no 404"};
  if (e.kind == ExitKind::Throw)
    return Wrong{e.node, fmt::format("fetch() throws for unknown paths (line {}) instead of "
                                     "returning a 404 response",
                                     e.node.line())};
  Node value = e.node.is("return_statement") ? e.node.named_child(0) : Node{};
  if (value.null())
    return Wrong{e.node, fmt::format("the fall-through `return;` at line {} returns no response",
                                     e.node.line())};
  auto status = m.response_status(value);
  if (!status)
    return Wrong{e.node, fmt::format("the fall-through return at line {} returns `{}`, not a "
                                     "Response with status 404",
                                     e.node.line(), snippet(value, 60))};
  // 405 is the right answer to a method the object serves on no path
  if (*status != 404 && *status != 405)
    return Wrong{e.node, fmt::format("the fall-through return at line {} answers status {}: `{}`",
                                     e.node.line(), *status, snippet(value, 60))};
  return std::nullopt;
}

Outcome fetch_404(const CheckContext& ctx) {
  auto scope = ctx.do_method("fetch", false);
  if (!scope) return scope.failure();
  const FileModel& m = *scope->model;
  Node body = scope->function->body;
  if (!body.is("statement_block"))
    return Outcome::fail(
        scope->location(),
        fmt::format("fetch() is the expression `{}`: it has no fall-through return "
                    "for unknown paths",
                    snippet(body, 60)));
  // Follow fetch() for a request no branch serves, whatever its method: every exit a path
  // reaches must answer 404 (unreachable code after the last return does not count).
  Node found;
  for (const char* method : {"GET", "POST"}) {
    analysis::Facts facts = {
        analysis::Fact::of(is_method, analysis::Fact::Kind::Value, method),
        analysis::Fact::of(is_pathname, analysis::Fact::Kind::Value, kUnknownPath)};
    analysis::Paths p = analysis::paths(m, body, facts);
    if (p.exits.empty()) return Outcome::fail(scope->location(), "fetch() has an empty body");
    for (const auto& e : p.exits) {
      if (auto w = wrong_exit(m, e)) return Outcome::fail(m.location(w->at), w->found);
      if (found.null() && m.response_status(e.node.named_child(0)) == 404) found = e.node;
    }
  }
  if (found.null())
    return Outcome::fail(scope->location(),
                         "fetch() answers unknown paths only with 405, never with 404");
  return Outcome::pass(m.location(found),
                       fmt::format("fall-through return at line {}: status 404", found.line()));
}

}  // namespace

Check do_fetch_404_check() {
  return {.id = "do.fetch-404",
          .group = Group::DurableObject,
          .title = "fetch returns 404 for unknown paths",
          .expected = "fetch()'s fall-through return is a Response with status 404",
          .role = Role::DurableObject,
          .passes_when =
              "every exit fetch() reaches for a path no branch serves (as GET and as POST) "
              "returns a Response whose status is 404 (405 for a method it does not serve); code "
              "after the last return does not count",
          .fails_when =
              "the fall-through returns 200 or another status; fetch throws or ends "
              "without a response",
          .config_keys = {"className", "roles.do"},
          .run = fetch_404};
}

}  // namespace v15
