#include "v15check/facts/bridge_kinds.h"

#include <fmt/format.h>

#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/values.h"
#include "v15check/facts/bridge_actions.h"
#include "v15check/text.h"

namespace v15::facts {

namespace {

bool is_this_member(const Node& expr, std::string_view name) {
  Node s = FileModel::strip(expr);
  return s.is("member_expression") && FileModel::strip(s.field("object")).is("this") &&
         s.field("property").text() == name;
}

bool is_new(const Node& expr, std::string_view ctor) {
  Node s = FileModel::strip(expr);
  return s.is("new_expression") && FileModel::last_name(s.field("constructor")) == ctor;
}

// The binding a call's result lands in: `const t = call`, `t = call`.
const Binding* holder(const FileModel& m, const Node& call) {
  Node c = call;
  Node p = c.parent();
  while (!p.null() && (p.is("parenthesized_expression") || p.is("as_expression") ||
                       p.is("non_null_expression"))) {
    c = p;
    p = p.parent();
  }
  if (p.is("variable_declarator") && p.field("value") == c && p.field("name").is("identifier"))
    return m.resolve(p.field("name"));
  if (p.is("assignment_expression") && p.field("right") == c && p.field("left").is("identifier"))
    return m.resolve(p.field("left"));
  return nullptr;
}

bool is_timer_call(const Node& call, std::string_view name) {
  return call.is("call_expression") && FileModel::strip(call.field("function")).is("identifier") &&
         FileModel::callee_name(call) == name;
}

BridgeTimer timer_of(const FileModel& m, const Node& call) {
  BridgeTimer t;
  t.call = call;
  auto args = FileModel::arguments(call);
  if (!args.empty()) t.callback = args[0];
  if (args.size() > 1) {
    t.delay = args[1];
    t.ms = m.fold_number(args[1]);
  } else {
    t.ms = 0;
  }
  t.binding = holder(m, call);
  return t;
}

// Whether a function clears a timer (a cancel function): it calls clearTimeout/clearInterval.
bool calls_clear(const FileModel& m, const Function& f) {
  for (const Node& c : m.nodes_in("call_expression", f.node))
    if (is_timer_call(c, "clearTimeout") || is_timer_call(c, "clearInterval")) return true;
  return false;
}

// A parameter of a same-file helper stands for what its first call passes: the writer a
// `registerBridge(id, writer, …)` helper stores is the caller's writer.
Node caller_argument(const FileModel& m, const Node& val) {
  Origin o = m.trace(val);
  if (!o.binding || o.binding->kind != BindingKind::Param || !o.path.empty()) return val;
  const Function* f = m.enclosing_function(o.binding->name_node);
  if (!f) return val;
  auto params = f->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].contains(o.binding->name_node)) continue;
    for (const Node& call : invocations_of(m, *f)) {
      auto args = FileModel::arguments(call);
      if (i < args.size() && !args[i].is("spread_element")) return args[i];
    }
  }
  return val;
}

}  // namespace

const BridgeMap* BridgeKinds::map(std::string_view name) const {
  for (const BridgeMap& b : maps)
    if (b.name == name) return &b;
  return nullptr;
}

bool BridgeKinds::is_map(const Node& expr, const BridgeMap& map) const {
  if (!model) return false;
  if (is_this_member(expr, map.name)) return true;
  Origin o = model->trace(expr);
  if (is_this_member(o.expr, map.name) && o.path.empty()) return true;
  return FileModel::strip(o.expr).is("this") && o.path.size() == 1 && o.path[0] == map.name;
}

bool BridgeKinds::from_map(const Node& expr, const BridgeMap& map) const {
  if (!model || expr.null()) return false;
  // through aliases, and from a helper's parameter to what its callers pass
  return flows_from(*model, expr, [&](const FileModel&, const Node& n) {
    Node s = FileModel::strip_await(FileModel::strip(n));
    return s.is("call_expression") && FileModel::callee_name(s) == "get" &&
           is_this_member(FileModel::callee_object(s), map.name);
  });
}

bool BridgeKinds::is_writer(const Node& expr, const BridgeMap& map) const {
  if (!model || expr.null() || map.writer.null()) return false;
  const FileModel& m = *model;
  Origin o = m.trace(expr);
  Origin w = m.trace(map.writer);
  if (o.path == w.path && FileModel::strip(o.expr) == FileModel::strip(w.expr)) return true;
  // `<entry>.writer` read off a map entry: the property the value keeps the writer under
  Node s = FileModel::strip(expr);
  if (s.is("member_expression") && !map.value.null() && FileModel::strip(map.value).is("object")) {
    std::string key(s.field("property").text());
    Node held = m.property(FileModel::strip(map.value), key);
    if (!held.null() && FileModel::strip(held) == FileModel::strip(map.writer) &&
        from_map(s.field("object"), map))
      return true;
  }
  if (!o.path.empty() && !map.value.null() && FileModel::strip(map.value).is("object")) {
    Node held = m.property(FileModel::strip(map.value), o.path.back());
    if (!held.null() && FileModel::strip(held) == FileModel::strip(map.writer)) {
      Origin base = o;
      base.path.pop_back();
      if (base.path.empty() && from_map(base.expr, map)) return true;
    }
  }
  return false;
}

bool BridgeKinds::clears(const Node& call, const BridgeTimer& timer, const BridgeMap& map) const {
  if (!model || !call.is("call_expression")) return false;
  const FileModel& m = *model;
  if (timer.cancel_function) {
    return FileModel::callee_name(call) == timer.property &&
           from_map(FileModel::callee_object(call), map);
  }
  if (!is_timer_call(call, "clearTimeout") && !is_timer_call(call, "clearInterval")) return false;
  auto args = FileModel::arguments(call);
  if (args.empty()) return false;
  Node h = FileModel::strip(args[0]);
  if (timer.binding) {
    if (h.is("identifier") && m.resolve(h) == timer.binding) return true;
    Origin o = m.trace(h);
    if (o.binding == timer.binding && o.path.empty()) return true;
    if (!timer.call.null() && FileModel::strip(o.expr) == timer.call) return true;
  }
  if (!timer.property.empty()) {
    if (h.is("member_expression") && h.field("property").text() == timer.property &&
        from_map(h.field("object"), map))
      return true;
    Origin o = m.trace(h);
    if (!o.path.empty() && o.path.back() == timer.property) {
      Origin base = o;
      base.path.pop_back();
      if (base.path.empty() && from_map(base.expr, map)) return true;
    }
  }
  return false;
}

BridgeKinds bridge_kinds(const Project& p) {
  BridgeKinds k;
  const FileModel* mp = p.file(Role::DurableObject);
  k.model = mp;
  if (!mp) return k;
  const FileModel& m = *mp;
  k.cls = m.class_named(p.config().class_name);
  if (!k.cls) return k;
  const Node cls = k.cls->node;

  // The class's maps: fields initialised with `new Map`, or `this.x = new Map()` in a method.
  std::vector<BridgeMap> candidates;
  auto add = [&](std::string name, const Node& decl) {
    for (const BridgeMap& b : candidates)
      if (b.name == name) return;
    BridgeMap b;
    b.name = std::move(name);
    b.field = decl;
    candidates.push_back(std::move(b));
  };
  for (std::string_view kind : {"public_field_definition", "field_definition"})
    for (const Node& f : m.nodes_in(kind, cls))
      if (is_new(f.field("value"), "Map")) add(m.key_name(f.field("name")), f);
  for (const Node& a : m.nodes_in("assignment_expression", cls)) {
    Node left = FileModel::strip(a.field("left"));
    if (is_new(a.field("right"), "Map") && left.is("member_expression") &&
        FileModel::strip(left.field("object")).is("this"))
      add(std::string(left.field("property").text()), a);
  }
  if (candidates.empty()) return k;

  BridgeValues bv(p, m);
  const ChatBridge& cb = p.chat_bridge();
  auto is_settle_fn = [&](const Node& v) {
    return cb.model == &m && (cb.is_resolve(m, v) || cb.is_reject(m, v));
  };
  std::vector<Node> calls = m.nodes_in("call_expression", cls);

  for (BridgeMap& b : candidates) {
    for (const Node& c : calls)
      if (FileModel::callee_name(c) == "set" && is_this_member(FileModel::callee_object(c), b.name))
        b.sets.push_back(c);
    if (b.sets.empty()) continue;
    bool http = false, socket = false;
    for (const Node& set : b.sets) {
      auto args = FileModel::arguments(set);
      if (args.size() < 2) continue;
      Origin o = analysis::into_literals(m, m.trace(args[1]));
      Node v = FileModel::strip_await(FileModel::strip(o.expr));
      if (!o.path.empty()) v = FileModel::strip(args[1]);
      if (b.value.null()) b.value = v;
      // a socket: a side of a WebSocketPair, a `new WebSocket`, or a value accepted as one
      Origin so = m.trace(args[1]);
      if (is_new(so.expr, "WebSocketPair") || is_new(so.expr, "WebSocket")) socket = true;
      if (v.is("object")) {
        for (const Node& pair : v.named_children()) {
          Node val = pair.is("pair")                            ? pair.field("value")
                     : pair.is("shorthand_property_identifier") ? pair
                                                                : Node{};
          if (val.null()) continue;
          if (bv.is_writer(val)) {
            http = true;
            if (b.writer.null() || set == b.sets.front()) b.writer = caller_argument(m, val);
          }
          if (is_settle_fn(val)) http = true;
        }
      } else if (bv.is_writer(v)) {
        http = true;
        if (b.writer.null()) b.writer = v;
      }
    }
    if (!http && !socket) continue;
    b.kind = http ? BridgeKind::Http : BridgeKind::WebSocket;
    if (b.kind == BridgeKind::Http) {
      // the timeout: a handle or cancel function the value keeps, else the bridge timeout's binding
      Node v = b.value;
      if (v.is("object")) {
        for (const Node& pair : v.named_children()) {
          Node val = pair.is("pair")                            ? pair.field("value")
                     : pair.is("shorthand_property_identifier") ? pair
                                                                : Node{};
          if (val.null()) continue;
          std::string key =
              pair.is("pair") ? m.key_name(pair.field("key")) : std::string(pair.text());
          Origin o = m.trace(val);
          Node s = FileModel::strip(o.expr);
          if (o.path.empty() && is_timer_call(s, "setTimeout")) {
            if (b.timeout.property.empty()) {
              b.timeout = timer_of(m, s);
              b.timeout.property = key;
            }
          } else if (const Function* f = m.function_at(val); f && calls_clear(m, *f)) {
            if (b.timeout.property.empty()) {
              b.timeout.property = key;
              b.timeout.cancel_function = true;
            }
          }
        }
      }
      if (!b.timeout.found()) {
        const BridgeTimeout& bt = p.bridge_timeout();
        if (bt.found() && m.root().contains(bt.call)) b.timeout = timer_of(m, bt.call);
      }
      // heartbeats: a setInterval, or a setTimeout that re-arms, whose callback writes the writer
      for (const Node& c : calls) {
        bool interval = is_timer_call(c, "setInterval");
        if (!interval && !is_timer_call(c, "setTimeout")) continue;
        auto args = FileModel::arguments(c);
        if (args.empty()) continue;
        const Function* f = m.function_at(args[0]);
        if (!f) continue;
        bool rearms = false;
        if (!interval) {
          if (f->node.contains(c)) continue;  // the re-arming call itself, recorded once
          for (const Node& inner : m.nodes_in("call_expression", f->node))
            if (is_timer_call(inner, "setTimeout") && inner != c) {
              auto ia = FileModel::arguments(inner);
              if (!ia.empty() && m.function_at(ia[0]) == f) rearms = true;
            }
          if (!rearms) continue;
        }
        bool writes = false;
        for (const Node& w : m.nodes_in("call_expression", analysis::deep_region(m, *f)))
          if (FileModel::callee_name(w) == "write" && k.is_writer(FileModel::callee_object(w), b)) {
            writes = true;
            break;
          }
        if (!writes) continue;
        BridgeTimer t = timer_of(m, c);
        if (!t.binding && rearms)
          for (const Node& inner : m.nodes_in("call_expression", f->node))
            if (is_timer_call(inner, "setTimeout") && (t.binding = holder(m, inner))) break;
        if (v.is("object") && t.binding)
          for (const Node& pair : v.named_children()) {
            Node val = pair.is("pair")                            ? pair.field("value")
                       : pair.is("shorthand_property_identifier") ? pair
                                                                  : Node{};
            if (!val.null() && m.resolve(FileModel::strip(val).text(),
                                         FileModel::strip(val).start_byte()) == t.binding)
              t.property =
                  pair.is("pair") ? m.key_name(pair.field("key")) : std::string(pair.text());
          }
        b.heartbeats.push_back(std::move(t));
      }
    }
    k.maps.push_back(std::move(b));
  }
  return k;
}

Expected<BridgeKinds> do_bridge_kinds(const CheckContext& ctx) {
  auto file = ctx.file(Role::DurableObject);
  if (!file) return file.failure();
  const FileModel& m = **file;
  BridgeKinds k = bridge_kinds(ctx.project());
  if (!k.cls)
    return Outcome::fail(m.location(m.root()),
                         fmt::format("no class {} in {}{}", cap(ctx.config().class_name), m.path(),
                                     ctx.parse_note(m)));
  return k;
}

}  // namespace v15::facts
