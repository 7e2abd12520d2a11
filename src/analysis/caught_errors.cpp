#include "v15check/analysis/caught_errors.h"

#include "v15check/analysis/values.h"

namespace v15::analysis {

namespace {

// Bounds one question: nodes looked at across bindings, helpers and literals.
constexpr int kMaxSteps = 512;

struct Search {
  const FileModel& m;
  int steps = 0;

  Node carried(const Node& expr, int depth);
  bool caught(const Node& id, int depth);
  Node leaf(const Node& v, int depth);
};

// The handler a function node is passed as: the first argument of `.catch(h)`, the second of
// `.then(f, h)`.
bool is_rejection_handler(const Node& fn) {
  Node args = fn.parent();
  while (args.is("parenthesized_expression")) args = args.parent();
  if (!args.is("arguments")) return false;
  Node call = args.parent();
  if (!call.is("call_expression")) return false;
  std::string_view name = FileModel::callee_name(call);
  auto list = FileModel::arguments(call);
  if (name == "catch") return !list.empty() && FileModel::strip(list[0]) == fn;
  if (name == "then") return list.size() > 1 && FileModel::strip(list[1]) == fn;
  return false;
}

// The catch clause whose parameter `id` names (not shadowed inside it), or null.
Node catch_clause_of(const FileModel& m, const Node& id) {
  const Binding* b = m.resolve(id);
  for (Node p = id.parent(); !p.null(); p = p.parent()) {
    if (!p.is("catch_clause")) continue;
    Node param = p.field("parameter");
    if (param.null() || !param.is("identifier") || param.text() != id.text()) continue;
    // a declaration of the same name inside the clause shadows the parameter
    if (b && p.contains(b->name_node)) return {};
    return p;
  }
  return {};
}

bool Search::caught(const Node& id, int depth) {
  if (++steps > kMaxSteps) return false;
  if (!catch_clause_of(m, id).null()) return true;
  const Binding* b = m.resolve(std::string(id.text()), id.start_byte());
  if (!b) return false;
  if (b->kind != BindingKind::Param) {
    // `const { message } = err`: a part of a caught value
    if (!b->path.empty() && !b->init.null()) return !carried(b->init, depth).null();
    return false;
  }
  const Function* f = m.enclosing_function(b->declarator);
  if (!f) return false;
  std::size_t index = 0;
  auto params = f->parameters();
  while (index < params.size() && f->parameter_name(index) != b->name) ++index;
  if (index == params.size() && !(f->param == b->name_node)) return false;
  if (index == 0 && is_rejection_handler(f->node)) return true;
  if (!b->path.empty() || depth <= 0) return false;
  // a helper's parameter: caught when a caller passes a caught value there
  for (const Node& call : m.calls_of(*f)) {
    auto args = FileModel::arguments(call);
    if (index < args.size() && !carried(args[index], depth - 1).null()) return true;
  }
  return false;
}

Node Search::leaf(const Node& v, int depth) {
  if (v.null() || ++steps > kMaxSteps) return {};
  Node e = FileModel::strip(v);
  std::string_view k = e.kind();
  if (k == "identifier" || k == "shorthand_property_identifier") {
    if (caught(e, depth)) return e;
    // `{ reason }`: values_reaching follows identifiers only, so follow the binding here
    const Binding* b =
        k == "identifier" ? nullptr : m.resolve(std::string(e.text()), e.start_byte());
    if (!b || b->kind == BindingKind::Param || !b->path.empty()) return {};
    if (Node c = carried(b->init, depth); !c.null()) return c;
    for (const Node& a : b->assignments)
      if (Node c = carried(a, depth); !c.null()) return c;
    return {};
  }
  if (k == "member_expression" || k == "subscript_expression")
    return carried(e.field("object"), depth);
  if (k == "call_expression") {
    Node callee = FileModel::strip(e.field("function"));
    auto args = FileModel::arguments(e);
    std::string_view name = FileModel::callee_name(e);
    // String(e), JSON.stringify(e), util.inspect(e)-like conversions of their first argument
    if ((callee.is("identifier") && name == "String") || name == "stringify" || name == "inspect" ||
        name == "format")
      return args.empty() ? Node{} : carried(args[0], depth);
    // a method of the value itself: e.toString(), e.message.slice(0, 200)
    if (callee.is("member_expression")) {
      Node on = carried(callee.field("object"), depth);
      if (!on.null()) return on;
      if (name == "concat" || name == "join")
        for (const Node& a : args)
          if (Node c = carried(a, depth); !c.null()) return c;
    }
    return {};
  }
  if (k == "template_string") {
    for (const Node& sub : e.named_children())
      if (sub.is("template_substitution"))
        for (const Node& x : sub.named_children())
          if (Node c = carried(x, depth); !c.null()) return c;
    return {};
  }
  if (k == "binary_expression") {
    // concatenation and defaults carry their operands; comparisons and instanceof do not
    std::string_view op = e.field("operator").kind();
    if (op != "+" && op != "||" && op != "??" && op != "&&") return {};
    if (Node c = carried(e.field("left"), depth); !c.null()) return c;
    return carried(e.field("right"), depth);
  }
  if (k == "ternary_expression") {
    if (Node c = carried(e.field("consequence"), depth); !c.null()) return c;
    return carried(e.field("alternative"), depth);
  }
  if (k == "object" || k == "array") {
    for (const Node& c : e.named_children()) {
      Node x = c;
      if (c.is("pair")) x = c.field("value");
      if (c.is("spread_element")) x = c.named_child(0);
      if (x.null() || c.is("method_definition")) continue;
      if (Node r = carried(x, depth); !r.null()) return r;
    }
    return {};
  }
  return {};
}

Node Search::carried(const Node& expr, int depth) {
  if (expr.null() || ++steps > kMaxSteps) return {};
  for (const Node& v : values_reaching(m, expr, depth))
    if (Node c = leaf(v, depth); !c.null()) return c;
  return {};
}

}  // namespace

bool is_caught_error(const FileModel& m, const Node& id, std::optional<int> helper_depth) {
  Search s{m};
  return s.caught(id, helper_depth.value_or(m.helper_depth()));
}

Node caught_error_in(const FileModel& m, const Node& expr, std::optional<int> helper_depth) {
  Search s{m};
  return s.carried(expr, helper_depth.value_or(m.helper_depth()));
}

}  // namespace v15::analysis
