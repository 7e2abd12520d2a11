#include "v15check/analysis/promises.h"

#include <fmt/format.h>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"

namespace v15::analysis {

namespace {

// Bounds following a promise through bindings and Promise.all arrays.
constexpr int kMaxPromiseDepth = 8;

bool is_nothing(const Node& n) {
  Node s = FileModel::strip(n);
  return s.null() || s.is("undefined") || s.is("null") ||
         (s.is("identifier") && s.text() == "undefined");
}

// The uses of a binding: identifiers that resolve to it, other than its declaration.
std::vector<Node> uses_of(const FileModel& m, const Binding* b) {
  std::vector<Node> out;
  if (!b) return out;
  const Node scope = b->scope.null() ? m.root() : b->scope;
  for (const Node& id : m.nodes_in("identifier", scope)) {
    if (id == b->name_node || id.text() != b->name) continue;
    if (m.resolve(id) == b) out.push_back(id);
  }
  for (const Node& id : m.nodes_in("shorthand_property_identifier", scope))
    if (id.text() == b->name && m.resolve(id.text(), id.start_byte()) == b) out.push_back(id);
  return out;
}

// The expression position `n` is tested in as a condition (if/while/ternary test, `!`, `&&`,
// `||` operands), or null.
Node condition_use(const Node& n) {
  Node cur = n;
  for (Node p = cur.parent(); !p.null(); cur = p, p = p.parent()) {
    std::string_view k = p.kind();
    if (k == "parenthesized_expression") continue;
    if (k == "unary_expression" && p.field("operator").kind() == "!") continue;
    if (k == "binary_expression") {
      std::string_view op = p.field("operator").kind();
      if (op == "&&" || op == "||") continue;
      return {};
    }
    if ((k == "if_statement" || k == "while_statement" || k == "do_statement" ||
         k == "ternary_expression") &&
        p.field("condition") == cur)
      return n;
    return {};
  }
  return {};
}

bool is_wait_until(const Node& call) {
  return call.is("call_expression") && FileModel::callee_name(call) == "waitUntil";
}

bool is_promise_combinator(const Node& call) {
  if (!call.is("call_expression")) return false;
  std::string_view name = FileModel::callee_name(call);
  return (name == "all" || name == "allSettled" || name == "race" || name == "any") &&
         FileModel::last_name(FileModel::callee_object(call)) == "Promise";
}

PromiseState state_depth(const FileModel& m, const Node& expr, int depth);

// A promise kept in a binding: handled when some use of the binding is.
void follow_binding(const FileModel& m, const Binding* b, PromiseState& st, int depth) {
  for (const Node& use : uses_of(m, b)) {
    if (Node c = condition_use(use); !c.null() && st.condition.null()) st.condition = c;
    PromiseState u = state_depth(m, use, depth + 1);
    if (u.handling != Handling::Unhandled) {
      st.handling = u.handling;
      st.handler = u.handler;
      return;
    }
    if (st.rethrow.null()) st.rethrow = u.rethrow;
  }
}

PromiseState state_depth(const FileModel& m, const Node& expr, int depth) {
  PromiseState st;
  if (depth > kMaxPromiseDepth) return st;
  PromiseUse use = m.promise_use(expr);
  bool handled = false;
  for (const auto& c : use.chain) {
    Node h;
    if (c.method == "catch" && !c.args.empty()) h = c.args[0];
    if (c.method == "then" && c.args.size() >= 2 && !is_nothing(c.args[1])) h = c.args[1];
    if (h.null()) continue;
    st.handler = h;
    Node rethrow;
    if (handles_rejection(m, h, &rethrow)) {
      handled = true;
      st.rethrow = Node{};
    } else {
      handled = false;
      st.rethrow = rethrow;
    }
  }
  if (use.awaited) {
    st.handling = Handling::Awaited;
    return st;
  }
  if (use.returned) {
    st.handling = Handling::Returned;
    return st;
  }
  if (handled) {
    st.handling = Handling::Handled;
    return st;
  }
  Node outer = use.outer;
  if (Node c = condition_use(outer); !c.null()) st.condition = c;
  Node parent = outer.parent();
  while (parent.is("parenthesized_expression")) parent = parent.parent();
  if (parent.is("unary_expression") && parent.field("operator").text() == "void") {
    st.handling = Handling::Voided;
    return st;
  }
  if (parent.is("arguments")) {
    Node call = parent.parent();
    if (is_wait_until(call)) {
      st.handling = Handling::Handled;
      return st;
    }
  }
  if (parent.is("array") && parent.parent().is("arguments") &&
      is_promise_combinator(parent.parent().parent())) {
    PromiseState all = state_depth(m, parent.parent().parent(), depth + 1);
    if (all.handled())
      st.handling = all.handling == Handling::Returned ? Handling::Returned : Handling::Handled;
    return st;
  }
  if (parent.is("variable_declarator") && parent.field("value") == outer) {
    st.kept_in = parent;
    Node name = parent.field("name");
    if (name.is("identifier")) follow_binding(m, m.resolve(name), st, depth);
    return st;
  }
  if (parent.is("assignment_expression") && parent.field("right") == outer) {
    st.kept_in = parent;
    Node left = FileModel::strip(parent.field("left"));
    if (left.is("identifier")) {
      follow_binding(m, m.resolve(left), st, depth);
    } else {
      // kept in a field or a collection: whoever reads it there decides
      st.handling = Handling::Handled;
    }
    return st;
  }
  return st;
}

const Function* handler_function(const FileModel& m, const Node& handler) {
  Node h = FileModel::strip(handler);
  if (const Function* f = m.function_at(h)) return f;
  if (h.is("member_expression") && h.field("object").is("this")) {
    for (const Function& f : m.functions())
      if (f.is_method() && f.name == FileModel::last_name(h)) return &f;
  }
  return nullptr;
}

// The statement directly inside a statement list that holds `n`.
Node list_statement(const Node& n) {
  Node cur = n;
  for (Node p = cur.parent(); !p.null(); cur = p, p = p.parent()) {
    std::string_view k = p.kind();
    if (k == "statement_block" || k == "program" || k == "switch_case" || k == "switch_default")
      return cur;
  }
  return {};
}

}  // namespace

bool is_async(const Function& f) {
  for (const Node& c : f.node.children()) {
    if (c.kind() == "async") return true;
    if (c == f.body || c == f.params) break;
  }
  return false;
}

std::string promise_source(const FileModel& m, const Node& call,
                           const std::function<bool(const Node&)>& is_writer) {
  if (!call.is("call_expression")) return {};
  if (const Function* f = m.callee_function(call); f && is_async(*f))
    return fmt::format("async {}", f->is_method() ? "method" : "function");
  std::string_view name = FileModel::callee_name(call);
  Node obj = FileModel::strip(FileModel::callee_object(call));
  if (name == "fetch") return "fetch";
  if (obj.null()) return {};
  if (name == "get" || name == "put" || name == "delete" || name == "list" ||
      name == "getWithMetadata" || name == "head") {
    if (auto binding = m.env_name(obj)) return fmt::format("{}.{}", *binding, name);
  }
  if (name == "write" || name == "close" || name == "abort") {
    Node origin = FileModel::strip_await(m.trace(obj).expr);
    bool writer = origin.is("call_expression") && FileModel::callee_name(origin) == "getWriter";
    if (writer || (is_writer && is_writer(obj))) return fmt::format("writer {}", name);
  }
  if (m.derives_from(obj, match::call("getSandbox"))) return "sandbox call";
  return {};
}

PromiseState promise_state(const FileModel& m, const Node& expr) { return state_depth(m, expr, 0); }

bool handles_rejection(const FileModel& m, const Node& handler, Node* rethrow) {
  const Function* f = handler_function(m, handler);
  Node h = FileModel::strip(handler);
  Node body = f ? f->body : Node{};
  if (!f && (h.is("arrow_function") || h.is("function_expression"))) body = h.field("body");
  // a function from elsewhere (`console.error`): it handles
  if (body.null()) return !is_nothing(handler);
  Paths p = paths(m, body, {});
  for (const Exit& e : p.exits) {
    bool rejects = e.kind == ExitKind::Throw;
    if (e.kind == ExitKind::ErrorReturn && e.node.is("return_statement")) {
      Node v = FileModel::strip_await(e.node.named_child(0));
      rejects = v.is("call_expression") && FileModel::callee_name(v) == "reject";
    }
    if (rejects) {
      if (rethrow) *rethrow = e.node;
      return false;
    }
  }
  return true;
}

Continuations continuations(const FileModel& m, const Binding* promise, const Node& expr) {
  Continuations out;
  std::vector<Node> uses = uses_of(m, promise);
  if (!expr.null()) uses.push_back(expr);
  for (const Node& u : uses) {
    PromiseUse use = m.promise_use(u);
    for (const auto& c : use.chain) {
      if (c.method == "then") {
        if (!c.args.empty() && !is_nothing(c.args[0])) out.fulfilled.push_back({c.args[0], {}});
        if (c.args.size() >= 2 && !is_nothing(c.args[1])) out.rejected.push_back({c.args[1], {}});
      } else if (c.method == "catch" && !c.args.empty()) {
        out.rejected.push_back({c.args[0], {}});
      } else if (c.method == "finally" && !c.args.empty()) {
        out.settled.push_back({c.args[0], {}});
      }
    }
    if (!use.awaited || !use.chain.empty()) continue;
    Node await = use.outer.parent();
    while (await.is("parenthesized_expression")) await = await.parent();
    ControlContext ctx = m.context(await);
    if (ctx.in_try() && ctx.try_statement.field("body").contains(await)) {
      out.fulfilled.push_back({ctx.try_statement.field("body"), await});
      Node handler = ctx.try_statement.field("handler");
      if (!handler.null()) out.rejected.push_back({handler.field("body"), {}});
      Node fin = ctx.try_statement.field("finalizer");
      if (!fin.null()) out.settled.push_back({fin.field("body"), {}});
      // after the try statement, both outcomes continue (a handled rejection falls through)
    } else if (const Function* f = m.enclosing_function(await)) {
      out.fulfilled.push_back({f->body, await});
    }
  }
  return out;
}

bool continuation_does(const FileModel& m, const Continuation& c,
                       const std::function<bool(const Node&)>& pred) {
  Node scope = FileModel::strip(c.scope);
  if (const Function* f = handler_function(m, scope); f && !scope.is("statement_block"))
    scope = f->body.null() ? f->node : f->body;
  else if (scope.is("arrow_function") || scope.is("function_expression"))
    scope = scope.field("body");
  auto look = [&](const Node& within, const Node& after, bool helpers) {
    for (const Node& call : m.nodes_in("call_expression", within)) {
      if (!after.null() && call.start_byte() < after.end_byte()) continue;
      if (!reachable(m, call)) continue;
      if (pred(call)) return true;
      if (!helpers) continue;
      if (const Function* h = m.callee_function(call); h && !h->body.null())
        for (const Node& inner : m.nodes_in("call_expression", h->body))
          if (pred(inner)) return true;
    }
    return false;
  };
  if (scope.null()) return false;
  // an expression body (`() => writer.close().catch(…)`): the calls in it, the outer one too
  if ((scope.is("call_expression") || scope.is("member_expression")) && pred(scope)) return true;
  return look(scope, c.after, true);
}

Node closed_before(const FileModel& m, const Node& write,
                   const std::function<bool(const Node&)>& is_close) {
  const Function* fn = m.enclosing_function(write);
  if (!fn) return {};
  Node body = fn->body.null() ? fn->node : fn->body;
  for (const Node& call : m.nodes_in("call_expression", body)) {
    if (call.start_byte() >= write.start_byte()) break;
    if (call.end_byte() > write.start_byte()) continue;  // encloses the write
    if (m.enclosing_function(call) != fn || !is_close(call) || !reachable(m, call)) continue;
    Node stmt = list_statement(call);
    if (stmt.null() || stmt.contains(write)) continue;
    if (stmt.parent().contains(write)) return call;
  }
  return {};
}

}  // namespace v15::analysis
