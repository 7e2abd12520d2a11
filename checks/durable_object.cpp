// 2. ChatSessionAgent DO (do): the fetch router and handleChatHttp. dispatchContainer lives in
// durable_object_dispatch.cpp, handleContainerStream and extractMetadata in
// durable_object_stream.cpp; this file registers the group in catalogue order.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <set>

#include "v15check/check.h"

namespace v15 {

namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// `this.name(…)`
bool is_this_call(const Node& call, std::string_view name) {
  return call.is("call_expression") && FileModel::callee_name(call) == name &&
         FileModel::callee_object(call).is("this");
}

// Climbs from an expression through the wrappers that do not change its value.
Node outermost(Node n) {
  for (Node p = n.parent(); !p.null(); p = n.parent()) {
    std::string_view k = p.kind();
    if (k != "parenthesized_expression" && k != "as_expression" && k != "satisfies_expression" &&
        k != "non_null_expression" && k != "await_expression" && k != "type_assertion")
      break;
    n = p;
  }
  return n;
}

// Where a node of handleChatHttp's region runs, as an offset in the method's own body: its own
// offset there, or for a node inside a helper, the offset of the first call to that helper.
uint32_t position(const FileModel& m, const Region& r, const Node& n) {
  constexpr uint32_t kNever = std::numeric_limits<uint32_t>::max();
  if (r.parts.empty()) return kNever;
  if (r.parts.front().contains(n)) return n.start_byte();
  for (std::size_t i = 1; i < r.parts.size(); ++i) {
    if (!r.parts[i].contains(n)) continue;
    for (const Node& call : m.nodes_in("call_expression", r.parts.front())) {
      const Function* f = m.callee_function(call);
      if (f && f->body == r.parts[i]) return call.start_byte();
    }
  }
  return kNever;
}

// ----------------------------------------------------------------------------- fetch() router

std::string route_list(const std::vector<const Route*>& routes) {
  std::vector<std::string> items;
  for (const Route* r : routes)
    items.push_back(fmt::format("{} {} (line {})", r->method.empty() ? "ANY" : r->method, r->path,
                                r->anchor.line()));
  return items.empty() ? "none" : join(items);
}

// The routes detected inside fetch (and the helpers it calls).
std::vector<const Route*> fetch_routes(const FileModel& m, const Region& region) {
  std::vector<const Route*> out;
  for (const Route& r : m.routes())
    if (region.contains(r.anchor)) out.push_back(&r);
  return out;
}

// Whether `expr` carries fetch's incoming request (its first parameter).
bool carries_request(const FileModel& m, const Function& fetch, const Node& expr) {
  auto params = fetch.parameters();
  if (params.empty()) return true;  // nothing to compare with
  return m.derives_from(expr, [&](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip(n);
    if (!s.is("identifier")) return false;
    const Binding* b = fm.resolve(s);
    return b && b->kind == BindingKind::Param && params.front().contains(b->name_node);
  });
}

Outcome fetch_routes_to(const CheckContext& ctx, std::string_view path, std::string_view target) {
  Outcome failure;
  // A parse error in a handler fetch calls is that handler's problem, not the router's.
  auto scope = ctx.do_method("fetch", failure, false);
  if (!scope) return failure;
  const FileModel& m = *scope->model;
  const std::string& cls = ctx.config().class_name;
  auto routes = fetch_routes(m, m.region(*scope->function));
  std::vector<const Route*> same_path;
  for (const Route* r : routes)
    if (r->path == path) same_path.push_back(r);
  std::string problem;
  Location where;
  for (const Route* r : same_path) {
    if (r->method != "POST") continue;
    std::vector<Node> calls;
    for (const Node& call : m.nodes_in("call_expression", r->handler))
      if (is_this_call(call, target)) calls.push_back(call);
    if (calls.empty()) {
      std::vector<std::string> others;
      for (const Node& call : m.nodes_in("call_expression", r->handler))
        if (FileModel::callee_object(call).is("this"))
          others.push_back(fmt::format("this.{}()", cap(FileModel::callee_name(call))));
      where = m.location(r->anchor);
      problem = fmt::format("the POST {} branch (line {}) does not call this.{}(){}", path,
                            r->anchor.line(), target,
                            others.empty() ? std::string{} : "; it calls " + join(others));
      continue;
    }
    for (const Node& call : calls) {
      PromiseUse use = m.promise_use(call);
      where = m.location(call);
      if (!use.returned && !use.awaited) {
        problem = fmt::format(
            "the POST {} branch calls this.{}() at line {} but neither returns nor awaits it", path,
            target, call.line());
        continue;
      }
      auto args = FileModel::arguments(call);
      if (args.empty() || !carries_request(m, *scope->function, args.front())) {
        problem =
            fmt::format("this.{}({}) at line {} is not passed the incoming request", target,
                        args.empty() ? std::string{} : snippet(args.front(), 40), call.line());
        continue;
      }
      if (!m.method(cls, target))
        return Outcome::fail(
            m.location(call),
            fmt::format("fetch routes POST {} to this.{}() (line {}), but class {} "
                        "has no method {}",
                        path, target, call.line(), cls, target));
      return Outcome::pass(m.location(call),
                           fmt::format("POST {} (line {}) → {} this.{}({}) (line {})", path,
                                       r->anchor.line(), use.awaited ? "await" : "return", target,
                                       snippet(args.front(), 40), call.line()));
    }
  }
  if (!problem.empty()) return Outcome::fail(where, problem);
  if (!same_path.empty()) {
    const Route* r = same_path.front();
    if (r->method.empty())
      return Outcome::fail(
          m.location(r->anchor),
          fmt::format("path {} is tested at line {} without a request.method test, "
                      "so any method reaches it",
                      path, r->anchor.line()));
    return Outcome::fail(m.location(r->anchor),
                         fmt::format("path {} is routed only for {} (line {}), not POST", path,
                                     r->method, r->anchor.line()));
  }
  return Outcome::fail(scope->location(),
                       fmt::format("fetch() has no branch for POST {}; routes found in fetch: {}{}",
                                   path, route_list(routes), ctx.parse_note(m)));
}

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
  Outcome failure;
  auto scope = ctx.do_method("fetch", failure, false);
  if (!scope) return failure;
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

// ----------------------------------------------------------------------------- handleChatHttp

constexpr std::array<std::string_view, 6> kBodyFields = {"sessionId", "prompt", "userId",
                                                         "mode",      "model",  "autonomy"};

struct ChatScope {
  MethodScope method;
  const ChatBridge* bridge = nullptr;
  const FileModel& model() const { return *method.model; }
  Location location() const { return method.location(); }
};

std::optional<ChatScope> chat_scope(const CheckContext& ctx, Outcome& failure) {
  auto s = ctx.do_method("handleChatHttp", failure);
  if (!s) return std::nullopt;
  return ChatScope{*s, &ctx.project().chat_bridge()};
}

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
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
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

// `crypto.randomUUID()`, or `randomUUID()` imported from node's crypto module.
bool is_random_uuid_call(const FileModel& m, const Node& expr) {
  Node e = FileModel::strip_await(expr);
  if (!e.is("call_expression") || FileModel::callee_name(e) != "randomUUID") return false;
  Node obj = FileModel::callee_object(e);
  if (!obj.null()) return FileModel::last_name(obj) == "crypto";
  Node callee = FileModel::strip(e.field("function"));
  const Binding* b = callee.is("identifier") ? m.resolve(callee) : nullptr;
  return b && (b->import_source == "crypto" || b->import_source == "node:crypto");
}

// A value that is a fresh UUID: the call itself, or a string built around one (`exec-${uuid}`,
// 'exec-' + uuid), followed through const bindings. A fallback (`body.id ?? uuid`) is not.
bool is_uuid_value(const FileModel& m, const Origin& o, int depth = 0) {
  if (!o.path.empty() || depth > 8) return false;
  Node e = FileModel::strip_await(o.expr);
  if (is_random_uuid_call(m, e)) return true;
  if (e.is("template_string")) {
    for (const Node& c : e.named_children())
      if (c.is("template_substitution") && is_uuid_value(m, m.trace(c.named_child(0)), depth + 1))
        return true;
    return false;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+")
    return is_uuid_value(m, m.trace(e.field("left")), depth + 1) ||
           is_uuid_value(m, m.trace(e.field("right")), depth + 1);
  return false;
}

Outcome chat_execution_id(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const Region& region = s->method.region;
  const Binding* chosen = nullptr;
  for (const Binding& b : m.bindings()) {
    if (b.name != "executionId" || !region.contains(b.name_node)) continue;
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    if (!chosen || (region.parts.front().contains(b.name_node) &&
                    !region.parts.front().contains(chosen->name_node)))
      chosen = &b;
  }
  if (!chosen) {
    for (const Node& call : m.find("call_expression", region, match::call("randomUUID"))) {
      Node holder = outermost(call).parent();
      if (holder.is("variable_declarator"))
        return Outcome::fail(m.location(call),
                             fmt::format("no binding named executionId in handleChatHttp; "
                                         "crypto.randomUUID() is bound to `{}` (line {})",
                                         snippet(holder.field("name"), 40), call.line()));
    }
    return Outcome::fail(s->location(), "no binding named executionId in handleChatHttp");
  }
  std::vector<Node> values;
  if (!chosen->init.null()) values.push_back(chosen->init);
  values.insert(values.end(), chosen->assignments.begin(), chosen->assignments.end());
  if (values.empty())
    return Outcome::fail(
        m.location(chosen->name_node),
        fmt::format("executionId (line {}) is declared without a value", chosen->name_node.line()));
  for (const Node& v : values) {
    Origin o = m.trace(v);
    o.path.insert(o.path.end(), chosen->path.begin(), chosen->path.end());
    if (!is_uuid_value(m, o))
      return Outcome::fail(
          m.location(v),
          fmt::format("executionId (line {}) comes from `{}`, not crypto.randomUUID()", v.line(),
                      snippet(chosen->path.empty() ? v : chosen->declarator, 60)));
  }
  return Outcome::pass(
      m.location(chosen->name_node),
      fmt::format("executionId = crypto.randomUUID() (line {})", chosen->name_node.line()));
}

// `userId` itself, `body.userId`, or a value destructured from a `userId` field.
bool is_user_id(const FileModel& m, const Node& expr) {
  Node s = FileModel::strip(expr);
  if (s.is("call_expression") && FileModel::callee_name(s) == "trim")
    s = FileModel::callee_object(s);
  if (s.is("member_expression")) return FileModel::last_name(s) == "userId";
  if (!s.is("identifier")) return false;
  if (s.text() == "userId") return true;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "userId";
}

bool is_empty_string(const FileModel& m, const Node& n) {
  auto v = m.fold_string(n);
  return v && v->empty();
}

// One condition that holds when userId is missing or empty.
bool tests_user_empty(const FileModel& m, const Node& cond, int depth = 0) {
  Node c = FileModel::strip(cond);
  if (depth > 8) return false;
  if (c.is("unary_expression") && c.field("operator").text() == "!") {
    Node arg = FileModel::strip(c.field("argument"));
    if (is_user_id(m, arg)) return true;
    return arg.is("member_expression") && FileModel::last_name(arg) == "length" &&
           is_user_id(m, arg.field("object"));
  }
  if (!c.is("binary_expression")) return false;
  std::string_view op = c.field("operator").kind();
  Node l = c.field("left"), r = c.field("right");
  if (op == "||") return tests_user_empty(m, l, depth + 1) || tests_user_empty(m, r, depth + 1);
  if (op == "===" || op == "==") {
    for (int flip = 0; flip < 2; ++flip) {
      Node a = flip ? r : l, b = flip ? l : r;
      if (is_user_id(m, a) && is_empty_string(m, b)) return true;
      Node sa = FileModel::strip(a);
      if (sa.is("member_expression") && FileModel::last_name(sa) == "length" &&
          is_user_id(m, sa.field("object")) && m.fold_number(b) == 0.0)
        return true;
    }
  }
  if (op == "<" || op == "<=") {
    Node sa = FileModel::strip(l);
    auto n = m.fold_number(r);
    if (sa.is("member_expression") && FileModel::last_name(sa) == "length" &&
        is_user_id(m, sa.field("object")) && n &&
        ((op == "<" && *n == 1) || (op == "<=" && *n == 0)))
      return true;
  }
  return false;
}

// The consequence of `stmt` throws or returns an error response (status >= 400).
Node rejects(const FileModel& m, const Node& stmt) {
  Node cons = stmt.field("consequence");
  const Function* owner = m.enclosing_function(stmt);
  for (const Node& t : m.nodes_in("throw_statement", cons))
    if (m.enclosing_function(t) == owner) return t;
  for (const Node& ret : m.nodes_in("return_statement", cons)) {
    if (m.enclosing_function(ret) != owner || ret.named_child_count() == 0) continue;
    auto st = m.response_status(ret.named_child(0));
    if (st && *st >= 400) return ret;
  }
  return {};
}

Outcome chat_user_guard(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const Region& region = s->method.region;
  const ChatBridge& bridge = *s->bridge;
  uint32_t dispatch_at = bridge.dispatch_call.null() ? std::numeric_limits<uint32_t>::max()
                                                     : position(m, region, bridge.dispatch_call);
  std::string problem;
  Location where = s->location();
  for (const Node& stmt : m.nodes_in("if_statement", region)) {
    if (!tests_user_empty(m, stmt.field("condition"))) continue;
    Node exit = rejects(m, stmt);
    if (exit.null()) {
      problem = fmt::format(
          "the userId test at line {} neither throws nor returns an error response", stmt.line());
      where = m.location(stmt);
      continue;
    }
    uint32_t at = position(m, region, stmt);
    if (at >= dispatch_at) {
      problem = fmt::format(
          "the userId guard at line {} runs only after this.dispatchContainer(…) "
          "(line {})",
          stmt.line(), bridge.dispatch_call.line());
      where = m.location(stmt);
      continue;
    }
    return Outcome::pass(
        m.location(stmt),
        fmt::format("`if ({})` (line {}) {} at line {}",
                    snippet(FileModel::strip(stmt.field("condition")), 50), stmt.line(),
                    exit.is("throw_statement") ? "throws" : "returns an error", exit.line()));
  }
  if (problem.empty())
    problem =
        "no `if` in handleChatHttp tests userId for missing/empty (e.g. `if (!userId) throw …`)";
  return Outcome::fail(where, problem);
}

// Lists `new XStream()` constructions that are not a TransformStream, for Found lines.
std::string other_streams(const FileModel& m, const Region& region) {
  std::vector<std::string> out;
  for (const Node& n : m.nodes_in("new_expression", region)) {
    std::string_view name = FileModel::callee_name(n);
    if (name != "TransformStream" && name.find("Stream") != std::string_view::npos)
      out.push_back(fmt::format("new {}() at line {}", name, n.line()));
  }
  return out.empty() ? std::string{} : "; found " + join(out) + " instead";
}

std::string deferred_description(const ChatBridge& b) {
  switch (b.deferred_kind) {
    case ChatBridge::DeferredKind::Promise:
      return fmt::format("new Promise with escaping resolve (line {})", b.deferred.line());
    case ChatBridge::DeferredKind::Helper:
      return fmt::format("{}() (line {})", FileModel::callee_name(b.deferred), b.deferred.line());
    case ChatBridge::DeferredKind::WithResolvers:
      return fmt::format("Promise.withResolvers() (line {})", b.deferred.line());
    case ChatBridge::DeferredKind::None:
      break;
  }
  return "none";
}

Outcome chat_bridge_stream(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.stream.null())
    return Outcome::fail(s->location(), "handleChatHttp never creates a `new TransformStream()`" +
                                            other_streams(m, s->method.region));
  if (!b.has_deferred()) {
    std::string note;
    for (const Node& n : m.find("new_expression", s->method.region, match::new_expr("Promise"))) {
      note = fmt::format(
          "; the new Promise at line {} keeps its resolve/reject inside the executor", n.line());
      break;
    }
    return Outcome::fail(
        s->location(),
        "no deferred promise in handleChatHttp: no new Promise whose resolve/reject "
        "are assigned outside its executor, no Promise.withResolvers(), and no "
        "same-file helper (such as createDeferred()) that builds one" +
            note);
  }
  return Outcome::pass(m.location(b.stream),
                       fmt::format("new TransformStream() (line {}); deferred: {}", b.stream.line(),
                                   deferred_description(b)));
}

// The key names the executionId binding: directly, through a const alias, or as a helper's
// parameter that handleChatHttp passes it to.
bool names_execution_id(const FileModel& m, const Region& r, const Node& expr, int depth = 0) {
  Node s = FileModel::strip(expr);
  if (depth > 4 || !(s.is("identifier") || s.is("shorthand_property_identifier"))) return false;
  const Binding* b = m.resolve(s.text(), s.start_byte());
  if (!b) return false;
  if (b->kind == BindingKind::Param) {
    for (const Node& a : argument_values(m, r, s))
      if (names_execution_id(m, r, a, depth + 1)) return true;
    return false;
  }
  if (b->name == "executionId") return true;
  if (b->kind == BindingKind::Const && b->path.empty() && !b->init.null())
    return names_execution_id(m, r, b->init, depth + 1);
  return false;
}

Outcome chat_bridge_register(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.register_call.null())
    return Outcome::fail(s->location(), "handleChatHttp never calls this.httpBridges.set(…)");
  Location at = m.location(b.register_call);
  if (b.register_key.null() || !names_execution_id(m, b.region, b.register_key))
    return Outcome::fail(
        at, fmt::format("the bridge is registered under `{}` (line {}), not executionId",
                        b.register_key.null() ? "" : snippet(b.register_key, 40),
                        b.register_call.line()));
  if (b.registered.null())
    return Outcome::fail(at, fmt::format("this.httpBridges.set({}) at line {} registers no bridge",
                                         snippet(b.register_key, 40), b.register_call.line()));
  Node value = FileModel::strip_await(m.trace(b.registered).expr);
  if (!value.is("object") && !value.is("new_expression"))
    return Outcome::fail(at,
                         fmt::format("this.httpBridges.set registers `{}` (line {}), not a bridge "
                                     "object such as {{ writer, resolve, reject, timeout }}",
                                     snippet(b.registered, 40), b.register_call.line()));
  return Outcome::pass(
      at, fmt::format("this.httpBridges.set({}, {}) (line {})", snippet(b.register_key, 40),
                      snippet(b.registered, 60), b.register_call.line()));
}

Outcome chat_bridge_timeout(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const BridgeTimeout& t = ctx.project().bridge_timeout();
  double expected = ctx.config().bridge_timeout_ms;
  if (!t.found())
    return Outcome::fail(s->location(), "no setTimeout(fn, T) in handleChatHttp bounds the bridge");
  if (!t.ms)
    return Outcome::fail(
        t.location, fmt::format("the setTimeout delay `{}` (line {}) does not fold to a constant; "
                                "expected {}",
                                snippet(t.delay, 60), t.call.line(), describe_ms(expected)));
  if (*t.ms != expected) {
    Outcome o = ctx.differs(
        t.location,
        fmt::format("setTimeout delay folds to {}; expected {} (`{}`, line {})", describe_ms(*t.ms),
                    describe_ms(expected), snippet(t.delay, 40), t.call.line()),
        "bridgeTimeoutMs");
    o.config_mismatch = ConfigMismatch{"bridgeTimeoutMs", Constant{*t.ms}, t.location};
    return o;
  }
  return Outcome::pass(
      t.location, fmt::format("setTimeout delay `{}` folds to {} (line {})", snippet(t.delay, 40),
                              describe_ms(*t.ms), t.call.line()));
}

Outcome chat_dispatch(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  if (b.dispatch_call.null())
    return Outcome::fail(s->location(), "handleChatHttp never calls this.dispatchContainer(…)");
  Node call = b.dispatch_call;
  Location at = m.location(call);
  PromiseUse use = m.promise_use(call);
  if (use.awaited)
    return Outcome::fail(at, fmt::format("this.dispatchContainer(…) is awaited at line {}: the "
                                         "browser's response waits for the container",
                                         call.line()));
  if (use.returned)
    return Outcome::fail(at, fmt::format("this.dispatchContainer(…) is returned at line {}: the "
                                         "response waits for the container",
                                         call.line()));
  const Continuation* handler = nullptr;
  for (const auto& c : use.chain)
    if (c.method == "catch" && !c.args.empty() && !handler) handler = &c;
  if (!handler) {
    std::vector<std::string> chain;
    for (const auto& c : use.chain)
      chain.push_back(fmt::format(".{}({})", c.method, c.args.empty() ? "" : "…"));
    return Outcome::fail(
        at, chain.empty()
                ? fmt::format("this.dispatchContainer(…) at line {} has no .catch(…): a failed "
                              "dispatch is an unhandled rejection",
                              call.line())
                : fmt::format("this.dispatchContainer(…) at line {} is chained with {} but no "
                              ".catch(handler)",
                              call.line(), join(chain, "")));
  }
  // `const p = this.dispatchContainer(…).catch(…)` must not be awaited later either
  Node parent = use.outer.parent();
  if (parent.is("variable_declarator")) {
    if (const Binding* holder = m.resolve(parent.field("name"))) {
      for (const Node& aw : m.nodes_in("await_expression", s->method.region)) {
        Node v = FileModel::strip(aw.named_child(0));
        if (v.is("identifier") && m.resolve(v) == holder)
          return Outcome::fail(m.location(aw),
                               fmt::format("the dispatch promise is awaited at line {}: the "
                                           "browser's response waits for the container",
                                           aw.line()));
      }
    }
  }
  return Outcome::pass(at,
                       fmt::format("this.dispatchContainer(…) not awaited, .catch(…) at line {}",
                                   handler->call.line()));
}

// The Content-Type a response init sets: {value node, key node}; nulls when absent.
struct HeaderValue {
  Node key;
  Node value;
};

std::optional<HeaderValue> content_type_in(const FileModel& m, const Node& container,
                                           int depth = 0) {
  Node c = FileModel::strip(container);
  if (c.is("identifier")) c = FileModel::strip(m.trace(c).expr);
  if (c.is("object")) {
    std::optional<HeaderValue> out;
    for (const Node& p : c.named_children()) {
      if (p.is("pair") && ascii_lower(m.key_name(p.field("key"))) == "content-type")
        out = HeaderValue{p.field("key"), p.field("value")};
      else if (p.is("spread_element") && depth < 4)
        if (auto spread = content_type_in(m, p.named_child(0), depth + 1)) out = spread;
    }
    return out;
  }
  if (c.is("array")) {
    for (const Node& e : c.named_children()) {
      if (!e.is("array") || e.named_child_count() != 2) continue;
      auto k = m.fold_string(e.named_child(0));
      if (k && ascii_lower(*k) == "content-type")
        return HeaderValue{e.named_child(0), e.named_child(1)};
    }
  }
  return std::nullopt;
}

std::optional<HeaderValue> response_content_type(const FileModel& m, const Region& region,
                                                 const Node& init) {
  Node obj = FileModel::strip(init);
  if (obj.is("identifier")) obj = FileModel::strip(m.trace(obj).expr);
  Node headers = m.property(obj, "headers");
  if (headers.null()) return std::nullopt;
  Node h = FileModel::strip(headers);
  if (h.is("identifier") || h.is("shorthand_property_identifier"))
    h = FileModel::strip(m.trace(h).expr);
  if (h.is("new_expression") && FileModel::callee_name(h) == "Headers") {
    std::optional<HeaderValue> out;
    auto args = FileModel::arguments(h);
    if (!args.empty()) out = content_type_in(m, args[0]);
    // headers.set('Content-Type', …) / append on that Headers object
    for (const Node& call : m.nodes_in("call_expression", region)) {
      std::string_view name = FileModel::callee_name(call);
      if (name != "set" && name != "append") continue;
      if (!(FileModel::strip_await(m.trace(FileModel::callee_object(call)).expr) == h)) continue;
      auto cargs = FileModel::arguments(call);
      auto k = cargs.size() == 2 ? m.fold_string(cargs[0]) : std::nullopt;
      if (k && ascii_lower(*k) == "content-type") out = HeaderValue{cargs[0], cargs[1]};
    }
    return out;
  }
  return content_type_in(m, h);
}

// The media type of a header value: lower case, parameters dropped.
std::string media_type(std::string v) {
  v = ascii_lower(v);
  if (auto semi = v.find(';'); semi != std::string::npos) v.erase(semi);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  return v;
}

// Whether a `new Response(…)` is what its function returns (directly or through a binding).
bool is_returned(const FileModel& m, const Node& response) {
  Node ref = outermost(response);
  Node p = ref.parent();
  if (p.is("return_statement")) return true;
  if (p.is("arrow_function") && p.field("body") == ref) return true;
  if (p.is("variable_declarator") && p.field("name").is("identifier")) {
    const Binding* b = m.resolve(p.field("name"));
    const Function* f = m.enclosing_function(response);
    if (!b || !f) return false;
    for (const Node& ret : m.nodes_in("return_statement", f->body)) {
      Node v = FileModel::strip_await(ret.named_child(0));
      if (m.enclosing_function(ret) == f && v.is("identifier") && m.resolve(v) == b) return true;
    }
  }
  return false;
}

Outcome chat_ndjson_response(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  const Region& region = s->method.region;
  if (b.stream.null())
    return Outcome::fail(s->location(),
                         "handleChatHttp creates no `new TransformStream()`, so its "
                         "response cannot be a TransformStream's readable side" +
                             other_streams(m, region));
  std::string problem;
  Location where = s->location();
  for (const Node& r : m.find("new_expression", region, match::new_expr("Response"))) {
    auto args = FileModel::arguments(r);
    if (args.empty() || !b.is_readable(m, args[0])) continue;
    if (!is_returned(m, r)) {
      problem =
          fmt::format("the Response of the readable side (line {}) is not returned", r.line());
      where = m.location(r);
      continue;
    }
    where = m.location(r);
    auto ct = args.size() > 1 ? response_content_type(m, region, args[1]) : std::nullopt;
    if (!ct) {
      problem = fmt::format(
          "the Response of the readable side (line {}) sets no Content-Type header", r.line());
      continue;
    }
    auto value = m.fold_string(ct->value);
    if (!value) {
      problem = fmt::format("Content-Type is `{}` (line {}), which does not fold to a constant",
                            snippet(ct->value, 40), ct->value.line());
      where = m.location(ct->value);
      continue;
    }
    if (media_type(*value) != "application/x-ndjson") {
      problem = fmt::format("Content-Type is '{}' (line {}); expected application/x-ndjson", *value,
                            ct->value.line());
      where = m.location(ct->value);
      continue;
    }
    return Outcome::pass(m.location(r), fmt::format("return new Response({}, …) with Content-Type "
                                                    "'{}' (line {})",
                                                    snippet(args[0], 30), *value, r.line()));
  }
  if (problem.empty()) {
    std::vector<std::string> returned;
    for (const Node& ret : m.nodes_in("return_statement", s->method.function->body))
      if (m.enclosing_function(ret) == s->method.function && ret.named_child_count())
        returned.push_back(
            fmt::format("`{}` (line {})", snippet(ret.named_child(0), 50), ret.line()));
    problem = fmt::format(
        "no returned new Response(…) has the TransformStream's readable side as its "
        "body; handleChatHttp returns {}",
        returned.empty() ? std::string("nothing") : join(returned));
  }
  return Outcome::fail(where, problem);
}

// Whether a continuation's handler calls writer.close() (itself or through a same-file helper).
bool closes_writer(const FileModel& m, const ChatBridge& b, const Node& handler) {
  const Function* f = m.function_at(handler);
  if (!f) return false;
  Region r = m.region(*f);
  for (const Node& call : m.nodes_in("call_expression", r))
    if (FileModel::callee_name(call) == "close" && b.is_writer(m, FileModel::callee_object(call)))
      return true;
  return false;
}

Outcome chat_close_writer(const CheckContext& ctx) {
  Outcome failure;
  auto s = chat_scope(ctx, failure);
  if (!s) return failure;
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  const Region& region = s->method.region;
  if (!b.has_deferred())
    return Outcome::fail(s->location(),
                         "handleChatHttp has no deferred promise to continue "
                         "(see do.chat-bridge-stream)");
  if (b.writer_call.null())
    return Outcome::fail(m.location(b.stream.null() ? s->method.function->node : b.stream),
                         "handleChatHttp takes no writer from the TransformStream's writable side "
                         "(writable.getWriter())");
  std::vector<Node> uses;
  for (const Node& id : m.nodes_in("identifier", region)) {
    Node p = id.parent();
    if (p.is("variable_declarator") && p.field("name") == id) continue;
    if (b.is_promise(m, id)) uses.push_back(id);
  }
  if (!b.promise_key.empty())
    for (const Node& mem : m.nodes_in("member_expression", region))
      if (mem.field("property").text() == b.promise_key && b.is_promise(m, mem))
        uses.push_back(mem);
  bool fulfilled = false, rejected = false;
  Node fulfilled_cont, rejected_cont, first_cont, fulfilled_close, rejected_close;
  std::string problem;
  for (const Node& u : uses) {
    PromiseUse use = m.promise_use(u);
    for (const auto& c : use.chain) {
      if (first_cont.null()) first_cont = c.call;
      Node on_ok, on_err;
      if (c.method == "then") {
        if (!c.args.empty()) on_ok = c.args[0];
        if (c.args.size() > 1) on_err = c.args[1];
      } else if (c.method == "catch") {
        if (!c.args.empty()) on_err = c.args[0];
      } else if (c.method == "finally") {
        if (!c.args.empty()) on_ok = on_err = c.args[0];
      }
      bool closes_ok = !on_ok.null() && closes_writer(m, b, on_ok);
      bool closes_err = !on_err.null() && closes_writer(m, b, on_err);
      if (!on_ok.null() && fulfilled_cont.null()) fulfilled_cont = c.call;
      if (!on_err.null() && rejected_cont.null()) rejected_cont = c.call;
      if (closes_ok && fulfilled_close.null()) fulfilled_close = on_ok;
      if (closes_err && rejected_close.null()) rejected_close = on_err;
      fulfilled = fulfilled || closes_ok;
      rejected = rejected || closes_err;
      if (!on_ok.null() && !closes_ok)
        problem = fmt::format("the .{}(…) handler at line {} does not call writer.close(): `{}`",
                              c.method, on_ok.line(), snippet(on_ok, 60));
      if (!on_err.null() && !closes_err)
        problem = fmt::format("the .{}(…) handler at line {} does not call writer.close(): `{}`",
                              c.method, on_err.line(), snippet(on_err, 60));
    }
  }
  if (fulfilled && rejected)
    return Outcome::pass(
        m.location(first_cont),
        fmt::format("the deferred promise closes the writer when fulfilled (line {}) "
                    "and when rejected (line {})",
                    fulfilled_close.line(), rejected_close.line()));
  std::string name = b.promise ? b.promise->name : std::string("the deferred promise");
  if (first_cont.null())
    return Outcome::fail(
        m.location(b.deferred),
        fmt::format("the deferred promise ({}, line {}) is never continued with "
                    ".then/.catch/.finally: the writer is not closed when the bridge "
                    "settles",
                    name, b.deferred.line()));
  if (rejected_cont.null())
    return Outcome::fail(
        m.location(first_cont),
        fmt::format("the deferred promise has only .then(…) (line {}): when the bridge "
                    "is rejected the writer is never closed",
                    first_cont.line()));
  if (fulfilled_cont.null())
    return Outcome::fail(
        m.location(first_cont),
        fmt::format("the deferred promise has only a rejection continuation (line {}): "
                    "when the bridge resolves the writer is never closed",
                    first_cont.line()));
  return Outcome::fail(m.location(first_cont), problem.empty() ? "the writer is not closed on both "
                                                                 "paths"
                                                               : problem);
}

}  // namespace

void register_do_checks(Registry& r) {
  r.add({.id = "do.fetch-stream",
         .group = Group::DurableObject,
         .title = "fetch routes POST /internal/stream to handleContainerStream()",
         .expected = "a POST /internal/stream branch in fetch() that returns or awaits "
                     "this.handleContainerStream(request)",
         .role = Role::DurableObject,
         .passes_when = "a branch of the DO's fetch() guarded by method POST and pathname "
                        "/internal/stream (if, switch or early-return method guard) returns or "
                        "awaits this.handleContainerStream(request)",
         .fails_when = "path absent or misspelt; another method; no method test; the branch calls "
                       "another handler or drops the result",
         .config_keys = {"className", "roles.do"},
         .run = [](const CheckContext& ctx) {
           return fetch_routes_to(ctx, "/internal/stream", "handleContainerStream");
         }});
  r.add(
      {.id = "do.fetch-init",
       .group = Group::DurableObject,
       .title = "fetch routes POST /init to handleInit()",
       .expected = "a POST /init branch in fetch() that returns or awaits this.handleInit(request)",
       .role = Role::DurableObject,
       .passes_when = "as do.fetch-stream, for /init → this.handleInit(…)",
       .fails_when = "path absent; GET /init; the branch calls another handler",
       .config_keys = {"className", "roles.do"},
       .run = [](const CheckContext& ctx) { return fetch_routes_to(ctx, "/init", "handleInit"); }});
  r.add({.id = "do.fetch-chat",
         .group = Group::DurableObject,
         .title = "fetch routes POST /chat to handleChatHttp()",
         .expected = "a POST /chat branch in fetch() that returns or awaits "
                     "this.handleChatHttp(request) (possibly inside try)",
         .role = Role::DurableObject,
         .passes_when = "as do.fetch-stream, for /chat → this.handleChatHttp(…), also inside a try "
                        "or through `const res = await this.handleChatHttp(req); return res`",
         .fails_when = "path absent; PUT /chat; the branch calls another handler",
         .config_keys = {"className", "roles.do"},
         .run = [](const CheckContext& ctx) {
           return fetch_routes_to(ctx, "/chat", "handleChatHttp");
         }});
  r.add({.id = "do.fetch-404",
         .group = Group::DurableObject,
         .title = "fetch returns 404 for unknown paths",
         .expected = "fetch()'s fall-through return is a Response with status 404",
         .role = Role::DurableObject,
         .passes_when = "the last statement of fetch() (or the final else / switch default it ends "
                        "with) returns a Response whose status is 404",
         .fails_when = "the fall-through returns 200 or another status; fetch throws or ends "
                       "without a response",
         .config_keys = {"className", "roles.do"},
         .run = fetch_404});
  r.add({.id = "do.chat-body-fields",
         .group = Group::DurableObject,
         .title = "body parsed with sessionId, prompt, userId, mode, model, autonomy",
         .expected = "the result of await request.json() yields sessionId, prompt, userId, mode, "
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
         .run = chat_body_fields});
  r.add(
      {.id = "do.chat-execution-id",
       .group = Group::DurableObject,
       .title = "unique executionId from crypto.randomUUID()",
       .expected = "const executionId = crypto.randomUUID()",
       .role = Role::DurableObject,
       .passes_when = "a binding named executionId in handleChatHttp whose every value comes from "
                      "crypto.randomUUID() (also through a const alias)",
       .fails_when = "Date.now(), a counter, a value from the request body; no executionId binding",
       .config_keys = {"className", "roles.do"},
       .run = chat_execution_id});
  r.add({.id = "do.chat-user-guard",
         .group = Group::DurableObject,
         .title = "throws when userId is empty",
         .expected = "an if testing userId for missing/empty that throws (or returns an error "
                     "Response) before dispatchContainer",
         .role = Role::DurableObject,
         .passes_when =
             "an if whose condition (or one of its || alternatives) is !userId, "
             "userId === '', !body.userId, !userId.trim(), userId.length === 0 …, whose "
             "consequence throws or returns a status >= 400, located before the dispatch",
         .fails_when = "no such test; the test only logs; the guard runs after dispatchContainer",
         .config_keys = {"className", "roles.do"},
         .run = chat_user_guard});
  r.add({.id = "do.chat-bridge-stream",
         .group = Group::DurableObject,
         .title = "creates TransformStream + deferred promise",
         .expected = "new TransformStream() and a deferred promise (escaping resolve/reject, "
                     "createDeferred(), Promise.withResolvers())",
         .role = Role::DurableObject,
         .passes_when =
             "handleChatHttp (or a helper it calls) constructs new TransformStream(…) "
             "and a deferred: a new Promise whose resolve/reject are assigned outside the "
             "executor, a same-file helper or class that does so, or "
             "Promise.withResolvers()",
         .fails_when = "IdentityTransformStream or another stream; a plain awaited promise; no "
                       "deferred",
         .config_keys = {"className", "roles.do"},
         .run = chat_bridge_stream});
  r.add({.id = "do.chat-bridge-register",
         .group = Group::DurableObject,
         .title = "registers bridge in httpBridges keyed by executionId",
         .expected = "this.httpBridges.set(executionId, { writer, resolve, reject, … })",
         .role = Role::DurableObject,
         .passes_when =
             "this.httpBridges.set(k, v) in handleChatHttp or a helper it calls, where k "
             "is the executionId binding (also through a helper parameter) and v a bridge "
             "object",
         .fails_when = "no registration; keyed by sessionId or another value; the call only in a "
                       "comment",
         .config_keys = {"className", "roles.do"},
         .run = chat_bridge_register});
  r.add({.id = "do.chat-bridge-timeout",
         .group = Group::DurableObject,
         .title = "bridge timeout is 5 minutes",
         .expected = "setTimeout(fn, T) in handleChatHttp with T folding to bridgeTimeoutMs "
                     "(default 300000 ms)",
         .role = Role::DurableObject,
         .passes_when = "the bridge's setTimeout delay folds (through consts and * / + -) to the "
                        "configured value",
         .fails_when = "10 * 60 * 1000; a delay that does not fold; no setTimeout",
         .config_keys = {"bridgeTimeoutMs", "className", "roles.do"},
         .run = chat_bridge_timeout});
  r.add({.id = "do.chat-dispatch",
         .group = Group::DurableObject,
         .title = "dispatches container fire-and-forget with .catch()",
         .expected = "this.dispatchContainer(…) not awaited, chained directly with .catch(handler)",
         .role = Role::DurableObject,
         .passes_when = "the dispatch call is neither awaited nor returned (also not awaited later "
                        "through a binding) and its chain has .catch(handler)",
         .fails_when = "await this.dispatchContainer(…); no .catch; only .then(…)",
         .config_keys = {"className", "roles.do"},
         .run = chat_dispatch});
  r.add(
      {.id = "do.chat-ndjson-response",
       .group = Group::DurableObject,
       .title = "returns Response(readable) as application/x-ndjson",
       .expected = "return new Response(readable, { headers: { 'Content-Type': "
                   "'application/x-ndjson' } })",
       .role = Role::DurableObject,
       .passes_when = "a returned new Response(R, init) where R is the TransformStream's readable "
                      "side and init's headers (object, const, new Headers(…) or headers.set) "
                      "set Content-Type (any case) to application/x-ndjson (parameters allowed)",
       .fails_when = "text/event-stream or no Content-Type; a body that is not the readable side; "
                     "no TransformStream",
       .config_keys = {"className", "roles.do"},
       .run = chat_ndjson_response});
  r.add({.id = "do.chat-close-writer",
         .group = Group::DurableObject,
         .title = "promise .then() and .catch() both close the writer",
         .expected = "the deferred promise continued with .then(a).catch(b), .then(a, b) or "
                     ".finally(c), each calling writer.close()",
         .role = Role::DurableObject,
         .passes_when = "the deferred promise has a fulfilled and a rejected continuation (or a "
                        ".finally) whose handlers call close() on the bridge writer, directly or "
                        "through a same-file helper",
         .fails_when = ".then(…) without .catch(…); a handler that does not close the writer; the "
                       "promise never continued",
         .config_keys = {"className", "roles.do"},
         .run = chat_close_writer});
  register_do_dispatch_checks(r);
  register_do_stream_checks(r);
}

}  // namespace v15
