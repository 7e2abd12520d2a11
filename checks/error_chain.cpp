// 6. Error Handling: each failure of the flow traced across functions to what the browser (or the
// container) finally sees. Built on the chat bridge, container stream and callback request facts.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "v15check/check.h"

namespace v15 {

namespace {

// How many levels of `!`, `&&` / `||` or helper hops a test looks through: each is a level of
// recursion, and a condition can nest without bound.
constexpr int kMaxConditionDepth = 64;

constexpr int kHelperLevels = 2;  // helpers of helpers: `sendError` called from `failBridge`
constexpr int kMaxHops = 3;       // parameter → argument and caller hops

std::string at(const Node& n) { return fmt::format(":{}", n.line()); }

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// A function's body plus the bodies of the same-file functions it calls, `levels` deep.
Region deep_region(const FileModel& m, const Function& fn, int levels = kHelperLevels) {
  Region r = m.region(fn, false);
  std::vector<Node> frontier = r.parts;
  for (int level = 0; level < levels && !frontier.empty(); ++level) {
    std::vector<Node> next;
    for (const Node& part : frontier) {
      for (const Node& call : m.nodes_in("call_expression", part)) {
        const Function* h = m.callee_function(call);
        if (!h || h->body.null() || r.contains(h->body) || h->body.contains(r.parts.front()))
          continue;
        r.parts.push_back(h->body);
        next.push_back(h->body);
      }
    }
    frontier = std::move(next);
  }
  return r;
}

const Function* function_declaring(const FileModel& m, const Binding& param) {
  for (const Function& f : m.functions())
    if (f.node == param.scope) return &f;
  return nullptr;
}

// The arguments passed for parameter `param` at every call of its function in the file.
std::vector<Node> call_arguments(const FileModel& m, const Binding& param) {
  std::vector<Node> out;
  const Function* f = function_declaring(m, param);
  if (!f) return out;
  auto params = f->parameters();
  std::size_t index = params.size();
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].contains(param.name_node)) index = i;
  if (index == params.size()) return out;
  for (const Node& call : calls_of(m, *f)) {
    auto args = FileModel::arguments(call);
    if (index < args.size() && !args[index].is("spread_element")) out.push_back(args[index]);
  }
  return out;
}

// Follows an origin into object literals: `const b = { writer }; b.writer` → writer's origin.
Origin into_literals(const FileModel& m, Origin o) {
  for (int i = 0; i < 8 && !o.path.empty(); ++i) {
    Node obj = FileModel::strip_await(o.expr);
    if (!obj.is("object")) break;
    Node v = m.property(obj, o.path.front());
    if (v.null()) break;
    Origin inner = m.trace(v);
    inner.path.insert(inner.path.end(), o.path.begin() + 1, o.path.end());
    o = std::move(inner);
  }
  return o;
}

// -- the bridge writer, file-wide -----------------------------------------------------------------

// Which values of the DO file are a bridge writer: the writer handleChatHttp creates (the chat
// bridge fact, through aliases and helper parameters), the `writer` of a bridge read back from
// httpBridges (`this.httpBridges.get(id).writer`, destructured too), any other TransformStream
// writer (`….getWriter()`), and a parameter of a same-file function that its callers pass one.
class BridgeValues {
 public:
  BridgeValues(const Project& p, const FileModel& m) : cb_(p.chat_bridge()), m_(m) {
    if (!cb_.register_call.null()) {
      std::string_view n = FileModel::last_name(FileModel::callee_object(cb_.register_call));
      if (!n.empty()) map_ = std::string(n);
    }
  }
  const std::string& map_name() const { return map_; }
  const ChatBridge& chat() const { return cb_; }

  bool is_writer(const Node& expr, int depth = 0) const {
    if (expr.null()) return false;
    if (cb_.model == &m_ && cb_.is_writer(m_, expr)) return true;
    return writer_origin(into_literals(m_, m_.trace(expr)), depth);
  }

  bool is_bridge(const Node& expr, int depth = 0) const {
    if (expr.null()) return false;
    return bridge_origin(into_literals(m_, m_.trace(expr)), depth);
  }

  // `this.httpBridges` read anywhere inside expr's value.
  bool reads_map(const Node& expr) const {
    return m_.derives_from(expr, [&](const FileModel&, const Node& n) {
      Node s = FileModel::strip(n);
      return s.is("member_expression") && s.field("property").text() == map_;
    });
  }

  // A call on the bridges map: `this.httpBridges.<method>(…)`.
  bool is_map_call(const Node& call, std::string_view method) const {
    if (FileModel::callee_name(call) != method) return false;
    Node obj = FileModel::callee_object(call);
    Origin o = m_.trace(obj);
    std::string_view name = !o.path.empty() ? std::string_view(o.path.back())
                            : o.binding     ? std::string_view(o.binding->name)
                                            : FileModel::last_name(o.expr);
    return name == map_;
  }

  // A bridge writer `.write(…)` / `.close()` call.
  bool is_writer_call(const Node& call, std::string_view method) const {
    return FileModel::callee_name(call) == method && is_writer(FileModel::callee_object(call));
  }

  // A call that settles the bridge: the deferred's resolve/reject, or a bridge's.
  bool is_settle(const Node& call) const {
    Node callee = FileModel::strip(call.field("function"));
    if (cb_.model == &m_ && (cb_.is_resolve(m_, callee) || cb_.is_reject(m_, callee))) return true;
    std::string_view name = FileModel::callee_name(call);
    if (name != "resolve" && name != "reject") return false;
    Node obj = FileModel::callee_object(call);
    if (!obj.null()) return is_bridge(obj);
    // a destructured `{ resolve } = bridge`
    Origin o = into_literals(m_, m_.trace(callee));
    if (o.path.empty()) return false;
    Origin base = o;
    base.path.pop_back();
    return bridge_origin(base, 0);
  }

 private:
  bool writer_origin(const Origin& o, int depth) const {
    Node s = FileModel::strip_await(o.expr);
    if (o.path.empty()) {
      if (s.is("call_expression") && FileModel::callee_name(s) == "getWriter") return true;
      if (o.binding && o.binding->kind == BindingKind::Param && depth < kMaxHops)
        for (const Node& a : call_arguments(m_, *o.binding))
          if (is_writer(a, depth + 1)) return true;
      return false;
    }
    if (o.path.back() != "writer") return false;
    Origin base = o;
    base.path.pop_back();
    return bridge_origin(base, depth);
  }

  bool bridge_origin(const Origin& o, int depth) const {
    Node s = FileModel::strip_await(o.expr);
    if (reads_map(s)) return true;
    if (!o.path.empty()) return false;
    if (!cb_.registered.null() && s == FileModel::strip(cb_.registered)) return true;
    if (s.is("object")) {
      Node w = m_.property(s, "writer");
      if (!w.null() && is_writer(w, depth + 1)) return true;
    }
    if (o.binding && o.binding->kind == BindingKind::Param && depth < kMaxHops)
      for (const Node& a : call_arguments(m_, *o.binding))
        if (is_bridge(a, depth + 1)) return true;
    return false;
  }

  const ChatBridge& cb_;
  const FileModel& m_;
  std::string map_ = "httpBridges";
};

// -- error lines
// -----------------------------------------------------------------------------------

bool json_text_is_error(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  return !doc.is_discarded() && doc.is_object() && doc.contains("type") &&
         doc["type"].is_string() && doc["type"].get<std::string>() == "error";
}

// The value of a write is (bytes of) JSON whose `type` is 'error': an object literal with
// `type: 'error'` that reaches it (through JSON.stringify, encode, templates, consts and helper
// parameters), or a constant JSON string.
bool carries_error_json(const FileModel& m, const Node& payload) {
  return flows_from(m, payload, [](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip(n);
    if (s.is("object")) {
      Node t = fm.property(s, "type");
      auto v = t.null() ? std::nullopt : fm.fold_string(t);
      return v && *v == "error";
    }
    if (s.is("string") || s.is("template_string")) {
      auto v = fm.fold_string(s);
      if (!v) return false;
      std::string text = *v;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      return json_text_is_error(text);
    }
    return false;
  });
}

struct Actions {
  std::vector<Node> error_writes;  // bridge writer writes of an error line
  std::vector<Node> other_writes;  // other bridge writer writes
  std::vector<Node> closes;        // bridge writer close()
  std::vector<Node> settles;       // resolve / reject of the bridge
  std::vector<Node> deletes;       // httpBridges.delete(…)
  std::vector<Node> throws;        // throw statements (rethrow)
};

Actions actions_in(const FileModel& m, const BridgeValues& bv, const Region& r) {
  Actions a;
  for (const Node& call : m.nodes_in("call_expression", r)) {
    if (bv.is_writer_call(call, "write")) {
      auto args = FileModel::arguments(call);
      if (!args.empty() && carries_error_json(m, args[0]))
        a.error_writes.push_back(call);
      else
        a.other_writes.push_back(call);
    } else if (bv.is_writer_call(call, "close")) {
      a.closes.push_back(call);
    } else if (bv.is_map_call(call, "delete")) {
      a.deletes.push_back(call);
    } else if (bv.is_settle(call)) {
      a.settles.push_back(call);
    }
  }
  for (const Node& t : m.nodes_in("throw_statement", r)) a.throws.push_back(t);
  return a;
}

// The deferred's continuations (`promise.then(…).catch(…)`) in handleChatHttp that close the
// writer: a rejection there closes the browser's stream.
Node deferred_close_on_reject(const FileModel& m, const BridgeValues& bv) {
  const ChatBridge& cb = bv.chat();
  if (cb.model != &m || !cb.has_deferred()) return {};
  for (const Node& call : m.nodes_in("call_expression", cb.region)) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "then" && name != "catch" && name != "finally") continue;
    if (!cb.is_promise(m, FileModel::callee_object(call))) continue;
    PromiseUse use = m.promise_use(FileModel::callee_object(call));
    for (const Continuation& c : use.chain) {
      Node handler;
      if (c.method == "catch" || c.method == "finally")
        handler = c.args.empty() ? Node{} : c.args[0];
      if (c.method == "then" && c.args.size() > 1) handler = c.args[1];
      const Function* f = handler.null() ? nullptr : m.function_at(handler);
      if (!f) continue;
      for (const Node& close : m.nodes_in("call_expression", deep_region(m, *f)))
        if (bv.is_writer_call(close, "close")) return close;
    }
  }
  return {};
}

// -- promises: where a rejection goes -------------------------------------------------------------

// The innermost try statement around `n` (inside its function) that has a catch clause.
Node catching_try(const FileModel& m, const Node& n) {
  const Function* owner = m.enclosing_function(n);
  Node child = n;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if (owner && p == owner->node) break;
    if (p.is("try_statement") && p.field("body") == child && !p.field("handler").null()) return p;
  }
  return {};
}

// The function handling a rejection in a promise chain: `.catch(h)` or `.then(ok, h)`.
Node rejection_handler(const PromiseUse& use, Node* continuation) {
  for (const Continuation& c : use.chain) {
    if (c.method == "catch" && !c.args.empty()) {
      *continuation = c.call;
      return c.args[0];
    }
    if (c.method == "then" && c.args.size() > 1) {
      *continuation = c.call;
      return c.args[1];
    }
  }
  return {};
}

// -- error.bridge-timeout
// --------------------------------------------------------------------------

Outcome bridge_timeout(const CheckContext& ctx) {
  Outcome failure;
  auto scope = ctx.do_method("handleChatHttp", failure);
  if (!scope) return failure;
  const FileModel& m = *scope->model;
  const BridgeTimeout& bt = ctx.project().bridge_timeout();
  if (!bt.found())
    return Outcome::fail(
        scope->location(),
        "handleChatHttp arms no bridge timeout (no setTimeout(fn, ms) in it or its "
        "helpers): a container that never calls back leaves the browser waiting");
  const Function* cb = m.function_at(bt.callback);
  if (!cb)
    return Outcome::fail(m.location(bt.call),
                         fmt::format("the bridge timeout's callback {} is not a function this tool "
                                     "can follow",
                                     snippet(bt.callback)));
  BridgeValues bv(ctx.project(), m);
  Actions a = actions_in(m, bv, deep_region(m, *cb));
  std::vector<std::string> missing;
  if (a.error_writes.empty()) {
    std::string also;
    if (!a.other_writes.empty())
      also = fmt::format(" (the write at {} sends {}, whose type is not 'error')",
                         at(a.other_writes.front()),
                         snippet(FileModel::arguments(a.other_writes.front()).front(), 60));
    missing.push_back("never writes a line whose JSON has type: 'error' to the bridge writer" +
                      also);
  }
  if (a.settles.empty()) missing.push_back("never resolves or rejects the bridge");
  if (a.deletes.empty()) missing.push_back(fmt::format("never deletes it from {}", bv.map_name()));
  if (!missing.empty())
    return Outcome::fail(m.location(cb->node),
                         fmt::format("the bridge-timeout callback (line {}) {}", cb->node.line(),
                                     join(missing, "; ")));
  return Outcome::pass(
      m.location(cb->node),
      fmt::format("the timeout callback (line {}) writes an error line ({}), settles the bridge "
                  "({}) and deletes it from {} ({})",
                  cb->node.line(), at(a.error_writes.front()), at(a.settles.front()), bv.map_name(),
                  at(a.deletes.front())),
      {{m.location(a.error_writes.front()), "error line"},
       {m.location(a.settles.front()), "bridge settled"},
       {m.location(a.deletes.front()), "bridge deleted"}});
}

// -- error.dispatch-throws
// -------------------------------------------------------------------------

Outcome dispatch_throws(const CheckContext& ctx) {
  Outcome failure;
  auto scope = ctx.do_method("handleChatHttp", failure);
  if (!scope) return failure;
  const FileModel& m = *scope->model;
  const ChatBridge& cb = ctx.project().chat_bridge();
  if (cb.dispatch_call.null())
    return Outcome::fail(scope->location(), "handleChatHttp never calls this.dispatchContainer()");
  PromiseUse use = m.promise_use(cb.dispatch_call);
  Node continuation;
  Node handler = rejection_handler(use, &continuation);
  if (handler.null()) {
    std::string how = use.awaited ? "is awaited without .catch(), so a failure never reaches the "
                                    "stream's error path"
                                  : "has no .catch(): a failure is an unhandled rejection";
    return Outcome::fail(m.location(cb.dispatch_call),
                         fmt::format("this.dispatchContainer() at line {} {} (no error line, "
                                     "writer left open, bridge left in httpBridges)",
                                     cb.dispatch_call.line(), how));
  }
  const Function* h = m.function_at(handler);
  if (!h)
    return Outcome::fail(m.location(continuation),
                         fmt::format("the dispatch failure handler {} is not a function this tool "
                                     "can follow",
                                     snippet(handler)));
  BridgeValues bv(ctx.project(), m);
  Actions a = actions_in(m, bv, deep_region(m, *h));
  Node close = a.closes.empty() ? Node{} : a.closes.front();
  std::string close_how;
  if (close.null() && !a.settles.empty()) {
    close = deferred_close_on_reject(m, bv);
    if (!close.null())
      close_how = fmt::format(" (settles the bridge at {}; the deferred closes the writer at {})",
                              at(a.settles.front()), at(close));
  }
  std::vector<std::string> missing;
  if (a.error_writes.empty())
    missing.push_back("writes no error line (type: 'error') to the writer");
  if (close.null()) missing.push_back("never closes the writer");
  if (a.deletes.empty())
    missing.push_back(fmt::format("never deletes the bridge from {}", bv.map_name()));
  if (!missing.empty())
    return Outcome::fail(m.location(handler),
                         fmt::format("the .catch() of dispatchContainer() (line {}) {}",
                                     handler.line(), join(missing, "; ")));
  return Outcome::pass(
      m.location(handler),
      fmt::format("dispatchContainer().catch at line {} writes an error line ({}), "
                  "closes the writer ({}){} and deletes the bridge ({})",
                  handler.line(), at(a.error_writes.front()), at(close), close_how,
                  at(a.deletes.front())),
      {{m.location(a.error_writes.front()), "error line"},
       {m.location(close), "writer closed"},
       {m.location(a.deletes.front()), "bridge deleted"}});
}

// -- error.browser-disconnect
// ----------------------------------------------------------------------

struct Guard {
  bool ok = false;
  std::string how;  // how it is guarded, or why not
};

Guard guard_of(const FileModel& m, const Node& promise, int depth);

// A function's returned promise is guarded when every use of it is: as a promise continuation
// handler, the chain it belongs to; as a named function, each call of it.
Guard function_guard(const FileModel& m, const Function& f, int depth) {
  if (depth >= kMaxHops) return {false, "its caller chain is too deep to follow"};
  Node parent = f.node.parent();
  if (parent.is("arguments")) {
    Node call = parent.parent();
    std::string_view name = FileModel::callee_name(call);
    if (call.is("call_expression") && (name == "then" || name == "catch" || name == "finally")) {
      Guard g = guard_of(m, call, depth + 1);
      if (g.ok) return {true, "returned into a promise chain with " + g.how};
      return {false, "returned into a promise chain that has no later .catch()"};
    }
    return {false, fmt::format("inside a callback passed to {}(), which does not handle its "
                               "rejection",
                               name.empty() ? "a call" : name)};
  }
  auto calls = calls_of(m, f);
  if (calls.empty()) return {false, fmt::format("in {}(), whose promise is never caught", f.name)};
  for (const Node& c : calls) {
    Guard g = guard_of(m, c, depth + 1);
    if (!g.ok)
      return {false, fmt::format("in {}(), whose call at line {} is unguarded ({})", f.name,
                                 c.line(), g.how)};
  }
  return {true, fmt::format("every call of {}() is guarded", f.name)};
}

Guard guard_of(const FileModel& m, const Node& promise, int depth) {
  PromiseUse use = m.promise_use(promise);
  Node continuation;
  if (!rejection_handler(use, &continuation).null()) return {true, ".catch()"};
  if (use.awaited) {
    Node t = catching_try(m, use.outer);
    if (!t.null()) return {true, fmt::format("awaited in the try at line {}", t.line())};
    const Function* f = m.enclosing_function(use.outer);
    if (!f) return {false, "awaited outside any try/catch"};
    Guard g = function_guard(m, *f, depth);
    if (g.ok) return {true, "awaited; " + g.how};
    return {false, "awaited outside any try/catch, " + g.how};
  }
  if (use.returned) {
    const Function* f = m.enclosing_function(use.outer);
    if (!f) return {false, "returned, never caught"};
    Guard g = function_guard(m, *f, depth);
    if (g.ok) return g;
    return {false, "returned, " + g.how};
  }
  if (use.assigned) {
    Node decl = use.outer.parent();
    while (decl.is("parenthesized_expression")) decl = decl.parent();
    Node name = decl.is("variable_declarator") ? decl.field("name") : Node{};
    const Binding* b = name.is("identifier") ? m.resolve(name) : nullptr;
    if (b && depth < kMaxHops) {
      for (const Node& id : m.nodes("identifier")) {
        if (id == b->name_node || m.resolve(id) != b) continue;
        Guard g = guard_of(m, id, depth + 1);
        if (g.ok) return {true, fmt::format("{} ({} at line {})", g.how, b->name, id.line())};
      }
    }
    return {false, "stored in a variable whose promise is never caught"};
  }
  if (!use.chain.empty())
    return {false, fmt::format(".{}() without .catch()", use.chain.back().method)};
  return {false, "fire-and-forget without .catch()"};
}

Outcome browser_disconnect(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = ctx.file(Role::DurableObject, failure);
  if (!m) return failure;
  BridgeValues bv(ctx.project(), *m);
  std::vector<Node> calls;
  for (const Node& call : m->nodes("call_expression"))
    if (bv.is_writer_call(call, "write") || bv.is_writer_call(call, "close")) calls.push_back(call);
  // the container stream fact follows helper parameters from handleContainerStream's region
  for (const StreamCall& sc : ctx.project().container_stream().writes) {
    std::string_view name = FileModel::callee_name(sc.call);
    if ((name == "write" || name == "close") &&
        std::find(calls.begin(), calls.end(), sc.call) == calls.end())
      calls.push_back(sc.call);
  }
  std::sort(calls.begin(), calls.end(),
            [](const Node& a, const Node& b) { return a.start_byte() < b.start_byte(); });
  if (calls.empty())
    return Outcome::fail(m->location(m->root()),
                         fmt::format("no bridge writer write()/close() calls found in {}{}",
                                     m->path(), ctx.parse_note(*m)));
  std::vector<std::string> unguarded;
  std::vector<Evidence> evidence;
  Node first;
  int caught = 0, awaited = 0;
  for (const Node& call : calls) {
    Guard g = guard_of(*m, call, 0);
    Node callee = FileModel::strip(call.field("function"));
    std::string what = fmt::format("{}(…)", snippet(callee, 40));
    if (g.ok) {
      (g.how == ".catch()" ? caught : awaited) += 1;
      evidence.push_back({m->location(call), what + ": " + g.how});
      continue;
    }
    if (first.null()) first = call;
    unguarded.push_back(fmt::format("{} at line {} ({})", what, call.line(), g.how));
    evidence.push_back({m->location(call), what + ": UNGUARDED, " + g.how});
  }
  if (!unguarded.empty())
    return Outcome::fail(m->location(first),
                         fmt::format("{} of {} writer calls can reject unhandled when the browser "
                                     "disconnects: {}",
                                     unguarded.size(), calls.size(), join(unguarded, "; ")),
                         evidence);
  return Outcome::pass(m->location(calls.front()),
                       fmt::format("all {} writer write()/close() calls are guarded ({} with "
                                   ".catch(), {} otherwise)",
                                   calls.size(), caught, awaited),
                       evidence);
}

// -- error.session-not-found
// ------------------------------------------------------------------------

bool is_nullish(const Node& n) {
  Node s = FileModel::strip(n);
  if (s.is("null") || s.is("undefined")) return true;
  return s.is("identifier") && s.text() == "undefined";
}

// Whether `cond` is true when `subject` is missing: `!x`, `x == null`, `x === undefined`, an `||`.
bool tests_missing(const Node& cond, const std::function<bool(const Node&)>& subject,
                   int depth = 0) {
  if (depth > kMaxConditionDepth) return false;  // `a || b || …` nests a level per operand

  Node c = FileModel::strip(cond);
  if (c.is("unary_expression") && c.field("operator").text() == "!")
    return subject(c.field("argument"));
  if (c.is("binary_expression")) {
    std::string_view op = c.field("operator").kind();
    if (op == "||")
      return tests_missing(c.field("left"), subject, depth + 1) ||
             tests_missing(c.field("right"), subject, depth + 1);
    if (op == "===" || op == "==") {
      if (is_nullish(c.field("right"))) return subject(c.field("left"));
      if (is_nullish(c.field("left"))) return subject(c.field("right"));
    }
  }
  return false;
}

// Whether a value derives from the error caught by `holder` (a catch clause or a rejection
// handler function) whose parameter is named `name`.
Matcher from_error(const Node& holder, std::string name) {
  return [holder, name = std::move(name)](const FileModel&, const Node& n) {
    Node s = FileModel::strip(n);
    return s.is("identifier") && s.text() == name && holder.contains(s);
  };
}

std::string error_parameter(const FileModel& m, const Node& holder) {
  if (holder.is("catch_clause")) {
    Node p = holder.field("parameter");
    return p.is("identifier") ? std::string(p.text()) : std::string{};
  }
  const Function* f = m.function_at(holder);
  return f ? f->parameter_name(0) : std::string{};
}

// The narrowest readable part of `n` that carries the error: a `key: value` pair or shorthand
// property of the body, else `n` itself.
Node leak_site(const FileModel& m, const Node& n, const Matcher& err) {
  for (const Node& pair : m.nodes_in("pair", n))
    if (m.derives_from(pair.field("value"), err)) return pair;
  for (const Node& sh : m.nodes_in("shorthand_property_identifier", n))
    if (m.derives_from(sh, err)) return sh;
  return n;
}

// What in the response `expr` carries the error into what it sends: one of its arguments, or
// (for a same-file helper) what the helper returns from the parameter it gets. Null when
// nothing does.
Node response_leak(const FileModel& m, const Node& expr, const Matcher& err, int depth = 0) {
  Node e = FileModel::strip_await(expr);
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    if (o.path.empty() && !(o.expr == e)) e = FileModel::strip_await(o.expr);
  }
  if (!e.is("call_expression") && !e.is("new_expression"))
    return m.derives_from(e, err) ? leak_site(m, e, err) : Node{};
  auto args = FileModel::arguments(e);
  const Function* helper = e.is("call_expression") ? m.callee_function(e) : nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!m.derives_from(args[i], err)) continue;
    std::string pname = helper ? helper->parameter_name(i) : std::string{};
    if (!helper || depth >= kMaxHops || helper->body.null() || pname.empty())
      return leak_site(m, args[i], err);
    // a helper that builds the response: does what it returns carry that parameter?
    Matcher inner = from_error(helper->node, pname);
    if (!helper->body.is("statement_block")) {
      if (!response_leak(m, helper->body, inner, depth + 1).null())
        return leak_site(m, args[i], err);
      continue;
    }
    for (const Node& ret : m.nodes_in("return_statement", helper->body))
      if (m.enclosing_function(ret) == helper &&
          !response_leak(m, ret.named_child(0), inner, depth + 1).null())
        return leak_site(m, args[i], err);
  }
  return {};
}

// What a catch (clause or handler function) does with the error: tells the browser through the
// stream, answers with a status (and whether its body leaks the error), rethrows, or nothing.
struct CatchResult {
  bool rethrows = false;
  Node error_write;
  Node response;  // a returned Response with status ≥ 500
  std::optional<int> status;
  bool leaks = false;
  Node leak_return;  // the returned response that leaks
  Node leak;         // the part of it that carries the error
};

CatchResult examine_catch(const FileModel& m, const BridgeValues& bv, const Node& holder) {
  CatchResult r;
  Node body = holder.is("catch_clause") ? holder.field("body") : Node{};
  const Function* hf = holder.is("catch_clause") ? nullptr : m.function_at(holder);
  Region region = hf ? deep_region(m, *hf) : m.region(body);
  Actions a = actions_in(m, bv, region);
  if (!a.error_writes.empty()) r.error_write = a.error_writes.front();
  const Function* owner = hf ? hf : m.enclosing_function(holder);
  Node scope = hf ? hf->body : body;
  for (const Node& t : m.nodes_in("throw_statement", scope))
    if (m.enclosing_function(t) == owner) r.rethrows = true;
  std::string pname = error_parameter(m, holder);
  Matcher err = pname.empty() ? Matcher([](const FileModel&, const Node&) { return false; })
                              : from_error(holder, pname);
  std::vector<Node> values;
  if (hf && !hf->body.is("statement_block")) values.push_back(hf->body);
  for (const Node& ret : m.nodes_in("return_statement", scope))
    if (m.enclosing_function(ret) == owner && !ret.named_child(0).null())
      values.push_back(ret.named_child(0));
  for (const Node& v : values) {
    auto status = m.response_status(v);
    if (!status || *status < 500) continue;
    if (r.response.null()) {
      r.response = v;
      r.status = status;
    }
    if (Node leak = response_leak(m, v, err); !leak.null() && !r.leaks) {
      r.leaks = true;
      r.leak_return = v;
      r.leak = leak;
    }
  }
  return r;
}

struct Step {
  bool ok = false;
  std::string text;  // the path so far, or what breaks it
  Location where;
  std::vector<Evidence> evidence;
  bool at_entry = false;  // ends in a catch inside fetch() itself
};

class SessionPath {
 public:
  SessionPath(const CheckContext& ctx, const FileModel& m)
      : ctx_(ctx), m_(m), bv_(ctx.project(), m) {}

  // Where a rejection of function `f`'s promise goes, for every call of it.
  Step from_function(const Function& f, int depth) const {
    if (depth > kMaxHops)
      return {false, "the caller chain is too deep to follow", m_.location(f.node), {}};
    if (is_entry(f))
      return {
          false,
          fmt::format("it escapes {}() uncaught: the runtime answers with an opaque error", f.name),
          m_.location(f.node),
          {}};
    auto calls = calls_of(m_, f);
    if (calls.empty())
      return {false,
              fmt::format("{}() is never called in {}", f.name, m_.path()),
              m_.location(f.node),
              {}};
    Step all{true, "", {}, {}, true};
    for (const Node& c : calls) {
      Step s = from_call(c, f, depth);
      if (!s.ok) return s;
      all.at_entry = all.at_entry && s.at_entry;
      all.text += (all.text.empty() ? "" : "; ") + s.text;
      if (!all.where.known()) all.where = s.where;
      all.evidence.insert(all.evidence.end(), s.evidence.begin(), s.evidence.end());
    }
    return all;
  }

  // fetch()'s call of handleChatHttp: inside a try/catch (or .catch) answering a safe 500.
  Step fetch_wraps(const Function& fetch, const Function& chat) const {
    std::vector<Node> calls;
    for (const Node& c : m_.nodes_in("call_expression", m_.region(fetch)))
      if (m_.callee_function(c) == &chat) calls.push_back(c);
    if (calls.empty())
      return {false, "fetch() never calls handleChatHttp()", m_.location(fetch.node), {}};
    Step all{true, "", {}, {}};
    for (const Node& c : calls) {
      PromiseUse use = m_.promise_use(c);
      Node continuation;
      Node handler = rejection_handler(use, &continuation);
      Node holder;
      std::string what;
      if (!handler.null()) {
        holder = handler;
        what = fmt::format("fetch's .catch() at line {}", continuation.line());
      } else {
        Node t = catching_try(m_, use.outer);
        if (t.null())
          return {false,
                  fmt::format("fetch() calls handleChatHttp() at line {} outside any try/catch",
                              c.line()),
                  m_.location(c),
                  {}};
        if (!use.awaited)
          return {false,
                  fmt::format("fetch() returns handleChatHttp() at line {} without await inside "
                              "the try at line {}: a rejection escapes its catch",
                              c.line(), t.line()),
                  m_.location(c),
                  {}};
        holder = t.field("handler");
        what = fmt::format("fetch try/catch at line {}", t.line());
      }
      CatchResult r = examine_catch(m_, bv_, holder);
      if (r.response.null() || r.status != 500) {
        std::string does = r.rethrows ? "rethrows" : "returns no status-500 response";
        if (r.status) does = fmt::format("returns status {}", *r.status);
        return {false,
                fmt::format("{} {} (expected a 500 with a constant body)", what, does),
                m_.location(holder),
                {}};
      }
      if (r.leaks)
        return {false,
                fmt::format("{} returns 500 whose body carries the caught error: {} (line {})",
                            what, snippet(r.leak, 70), r.leak.line()),
                m_.location(r.leak),
                {}};
      all.text +=
          (all.text.empty() ? "" : "; ") +
          fmt::format("{} returns 500 with a constant body (line {})", what, r.response.line());
      if (!all.where.known()) all.where = m_.location(holder);
      all.evidence.push_back({m_.location(r.response), "safe 500"});
    }
    return all;
  }

 private:
  bool is_entry(const Function& f) const {
    return f.is_method() && f.class_name == ctx_.config().class_name && f.name == "fetch";
  }

  Step from_call(const Node& call, const Function& callee, int depth) const {
    PromiseUse use = m_.promise_use(call);
    Node continuation;
    Node handler = rejection_handler(use, &continuation);
    std::string here = fmt::format("{}() at line {}", callee.name, call.line());
    if (!handler.null()) {
      CatchResult r = examine_catch(m_, bv_, handler);
      if (!r.error_write.null())
        return {
            true,
            fmt::format("{}().catch at line {} writes an error line (line {})", callee.name,
                        continuation.line(), r.error_write.line()),
            m_.location(continuation),
            {{m_.location(continuation), "caught"}, {m_.location(r.error_write), "error line"}}};
      if (r.rethrows) {
        const Function* f = m_.enclosing_function(call);
        if (f)
          return prefix(
              fmt::format("{}().catch at line {} rethrows", callee.name, continuation.line()),
              from_function(*f, depth + 1));
      }
      return {false,
              fmt::format("{}().catch at line {} never sends an error line to the browser",
                          callee.name, continuation.line()),
              m_.location(continuation),
              {}};
    }
    if (use.awaited || use.returned) {
      Node t = use.awaited ? catching_try(m_, use.outer) : Node{};
      const Function* f = m_.enclosing_function(call);
      if (!t.null()) {
        CatchResult r = examine_catch(m_, bv_, t.field("handler"));
        if (!r.error_write.null())
          return {true,
                  fmt::format("{} awaited in the try at line {}, whose catch writes an error line "
                              "(line {})",
                              here, t.line(), r.error_write.line()),
                  m_.location(t),
                  {{m_.location(r.error_write), "error line"}}};
        if (!r.response.null() && !r.leaks)
          return {true,
                  fmt::format("{} awaited in the try at line {}, whose catch returns {} with a "
                              "constant body (line {})",
                              here, t.line(), *r.status, r.response.line()),
                  m_.location(t),
                  {{m_.location(r.response), "safe error response"}},
                  f && is_entry(*f)};
        if (r.leaks)
          return {false,
                  fmt::format("the catch of the try at line {} answers with the error itself: {}",
                              t.line(), snippet(r.leak, 70)),
                  m_.location(r.leak),
                  {}};
        if (!r.rethrows || !f)
          return {false,
                  fmt::format("the catch of the try at line {} swallows it: nothing reaches the "
                              "browser",
                              t.line()),
                  m_.location(t.field("handler")),
                  {}};
      }
      if (!f) return {false, here + " is not inside a function", m_.location(call), {}};
      return prefix(
          fmt::format("{} {} in {}()", here, use.awaited ? "awaited" : "returned", f->name),
          from_function(*f, depth + 1));
    }
    return {false,
            fmt::format("the fire-and-forget {} has no .catch(): the throw becomes an unhandled "
                        "rejection and the browser never hears of it",
                        here),
            m_.location(call),
            {}};
  }

  static Step prefix(const std::string& head, Step rest) {
    if (rest.ok)
      rest.text = head + " → " + rest.text;
    else
      rest.text = head + "; then " + rest.text;
    return rest;
  }

  const CheckContext& ctx_;
  const FileModel& m_;
  BridgeValues bv_;
};

Outcome session_not_found(const CheckContext& ctx) {
  Outcome failure;
  auto dispatch = ctx.do_method("dispatchContainer", failure);
  if (!dispatch) return failure;
  auto fetch = ctx.do_method("fetch", failure, false);
  if (!fetch) return failure;
  auto chat = ctx.do_method("handleChatHttp", failure, false);
  if (!chat) return failure;
  const FileModel& m = *dispatch->model;
  // 1. the KV read and the throw on a missing session
  Node read;
  for (const Node& call : m.nodes_in("call_expression", dispatch->region)) {
    if (FileModel::callee_name(call) != "get") continue;
    auto ns = m.env_name(FileModel::callee_object(call));
    if (ns && *ns == "SESSIONS_KV") {
      read = call;
      break;
    }
  }
  if (read.null())
    return Outcome::fail(dispatch->location(),
                         "dispatchContainer never reads the session from SESSIONS_KV");
  auto is_session = [&](const Node& n) {
    Origin o = m.trace(n);
    return o.path.empty() && FileModel::strip_await(o.expr) == read;
  };
  Node guard;
  for (const Node& stmt : m.nodes_in("if_statement", dispatch->region))
    if (tests_missing(stmt.field("condition"), is_session)) {
      guard = stmt;
      break;
    }
  if (guard.null())
    return Outcome::fail(
        m.location(read),
        fmt::format("the SESSIONS_KV read at line {} is never tested for a missing "
                    "session (expected if (!session) throw …)",
                    read.line()));
  const Function* owner = m.enclosing_function(guard);
  Node thrown;
  for (const Node& t : m.nodes_in("throw_statement", guard.field("consequence")))
    if (m.enclosing_function(t) == owner) {
      thrown = t;
      break;
    }
  if (guard.field("consequence").is("throw_statement")) thrown = guard.field("consequence");
  if (thrown.null())
    return Outcome::fail(
        m.location(guard),
        fmt::format("a missing session at line {} does not throw: {} (the browser's "
                    "stream is never told)",
                    guard.line(), snippet(guard.field("consequence"), 60)));
  // 2. the throw's real path: a local catch, else up through every caller
  SessionPath path(ctx, m);
  Step route;
  Node local = catching_try(m, thrown);
  BridgeValues bv(ctx.project(), m);
  if (!local.null()) {
    CatchResult r = examine_catch(m, bv, local.field("handler"));
    if (!r.error_write.null())
      route = {
          true,
          fmt::format("caught by the try at line {}, whose catch writes an error line (line {})",
                      local.line(), r.error_write.line()),
          m.location(local),
          {{m.location(r.error_write), "error line"}}};
    else if (r.rethrows && owner)
      route = path.from_function(*owner, 0);
    else
      route = {false,
               fmt::format("the catch at line {} swallows it: the browser is never told",
                           local.field("handler").line()),
               m.location(local.field("handler")),
               {}};
  } else if (owner) {
    route = path.from_function(*owner, 0);
  }
  std::string origin = fmt::format("throw at line {}", thrown.line());
  if (!route.ok)
    return Outcome::fail(route.where.known() ? route.where : m.location(thrown),
                         fmt::format("{} → {}", origin, route.text));
  // 3. fetch answers a failing handleChatHttp with a safe 500
  Step wrap = path.fetch_wraps(*fetch->function, *chat->function);
  if (!wrap.ok)
    return Outcome::fail(wrap.where, fmt::format("{} → {}; but {}", origin, route.text, wrap.text));
  std::vector<Evidence> ev = {{m.location(thrown), "throw on a missing session"}};
  ev.insert(ev.end(), route.evidence.begin(), route.evidence.end());
  ev.insert(ev.end(), wrap.evidence.begin(), wrap.evidence.end());
  std::string text = fmt::format("{} → {}", origin, route.text);
  if (!route.at_entry) text += "; " + wrap.text;
  return Outcome::pass(m.location(thrown), text, ev);
}

// -- error.invalid-jwt
// -----------------------------------------------------------------------------

// The HTTP status a response expression produces, also through same-file helpers that return
// another helper's response (`unauthorized()` → `jsonResponse(…, 401)`).
bool is_verify_call(const FileModel& m, const Node& call) {
  if (FileModel::callee_name(call) == "verifyExecutionToken") return true;
  Node callee = FileModel::strip(call.field("function"));
  if (!callee.is("identifier")) return false;
  const Binding* b = m.resolve(callee);
  return b && b->kind == BindingKind::Import && b->imported_name == "verifyExecutionToken";
}

// The Worker's side: it verifies and answers 401 itself, or it forwards the request and returns
// the DO's response (so the DO's 401 reaches the container).
std::optional<std::string> worker_side(const CheckContext& ctx, Outcome& failure) {
  const FileModel* m = ctx.file(Role::Worker, failure);
  if (!m) return std::nullopt;
  const Route* route = m->route("POST", "/internal/stream");
  if (!route) {
    failure = Outcome::fail(m->location(m->root()),
                            fmt::format("{} has no POST /internal/stream route: the container's "
                                        "callback never reaches a token check{}",
                                        m->path(), ctx.parse_note(*m)));
    return std::nullopt;
  }
  const Function* hf =
      route->kind == Route::Kind::Router ? m->function_at(route->handler) : nullptr;
  Region region = hf ? m->region(*hf) : m->region(route->handler);
  Node verify;
  for (const Node& call : m->nodes_in("call_expression", region))
    if (is_verify_call(*m, call)) {
      verify = call;
      break;
    }
  if (!verify.null()) {
    auto from_verify = [&](const Node& n) {
      Origin o = m->trace(n);
      Node s = FileModel::strip_await(o.expr);
      while (s.is("call_expression") &&
             (FileModel::callee_name(s) == "catch" || FileModel::callee_name(s) == "then"))
        s = FileModel::strip_await(FileModel::callee_object(s));
      return o.path.empty() && s == verify;
    };
    for (const Node& stmt : m->nodes_in("if_statement", region)) {
      if (!tests_missing(stmt.field("condition"), from_verify)) continue;
      for (const Node& ret : m->nodes_in("return_statement", stmt.field("consequence"))) {
        auto s = m->response_status(ret.named_child(0));
        if (s && *s == 401)
          return fmt::format("the Worker verifies at {}:{} and returns 401 at line {}", m->path(),
                             verify.line(), ret.line());
        if (s) {
          failure = Outcome::fail(m->location(ret),
                                  fmt::format("the Worker's failed-verify branch (line {}) returns "
                                              "status {}, not 401",
                                              stmt.line(), *s));
          return std::nullopt;
        }
      }
    }
    // a throwing verifier inside a try whose catch answers 401
    Node t = catching_try(*m, verify);
    if (!t.null())
      for (const Node& ret : m->nodes_in("return_statement", t.field("handler")))
        if (m->response_status(ret.named_child(0)) == 401)
          return fmt::format("the Worker verifies at {}:{}; its catch returns 401 at line {}",
                             m->path(), verify.line(), ret.line());
    failure = Outcome::fail(m->location(verify),
                            fmt::format("the Worker verifies the token at line {} but a failed "
                                        "verify does not return 401 (the null result is never "
                                        "tested)",
                                        verify.line()));
    return std::nullopt;
  }
  // no verification in the Worker: the DO's answer must be what the container gets
  auto stubs = m->stub_fetches(region, "");
  for (const auto& stub : stubs) {
    PromiseUse use = m->promise_use(stub.fetch_call);
    if (use.returned)
      return fmt::format(
          "the Worker forwards without verifying and returns the DO's response "
          "(line {})",
          stub.fetch_call.line());
    for (const Node& ret : m->nodes_in("return_statement", region))
      if (m->derives_from(ret.named_child(0), [&](const FileModel&, const Node& n) {
            return FileModel::strip_await(n) == stub.fetch_call;
          }))
        return fmt::format(
            "the Worker forwards without verifying and returns the DO's response "
            "(line {})",
            ret.line());
  }
  failure = Outcome::fail(m->location(route->anchor),
                          stubs.empty()
                              ? "the Worker's /internal/stream route neither verifies the token "
                                "nor forwards the request to the DO"
                              : "the Worker's /internal/stream route does not verify the token "
                                "and does not return the DO's response, so the DO's 401 never "
                                "reaches the container");
  return std::nullopt;
}

// Which branch of a status test runs on failure: +1 the consequence, -1 the alternative, 0 either.
int failure_branch(const FileModel& m, const Node& cond, const Node& read, int depth = 0) {
  if (depth > kMaxConditionDepth) return 0;  // `!!…x`, `a && b && …`: a level per operator

  Node c = FileModel::strip(cond);
  if (c.is("unary_expression") && c.field("operator").text() == "!")
    return -failure_branch(m, c.field("argument"), read, depth + 1);
  if (c.is("member_expression") && FileModel::last_name(c) == "ok") return -1;
  if (c.is("binary_expression")) {
    std::string_view op = c.field("operator").kind();
    if (op == "&&" || op == "||") {
      Node side = c.field("left").contains(read) ? c.field("left") : c.field("right");
      return failure_branch(m, side, read, depth + 1);
    }
    Node l = c.field("left"), r = c.field("right");
    auto n = m.fold_number(r.contains(read) ? l : r);
    if (!n) return 0;
    bool success_code = *n >= 200 && *n < 300;
    if (op == "!==" || op == "!=") return success_code ? 1 : -1;
    if (op == "===" || op == "==") return success_code ? -1 : 1;
    bool read_left = l.contains(read);
    if (op == ">=" || op == ">") return read_left ? (*n >= 300 ? 1 : -1) : -1;
    if (op == "<" || op == "<=") return read_left ? -1 : 1;
  }
  return 0;
}

// Whether code in `r` reacts to a failure: throws, exits, sets an exit code, logs an error, aborts,
// rejects, destroys the request, or retries (continue).
Node handles_failure(const FileModel& m, const Node& within) {
  if (within.null()) return {};
  Region r = m.region(within);
  if (!m.nodes_in("throw_statement", r).empty()) return m.nodes_in("throw_statement", r).front();
  if (!m.nodes_in("continue_statement", r).empty())
    return m.nodes_in("continue_statement", r).front();
  for (const Node& a : m.nodes_in("assignment_expression", r)) {
    Node left = FileModel::strip(a.field("left"));
    if (left.is("member_expression") && FileModel::last_name(left) == "exitCode") return a;
  }
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string_view name = FileModel::callee_name(call);
    std::string_view obj = FileModel::last_name(FileModel::callee_object(call));
    if ((name == "exit" && obj == "process") ||
        ((name == "error" || name == "warn") && obj == "console") ||
        (name == "write" && obj == "stderr") || name == "abort" || name == "reject" ||
        name == "destroy" || name == "kill")
      return call;
  }
  return {};
}

// Nodes after `stmt` in its block: the failure path of `if (res.ok) return …;`.
Node rest_of_block(const Node& stmt) {
  Node block = stmt.parent();
  if (!block.is("statement_block")) return {};
  Node next = stmt.next_named_sibling();
  return next.null() ? Node{} : block;
}

std::optional<std::string> agent_side(const CheckContext& ctx, Outcome& failure) {
  const FileModel* m = ctx.file(Role::Agent, failure);
  if (!m) return std::nullopt;
  const CallbackRequest& cr = ctx.project().callback_request();
  if (!cr.found()) {
    failure = Outcome::fail(m->location(m->root()),
                            fmt::format("the agent makes no callback request{}",
                                        cr.problem.empty() ? "" : ": " + cr.problem));
    return std::nullopt;
  }
  const Function* handler =
      cr.response_handler.null() ? nullptr : m->function_at(cr.response_handler);
  Node handler_param;
  if (handler && !handler->parameters().empty()) handler_param = handler->parameters().front();
  auto is_response = [&](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip_await(n);
    if (s == cr.call) return true;
    if (!s.is("identifier")) return false;
    const Binding* b = fm.resolve(s);
    if (!b) return false;
    if (cr.response_binding && b == cr.response_binding) return true;
    return !handler_param.null() && b->kind == BindingKind::Param &&
           handler_param.contains(b->name_node);
  };
  Node read_found;
  for (const Node& mem : m->nodes("member_expression")) {
    std::string_view prop = mem.field("property").text();
    if (prop != "ok" && prop != "status" && prop != "statusCode") continue;
    if (!flows_from(*m, mem.field("object"), is_response)) continue;
    if (read_found.null()) read_found = mem;
    // the test it sits in, and the branch that runs on failure
    for (Node p = mem.parent(); !p.null(); p = p.parent()) {
      Node cond, cons, alt, anchor = p;
      if (p.is("if_statement")) {
        cond = p.field("condition");
        cons = p.field("consequence");
        alt = p.field("alternative");
      } else if (p.is("ternary_expression")) {
        cond = p.field("condition");
        cons = p.field("consequence");
        alt = p.field("alternative");
      } else if (p.is("switch_statement")) {
        if (Node h = handles_failure(*m, p.field("body")); !h.null())
          return fmt::format(
              "the agent switches on the callback status at line {} and handles a "
              "failure (line {})",
              p.line(), h.line());
        break;
      } else if (p.is("statement_block") || p.is("arrow_function") ||
                 p.is("function_declaration")) {
        break;
      } else {
        continue;
      }
      if (!cond.contains(mem)) break;
      int branch = failure_branch(*m, cond, mem);
      std::vector<Node> candidates;
      if (branch >= 0) candidates.push_back(cons);
      if (branch <= 0) {
        candidates.push_back(alt);
        if (alt.null() && p.is("if_statement")) candidates.push_back(rest_of_block(p));
      }
      for (const Node& c : candidates)
        if (Node h = handles_failure(*m, c); !h.null())
          return fmt::format(
              "the agent tests the callback status ({}) at line {} and handles a "
              "failure (line {})",
              snippet(mem, 30), anchor.line(), h.line());
      break;
    }
  }
  failure = Outcome::fail(
      read_found.null() ? m->location(cr.call) : m->location(read_found),
      read_found.null()
          ? fmt::format("the agent never checks the callback response status (res.ok / status / "
                        "statusCode) of its request at line {}: a 401 goes unnoticed",
                        cr.call.line())
          : fmt::format("the agent reads {} at line {} but no failure branch reports or handles a "
                        "rejected callback (log to stderr, exit non-zero, throw, abort, retry)",
                        snippet(read_found, 30), read_found.line()));
  return std::nullopt;
}

Outcome invalid_jwt(const CheckContext& ctx) {
  Outcome failure;
  auto worker = worker_side(ctx, failure);
  if (!worker) return failure;
  // the DO: handleContainerStream's failed verify answers 401
  auto scope = ctx.do_method("handleContainerStream", failure);
  if (!scope) return failure;
  const FileModel& m = *scope->model;
  const ContainerStream& cs = ctx.project().container_stream();
  if (cs.verify_call.null())
    return Outcome::fail(scope->location(),
                         "handleContainerStream never calls verifyExecutionToken()");
  if (cs.verify_guard.null())
    return Outcome::fail(m.location(cs.verify_call),
                         fmt::format("handleContainerStream never tests the verify result of line "
                                     "{} for null",
                                     cs.verify_call.line()));
  if (cs.verify_guard_status != 401)
    return Outcome::fail(
        m.location(cs.verify_guard_return.null() ? cs.verify_guard : cs.verify_guard_return),
        fmt::format("handleContainerStream's failed-verify branch (line {}) {}",
                    cs.verify_guard.line(),
                    cs.verify_guard_status
                        ? fmt::format("returns status {}, not 401", *cs.verify_guard_status)
                        : std::string("does not return a 401 response")));
  std::string do_side = fmt::format(
      "handleContainerStream returns 401 at line {}",
      (cs.verify_guard_return.null() ? cs.verify_guard : cs.verify_guard_return).line());
  auto agent = agent_side(ctx, failure);
  if (!agent) return failure;
  return Outcome::pass(m.location(cs.verify_guard),
                       fmt::format("{}; {}; {}", *worker, do_side, *agent));
}

}  // namespace

void register_error_checks(Registry& r) {
  r.add(
      {.id = "error.bridge-timeout",
       .group = Group::Error,
       .title = "container never calls back → timeout → error event → cleanup",
       .expected = "the bridge-timeout callback writes a type: 'error' line to the bridge writer, "
                   "settles the bridge and deletes it from httpBridges",
       .role = Role::DurableObject,
       .passes_when = "the setTimeout callback of the bridge timeout (with its same-file helpers, "
                      "e.g. sendError(writer, msg)) writes JSON whose type is 'error' to the "
                      "bridge writer, calls the bridge's resolve or reject, and calls "
                      "httpBridges.delete",
       .fails_when = "no timeout; the callback writes nothing or a non-error event; never settles; "
                     "leaves the bridge in httpBridges",
       .config_keys = {"roles.do"},
       .run = bridge_timeout});
  r.add({.id = "error.invalid-jwt",
         .group = Group::Error,
         .title = "invalid JWT → 401 → container sees error",
         .expected = "the Worker stream route and handleContainerStream return 401 on a failed "
                     "verify, and the agent checks the callback response status and handles a "
                     "failure",
         .role = Role::DurableObject,
         .passes_when =
             "Worker: POST /internal/stream verifies and returns 401 on a null result, or "
             "forwards the request and returns the DO's response; DO: the failed-verify "
             "branch returns 401; agent: a test on res.ok / status / statusCode whose "
             "failure branch logs to stderr, exits non-zero, throws, aborts or retries",
         .fails_when = "no stream route; the Worker verifies but ignores a null result; the DO "
                       "answers 403 or nothing; the agent ignores the response status",
         .config_keys = {"roles.worker", "roles.do", "roles.agent"},
         .run = invalid_jwt});
  r.add({.id = "error.dispatch-throws",
         .group = Group::Error,
         .title = "dispatch failure → error written → writer closed → bridge cleaned up",
         .expected = "the .catch of this.dispatchContainer() writes an error line, closes the "
                     "writer and deletes the bridge",
         .role = Role::DurableObject,
         .passes_when = "the rejection handler chained on dispatchContainer() (with same-file "
                        "helpers) writes a type: 'error' line to the bridge writer, closes it (or "
                        "rejects the deferred whose continuation closes it) and calls "
                        "httpBridges.delete",
         .fails_when = "no .catch (awaited or bare); a handler that only logs; no close; no delete",
         .config_keys = {"roles.do"},
         .run = dispatch_throws});
  r.add({.id = "error.browser-disconnect",
         .group = Group::Error,
         .title = "writer errors are caught",
         .expected = "every bridge writer write()/close() in the DO either has a .catch() or is "
                     "awaited inside a try/catch",
         .role = Role::DurableObject,
         .passes_when = "each write/close on a writer (handleChatHttp's writer, bridge.writer, a "
                        "helper parameter given one) is chained with .catch(), or awaited inside a "
                        "try with a catch, or returned to a caller that guards it",
         .fails_when = "fire-and-forget writer.write() without .catch(); await outside any try; "
                       "Found lists every unguarded call",
         .config_keys = {"roles.do"},
         .run = browser_disconnect});
  r.add({.id = "error.session-not-found",
         .group = Group::Error,
         .title = "missing session → throw → caught → safe 500",
         .expected =
             "dispatchContainer throws when the SESSIONS_KV read returns nothing, the throw "
             "is caught on its real path (a dispatch .catch that writes an error line), and "
             "fetch() wraps handleChatHttp in a try/catch returning a 500 whose body does "
             "not contain the error",
         .role = Role::DurableObject,
         .passes_when = "if (!session) throw … after the SESSIONS_KV read; every call path of "
                        "dispatchContainer ends in a handler that tells the browser (error line, "
                        "or a 500 with a constant body); fetch's catch around await "
                        "this.handleChatHttp() returns status 500 built without the caught error",
         .fails_when = "a silent return on a missing session; a fire-and-forget dispatch without "
                       ".catch; no try/catch in fetch; a 500 body with err.message, String(err), "
                       "${err}",
         .config_keys = {"roles.do"},
         .run = session_not_found});
}

}  // namespace v15
