// The chat bridge fact: what handleChatHttp builds so that handleContainerStream can feed the
// browser's response (the TransformStream, its writer, the deferred, the httpBridges entry) and
// the container dispatch. Computed once per project; the do.chat-*, do.stream-* and error.*
// checks read it.
#include <fmt/format.h>

#include <algorithm>

#include "v15check/analysis/values.h"
#include "v15check/model.h"
#include "v15check/text.h"

namespace v15 {

namespace {

constexpr int kMaxHops = 2;

Origin origin_of(const FileModel& m, const Node& expr) {
  return analysis::into_literals(m, m.trace(expr));
}

// Where a declared binding's value comes from (its initialiser, or its only assignment).
std::optional<Origin> binding_origin(const FileModel& m, const Binding& b) {
  if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
    return std::nullopt;
  Node value = b.init;
  if (value.null() && b.assignments.size() == 1) value = b.assignments.front();
  if (value.null()) return std::nullopt;
  Origin o = m.trace(value);
  o.path.insert(o.path.end(), b.path.begin(), b.path.end());
  o = analysis::into_literals(m, std::move(o));
  if (!o.binding) o.binding = &b;
  return o;
}

bool same(const Node& a, const Node& b) { return !a.null() && !b.null() && a == b; }

bool path_is(const Origin& o, std::string_view key) {
  return o.path.size() == 1 && o.path.front() == key;
}

// The identifier a parameter node declares (through TS wrappers and defaults).
Node parameter_identifier(Node p) {
  if (p.is("required_parameter") || p.is("optional_parameter")) p = p.field("pattern");
  if (p.is("assignment_pattern")) p = p.field("left");
  return p.is("identifier") ? p : Node{};
}

template <typename Direct>
bool denotes(const FileModel& m, const Region& r, const Node& expr, const Direct& direct,
             int depth = 0) {
  if (expr.null()) return false;
  if (direct(origin_of(m, expr))) return true;
  if (depth >= kMaxHops) return false;
  for (const Node& a : argument_values(m, r, expr))
    if (denotes(m, r, a, direct, depth + 1)) return true;
  return false;
}

// A `new Promise(executor)` whose settle functions are assigned to something outside the
// executor (an outer `let`, or a property such as `this.resolve`).
struct Escape {
  Node promise;
  const Binding* resolve_param = nullptr;
  const Binding* reject_param = nullptr;
  Node resolve_target;  // the left side `resolve` / `this.resolve` is assigned to
  Node reject_target;
};

std::optional<Escape> escaping_promise(const FileModel& m, const Node& node) {
  Node n = FileModel::strip(node);
  if (!n.is("new_expression") || FileModel::callee_name(n) != "Promise") return std::nullopt;
  auto args = FileModel::arguments(n);
  if (args.empty()) return std::nullopt;
  const Function* executor = m.function_at(args[0]);
  if (!executor) return std::nullopt;
  auto params = executor->parameters();
  Escape e;
  e.promise = n;
  if (!params.empty()) e.resolve_param = m.resolve(parameter_identifier(params[0]));
  if (params.size() > 1) e.reject_param = m.resolve(parameter_identifier(params[1]));
  if (!e.resolve_param) return std::nullopt;
  for (const Node& a : m.nodes_in("assignment_expression", executor->node)) {
    Node right = FileModel::strip(a.field("right"));
    if (!right.is("identifier")) continue;
    const Binding* rb = m.resolve(right);
    if (!rb || (rb != e.resolve_param && rb != e.reject_param)) continue;
    Node left = FileModel::strip(a.field("left"));
    bool escapes = left.is("member_expression") || left.is("subscript_expression");
    if (left.is("identifier")) {
      const Binding* lb = m.resolve(left);
      escapes = lb && !executor->node.contains(lb->name_node);
    }
    if (!escapes) continue;
    (rb == e.resolve_param ? e.resolve_target : e.reject_target) = left;
  }
  if (e.resolve_target.null()) return std::nullopt;
  return e;
}

bool is_with_resolvers(const Node& node) {
  Node n = FileModel::strip_await(node);
  return n.is("call_expression") && FileModel::callee_name(n) == "withResolvers" &&
         FileModel::last_name(FileModel::callee_object(n)) == "Promise";
}

std::optional<Escape> escaping_promise_in(const FileModel& m, const Node& within) {
  for (const Node& n : m.nodes_in("new_expression", within))
    if (auto e = escaping_promise(m, n)) return e;
  return std::nullopt;
}

// The values a function returns: `return x` statements of its own, or a concise body.
// Names the deferred object's properties from a helper's returned object literal.
void keys_from_returned_object(const FileModel& m, const Function& f, const Escape& e,
                               ChatBridge& b) {
  const Binding* res_target =
      e.resolve_target.is("identifier") ? m.resolve(e.resolve_target) : nullptr;
  const Binding* rej_target =
      e.reject_target.is("identifier") ? m.resolve(e.reject_target) : nullptr;
  for (const Node& v : analysis::returned_values(m, f)) {
    Node obj = FileModel::strip(v);
    if (obj.is("identifier")) obj = FileModel::strip(m.trace(obj).expr);
    if (!obj.is("object")) continue;
    for (const Node& c : obj.named_children()) {
      std::string key;
      Node value;
      if (c.is("pair")) {
        key = m.key_name(c.field("key"));
        value = c.field("value");
      } else if (c.is("shorthand_property_identifier")) {
        key = std::string(c.text());
        value = c;
      } else {
        continue;
      }
      Origin o = m.trace(value);
      Node s = FileModel::strip(value);
      const Binding* vb = s.is("identifier") || s.is("shorthand_property_identifier")
                              ? m.resolve(s.text(), s.start_byte())
                              : nullptr;
      if (same(o.expr, e.promise) && o.path.empty())
        b.promise_key = key;
      else if ((vb && vb == res_target) || (o.binding && o.binding == e.resolve_param))
        b.resolve_key = key;
      else if ((vb && vb == rej_target) ||
               (o.binding && e.reject_param && o.binding == e.reject_param))
        b.reject_key = key;
    }
  }
}

// Names the deferred object's properties from a class's `this.x = …` assignments / fields.
void keys_from_class(const FileModel& m, const Escape& e, ChatBridge& b) {
  auto member_name = [](const Node& n) -> std::string {
    Node s = FileModel::strip(n);
    return s.is("member_expression") ? std::string(s.field("property").text()) : std::string{};
  };
  if (!e.resolve_target.null()) b.resolve_key = member_name(e.resolve_target);
  if (!e.reject_target.null()) b.reject_key = member_name(e.reject_target);
  Node parent = e.promise.parent();
  while (parent.is("parenthesized_expression") || parent.is("as_expression"))
    parent = parent.parent();
  if (parent.is("assignment_expression"))
    b.promise_key = member_name(parent.field("left"));
  else if (parent.is("public_field_definition") || parent.is("field_definition"))
    b.promise_key = m.key_name(parent.field("name"));
}

// Classifies one node of the region as the deferred, filling the deferred fields of `b`.
bool classify_deferred(const FileModel& m, const Node& n, ChatBridge& b) {
  if (n.is("new_expression") && FileModel::callee_name(n) == "Promise") {
    auto e = escaping_promise(m, n);
    if (!e) return false;
    b.deferred_kind = ChatBridge::DeferredKind::Promise;
    b.deferred = n;
    b.executor_promise = n;
    b.executor_resolve = e->resolve_param;
    b.executor_reject = e->reject_param;
    if (e->resolve_target.is("identifier")) b.resolve = m.resolve(e->resolve_target);
    if (e->reject_target.is("identifier")) b.reject = m.resolve(e->reject_target);
    return true;
  }
  if (is_with_resolvers(n) && n.is("call_expression")) {
    b.deferred_kind = ChatBridge::DeferredKind::WithResolvers;
    b.deferred = n;
    return true;
  }
  if (n.is("call_expression")) {
    const Function* f = m.callee_function(n);
    if (!f || f->body.null()) return false;
    if (auto e = escaping_promise_in(m, f->body)) {
      b.deferred_kind = ChatBridge::DeferredKind::Helper;
      b.deferred = n;
      b.executor_promise = e->promise;
      b.deferred_helper = f;
      b.executor_resolve = e->resolve_param;
      b.executor_reject = e->reject_param;
      keys_from_returned_object(m, *f, *e, b);
      return true;
    }
    for (const Node& v : analysis::returned_values(m, *f)) {
      if (is_with_resolvers(v)) {
        b.deferred_kind = ChatBridge::DeferredKind::Helper;
        b.deferred = n;
        b.deferred_helper = f;
        return true;
      }
    }
    return false;
  }
  if (n.is("new_expression")) {
    const ClassInfo* cls = m.class_named(FileModel::callee_name(n));
    if (!cls) return false;
    auto e = escaping_promise_in(m, cls->node);
    if (!e) return false;
    b.deferred_kind = ChatBridge::DeferredKind::Helper;
    b.deferred = n;
    b.executor_promise = e->promise;
    b.deferred_helper = m.method(cls->name, "constructor");
    b.executor_resolve = e->resolve_param;
    b.executor_reject = e->reject_param;
    keys_from_class(m, *e, b);
    return true;
  }
  return false;
}

void find_deferred(const FileModel& m, ChatBridge& b) {
  for (const Node& part : b.region.parts) {
    std::vector<Node> candidates = m.nodes_in("new_expression", part);
    auto calls = m.nodes_in("call_expression", part);
    candidates.insert(candidates.end(), calls.begin(), calls.end());
    std::sort(candidates.begin(), candidates.end(),
              [](const Node& x, const Node& y) { return x.start_byte() < y.start_byte(); });
    for (const Node& n : candidates)
      if (classify_deferred(m, n, b)) return;
  }
}

void find_stream(const FileModel& m, ChatBridge& b) {
  auto streams = m.find("new_expression", b.region, match::new_expr("TransformStream"));
  auto writers = m.find("call_expression", b.region, match::call("getWriter"));
  for (const Node& call : writers) {
    Origin o = origin_of(m, FileModel::callee_object(call));
    if (!path_is(o, "writable")) continue;
    for (const Node& s : streams) {
      if (same(o.expr, s)) {
        b.stream = s;
        b.writer_call = call;
        return;
      }
    }
  }
  // Another kind of stream still has a writer the bridge closes and writes to.
  if (!writers.empty()) b.writer_call = writers.front();
  if (!streams.empty()) b.stream = streams.front();
}

void find_bindings(const FileModel& m, ChatBridge& b) {
  for (const Binding& bind : m.bindings()) {
    if (!b.region.contains(bind.name_node)) continue;
    auto o = binding_origin(m, bind);
    if (!o) continue;
    auto first = [&](const Binding*& slot) {
      if (!slot) slot = &bind;
    };
    if (same(o->expr, b.stream)) {
      if (o->path.empty())
        first(b.stream_binding);
      else if (path_is(*o, "readable"))
        first(b.readable);
      else if (path_is(*o, "writable"))
        first(b.writable);
    }
    if (same(o->expr, b.writer_call) && o->path.empty()) first(b.writer);
    if (!same(o->expr, b.deferred)) continue;
    if (b.deferred_kind == ChatBridge::DeferredKind::Promise) {
      if (o->path.empty()) first(b.promise);
    } else if (o->path.empty()) {
      first(b.deferred_object);
    } else if (path_is(*o, b.promise_key)) {
      first(b.promise);
    } else if (path_is(*o, b.resolve_key)) {
      first(b.resolve);
    } else if (path_is(*o, b.reject_key)) {
      first(b.reject);
    }
  }
}

void find_calls(const FileModel& m, ChatBridge& b) {
  for (const Node& call : m.nodes_in("call_expression", b.region)) {
    std::string_view name = FileModel::callee_name(call);
    Node obj = FileModel::callee_object(call);
    if (b.register_call.null() && name == "set") {
      std::string_view map = FileModel::last_name(obj);
      if (map == "httpBridges" || map == "#httpBridges") {
        b.register_call = call;
        auto args = FileModel::arguments(call);
        if (!args.empty()) b.register_key = args[0];
        if (args.size() > 1) {
          Node v = FileModel::strip(args[1]);
          Node traced = v.is("identifier") ? FileModel::strip(m.trace(v).expr) : v;
          b.registered = traced.is("object") ? traced : args[1];
        }
      }
    }
    if (b.dispatch_call.null() && name == "dispatchContainer" && obj.is("this"))
      b.dispatch_call = call;
  }
}

}  // namespace

std::vector<Node> argument_values(const FileModel& m, const Region& region, const Node& expr) {
  std::vector<Node> out;
  Origin o = m.trace(expr);
  const Binding* b = o.binding;
  if (!b || b->kind != BindingKind::Param || !b->path.empty() || !o.path.empty()) return out;
  const Function* f = m.function_at(b->scope);
  if (!f) return out;
  auto params = f->parameters();
  std::size_t index = params.size();
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].contains(b->name_node)) index = i;
  if (index == params.size()) return out;
  // The call sites of f (indexed once per file), in the region's order: by part, then by
  // position. Scanning every call of the region instead costs a whole region per question.
  const std::vector<Node>& parts = region.outermost();
  std::vector<std::pair<std::size_t, Node>> sites;
  for (const Node& call : m.calls_of(*f))
    for (std::size_t p = 0; p < parts.size(); ++p)
      if (parts[p].contains(call)) {
        sites.emplace_back(p, call);
        break;
      }
  std::stable_sort(sites.begin(), sites.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [part, call] : sites) {
    auto args = FileModel::arguments(call);
    if (index < args.size() && !args[index].is("spread_element")) out.push_back(args[index]);
  }
  return out;
}

bool ChatBridge::is_readable(const FileModel& m, const Node& expr) const {
  if (stream.null()) return false;
  return denotes(m, region, expr,
                 [&](const Origin& o) { return same(o.expr, stream) && path_is(o, "readable"); });
}

bool ChatBridge::is_writable(const FileModel& m, const Node& expr) const {
  if (stream.null()) return false;
  return denotes(m, region, expr,
                 [&](const Origin& o) { return same(o.expr, stream) && path_is(o, "writable"); });
}

bool ChatBridge::is_writer(const FileModel& m, const Node& expr) const {
  if (writer_call.null()) return false;
  return denotes(m, region, expr,
                 [&](const Origin& o) { return same(o.expr, writer_call) && o.path.empty(); });
}

bool ChatBridge::is_promise(const FileModel& m, const Node& expr) const {
  if (!has_deferred()) return false;
  return denotes(m, region, expr, [&](const Origin& o) {
    if (!same(o.expr, deferred)) return false;
    return deferred_kind == DeferredKind::Promise ? o.path.empty() : path_is(o, promise_key);
  });
}

bool ChatBridge::is_resolve(const FileModel& m, const Node& expr) const {
  if (!has_deferred()) return false;
  return denotes(m, region, expr, [&](const Origin& o) {
    if (deferred_kind == DeferredKind::Promise)
      return o.binding && (o.binding == executor_resolve || o.binding == resolve);
    return same(o.expr, deferred) && path_is(o, resolve_key);
  });
}

bool ChatBridge::is_reject(const FileModel& m, const Node& expr) const {
  if (!has_deferred()) return false;
  return denotes(m, region, expr, [&](const Origin& o) {
    if (deferred_kind == DeferredKind::Promise)
      return o.binding &&
             ((executor_reject && o.binding == executor_reject) || (reject && o.binding == reject));
    return same(o.expr, deferred) && path_is(o, reject_key);
  });
}

const ChatBridge& Project::chat_bridge() const {
  if (chat_bridge_) return *chat_bridge_;
  ChatBridge b;
  const FileModel* m = file(Role::DurableObject);
  b.model = m;
  const Function* fn = m ? do_method("handleChatHttp") : nullptr;
  if (!m) {
    b.problem = unavailable(Role::DurableObject);
  } else if (!m->class_named(config_.class_name)) {
    b.problem = fmt::format("no class {} in {}", cap(config_.class_name), m->path());
  } else if (!fn) {
    b.problem = fmt::format("class {} has no method handleChatHttp()", cap(config_.class_name));
  } else {
    b.method = fn;
    b.region = m->region(*fn);
    b.promise_key = "promise";
    b.resolve_key = "resolve";
    b.reject_key = "reject";
    find_stream(*m, b);
    find_deferred(*m, b);
    if (b.deferred_kind == ChatBridge::DeferredKind::Promise) {
      b.promise_key.clear();
      b.resolve_key.clear();
      b.reject_key.clear();
    } else {
      if (b.promise_key.empty()) b.promise_key = "promise";
      if (b.resolve_key.empty()) b.resolve_key = "resolve";
      if (b.reject_key.empty()) b.reject_key = "reject";
    }
    find_bindings(*m, b);
    find_calls(*m, b);
  }
  chat_bridge_ = std::move(b);
  return *chat_bridge_;
}

}  // namespace v15
