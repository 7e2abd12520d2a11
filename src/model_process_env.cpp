// The env object dispatchContainer hands to `sandbox.startProcess(command, { env })`: one fact
// that the env checks, the Dockerfile sync and the agent cross-check all read. The env is
// followed through consts, same-file builder helpers (with their parameters mapped back to the
// arguments dispatchContainer passes), conditional spreads, Object.assign and keys assigned
// later (`env.VF_MODEL = model` under an `if`).
#include <fmt/format.h>

#include <sstream>

#include "v15check/model.h"
#include "v15check/text.h"

namespace v15 {

// -- parameter reads seen from the caller -------------------------------------------------------

Node FileModel::caller_value(const Node& expr, const Function& caller) const {
  Node e = strip_await(expr);
  if (e.null()) return expr;
  Origin o = trace(e);
  const Binding* b = o.binding;
  if (!b || b->kind != BindingKind::Param) return expr;
  const Function* helper = function_at(b->scope);
  if (!helper || helper == &caller) return expr;
  Node main = caller.body.null() ? caller.node : caller.body;
  Node call;
  for (const Node& c : calls_of(*helper)) {
    if (main.contains(c)) {
      call = c;
      break;
    }
  }
  if (call.null()) return expr;
  auto params = helper->parameters();
  std::size_t index = params.size();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].contains(b->name_node)) {
      index = i;
      break;
    }
  }
  auto args = arguments(call);
  if (index >= args.size()) return expr;
  Node v = args[index];
  for (const auto& key : o.path) {
    Node obj = strip_await(v);
    if (obj.is("identifier")) {
      Origin t = trace(obj);
      if (!t.path.empty()) return expr;
      obj = strip_await(t.expr);
    }
    Node p = property(obj, key);
    if (p.null()) return expr;
    v = p;
  }
  return v;
}

// -- the startProcess env -------------------------------------------------------------------------

const EnvEntry* StartProcessEnv::entry(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

namespace {

constexpr int kMaxEnvDepth = 8;

// Whether the keys that follow are set only under a condition, and which one (innermost).
struct Guard {
  bool conditional = false;
  Node condition;
};

bool is_object_assign(const Node& call) {
  return call.is("call_expression") && FileModel::callee_name(call) == "assign" &&
         FileModel::last_name(FileModel::callee_object(call)) == "Object";
}

void append(StartProcessEnv& out, StartProcessEnv&& part) {
  if (out.object.null()) out.object = part.object;
  for (auto& e : part.entries) out.entries.push_back(std::move(e));
  for (const Node& s : part.spreads) out.spreads.push_back(s);
}

// Collects the keys of the object an expression denotes. Every collect* returns false when the
// value is not an object whose keys can be listed statically; nothing is added then.
class EnvCollector {
 public:
  EnvCollector(const FileModel& m, const Function& method) : m_(m), method_(method) {}

  bool collect(const Node& expr, const Guard& g, bool in_spread, int depth,
               StartProcessEnv& out) const {
    if (depth > kMaxEnvDepth) return false;
    Node e = FileModel::strip_await(expr);
    if (e.null()) return false;
    if (e.is("null") || e.is("undefined")) return true;  // `...undefined` adds nothing
    if (e.is("false")) return true;                      // `...(x && {…})` when x is false
    if (e.is("object")) return collect_literal(e, g, in_spread, depth, out);
    if (e.is("identifier") || e.is("shorthand_property_identifier"))
      return collect_binding(e, g, in_spread, depth, out);
    if (e.is("ternary_expression")) {
      Guard branch{true, e.field("condition")};
      StartProcessEnv part;
      if (!collect(e.field("consequence"), branch, in_spread, depth + 1, part) ||
          !collect(e.field("alternative"), branch, in_spread, depth + 1, part))
        return false;
      append(out, std::move(part));
      return true;
    }
    if (e.is("binary_expression")) {
      std::string_view op = e.field("operator").kind();
      Node left = e.field("left");
      if (op == "&&") return collect(e.field("right"), {true, left}, in_spread, depth + 1, out);
      if (op == "||" || op == "??") {
        StartProcessEnv part;
        if (!collect(left, {true, left}, in_spread, depth + 1, part) ||
            !collect(e.field("right"), {true, left}, in_spread, depth + 1, part))
          return false;
        append(out, std::move(part));
        return true;
      }
      return false;
    }
    if (e.is("call_expression")) {
      if (is_object_assign(e)) return collect_assign_call(e, g, in_spread, depth, out);
      if (const Function* f = m_.callee_function(e))
        return collect_returns(*f, g, in_spread, depth, out);
    }
    return false;
  }

 private:
  void add_entry(std::string key, const Node& key_node, const Node& value, const Guard& g,
                 const Node& where, StartProcessEnv& out) const {
    EnvEntry entry;
    entry.key = std::move(key);
    entry.key_node = key_node;
    entry.value = value;
    entry.source = value.null() ? value : m_.caller_value(value, method_);
    entry.conditional = g.conditional;
    entry.condition = g.condition;
    entry.location = m_.location(where);
    out.entries.push_back(std::move(entry));
  }

  bool collect_literal(const Node& object, const Guard& g, bool in_spread, int depth,
                       StartProcessEnv& out) const {
    StartProcessEnv part;
    if (!in_spread) part.object = object;
    for (const Node& c : object.named_children()) {
      if (c.is("pair")) {
        Node key = c.field("key");
        if (key.is("computed_property_name") && !m_.fold_string(key.named_child(0))) continue;
        add_entry(m_.key_name(key), key, c.field("value"), g, c, part);
      } else if (c.is("shorthand_property_identifier")) {
        add_entry(std::string(c.text()), c, c, g, c, part);
      } else if (c.is("spread_element")) {
        StartProcessEnv spread;
        if (collect(c.named_child(0), g, true, depth + 1, spread))
          append(part, std::move(spread));
        else
          part.spreads.push_back(c);
      }
    }
    append(out, std::move(part));
    return true;
  }

  bool collect_binding(const Node& id, const Guard& g, bool in_spread, int depth,
                       StartProcessEnv& out) const {
    Node mapped = m_.caller_value(id, method_);
    if (!(FileModel::strip_await(mapped) == id))
      return collect(mapped, g, in_spread, depth + 1, out);
    const Binding* b = m_.resolve(id.text(), id.start_byte());
    if (!b || !b->path.empty() || b->init.null()) return false;
    if (b->kind != BindingKind::Const && b->kind != BindingKind::Let && b->kind != BindingKind::Var)
      return false;
    StartProcessEnv part;
    if (!collect(b->init, g, in_spread, depth + 1, part)) return false;
    if (!collect_later_keys(*b, g, depth, part)) return false;
    append(out, std::move(part));
    return true;
  }

  // The innermost condition guarding `n` inside `scope`, else the outer guard.
  Guard guard_of(const Node& n, const Node& scope, const Guard& outer) const {
    ControlContext ctx = m_.context(n, scope);
    if (ctx.conditions.empty()) return outer;
    Node c = ctx.conditions.front();
    Node test = c.is("if_statement") || c.is("ternary_expression") ? c.field("condition")
                : c.is("binary_expression")                        ? c.field("left")
                : c.is("switch_case")                              ? c.field("value")
                                                                   : c;
    return {true, test};
  }

  // Keys added to a bound object after its initialiser: `env.K = v`, `env['K'] = v`,
  // `Object.assign(env, {…})`. A key computed at run time makes the object dynamic.
  bool collect_later_keys(const Binding& b, const Guard& g, int depth, StartProcessEnv& out) const {
    const Function* owner = m_.enclosing_function(b.name_node);
    Node scope = owner && !owner->body.null() ? owner->body : m_.root();
    for (const Node& a : m_.nodes_in("assignment_expression", scope)) {
      Node left = FileModel::strip(a.field("left"));
      Node obj, key_node;
      std::optional<std::string> key;
      if (left.is("member_expression")) {
        obj = FileModel::strip(left.field("object"));
        key_node = left.field("property");
        key = std::string(key_node.text());
      } else if (left.is("subscript_expression")) {
        obj = FileModel::strip(left.field("object"));
        key_node = left.field("index");
        key = m_.fold_string(key_node);
      } else {
        continue;
      }
      if (!obj.is("identifier") || m_.resolve(obj) != &b) continue;
      if (!key) return false;
      add_entry(*key, key_node, a.field("right"), guard_of(a, scope, g), a, out);
    }
    for (const Node& call : m_.nodes_in("call_expression", scope)) {
      if (!is_object_assign(call)) continue;
      auto args = FileModel::arguments(call);
      if (args.empty()) continue;
      Node target = FileModel::strip(args[0]);
      if (!target.is("identifier") || m_.resolve(target) != &b) continue;
      Guard cg = guard_of(call, scope, g);
      for (std::size_t i = 1; i < args.size(); ++i) {
        StartProcessEnv src;
        if (!args[i].is("spread_element") && collect(args[i], cg, true, depth + 1, src))
          append(out, std::move(src));
        else
          out.spreads.push_back(args[i]);
      }
    }
    return true;
  }

  bool collect_assign_call(const Node& call, const Guard& g, bool in_spread, int depth,
                           StartProcessEnv& out) const {
    auto args = FileModel::arguments(call);
    if (args.empty()) return false;
    StartProcessEnv part;
    if (!collect(args[0], g, in_spread, depth + 1, part)) return false;
    for (std::size_t i = 1; i < args.size(); ++i) {
      StartProcessEnv src;
      if (!args[i].is("spread_element") && collect(args[i], g, true, depth + 1, src))
        append(part, std::move(src));
      else
        part.spreads.push_back(args[i]);
    }
    if (in_spread && !part.spreads.empty()) return false;
    append(out, std::move(part));
    return true;
  }

  // The objects a same-file function returns. Inside a spread, a helper whose result merges data
  // at run time (its own spreads) stays a spread: its keys are not the env's to list.
  bool collect_returns(const Function& f, const Guard& g, bool in_spread, int depth,
                       StartProcessEnv& out) const {
    std::vector<std::pair<Node, Guard>> values;
    if (!f.body.is("statement_block")) {
      values.emplace_back(f.body, g);
    } else {
      for (const Node& ret : m_.nodes_in("return_statement", f.body))
        if (m_.enclosing_function(ret) == &f && !ret.named_child(0).null())
          values.emplace_back(ret.named_child(0), guard_of(ret, f.body, g));
    }
    if (values.empty()) return false;
    StartProcessEnv part;
    for (const auto& [value, guard] : values)
      if (!collect(value, guard, in_spread, depth + 1, part)) return false;
    if (in_spread && !part.spreads.empty()) return false;
    append(out, std::move(part));
    return true;
  }

  const FileModel& m_;
  const Function& method_;
};

// The .js file a shell command runs. A relative path is joined to the directory a preceding
// `cd DIR &&` enters, else to `cwd` (the startProcess option), when either is known.
std::string script_of(const std::string& command, const std::string& cwd) {
  std::istringstream in(command);
  std::string word, dir = cwd;
  bool after_cd = false;
  auto join = [](const std::string& base, const std::string& rel) {
    if (base.empty() || rel.empty() || rel.front() == '/') return rel.empty() ? base : rel;
    std::string r = rel.rfind("./", 0) == 0 ? rel.substr(2) : rel;
    return base.back() == '/' ? base + r : base + "/" + r;
  };
  while (in >> word) {
    while (!word.empty() && (word.back() == '\'' || word.back() == '"' || word.back() == ';'))
      word.pop_back();
    while (!word.empty() && (word.front() == '\'' || word.front() == '"')) word.erase(0, 1);
    if (after_cd) {
      dir = join(dir, word);
      after_cd = false;
      continue;
    }
    if (word == "cd") {
      after_cd = true;
      continue;
    }
    auto ends = [&](std::string_view s) {
      return word.size() >= s.size() && word.compare(word.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".js") || ends(".mjs") || ends(".cjs")) return join(dir, word);
  }
  return {};
}

// One line of a node's text, shortened, for problem messages.
std::string short_text(const Node& n) {
  std::string t(n.text());
  auto nl = t.find('\n');
  if (nl != std::string::npos) t = t.substr(0, nl) + " …";
  if (t.size() > 60) t = t.substr(0, 57) + "…";
  return t;
}

// The object literal an options argument denotes (through consts and helper parameters).
Node options_object(const FileModel& m, const Function& method, const Node& expr) {
  Node e = FileModel::strip_await(m.caller_value(expr, method));
  for (int i = 0; i < 4 && (e.is("identifier") || e.is("shorthand_property_identifier")); ++i) {
    Origin o = m.trace(e);
    if (!o.path.empty() || o.expr == e) return {};
    e = FileModel::strip_await(m.caller_value(o.expr, method));
  }
  return e.is("object") ? e : Node{};
}

}  // namespace

const StartProcessEnv& Project::start_process_env() const {
  if (start_process_env_) return *start_process_env_;
  StartProcessEnv env;
  const FileModel* m = file(Role::DurableObject);
  const Function* fn = do_method("dispatchContainer");
  if (!m) {
    env.problem = unavailable(Role::DurableObject);
  } else if (!fn) {
    env.problem = fmt::format("no method dispatchContainer in class {}", cap(config_.class_name));
  } else {
    Region r = m->region(*fn);
    auto calls = m->find("call_expression", r, match::call("startProcess"));
    env.location = m->location(fn->node);
    if (calls.empty()) {
      env.problem = "dispatchContainer never calls startProcess";
    } else {
      Node call = calls.front();
      env.call = call;
      env.location = m->location(call);
      auto args = FileModel::arguments(call);
      if (!args.empty()) {
        env.command = args[0];
        Node command = m->caller_value(args[0], *fn);
        env.command_text = m->fold_string(command);
        if (!env.command_text) env.command_text = m->pattern(command);
      }
      Node options = args.size() > 1 ? options_object(*m, *fn, args[1]) : Node{};
      if (env.command_text) {
        Node cwd = options.null() ? Node{} : m->property(options, "cwd");
        env.script_path = script_of(*env.command_text,
                                    cwd.null() ? std::string{} : m->fold_string(cwd).value_or(""));
      }
      Node env_value = options.null() ? Node{} : m->property(options, "env");
      StartProcessEnv collected;
      bool ok =
          !env_value.null() && EnvCollector(*m, *fn).collect(env_value, {}, false, 0, collected);
      if (options.null()) {
        env.problem = "startProcess is called without an options object";
      } else if (env_value.null()) {
        env.problem = "the startProcess options have no env";
      } else if (!ok || collected.object.null()) {
        env.problem = fmt::format(
            "the startProcess env ({}) is not an object this tool can follow: expected an object "
            "literal, a const bound to one, or a same-file helper that returns one",
            short_text(env_value));
      } else {
        env.object = collected.object;
        env.entries = std::move(collected.entries);
        env.spreads = std::move(collected.spreads);
        env.location = m->location(env.object);
      }
    }
  }
  start_process_env_ = std::move(env);
  return *start_process_env_;
}

}  // namespace v15
