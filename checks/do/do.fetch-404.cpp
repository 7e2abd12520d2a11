// do.fetch-404: fetch returns 404 for unknown paths.
#include <fmt/format.h>

#include "do.h"
#include "v15check/check.h"

namespace v15 {

namespace {

// The statement that runs for a path no route matched: the last statement of the body, followed
// into a final `else`, a switch's `default`, or a try block.
Node fall_through(Node stmt) {
  for (int depth = 0; depth < 16 && !stmt.null(); ++depth) {
    std::string_view k = stmt.kind();
    if (k == "return_statement" || k == "throw_statement") return stmt;
    if (k == "statement_block" || k == "switch_default" || k == "else_clause") {
      Node last;
      for (const Node& c : stmt.named_children())
        if (!c.is("comment") && !(k == "switch_default" && stmt.field("value") == c)) last = c;
      stmt = last;
    } else if (k == "if_statement") {
      stmt = stmt.field("alternative");
    } else if (k == "try_statement") {
      stmt = stmt.field("body");
    } else if (k == "switch_statement") {
      Node def;
      for (const Node& c : stmt.field("body").named_children())
        if (c.is("switch_default")) def = c;
      stmt = def;
    } else {
      return {};
    }
  }
  return {};
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
  Node last;
  for (const Node& c : body.named_children())
    if (!c.is("comment")) last = c;
  if (last.null()) return Outcome::fail(scope->location(), "fetch() has an empty body");
  Node end = fall_through(last);
  if (end.null())
    return Outcome::fail(
        m.location(last),
        fmt::format("fetch() ends with the statement at line {} without returning a "
                    "response, so unknown paths get no 404",
                    last.line()));
  if (end.is("throw_statement"))
    return Outcome::fail(
        m.location(end),
        fmt::format("fetch() throws for unknown paths (line {}) instead of returning "
                    "a 404 response",
                    end.line()));
  Node value = end.named_child(0);
  if (value.null())
    return Outcome::fail(
        m.location(end),
        fmt::format("the fall-through `return;` at line {} returns no response", end.line()));
  auto status = m.response_status(value);
  if (!status)
    return Outcome::fail(
        m.location(end),
        fmt::format("the fall-through return at line {} returns `{}`, not a Response "
                    "with status 404",
                    end.line(), snippet(value, 60)));
  if (*status != 404)
    return Outcome::fail(m.location(end),
                         fmt::format("the fall-through return at line {} answers status {}: `{}`",
                                     end.line(), *status, snippet(value, 60)));
  return Outcome::pass(m.location(end),
                       fmt::format("fall-through return at line {}: status 404", end.line()));
}

}  // namespace

Check do_fetch_404_check() {
  return {.id = "do.fetch-404",
          .group = Group::DurableObject,
          .title = "fetch returns 404 for unknown paths",
          .expected = "fetch()'s fall-through return is a Response with status 404",
          .role = Role::DurableObject,
          .passes_when =
              "the last statement of fetch() (or the final else / switch default it ends "
              "with) returns a Response whose status is 404",
          .fails_when =
              "the fall-through returns 200 or another status; fetch throws or ends "
              "without a response",
          .config_keys = {"className", "roles.do"},
          .run = fetch_404};
}

}  // namespace v15
