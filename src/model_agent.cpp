// The container agent's facts: which environment variables it reads (and how), and the streaming
// POST it makes back to the Worker. agent.*, docker.env-names and error.invalid-jwt read them.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "v15check/model.h"

namespace v15 {

namespace {

constexpr int kMaxHops = 4;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The function declaring parameter binding `b`, and the index of the parameter holding it.
std::pair<const Function*, std::size_t> parameter_owner(const FileModel& m, const Binding& b) {
  const Function* best = nullptr;
  std::size_t index = 0;
  for (const Function& f : m.functions()) {
    if (!f.node.contains(b.name_node)) continue;
    auto params = f.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!params[i].contains(b.name_node)) continue;
      if (!best || best->node.contains(f.node)) {
        best = &f;
        index = i;
      }
    }
  }
  return {best, index};
}

// `process.env` itself (through aliases): the object whose members are env reads.
bool is_env_object(const FileModel& m, const Node& expr) {
  Origin o = m.trace(expr);
  Node base = FileModel::strip(o.expr);
  return base.is("identifier") && base.text() == "process" && o.path.size() == 1 &&
         o.path[0] == "env";
}

// The object literal an expression denotes: a literal, or a const/let bound to one.
Node object_literal(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > kMaxHops) return {};
  Node e = FileModel::strip_await(expr);
  if (e.is("object")) return e;
  if (e.is("identifier") || e.is("shorthand_property_identifier")) {
    Origin o = m.trace(e);
    if (o.path.empty() && !(o.expr == e)) return object_literal(m, o.expr, depth + 1);
  }
  if (e.is("call_expression")) {
    // a same-file helper returning the object
    const Function* f = m.function_at(FileModel::strip(e.field("function")));
    if (!f) f = m.callee_function(e);
    if (!f) return {};
    if (!f->body.is("statement_block")) return object_literal(m, f->body, depth + 1);
    for (const Node& ret : m.nodes_in("return_statement", f->body))
      if (m.enclosing_function(ret) == f) {
        Node v = object_literal(m, ret.named_child(0), depth + 1);
        if (!v.null()) return v;
      }
  }
  return {};
}

// Climbs from a read through wrappers to the expression whose value it gives, noting a default
// (`x || d`, `x ?? d`).
struct ReadUse {
  Node top;  // the outermost expression carrying the read's value
  Node default_value;
};

ReadUse read_use(const Node& read) {
  ReadUse u;
  Node cur = read;
  for (;;) {
    Node p = cur.parent();
    std::string_view k = p.kind();
    if (k == "parenthesized_expression" || k == "as_expression" || k == "non_null_expression" ||
        k == "satisfies_expression" || k == "await_expression") {
      cur = p;
      continue;
    }
    if (k == "binary_expression") {
      std::string_view op = p.field("operator").kind();
      if (op == "||" || op == "??") {
        if (p.field("left") == cur && u.default_value.null()) u.default_value = p.field("right");
        cur = p;
        continue;
      }
    }
    break;
  }
  u.top = cur;
  return u;
}

// A presence test: the read is (part of) the condition of an if / ternary / loop, the left side
// of `&&`, or an operand of `typeof` / `!` / a comparison there.
bool in_condition(const Node& read) {
  Node cur = read;
  for (;;) {
    Node p = cur.parent();
    std::string_view k = p.kind();
    if (p.null()) return false;
    if ((k == "if_statement" || k == "while_statement" || k == "do_statement" ||
         k == "ternary_expression") &&
        p.field("condition") == cur)
      return true;
    if (k == "for_statement" && p.field("condition") == cur) return true;
    if (k == "parenthesized_expression" || k == "unary_expression") {
      cur = p;
      continue;
    }
    if (k == "binary_expression") {
      std::string_view op = p.field("operator").kind();
      if (op == "&&" && p.field("left") == cur) return true;
      if (op == "&&" || op == "||" || op == "??" || op == "===" || op == "!==" || op == "==" ||
          op == "!=") {
        cur = p;
        continue;
      }
    }
    return false;
  }
}

// The test node a guarding construct evaluates.
Node test_of(const Node& cond) {
  if (cond.is("if_statement") || cond.is("ternary_expression")) return cond.field("condition");
  if (cond.is("binary_expression")) return cond.field("left");
  return {};
}

const Binding* binding_at(const FileModel& m, const Node& top) {
  Node p = top.parent();
  if (p.is("variable_declarator") && p.field("value") == top) {
    Node name = p.field("name");
    if (name.is("identifier")) return m.resolve(name.text(), name.end_byte());
  }
  if (p.is("assignment_expression") && p.field("right") == top) {
    Node left = FileModel::strip(p.field("left"));
    if (left.is("identifier")) return m.resolve(left);
  }
  return nullptr;
}

void add_read(const FileModel& m, std::vector<EnvRead>& out, std::string name, const Node& node,
              const Node& value_node) {
  EnvRead r;
  r.name = std::move(name);
  r.node = node;
  r.location = m.location(node);
  ReadUse u = read_use(value_node);
  if (!u.default_value.null()) {
    r.has_default = true;
    r.default_value = u.default_value;
  }
  r.guarded = in_condition(value_node);
  r.binding = binding_at(m, u.top);
  out.push_back(std::move(r));
}

bool is_write_target(const Node& n) {
  Node p = n.parent();
  while (p.is("parenthesized_expression")) p = p.parent();
  if ((p.is("assignment_expression") || p.is("augmented_assignment_expression")) &&
      p.field("left").contains(n))
    return true;
  if (p.is("unary_expression") && p.field("operator").text() == "delete") return true;
  return false;
}

AgentEnv build_agent_env(const FileModel& m) {
  AgentEnv env;
  env.model = &m;
  std::vector<EnvRead> reads;
  struct HelperRead {
    Node read;
    const Function* helper;
    std::size_t index;
  };
  std::vector<HelperRead> helper_reads;

  // member and subscript reads, also through an alias of process.env
  for (std::string_view kind : {"member_expression", "subscript_expression"}) {
    for (const Node& n : m.nodes(kind)) {
      if (is_write_target(n)) continue;
      if (auto name = m.process_env_name(n)) {
        add_read(m, reads, *name, n, n);
        continue;
      }
      if (kind != "subscript_expression" || !is_env_object(m, n.field("object"))) continue;
      // process.env[name]: a helper parameter, or a name this tool cannot fold
      Node index = FileModel::strip(n.field("index"));
      const Binding* b = index.is("identifier") ? m.resolve(index) : nullptr;
      if (b && b->kind == BindingKind::Param && b->path.empty()) {
        auto [owner, i] = parameter_owner(m, *b);
        if (owner) {
          helper_reads.push_back({n, owner, i});
          continue;
        }
      }
      env.dynamic_reads.push_back(n);
    }
  }

  // destructuring: const { X } = process.env, const { env: { X } } = process
  for (const Binding& b : m.bindings()) {
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    if (b.path.empty() || b.init.null()) continue;
    Origin o = m.trace(b.init);
    Node base = FileModel::strip(o.expr);
    if (!base.is("identifier") || base.text() != "process") continue;
    std::vector<std::string> full = o.path;
    full.insert(full.end(), b.path.begin(), b.path.end());
    if (full.size() != 2 || full[0] != "env") continue;
    EnvRead r;
    r.name = full[1];
    Node element = b.name_node;
    Node parent = element.parent();
    if (parent.is("object_assignment_pattern") || parent.is("assignment_pattern")) {
      if (parent.field("left") == element) {
        r.has_default = true;
        r.default_value = parent.field("right");
      }
      element = parent;
    } else if (parent.is("pair_pattern")) {
      element = parent;
    }
    r.node = element;
    r.location = m.location(b.name_node);
    r.binding = &b;
    reads.push_back(std::move(r));
  }

  // requireEnv('X'): each call of a helper that reads process.env[param]
  for (const HelperRead& h : helper_reads) {
    EnvRead inner;
    std::vector<EnvRead> tmp;
    add_read(m, tmp, "", h.read, h.read);
    inner = tmp.front();
    for (const Node& call : invocations_of(m, *h.helper)) {
      auto args = FileModel::arguments(call);
      if (h.index >= args.size()) continue;
      auto name = m.fold_string(args[h.index]);
      if (!name) {
        env.dynamic_reads.push_back(call);
        continue;
      }
      add_read(m, reads, *name, call, call);
      EnvRead& r = reads.back();
      if (!r.has_default && inner.has_default) {
        // the helper's own fallback counts unless it is a parameter the call leaves out
        Node d = FileModel::strip(inner.default_value);
        const Binding* db = d.is("identifier") ? m.resolve(d) : nullptr;
        bool given = true;
        if (db && db->kind == BindingKind::Param && db->init.null()) {
          auto [owner, i] = parameter_owner(m, *db);
          given = owner == h.helper && i < args.size();
        }
        if (given) {
          r.has_default = true;
          r.default_value = inner.default_value;
        }
      }
    }
  }

  // a read inside a branch guarded by a test of the same name is a use after a presence check
  std::unordered_map<std::string_view, std::vector<std::size_t>> reads_by_name;
  for (std::size_t i = 0; i < reads.size(); ++i) reads_by_name[reads[i].name].push_back(i);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    EnvRead& r = reads[i];
    if (r.guarded) continue;
    const auto& same_name = reads_by_name[r.name];
    if (same_name.size() < 2) continue;
    ControlContext ctx = m.context(r.node, m.root());
    for (const Node& cond : ctx.conditions) {
      Node test = test_of(cond);
      if (test.null() || test.contains(r.node)) continue;
      for (std::size_t j : same_name)
        if (j != i && test.contains(reads[j].node)) r.guarded = true;
    }
  }

  std::sort(reads.begin(), reads.end(), [](const EnvRead& a, const EnvRead& b) {
    return a.node.start_byte() < b.node.start_byte();
  });
  env.reads = std::move(reads);
  env.index_reads();
  return env;
}

// -- the callback request ------------------------------------------------------------------------

bool is_http_module(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > kMaxHops) return false;
  Node e = FileModel::strip(expr);
  if (e.is("ternary_expression"))
    return is_http_module(m, e.field("consequence"), depth + 1) ||
           is_http_module(m, e.field("alternative"), depth + 1);
  if (e.is("binary_expression"))
    return is_http_module(m, e.field("left"), depth + 1) ||
           is_http_module(m, e.field("right"), depth + 1);
  if (!e.is("identifier")) return false;
  const Binding* b = m.resolve(e);
  if (!b) return false;
  static constexpr std::string_view kModules[] = {"http", "https", "node:http", "node:https"};
  bool module =
      std::find(std::begin(kModules), std::end(kModules), b->import_source) != std::end(kModules);
  if (module) return b->imported_name == "*" || b->imported_name == "default";
  if (b->kind == BindingKind::Param || b->init.null()) return false;
  if (!b->path.empty()) return false;
  return is_http_module(m, b->init, depth + 1);
}

bool is_request_call(const FileModel& m, const Node& call, CallbackRequest::Api* api) {
  Node callee = FileModel::strip(call.field("function"));
  std::string_view name = FileModel::last_name(callee);
  if (name == "fetch") {
    bool global =
        callee.is("identifier") || (callee.is("member_expression") &&
                                    (FileModel::last_name(callee.field("object")) == "globalThis" ||
                                     FileModel::last_name(callee.field("object")) == "global"));
    if (global) *api = CallbackRequest::Api::Fetch;
    return global;
  }
  if (name != "request") return false;
  if (callee.is("member_expression") && is_http_module(m, callee.field("object"))) {
    *api = CallbackRequest::Api::HttpRequest;
    return true;
  }
  if (callee.is("identifier")) {
    const Binding* b = m.resolve(callee);
    if (b &&
        (b->import_source == "http" || b->import_source == "https" ||
         b->import_source == "node:http" || b->import_source == "node:https") &&
        b->imported_name == "request") {
      *api = CallbackRequest::Api::HttpRequest;
      return true;
    }
  }
  return false;
}

// The header value under `name` (case-insensitive) in a headers object literal or `new Headers(…)`.
Node header_value(const FileModel& m, const Node& headers, std::string_view name, int depth = 0) {
  if (depth > kMaxHops || headers.null()) return {};
  Node h = FileModel::strip(headers);
  if (h.is("identifier")) h = FileModel::strip(m.trace(h).expr);
  if (h.is("new_expression") && FileModel::callee_name(h) == "Headers") {
    auto args = FileModel::arguments(h);
    return args.empty() ? Node{} : header_value(m, args[0], name, depth + 1);
  }
  Node obj = object_literal(m, h);
  if (obj.null()) return {};
  Node found;
  for (const Node& c : obj.named_children()) {
    if (c.is("pair") && ascii_lower(m.key_name(c.field("key"))) == name) {
      found = c.field("value");
    } else if (c.is("shorthand_property_identifier") && ascii_lower(c.text()) == name) {
      found = c;
    } else if (c.is("spread_element")) {
      Node v = header_value(m, c.named_child(0), name, depth + 1);
      if (!v.null()) found = v;
    }
  }
  return found;
}

// The nodes whose value is what `call` returns: the call, and calls of same-file functions that
// return it (`function open() { return https.request(…) }`).
std::vector<Node> value_origins(const FileModel& m, const Node& call, int depth = 0) {
  std::vector<Node> out{call};
  if (depth > 2) return out;
  Node cur = call;
  for (Node p = cur.parent(); p.is("parenthesized_expression") || p.is("await_expression");
       p = p.parent())
    cur = p;
  Node p = cur.parent();
  const Function* f = nullptr;
  if (p.is("return_statement"))
    f = m.enclosing_function(p);
  else if (p.is("arrow_function") && p.field("body") == cur)
    f = m.enclosing_function(cur);
  if (!f) return out;
  for (const Node& c : invocations_of(m, *f))
    for (const Node& o : value_origins(m, c, depth + 1)) out.push_back(o);
  return out;
}

// A ReadableStream underlying source's controller parameters: `start(controller)`, `pull(c)`.
void controller_params(const FileModel& m, const Node& source, std::vector<Node>& out) {
  Node obj = object_literal(m, source);
  if (obj.null()) return;
  for (const Node& c : obj.named_children()) {
    const Function* f = nullptr;
    std::string key;
    if (c.is("method_definition")) {
      key = m.key_name(c.field("name"));
      f = m.function_at(c);
    } else if (c.is("pair")) {
      key = m.key_name(c.field("key"));
      f = m.function_at(c.field("value"));
    }
    if (!f || (key != "start" && key != "pull")) continue;
    auto params = f->parameters();
    if (params.empty()) continue;
    Node p = params[0];
    if (p.is("required_parameter") || p.is("optional_parameter")) p = p.field("pattern");
    if (p.is("identifier")) out.push_back(p);
  }
}

void fetch_stream(const FileModel& m, CallbackRequest& r) {
  Node body = m.property(r.options, "body");
  if (body.null()) return;
  r.body = body;
  Node e = FileModel::strip_await(body);
  // readable.pipeThrough(new TextEncoderStream()) → the first readable
  while (e.is("call_expression") && FileModel::callee_name(e) == "pipeThrough")
    e = FileModel::callee_object(e);
  Origin o = m.trace(e);
  Node source = FileModel::strip_await(o.expr);
  if (o.path.size() == 1 && o.path[0] == "readable") {
    // the writable side's writer: `x.writable.getWriter()`, `{ writable } = …;
    // writable.getWriter()`
    for (const Node& call : m.nodes("call_expression")) {
      if (FileModel::callee_name(call) != "getWriter") continue;
      Origin w = m.trace(FileModel::callee_object(call));
      if (FileModel::strip_await(w.expr) == source && w.path.size() == 1 && w.path[0] == "writable")
        for (const Node& v : value_origins(m, call)) r.stream_origins.push_back(v);
    }
    return;
  }
  if (!o.path.empty()) return;
  if (source.is("new_expression") && FileModel::callee_name(source) == "ReadableStream") {
    auto args = FileModel::arguments(source);
    if (!args.empty()) controller_params(m, args[0], r.stream_origins);
    return;
  }
  // a Node stream (PassThrough, …) written to directly
  r.stream_origins.push_back(source);
}

void find_response(const FileModel& m, CallbackRequest& r) {
  if (r.api == CallbackRequest::Api::HttpRequest) {
    auto args = FileModel::arguments(r.call);
    if (!args.empty()) {
      Node last = FileModel::strip(args.back());
      if (is_function_kind(last.kind()) || m.function_at(last)) r.response_handler = last;
    }
    if (r.response_handler.null()) {
      for (const Node& call : m.nodes("call_expression")) {
        std::string_view name = FileModel::callee_name(call);
        if (name != "on" && name != "once" && name != "addListener") continue;
        auto a = FileModel::arguments(call);
        if (a.size() < 2 || m.fold_string(a[0]) != std::string("response")) continue;
        if (!r.is_stream(m, FileModel::callee_object(call))) continue;
        r.response_handler = a[1];
        break;
      }
    }
    if (r.response_handler.is("identifier")) {
      if (const Function* f = m.function_at(r.response_handler)) r.response_handler = f->node;
    }
    return;
  }
  PromiseUse use = m.promise_use(r.call);
  if (!use.chain.empty() && use.chain.front().method == "then" && !use.chain.front().args.empty()) {
    Node h = FileModel::strip(use.chain.front().args.front());
    if (const Function* f = m.function_at(h)) h = f->node;
    r.response_handler = h;
    return;
  }
  // `const res = await fetch(…)`, or `const p = fetch(…); const res = await p`
  Node cur = r.call;
  for (Node p = cur.parent(); p.is("parenthesized_expression") || p.is("await_expression");
       p = p.parent())
    cur = p;
  const Binding* b = binding_at(m, cur);
  if (!b) return;
  if (use.awaited) {
    r.response_binding = b;
    return;
  }
  for (const Node& a : m.nodes("await_expression")) {
    Node v = FileModel::strip(a.named_child(0));
    if (!v.is("identifier") || m.resolve(v) != b) continue;
    if (const Binding* rb = binding_at(m, a)) r.response_binding = rb;
    break;
  }
}

CallbackRequest analyse(const FileModel& m, const AgentEnv& env, const Node& call,
                        CallbackRequest::Api api) {
  CallbackRequest r;
  r.api = api;
  r.call = call;
  r.location = m.location(call);
  auto args = FileModel::arguments(call);
  if (api == CallbackRequest::Api::Fetch) {
    if (!args.empty()) {
      r.url = args[0];
      Node first = FileModel::strip_await(m.trace(args[0]).expr);
      if (first.is("new_expression") && FileModel::callee_name(first) == "Request") {
        auto rargs = FileModel::arguments(first);
        r.url = rargs.empty() ? Node{} : rargs[0];
        if (rargs.size() > 1) r.options = object_literal(m, rargs[1]);
      }
    }
    if (args.size() > 1) {
      Node init = object_literal(m, args[1]);
      if (!init.null()) r.options = init;
    }
  } else {
    std::size_t next = 0;
    if (!args.empty()) {
      Node obj = object_literal(m, args[0]);
      if (!obj.null()) {
        r.url = args[0];
        r.options = obj;
        next = 1;
      } else {
        r.url = args[0];
        next = 1;
      }
    }
    if (r.options.null() && next < args.size()) {
      Node a = FileModel::strip(args[next]);
      if (!is_function_kind(a.kind()) && !m.function_at(a)) r.options = object_literal(m, a);
    }
  }
  Node method = m.property(r.options, "method");
  if (method.null()) {
    r.method = "GET";
  } else {
    r.method_node = method;
    if (auto s = m.fold_string(method)) r.method = upper(*s);
  }
  r.authorization = header_value(m, m.property(r.options, "headers"), "authorization");
  r.url_from_callback = !r.url.null() && flows_from(m, r.url, env_read(env, "VF_CALLBACK_URL"));
  return r;
}

// The `Bearer …` shape of a header value: a template or concatenation, also through a const or a
// same-file helper that returns one.
std::optional<std::string> value_shape(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > kMaxHops || expr.null()) return std::nullopt;
  Node e = FileModel::strip_await(expr);
  if (auto p = m.pattern(e)) return p;
  if (e.is("identifier") || e.is("shorthand_property_identifier")) {
    Origin o = m.trace(e);
    if (o.path.empty() && !(o.expr == e)) return value_shape(m, o.expr, depth + 1);
    return std::nullopt;
  }
  if (e.is("call_expression")) {
    const Function* f = m.function_at(FileModel::strip(e.field("function")));
    if (!f) f = m.callee_function(e);
    if (!f) return std::nullopt;
    if (!f->body.is("statement_block")) return value_shape(m, f->body, depth + 1);
    for (const Node& ret : m.nodes_in("return_statement", f->body))
      if (m.enclosing_function(ret) == f)
        if (auto s = value_shape(m, ret.named_child(0), depth + 1)) return s;
  }
  return std::nullopt;
}

}  // namespace

// -- public helpers -------------------------------------------------------------------------------

std::vector<Node> invocations_of(const FileModel& m, const Function& f) {
  std::vector<Node> out;
  for (const Node& call : m.nodes("call_expression")) {
    Node callee = FileModel::strip(call.field("function"));
    const Function* target = m.callee_function(call);
    if (!target && callee.is("identifier")) target = m.function_at(callee);
    if (target == &f) {
      out.push_back(call);
      continue;
    }
    // f handed to another function and called there through its parameter: `run(emit)` …
    // `function run(emit) { emit(x) }`
    if (target || !callee.is("identifier")) continue;
    const Binding* b = m.resolve(callee);
    if (!b || b->kind != BindingKind::Param || !b->path.empty()) continue;
    auto [owner, index] = parameter_owner(m, *b);
    if (!owner) continue;
    for (const Node& outer : m.nodes("call_expression")) {
      Node oc = FileModel::strip(outer.field("function"));
      const Function* ot = m.callee_function(outer);
      if (!ot && oc.is("identifier")) ot = m.function_at(oc);
      if (ot != owner) continue;
      auto args = FileModel::arguments(outer);
      if (index < args.size() && m.function_at(args[index]) == &f) {
        out.push_back(call);
        break;
      }
    }
  }
  return out;
}

bool flows_from(const FileModel& m, const Node& expr, const Matcher& origin, int max_depth) {
  if (expr.null()) return false;
  Matcher through_params = [&origin, max_depth](const FileModel& fm, const Node& n) {
    if (origin(fm, n)) return true;
    if (max_depth <= 0) return false;
    Node s = FileModel::strip_await(n);
    if (!s.is("identifier")) return false;
    const Binding* b = fm.resolve(s);
    if (!b || b->kind != BindingKind::Param || !b->path.empty()) return false;
    auto [owner, index] = parameter_owner(fm, *b);
    if (!owner) return false;
    for (const Node& call : invocations_of(fm, *owner)) {
      auto args = FileModel::arguments(call);
      if (index < args.size() && flows_from(fm, args[index], origin, max_depth - 1)) return true;
    }
    return false;
  };
  return m.derives_from(expr, through_params);
}

Matcher env_read(const AgentEnv& env, std::string name) {
  return [&env, name = std::move(name)](const FileModel& m, const Node& n) {
    Node s = FileModel::strip(n);
    if (s.is("member_expression") || s.is("subscript_expression") || s.is("identifier") ||
        s.is("shorthand_property_identifier")) {
      auto got = m.process_env_name(s);
      if (got && *got == name) return true;
    }
    if (s.is("call_expression"))
      for (const EnvRead& r : env.reads)
        if (r.name == name && r.node == s) return true;
    return false;
  };
}

void AgentEnv::index_reads() {
  by_name_.clear();
  for (std::size_t i = 0; i < reads.size(); ++i) {
    auto [it, added] = by_name_.try_emplace(reads[i].name, FirstReads{i, reads.size()});
    if (it->second.required == reads.size() && reads[i].required()) it->second.required = i;
  }
}

const EnvRead* AgentEnv::first(std::string_view name) const {
  if (by_name_.empty()) {
    for (const EnvRead& r : reads)
      if (r.name == name) return &r;
    return nullptr;
  }
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &reads[it->second.any];
}

const EnvRead* AgentEnv::first_required(std::string_view name) const {
  if (by_name_.empty()) {
    for (const EnvRead& r : reads)
      if (r.name == name && r.required()) return &r;
    return nullptr;
  }
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() || it->second.required == reads.size() ? nullptr
                                                                     : &reads[it->second.required];
}

bool CallbackRequest::is_stream(const FileModel& m, const Node& expr) const {
  if (stream_origins.empty() || expr.null()) return false;
  struct Walk {
    const CallbackRequest& r;
    const FileModel& m;
    bool operator()(const Node& e, int depth) const {
      for (const Origin& o : m.trace_all(e)) {
        if (!o.path.empty()) continue;
        Node x = FileModel::strip_await(o.expr);
        for (const Node& origin : r.stream_origins) {
          if (x == origin) return true;
          if (o.binding && o.binding->name_node == origin) return true;
        }
        if (depth >= 3 || !o.binding || o.binding->kind != BindingKind::Param ||
            !o.binding->path.empty())
          continue;
        auto [owner, index] = parameter_owner(m, *o.binding);
        if (!owner) continue;
        for (const Node& call : invocations_of(m, *owner)) {
          auto args = FileModel::arguments(call);
          if (index < args.size() && (*this)(args[index], depth + 1)) return true;
        }
      }
      return false;
    }
  };
  return Walk{*this, m}(expr, 0);
}

// -- Project --------------------------------------------------------------------------------------

const AgentEnv& Project::agent_env() const {
  if (agent_env_) return *agent_env_;
  const FileModel* m = file(Role::Agent);
  if (m) {
    agent_env_ = build_agent_env(*m);
  } else {
    AgentEnv env;
    env.problem = unavailable(Role::Agent);
    agent_env_ = std::move(env);
  }
  return *agent_env_;
}

const CallbackRequest& Project::callback_request() const {
  if (callback_request_) return *callback_request_;
  const FileModel* m = file(Role::Agent);
  CallbackRequest best;
  if (!m) {
    best.problem = unavailable(Role::Agent);
    callback_request_ = std::move(best);
    return *callback_request_;
  }
  const AgentEnv& env = agent_env();
  int best_score = -1;
  for (const Node& call : m->nodes("call_expression")) {
    CallbackRequest::Api api = CallbackRequest::Api::None;
    if (!is_request_call(*m, call, &api)) continue;
    CallbackRequest r = analyse(*m, env, call, api);
    int score = (r.url_from_callback ? 4 : 0) + (r.method == std::string("POST") ? 2 : 0) +
                (r.authorization.null() ? 0 : 1);
    if (score > best_score) {
      best_score = score;
      best = std::move(r);
    }
  }
  if (!best.found()) {
    best.problem = fmt::format("no fetch() or http(s).request() call in {}", m->path());
    callback_request_ = std::move(best);
    return *callback_request_;
  }
  if (best.api == CallbackRequest::Api::HttpRequest) {
    best.stream_origins = value_origins(*m, best.call);
  } else {
    fetch_stream(*m, best);
  }
  // headers set after the fact: req.setHeader('Authorization', …), headers.set(…)
  if (best.authorization.null()) {
    Node headers = m->property(best.options, "headers");
    for (const Node& call : m->nodes("call_expression")) {
      std::string_view name = FileModel::callee_name(call);
      auto a = FileModel::arguments(call);
      if (a.size() < 2 || ascii_lower(m->fold_string(a[0]).value_or("")) != "authorization")
        continue;
      Node obj = FileModel::callee_object(call);
      bool on_request = name == "setHeader" && best.is_stream(*m, obj);
      bool on_headers = (name == "set" || name == "append") && !headers.null() &&
                        FileModel::strip(headers).is("identifier") &&
                        m->trace(obj).expr == m->trace(headers).expr;
      if (on_request || on_headers) {
        best.authorization = a[1];
        break;
      }
    }
  }
  if (!best.authorization.null()) {
    auto shape = value_shape(*m, best.authorization);
    best.auth_bearer = shape && ascii_lower(*shape).rfind("bearer ", 0) == 0 && shape->size() > 7;
    best.auth_from_jwt = flows_from(*m, best.authorization, env_read(env, "VF_STREAM_JWT"));
  }
  find_response(*m, best);
  callback_request_ = std::move(best);
  return *callback_request_;
}

}  // namespace v15
