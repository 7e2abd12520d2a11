// do.chat-body-fields: body parsed with sessionId, prompt, userId, mode, model, autonomy.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "do.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using analysis::join;
using analysis::outermost;
using facts::chat_scope;

constexpr std::array<std::string_view, 6> kBodyFields = {"sessionId", "prompt", "userId",
                                                         "mode",      "model",  "autonomy"};

// `X.json()` with no arguments (`Response.json(…)` builds a response, it does not parse one).
// `await request.json<T>()` parses with the await inside the callee.
bool is_body_parse(const Node& call) {
  if (!call.is("call_expression") || !FileModel::arguments(call).empty()) return false;
  Node f = call.field("function");
  if (f.is("await_expression")) f = f.named_child(0);
  f = FileModel::strip(f);
  if (!f.is("member_expression") || f.field("property").text() != "json") return false;
  return FileModel::last_name(f.field("object")) != "Response";
}

// The property names a type names, through interfaces (with extends), type aliases,
// intersections and Partial/Readonly/Required.
void type_fields(const FileModel& m, const Node& type, std::set<std::string>& out, int depth = 0) {
  if (type.null() || depth > 8) return;
  std::string_view k = type.kind();
  if (k == "type_annotation" || k == "parenthesized_type" || k == "readonly_type") {
    for (const Node& c : type.named_children()) type_fields(m, c, out, depth + 1);
  } else if (k == "type_identifier") {
    for (const Node& decl : m.nodes("interface_declaration")) {
      if (decl.field("name").text() != type.text()) continue;
      for (const Node& c : decl.named_children())
        if (c.is("extends_type_clause"))
          for (const Node& t : c.named_children()) type_fields(m, t, out, depth + 1);
      type_fields(m, decl.field("body"), out, depth + 1);
    }
    for (const Node& decl : m.nodes("type_alias_declaration"))
      if (decl.field("name").text() == type.text())
        type_fields(m, decl.field("value"), out, depth + 1);
  } else if (k == "generic_type") {
    std::string_view name = type.field("name").text();
    Node args = type.field("type_arguments");
    if ((name == "Partial" || name == "Readonly" || name == "Required") && args.named_child_count())
      type_fields(m, args.named_child(0), out, depth + 1);
    else
      type_fields(m, type.field("name"), out, depth + 1);
  } else if (k == "intersection_type") {
    for (const Node& c : type.named_children()) type_fields(m, c, out, depth + 1);
  } else if (k == "object_type" || k == "interface_body") {
    for (const Node& c : type.named_children())
      if (c.is("property_signature")) out.insert(m.key_name(c.field("name")));
  }
}

void pattern_keys(const FileModel& m, const Node& pattern, std::vector<std::string>& keys,
                  std::vector<const Binding*>& rests) {
  for (const Node& c : pattern.named_children()) {
    if (c.is("shorthand_property_identifier_pattern")) {
      keys.emplace_back(c.text());
    } else if (c.is("pair_pattern")) {
      keys.push_back(m.key_name(c.field("key")));
    } else if (c.is("object_assignment_pattern")) {
      Node left = c.field("left");
      if (left.is("shorthand_property_identifier_pattern") || left.is("identifier"))
        keys.emplace_back(left.text());
    } else if (c.is("rest_pattern")) {
      Node id = c.named_child(0);
      if (const Binding* b = id.is("identifier") ? m.resolve(id) : nullptr) rests.push_back(b);
    }
  }
}

// How the parsed body is read: fields destructured or accessed, or the object used whole.
struct BodyUse {
  std::vector<std::string> read;  // in source order
  std::vector<std::string> how;   // "destructured", "accessed", "typed"
  bool whole = false;             // passed on / stored as one value
  Node whole_at;
};

void binding_uses(const FileModel& m, const Binding& b, BodyUse& use, int depth = 0) {
  if (depth > 3) return;
  Node scope = b.scope.null() ? m.root() : b.scope;
  auto add_whole = [&](const Node& n) {
    if (!use.whole) use.whole_at = n;
    use.whole = true;
  };
  for (const Node& s : m.nodes_in("shorthand_property_identifier", scope))
    if (m.resolve(s.text(), s.start_byte()) == &b) add_whole(s);
  for (const Node& id : m.nodes_in("identifier", scope)) {
    if (id == b.name_node || m.resolve(id) != &b) continue;
    Node ref = outermost(id);
    Node p = ref.parent();
    if (p.is("member_expression") && p.field("object") == ref) {
      use.read.emplace_back(p.field("property").text());
      use.how.emplace_back("accessed");
    } else if (p.is("subscript_expression") && p.field("object") == ref) {
      if (auto key = m.fold_string(p.field("index"))) {
        use.read.push_back(*key);
        use.how.emplace_back("accessed");
      } else {
        add_whole(id);
      }
    } else if (p.is("variable_declarator") && p.field("value") == ref &&
               p.field("name").is("object_pattern")) {
      std::vector<const Binding*> rests;
      pattern_keys(m, p.field("name"), use.read, rests);
      use.how.emplace_back("destructured");
      for (const Binding* r : rests) binding_uses(m, *r, use, depth + 1);
    } else if (p.is("variable_declarator") && p.field("value") == ref &&
               p.field("name").is("identifier")) {
      if (const Binding* alias = m.resolve(p.field("name")))
        binding_uses(m, *alias, use, depth + 1);
    } else {
      add_whole(id);
    }
  }
}

Outcome chat_body_fields(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  Node parse;
  for (const Node& call : m.nodes_in("call_expression", s->method.region))
    if (is_body_parse(call)) {
      parse = call;
      break;
    }
  if (parse.null())
    return Outcome::fail(s->location(),
                         "handleChatHttp never parses the request body with "
                         "`await request.json()`");
  // types: `as T` / `satisfies T` around it, `json<T>()`, or the declared type of its binding
  std::vector<Node> types;
  if (Node targs = parse.field("type_arguments"); targs.named_child_count())
    types.push_back(targs.named_child(0));
  Node outer = parse;
  for (Node p = parse.parent(); !p.null(); p = outer.parent()) {
    std::string_view k = p.kind();
    if (k == "as_expression" || k == "satisfies_expression")
      types.push_back(p.named_child(1));
    else if (k != "parenthesized_expression" && k != "await_expression" &&
             k != "non_null_expression")
      break;
    outer = p;
  }
  BodyUse use;
  Node parent = outer.parent();
  const Binding* holder = nullptr;
  if (parent.is("variable_declarator") && parent.field("value") == outer) {
    if (Node t = parent.field("type"); !t.null()) types.push_back(t);
    Node name = parent.field("name");
    if (name.is("object_pattern")) {
      std::vector<const Binding*> rests;
      pattern_keys(m, name, use.read, rests);
      use.how.emplace_back("destructured");
      for (const Binding* r : rests) binding_uses(m, *r, use);
    } else if (name.is("identifier")) {
      holder = m.resolve(name);
    }
  } else if (parent.is("assignment_expression") && parent.field("right") == outer &&
             parent.field("left").is("identifier")) {
    holder = m.resolve(parent.field("left"));
  } else {
    use.whole = true;
    use.whole_at = outer;
  }
  if (holder) binding_uses(m, *holder, use);
  std::set<std::string> typed;
  for (const Node& t : types) type_fields(m, t, typed);
  std::set<std::string> have(use.read.begin(), use.read.end());
  if (use.whole) have.insert(typed.begin(), typed.end());
  std::vector<std::string> missing;
  for (std::string_view f : kBodyFields)
    if (!have.count(std::string(f))) missing.emplace_back(f);
  std::string how;
  {
    std::vector<std::string> parts;
    std::set<std::string> seen;
    for (const auto& h : use.how)
      if (seen.insert(h).second) parts.push_back(h);
    if (use.whole && !typed.empty()) parts.emplace_back("typed");
    how = parts.empty() ? "not read" : join(parts, " and ");
  }
  if (missing.empty())
    return Outcome::pass(
        m.location(parse),
        fmt::format("request.json() (line {}) {}: all six fields", parse.line(), how));
  std::string detail;
  if (!use.read.empty()) {
    std::vector<std::string> uniq;
    for (const auto& r : use.read)
      if (std::find(uniq.begin(), uniq.end(), r) == uniq.end()) uniq.push_back(r);
    detail = fmt::format("; fields read: {}", join(uniq));
  }
  if (use.whole) {
    if (types.empty())
      detail += fmt::format("; the body is used whole at line {} with no type naming its fields",
                            use.whole_at.line());
    else
      detail += fmt::format("; its type `{}` names {}", snippet(types.front(), 60),
                            typed.empty() ? std::string("no fields found in this file")
                                          : join({typed.begin(), typed.end()}));
  } else if (!types.empty()) {
    detail += fmt::format(" (the type `{}` does not count: the body is {} field by field)",
                          snippet(types.front(), 60), how);
  }
  return Outcome::fail(m.location(parse),
                       fmt::format("the body from request.json() (line {}) never yields {}{}",
                                   parse.line(), join(missing), detail));
}

}  // namespace

Check do_chat_body_fields_check() {
  return {.id = "do.chat-body-fields",
          .group = Group::DurableObject,
          .title = "body parsed with sessionId, prompt, userId, mode, model, autonomy",
          .expected =
              "the result of await request.json() yields sessionId, prompt, userId, mode, "
              "model and autonomy",
          .role = Role::DurableObject,
          .passes_when =
              "the parsed body is destructured or accessed (body.x) so that all six names "
              "are read, or is passed on whole with a same-file type (as T / annotation) "
              "that has all six properties",
          .fails_when =
              "a field not read; a field read under another name (permissionMode: autonomy); "
              "no request.json() in handleChatHttp",
          .config_keys = {"className", "roles.do"},
          .run = chat_body_fields};
}

}  // namespace v15
