// The project: the parsed role files and the cross-file facts several checks share.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "v15check/model.h"

namespace v15 {

Project::Project(SourceSet sources, Config config)
    : sources_(std::move(sources)), config_(std::move(config)) {
  Parser parser;
  for (Role role : {Role::Worker, Role::DurableObject, Role::Jwt, Role::Agent}) {
    const SourceFile& f = sources_.get(role);
    if (!f.ok()) continue;
    auto lang = language_for_path(f.path);
    if (!lang) lang = role == Role::Agent ? Language::JavaScript : Language::TypeScript;
    Tree tree = parser.parse(f.text, *lang);
    if (!tree.valid()) {
      parse_failures_[role] = fmt::format("{}: the parser gave up on this file", f.path);
      continue;
    }
    files_[role] = std::make_unique<FileModel>(f, std::move(tree));
  }
  const SourceFile& d = sources_.get(Role::Dockerfile);
  if (d.ok()) docker_ = dockerfile::parse(d.text);
}

const FileModel* Project::file(Role role) const {
  auto it = files_.find(role);
  return it == files_.end() ? nullptr : it->second.get();
}

std::string Project::unavailable(Role role) const {
  const SourceFile& f = source(role);
  if (!f.ok()) return f.error;
  auto it = parse_failures_.find(role);
  if (it != parse_failures_.end()) return it->second;
  return {};
}

const Function* Project::do_method(std::string_view name) const {
  const FileModel* m = file(Role::DurableObject);
  return m ? m->method(config_.class_name, name) : nullptr;
}

const EnvEntry* StartProcessEnv::entry(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

// -- bridge timeout -------------------------------------------------------------------------------

const BridgeTimeout& Project::bridge_timeout() const {
  if (bridge_timeout_) return *bridge_timeout_;
  BridgeTimeout t;
  const FileModel* m = file(Role::DurableObject);
  const Function* fn = do_method("handleChatHttp");
  if (m && fn) {
    Region r = m->region(*fn);
    for (const Node& call : m->find("call_expression", r, match::call("setTimeout"))) {
      auto args = FileModel::arguments(call);
      if (args.size() < 2) continue;
      auto ms = m->fold_number(args[1]);
      if (t.found() && !ms) continue;
      t.call = call;
      t.callback = args[0];
      t.delay = args[1];
      t.ms = ms;
      t.location = m->location(call);
      if (ms) break;
    }
  }
  bridge_timeout_ = t;
  return *bridge_timeout_;
}

// -- startProcess env -----------------------------------------------------------------------------

namespace {

// The object literal an expression denotes: a literal, a const bound to one, or the object a
// same-file helper returns.
Node object_literal(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > 4) return {};
  Node e = FileModel::strip_await(expr);
  if (e.is("object")) return e;
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    if (o.path.empty() && !(o.expr == e)) return object_literal(m, o.expr, depth + 1);
    return {};
  }
  if (e.is("call_expression")) {
    const Function* f = m.callee_function(e);
    if (!f) return {};
    if (f->body.is("object")) return f->body;
    Node found;
    for (const Node& ret : m.nodes_in("return_statement", f->body)) {
      if (m.enclosing_function(ret) != f) continue;
      Node v = object_literal(m, ret.named_child(0), depth + 1);
      if (!v.null()) found = v;
    }
    return found;
  }
  return {};
}

void collect_entries(const FileModel& m, const Node& object, bool conditional, const Node& condition,
                     StartProcessEnv& env, int depth) {
  if (depth > 4) return;
  for (const Node& c : object.named_children()) {
    if (c.is("pair")) {
      EnvEntry e;
      e.key = m.key_name(c.field("key"));
      e.key_node = c.field("key");
      e.value = c.field("value");
      e.conditional = conditional;
      e.condition = condition;
      e.location = m.location(c);
      env.entries.push_back(std::move(e));
    } else if (c.is("shorthand_property_identifier")) {
      EnvEntry e;
      e.key = std::string(c.text());
      e.key_node = c;
      e.value = c;
      e.conditional = conditional;
      e.condition = condition;
      e.location = m.location(c);
      env.entries.push_back(std::move(e));
    } else if (c.is("spread_element")) {
      Node v = FileModel::strip(c.named_child(0));
      if (v.is("ternary_expression")) {
        Node cons = object_literal(m, v.field("consequence"));
        Node alt = object_literal(m, v.field("alternative"));
        if (!cons.null()) collect_entries(m, cons, true, v.field("condition"), env, depth + 1);
        if (!alt.null()) collect_entries(m, alt, true, v.field("condition"), env, depth + 1);
        if (cons.null() && alt.null()) env.spreads.push_back(c);
      } else if (v.is("binary_expression") && (v.field("operator").kind() == "&&")) {
        Node obj = object_literal(m, v.field("right"));
        if (!obj.null()) collect_entries(m, obj, true, v.field("left"), env, depth + 1);
        else env.spreads.push_back(c);
      } else {
        Node obj = object_literal(m, v);
        if (!obj.null()) collect_entries(m, obj, conditional, condition, env, depth + 1);
        else env.spreads.push_back(c);
      }
    }
  }
}

std::string script_of(const std::string& command) {
  std::istringstream in(command);
  std::string word;
  while (in >> word) {
    while (!word.empty() && (word.back() == '\'' || word.back() == '"' || word.back() == ';'))
      word.pop_back();
    while (!word.empty() && (word.front() == '\'' || word.front() == '"')) word.erase(0, 1);
    auto ends = [&](std::string_view s) {
      return word.size() >= s.size() && word.compare(word.size() - s.size(), s.size(), s) == 0;
    };
    if (ends(".js") || ends(".mjs") || ends(".cjs")) return word;
  }
  return {};
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
    env.problem = fmt::format("no method dispatchContainer in class {}", config_.class_name);
  } else {
    Region r = m->region(*fn);
    auto calls = m->find("call_expression", r, match::call("startProcess"));
    if (calls.empty()) {
      env.problem = "dispatchContainer never calls startProcess";
      env.location = m->location(fn->node);
    } else {
      Node call = calls.front();
      env.call = call;
      env.location = m->location(call);
      auto args = FileModel::arguments(call);
      if (!args.empty()) {
        env.command = args[0];
        env.command_text = m->fold_string(args[0]);
        if (!env.command_text) env.command_text = m->pattern(args[0]);
        if (env.command_text) env.script_path = script_of(*env.command_text);
      }
      Node options = args.size() > 1 ? object_literal(*m, args[1]) : Node{};
      Node env_value = options.null() ? Node{} : m->property(options, "env");
      Node object = env_value.null() ? Node{} : object_literal(*m, env_value);
      if (object.null()) {
        env.problem = options.null() ? "startProcess is called without an options object"
                      : env_value.null() ? "startProcess options have no env"
                                         : "the startProcess env is not an object literal this "
                                           "tool can follow";
      } else {
        env.object = object;
        env.location = m->location(object);
        collect_entries(*m, object, false, Node{}, env, 0);
        // keys assigned later: `env.VF_MODEL = model` (conditional when under a test)
        Node ident = FileModel::strip(env_value);
        const Binding* b = ident.is("identifier") || ident.is("shorthand_property_identifier")
                               ? m->resolve(ident.text(), ident.start_byte())
                               : nullptr;
        if (b) {
          const Function* owner = m->enclosing_function(b->name_node);
          Node scope = owner ? owner->body : m->root();
          for (const Node& a : m->nodes_in("assignment_expression", scope)) {
            Node left = FileModel::strip(a.field("left"));
            if (!left.is("member_expression")) continue;
            Node obj = FileModel::strip(left.field("object"));
            if (!obj.is("identifier") || m->resolve(obj) != b) continue;
            EnvEntry e;
            e.key = std::string(left.field("property").text());
            e.key_node = left.field("property");
            e.value = a.field("right");
            ControlContext ctx = m->context(a, scope);
            e.conditional = !ctx.conditions.empty();
            if (e.conditional) {
              Node cond = ctx.conditions.front();
              e.condition = cond.is("if_statement") ? cond.field("condition") : cond;
            }
            e.location = m->location(a);
            env.entries.push_back(std::move(e));
          }
        }
      }
    }
  }
  start_process_env_ = std::move(env);
  return *start_process_env_;
}

// -- wrangler vars --------------------------------------------------------------------------------

namespace {
// JSONC allows trailing commas; JSON does not. Drop a comma that precedes `}` or `]` outside
// strings (comments are left for the parser, which skips them).
std::string drop_trailing_commas(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  bool str = false, esc = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (str) {
      out += c;
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') str = false;
      continue;
    }
    if (c == '"') {
      str = true;
      out += c;
      continue;
    }
    if (c == '/' && i + 1 < in.size() && (in[i + 1] == '/' || in[i + 1] == '*')) {
      // copy the comment through untouched
      std::size_t end = in[i + 1] == '/' ? in.find('\n', i) : in.find("*/", i + 2);
      end = end == std::string::npos ? in.size() : (in[i + 1] == '/' ? end : end + 2);
      out.append(in, i, end - i);
      i = end - 1;
      continue;
    }
    if (c == ',') {
      std::size_t j = i + 1;
      while (j < in.size()) {
        if (std::isspace(static_cast<unsigned char>(in[j]))) {
          ++j;
        } else if (in[j] == '/' && j + 1 < in.size() && in[j + 1] == '/') {
          j = in.find('\n', j);
          if (j == std::string::npos) j = in.size();
        } else if (in[j] == '/' && j + 1 < in.size() && in[j + 1] == '*') {
          j = in.find("*/", j + 2);
          j = j == std::string::npos ? in.size() : j + 2;
        } else {
          break;
        }
      }
      if (j < in.size() && (in[j] == '}' || in[j] == ']')) continue;
    }
    out += c;
  }
  return out;
}

std::string toml_unquote(std::string v) {
  auto trim = [](std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  };
  trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    char q = v.front();
    auto end = v.find(q, 1);
    return v.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  auto hash = v.find('#');
  if (hash != std::string::npos) v.erase(hash);
  trim(v);
  return v;
}
}  // namespace

const WranglerVars* Project::wrangler() const {
  if (wrangler_loaded_) return wrangler_ ? &*wrangler_ : nullptr;
  wrangler_loaded_ = true;
  if (!sources_.wrangler) return nullptr;
  const SourceFile& f = *sources_.wrangler;
  WranglerVars w;
  w.path = f.path;
  if (!f.ok()) {
    w.error = f.error;
  } else if (f.path.size() >= 5 && f.path.compare(f.path.size() - 5, 5, ".toml") == 0) {
    // [vars] KEY = "value" — the subset wrangler.toml uses for plain-text vars.
    std::istringstream in(f.text);
    std::string line, section;
    while (std::getline(in, line)) {
      std::string t = line;
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
      if (t.empty() || t[0] == '#') continue;
      if (t[0] == '[') {
        section = t.substr(0, t.find(']') + 1);
        continue;
      }
      if (section != "[vars]") continue;
      auto eq = t.find('=');
      if (eq == std::string::npos) continue;
      std::string key = t.substr(0, eq);
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
      w.vars[toml_unquote(key)] = toml_unquote(t.substr(eq + 1));
    }
  } else {
    try {
      auto doc = nlohmann::json::parse(drop_trailing_commas(f.text), nullptr, true, true);
      if (doc.is_object() && doc.contains("vars") && doc["vars"].is_object())
        for (const auto& [k, v] : doc["vars"].items())
          if (v.is_string()) w.vars[k] = v.get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      w.error = fmt::format("{}: {}", f.path, e.what());
    }
  }
  wrangler_ = std::move(w);
  return &*wrangler_;
}

}  // namespace v15
