// 2. ChatSessionAgent DO (do): dispatchContainer() — the KV reads and guards before the sandbox
// starts, the execution token, the prompt file — and the env it hands to startProcess, which is
// one model fact (Project::start_process_env) read by every do.env-* check.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <map>

#include "v15check/check.h"

namespace v15 {

namespace {

// How many levels of `!`, `&&` / `||` or helper hops a test looks through: each is a level of
// recursion, and a condition can nest without bound.
constexpr int kMaxConditionDepth = 64;

constexpr std::string_view kMethod = "dispatchContainer";

using Predicate = std::function<bool(const Node&)>;

std::string show(const Node& n, std::size_t max = 70) {
  return fmt::format("`{}`", snippet(n, max));
}

std::string in_quotes(std::string_view s) { return fmt::format("'{}'", s); }

std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

bool in_own_body(const MethodScope& s, const Node& n) { return s.function->body.contains(n); }

// A constant as a reader would write it: 'text' or 42; else the expression in backticks.
std::string describe_value(const FileModel& m, const Node& n) {
  if (auto c = m.fold(n))
    return c->is_string() ? in_quotes(c->string()) : format_number(c->number());
  return show(n);
}

// Whether an expression (seen from dispatchContainer) is the value called `name`: an identifier
// or property of that name, or a binding traced back to one (`const sid = sessionId`,
// `const { sandboxId } = session`), including a helper's parameter mapped to its argument.
bool is_named(const FileModel& m, const Function& caller, const Node& expr, std::string_view name) {
  Node v = FileModel::strip_await(m.caller_value(expr, caller));
  if (v.null()) return false;
  if (FileModel::last_name(v) == name) return true;
  Origin o = m.trace(v);
  if (!o.path.empty()) return o.path.back() == name;
  if (o.binding && o.binding->name == name) return true;
  return FileModel::last_name(o.expr) == name;
}

// Whether any name inside `expr` is the value called `name` (`model`, `body.model !== undefined`).
bool mentions(const FileModel& m, const Function& caller, const Node& expr, std::string_view name) {
  if (expr.null()) return false;
  if (is_named(m, caller, expr, name)) return true;
  for (std::string_view kind : {"identifier", "member_expression", "shorthand_property_identifier"})
    for (const Node& n : m.nodes_in(kind, expr))
      if (is_named(m, caller, n, name)) return true;
  return false;
}

std::optional<std::string> env_read(const FileModel& m, const Function& caller, const Node& expr) {
  return m.env_name(m.caller_value(expr, caller));
}

// " (env binding X)" or " (= origin, line N)" for Found lines that say where a value comes from.
std::string origin_note(const FileModel& m, const Function& caller, const Node& expr) {
  Node v = FileModel::strip_await(m.caller_value(expr, caller));
  if (auto e = m.env_name(v)) return fmt::format(", the env binding {}", *e);
  if (m.fold(v)) return {};
  Origin o = m.trace(v);
  Node origin = FileModel::strip_await(o.expr);
  if (origin.null() || origin == v || origin.is("required_parameter") ||
      origin.is("optional_parameter"))
    return {};
  std::string path;
  for (const auto& p : o.path) path += "." + p;
  return fmt::format(" = {}{} (line {})", show(origin, 50), path, origin.line());
}

// -- guards that throw ----------------------------------------------------------------------------

// Whether a branch leaves by throwing: its own throw statement (not one in a nested function),
// or `return Promise.reject(…)`.
bool throws(const FileModel& m, const Node& branch) {
  if (branch.null()) return false;
  const Function* owner = m.enclosing_function(branch);
  if (branch.is("throw_statement")) return true;
  for (const Node& t : m.nodes_in("throw_statement", branch))
    if (m.enclosing_function(t) == owner) return true;
  for (const Node& ret : m.nodes_in("return_statement", branch)) {
    Node v = FileModel::strip_await(ret.named_child(0));
    if (m.enclosing_function(ret) == owner && v.is("call_expression") &&
        FileModel::callee_name(v) == "reject" &&
        FileModel::last_name(FileModel::callee_object(v)) == "Promise")
      return true;
  }
  return false;
}

// One test of an `if` condition: the branch that throws runs when `test` is truthy (positive)
// or falsy. `a || b` and `a && b` contribute each operand; `!x` flips the polarity.
struct GuardTest {
  Node test;
  bool positive = true;
  Node statement;  // the if statement
};

void guard_tests(const Node& cond, bool positive, const Node& stmt, std::vector<GuardTest>& out,
                 int depth = 0) {
  if (depth > kMaxConditionDepth) return;  // `!!…x`, `a || b || …`: a level per operator

  Node e = FileModel::strip(cond);
  if (e.is("unary_expression") && e.field("operator").text() == "!")
    return guard_tests(e.field("argument"), !positive, stmt, out, depth + 1);
  if (e.is("binary_expression")) {
    std::string_view op = e.field("operator").kind();
    if (op == "||" || op == "&&") {
      guard_tests(e.field("left"), positive, stmt, out, depth + 1);
      guard_tests(e.field("right"), positive, stmt, out, depth + 1);
      return;
    }
  }
  out.push_back({e, positive, stmt});
}

// Every test that sends control into a branch that throws, in a region.
std::vector<GuardTest> throwing_tests(const FileModel& m, const Region& r) {
  std::vector<GuardTest> out;
  for (const Node& stmt : m.nodes_in("if_statement", r)) {
    Node cond = stmt.field("condition");
    if (throws(m, stmt.field("consequence"))) guard_tests(cond, true, stmt, out);
    if (throws(m, stmt.field("alternative"))) guard_tests(cond, false, stmt, out);
  }
  return out;
}

bool is_empty_value(const FileModel& m, const Node& n) {
  Node s = FileModel::strip(n);
  if (s.is("null") || s.is("undefined")) return true;
  auto c = m.fold(s);
  return c && ((c->is_string() && c->string().empty()) || (c->is_number() && c->number() == 0));
}

// A test that holds when the target is missing: `!x`, `!x?.length`, `x == null`,
// `x === undefined`, `x === ''`, `typeof x !== 'string'`.
bool falsy_test(const FileModel& m, const GuardTest& g, const Predicate& is_target) {
  Node t = g.test;
  if (!g.positive && is_target(t)) return true;
  if (!g.positive && t.is("member_expression") && t.field("property").text() == "length" &&
      is_target(t.field("object")))
    return true;
  if (!t.is("binary_expression")) return false;
  std::string_view op = t.field("operator").kind();
  bool eq = op == "===" || op == "==", ne = op == "!==" || op == "!=";
  if (!eq && !ne) return false;
  bool when_equal = eq == g.positive;
  Node l = FileModel::strip(t.field("left")), r = FileModel::strip(t.field("right"));
  auto typeof_target = [&](const Node& n) {
    return n.is("unary_expression") && n.field("operator").text() == "typeof" &&
           is_target(n.field("argument"));
  };
  for (auto [a, b] : {std::pair{l, r}, std::pair{r, l}}) {
    if (when_equal && is_target(a) && is_empty_value(m, b)) return true;
    if (typeof_target(a)) {
      auto s = m.fold_string(b);
      if (s && ((when_equal && *s == "undefined") || (!when_equal && *s == "string"))) return true;
    }
  }
  return false;
}

// -- KV reads and keys ------------------------------------------------------------------------

struct KvCall {
  Node call;
  Node key;  // first argument
  std::string binding;
};

// `.method(…)` calls on an env binding (any binding when empty) in the scope.
std::vector<KvCall> kv_calls(const FileModel& m, const MethodScope& s, std::string_view binding,
                             std::string_view method) {
  std::vector<KvCall> out;
  for (const Node& call : m.nodes_in("call_expression", s.region)) {
    if (FileModel::callee_name(call) != method) continue;
    Node obj = FileModel::callee_object(call);
    if (obj.null()) continue;
    auto env = env_read(m, *s.function, obj);
    if (!env || (!binding.empty() && *env != binding)) continue;
    auto args = FileModel::arguments(call);
    out.push_back({call, args.empty() ? Node{} : args[0], *env});
  }
  return out;
}

std::string key_text(const FileModel& m, const Node& key) {
  if (key.null()) return "(no key)";
  auto p = m.pattern(key);
  return p ? *p : snippet(key, 50);
}

// The one substitution of a key built as `prefix${x}` or 'prefix' + x (through a const).
Node key_substitution(const FileModel& m, const Node& key, std::string_view prefix) {
  Node e = FileModel::strip(key);
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    if (!o.path.empty()) return {};
    e = FileModel::strip(o.expr);
  }
  if (e.is("template_string")) {
    Node sub;
    std::string head;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("template_substitution")) {
        if (!sub.null()) return {};
        sub = c.named_child(0);
      } else if (c.is("string_fragment") && sub.null()) {
        head += c.text();
      } else if (c.is("string_fragment")) {
        return {};  // text after the id
      }
    }
    return head == prefix ? sub : Node{};
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+" &&
      m.fold_string(e.field("left")) == std::string(prefix))
    return e.field("right");
  return {};
}

// Whether a KV key is `prefix{name}`: the substitution is the value called `name`.
bool key_matches(const FileModel& m, const Function& caller, const Node& key,
                 std::string_view prefix, std::string_view name) {
  if (key.null()) return false;
  if (m.pattern(key) == fmt::format("{}{{{}}}", prefix, name)) return true;
  Node sub = key_substitution(m, key, prefix);
  return !sub.null() && is_named(m, caller, sub, name);
}

std::string kv_call_list(const FileModel& m, const std::vector<KvCall>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls)
    out.push_back(fmt::format("{}.{}({}) at line {}", c.binding, FileModel::callee_name(c.call),
                              key_text(m, c.key), c.call.line()));
  return join(out);
}

// The value a KV read produces: `await KV.get(k, 'json')`, or `JSON.parse(await KV.get(k))`.
Node kv_result_call(const FileModel& m, const Node& expr) {
  Node e = FileModel::strip_await(expr);
  if (e.is("call_expression") && FileModel::callee_name(e) == "parse" &&
      FileModel::last_name(FileModel::callee_object(e)) == "JSON") {
    auto args = FileModel::arguments(e);
    if (args.empty()) return {};
    e = FileModel::strip_await(args[0]);
    if (e.is("identifier")) {
      Origin o = m.trace(e);
      if (!o.path.empty()) return {};
      e = FileModel::strip_await(o.expr);
    }
  }
  return e;
}

// -- the OAuth token
// --------------------------------------------------------------------------------

// The OAuth token dispatchContainer hands to the agent: the `.claudeToken` field of the user
// record read from AUTH_KV at user:{userId}. Computed once per check run by both
// do.dispatch-oauth-* checks and do.env-oauth-token, so they agree on what "the token" is.
struct OAuthToken {
  std::vector<KvCall> records;         // every AUTH_KV.get in scope
  const KvCall* record = nullptr;      // the user record read, when there is one
  std::map<std::string, Node> fields;  // fields read off that record → first read
  Node base;                      // origin of the token value (the record call, or another value)
  std::vector<std::string> path;  // property path from base
  Node read;                      // where the token is read (a declarator or member read)
  std::string name;               // how to call it in Found lines
  bool found() const { return !base.null(); }
  std::string where() const { return fmt::format("{} (line {})", name, read.line()); }
};

// A traced origin read through the shapes a record read takes on its way to a field:
// `record ?? {}` / `record || {}` (the empty default adds no fields), `token || ''` /
// `token ?? ''` (an empty default is as falsy as a missing value), JSON.parse of the KV text.
Origin normalise(const FileModel& m, Origin o) {
  for (int i = 0; i < 4; ++i) {
    Node e = FileModel::strip_await(o.expr);
    if (!e.is("binary_expression")) break;
    std::string_view op = e.field("operator").kind();
    Node right = FileModel::strip(e.field("right"));
    bool empty_object = right.is("object") && right.named_child_count() == 0;
    bool empty_string = o.path.empty() && m.fold_string(right) == std::string();
    if ((op != "??" && op != "||") || !(empty_object || empty_string)) break;
    Origin inner = m.trace(e.field("left"));
    inner.path.insert(inner.path.end(), o.path.begin(), o.path.end());
    o = inner;
  }
  Node r = kv_result_call(m, o.expr);
  if (!r.null()) o.expr = r;
  o.expr = FileModel::strip_await(o.expr);
  return o;
}

Origin normalised_origin(const FileModel& m, const Function& caller, const Node& expr) {
  return normalise(m, m.trace(m.caller_value(expr, caller)));
}

bool is_token(const FileModel& m, const Function& caller, const OAuthToken& t, const Node& expr) {
  if (!t.found() || expr.null()) return false;
  Origin o = normalised_origin(m, caller, expr);
  return o.expr == t.base && o.path == t.path;
}

// Where the token is read and what to call it: prefer the declarator that binds it
// (`const oauthToken = user?.claudeToken`).
void set_read(OAuthToken& t, const Node& read) {
  t.read = read;
  t.name = snippet(read, 40);
  if (read.is("identifier") || read.is("shorthand_property_identifier_pattern")) return;
  Node p = read.parent();
  while (p.is("parenthesized_expression") || p.is("as_expression") || p.is("non_null_expression") ||
         p.is("await_expression"))
    p = p.parent();
  if (p.is("variable_declarator") && p.field("name").is("identifier")) {
    t.read = p;
    t.name = std::string(p.field("name").text());
  }
}

// The origin of a destructured binding (`const { claudeToken } = user`), normalised like
// normalised_origin.
Origin binding_origin(const FileModel& m, const Binding& b) {
  Origin o = m.trace(b.init);
  o.path.insert(o.path.end(), b.path.begin(), b.path.end());
  return normalise(m, o);
}

OAuthToken oauth_token(const FileModel& m, const MethodScope& s, const Config& config) {
  const Function& fn = *s.function;
  OAuthToken t;
  t.records = kv_calls(m, s, "AUTH_KV", "get");
  // Fields read off each record, by member read or destructuring.
  std::vector<std::map<std::string, Node>> fields(t.records.size());
  auto note_read = [&](const Node& site, const Origin& o) {
    if (o.path.empty()) return;
    for (std::size_t i = 0; i < t.records.size(); ++i)
      if (o.expr == t.records[i].call && !fields[i].count(o.path.front()))
        fields[i][o.path.front()] = site;
  };
  for (const Node& mem : m.nodes_in("member_expression", s.region)) {
    Origin o = normalised_origin(m, fn, mem);
    if (o.path.size() == 1) note_read(mem, o);
  }
  for (const Binding& b : m.bindings()) {
    if (b.path.empty() || b.init.null() || !s.region.contains(b.name_node)) continue;
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    Origin o = binding_origin(m, b);
    if (o.path.size() == 1) note_read(b.name_node, o);
  }
  // The user record: key user:{userId} first, then one read for .claudeToken, then the method's
  // own reads before a helper's.
  int best = -1;
  std::size_t pick = 0;
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    int score = (key_matches(m, fn, t.records[i].key, "user:", "userId") ? 4 : 0) +
                (fields[i].count("claudeToken") ? 2 : 0) +
                (in_own_body(s, t.records[i].call) ? 1 : 0);
    if (score > best) {
      best = score;
      pick = i;
    }
  }
  // startsWith tests in scope: the value they test (those against the configured prefix first),
  // for a record without .claudeToken or no record at all.
  std::vector<Node> tested;
  for (int want_prefix = 1; want_prefix >= 0; --want_prefix) {
    for (const Node& call : m.nodes_in("call_expression", s.region)) {
      if (FileModel::callee_name(call) != "startsWith") continue;
      auto args = FileModel::arguments(call);
      bool is_prefix = !args.empty() && m.fold_string(args[0]) == config.oauth_prefix;
      if (is_prefix == (want_prefix == 1)) tested.push_back(FileModel::callee_object(call));
    }
  }
  if (best >= 0) {
    t.record = &t.records[pick];
    t.fields = fields[pick];
    std::string field;
    if (t.fields.count("claudeToken")) {
      field = "claudeToken";
    } else {
      for (const Node& x : tested) {
        Origin o = normalised_origin(m, fn, x);
        if (o.expr == t.record->call && o.path.size() == 1) {
          field = o.path.front();
          break;
        }
      }
    }
    if (!field.empty()) {
      t.base = t.record->call;
      t.path = {field};
      set_read(t, t.fields.count(field) ? t.fields[field] : t.record->call);
      return t;
    }
  }
  // No user record: the value tested against the prefix stands for the token.
  for (const Node& x : tested) {
    Origin o = normalised_origin(m, fn, x);
    t.base = o.expr;
    t.path = o.path;
    set_read(t, x);
    return t;
  }
  return t;
}

// -- startProcess env
// --------------------------------------------------------------------------------

// The startProcess env, or a FAIL for a missing/unparsable method or an env this tool cannot see.
const StartProcessEnv* process_env(const CheckContext& ctx, std::optional<MethodScope>& scope,
                                   Outcome& failure) {
  scope = ctx.do_method(kMethod, failure);
  if (!scope) return nullptr;
  const StartProcessEnv& env = ctx.project().start_process_env();
  if (!env.found()) {
    failure = Outcome::fail(env.location.known() ? env.location : scope->location(), env.problem);
    return nullptr;
  }
  return &env;
}

std::vector<const EnvEntry*> entries_for(const StartProcessEnv& env, std::string_view key) {
  std::vector<const EnvEntry*> out;
  for (const auto& e : env.entries)
    if (e.key == key) out.push_back(&e);
  return out;
}

std::string spreads_note(const StartProcessEnv& env) {
  if (env.spreads.empty()) return {};
  std::vector<std::string> s;
  for (const Node& n : env.spreads) s.push_back(snippet(n, 40));
  return fmt::format(" (it also merges {}, whose keys cannot be listed)", join(s));
}

Outcome missing_key(const StartProcessEnv& env, std::string_view key) {
  return Outcome::fail(env.location, fmt::format("the startProcess env (line {}) has no {} key{}",
                                                 env.location.line, key, spreads_note(env)));
}

// "KEY (line N)" for Found lines about one env entry.
std::string entry_name(const EnvEntry& e) {
  return fmt::format("{} (line {})", e.key, e.location.line);
}

// Each entry of `key` must satisfy `ok`; `describe` explains one that does not.
Outcome every_entry(const StartProcessEnv& env, std::string_view key,
                    const std::function<bool(const EnvEntry&)>& ok,
                    const std::function<std::string(const EnvEntry&)>& describe,
                    const std::function<std::string(const EnvEntry&)>& pass_text) {
  auto entries = entries_for(env, key);
  if (entries.empty()) return missing_key(env, key);
  for (const EnvEntry* e : entries)
    if (!ok(*e)) return Outcome::fail(e->location, describe(*e));
  return Outcome::pass(entries.back()->location, pass_text(*entries.back()));
}

// =====================================================================================================
// The checks

Outcome session_kv(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  auto reads = kv_calls(m, *s, "SESSIONS_KV", "get");
  for (const auto& r : reads)
    if (key_matches(m, *s->function, r.key, "session:", "sessionId"))
      return Outcome::pass(m.location(r.call), fmt::format("SESSIONS_KV.get({}) at line {}",
                                                           key_text(m, r.key), r.call.line()));
  if (reads.empty()) {
    auto others = kv_calls(m, *s, "", "get");
    for (const auto& o : others)
      if (key_matches(m, *s->function, o.key, "session:", "sessionId"))
        return Outcome::fail(m.location(o.call),
                             fmt::format("the session is read from {} at line {}, not SESSIONS_KV",
                                         o.binding, o.call.line()));
    return Outcome::fail(s->location(), fmt::format("dispatchContainer never reads SESSIONS_KV{}",
                                                    others.empty() ? std::string{}
                                                                   : "; KV reads found: " +
                                                                         kv_call_list(m, others)));
  }
  std::stable_partition(reads.begin(), reads.end(),
                        [&](const KvCall& r) { return in_own_body(*s, r.call); });
  return Outcome::fail(
      m.location(reads.front().call),
      fmt::format("SESSIONS_KV is read at key {} (line {}), not session:{{sessionId}}{}",
                  key_text(m, reads.front().key), reads.front().call.line(),
                  reads.size() > 1 ? "; all reads: " + kv_call_list(m, reads) : ""));
}

bool is_status(const FileModel& m, const Node& n) {
  Node s = FileModel::strip(n);
  if (FileModel::last_name(s) == "status") return true;
  if (!s.is("identifier")) return false;
  Origin o = m.trace(s);
  return !o.path.empty() && o.path.back() == "status";
}

// The strings an array/Set expression holds: ['a', 'b'], new Set([...]), or a const bound to one.
std::vector<std::string> string_set(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > kMaxConditionDepth) return {};  // `new Set(new Set(…))` nests without bound

  Node e = FileModel::strip(expr);
  if (e.is("identifier") || e.is("member_expression")) {
    Origin o = m.trace(e);
    if (o.path.empty())
      e = FileModel::strip(o.expr);
    else if (auto v = m.fold(e); !v) {
      // CONSTS.REJECTED: a member of a const object
      Node obj = FileModel::strip(o.expr);
      for (const auto& p : o.path) obj = FileModel::strip(m.property(obj, p));
      e = obj;
    }
  }
  if (e.is("new_expression") && FileModel::callee_name(e) == "Set") {
    auto args = FileModel::arguments(e);
    if (args.empty()) return {};
    return string_set(m, args[0], depth + 1);
  }
  std::vector<std::string> out;
  if (!e.is("array")) return out;
  for (const Node& c : e.named_children())
    if (auto v = m.fold_string(c)) out.push_back(*v);
  return out;
}

Outcome session_status(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const std::vector<std::string> wanted = {"terminated", "pending-delete"};
  std::map<std::string, Node> rejected;  // status value → throwing statement
  std::map<std::string, Node> compared;  // status value → any comparison
  auto consider = [&](const std::string& value, const Node& at, bool throwing) {
    if (!compared.count(value)) compared[value] = at;
    if (throwing && !rejected.count(value)) rejected[value] = at;
  };
  for (const GuardTest& g : throwing_tests(m, s->region)) {
    Node t = g.test;
    if (t.is("binary_expression")) {
      std::string_view op = t.field("operator").kind();
      bool eq = op == "===" || op == "==", ne = op == "!==" || op == "!=";
      if (!eq && !ne) continue;
      Node l = t.field("left"), r = t.field("right");
      Node other = is_status(m, l) ? r : is_status(m, r) ? l : Node{};
      auto v = other.null() ? std::nullopt : m.fold_string(other);
      if (v) consider(*v, g.statement, eq == g.positive);
    } else if (t.is("call_expression") && g.positive &&
               (FileModel::callee_name(t) == "includes" || FileModel::callee_name(t) == "has")) {
      auto args = FileModel::arguments(t);
      if (args.empty() || !is_status(m, args[0])) continue;
      for (const auto& v : string_set(m, FileModel::callee_object(t)))
        consider(v, g.statement, true);
    }
  }
  // comparisons whose branch does not throw, for the Found line
  for (const Node& b : m.nodes_in("binary_expression", s->region)) {
    Node l = b.field("left"), r = b.field("right");
    Node other = is_status(m, l) ? r : is_status(m, r) ? l : Node{};
    if (auto v = other.null() ? std::nullopt : m.fold_string(other)) consider(*v, b, false);
  }
  // switch (session.status) { case 'terminated': … throw }
  for (const Node& sw : m.nodes_in("switch_statement", s->region)) {
    if (!is_status(m, sw.field("value"))) continue;
    auto cases = sw.field("body").named_children();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].is("switch_case")) continue;
      auto v = m.fold_string(cases[i].field("value"));
      if (!v) continue;
      bool thrown = false;
      for (std::size_t j = i; j < cases.size() && !thrown; ++j) {
        bool has_body = cases[j].named_child_count() > 1;
        if (has_body) {
          thrown = throws(m, cases[j]);
          break;
        }
      }
      consider(*v, cases[i], thrown);
    }
  }
  std::vector<std::string> missing, evidence_text;
  std::vector<Evidence> ev;
  for (const auto& w : wanted) {
    if (rejected.count(w)) {
      ev.push_back({m.location(rejected[w]), fmt::format("status '{}' throws", w)});
      evidence_text.push_back(fmt::format("'{}' (line {})", w, rejected[w].line()));
    } else if (compared.count(w)) {
      missing.push_back(
          fmt::format("status is compared to '{}' at line {} but that branch does not throw", w,
                      compared[w].line()));
    } else {
      missing.push_back(fmt::format("status is never compared to '{}'", w));
    }
  }
  if (missing.empty())
    return Outcome::pass(ev.front().location, "throws for status " + join(evidence_text, " and "),
                         ev);
  Location where = !ev.empty() ? ev.front().location : s->location();
  for (const auto& w : wanted)
    if (!rejected.count(w) && compared.count(w)) where = m.location(compared[w]);
  std::string done = evidence_text.empty() ? "" : "; it throws for " + join(evidence_text, " and ");
  return Outcome::fail(where, join(missing, "; ") + done, ev);
}

bool is_sandbox_id(const FileModel& m, const Function& fn, const Node& n) {
  return is_named(m, fn, n, "sandboxId");
}

Outcome sandbox_id(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  Predicate target = [&](const Node& n) { return is_sandbox_id(m, fn, n); };
  for (const GuardTest& g : throwing_tests(m, s->region))
    if (falsy_test(m, g, target))
      return Outcome::pass(
          m.location(g.statement),
          fmt::format("{} throws (line {})", show(FileModel::strip(g.statement.field("condition"))),
                      g.statement.line()));
  // a falsy test whose branch does not throw (logs, returns, or carries on)
  for (const Node& stmt : m.nodes_in("if_statement", s->region)) {
    std::vector<GuardTest> tests;
    guard_tests(stmt.field("condition"), true, stmt, tests);
    guard_tests(stmt.field("condition"), false, stmt, tests);
    for (const GuardTest& g : tests)
      if (falsy_test(m, g, target))
        return Outcome::fail(
            m.location(stmt),
            fmt::format("{} tests for a missing sandboxId at line {} but does not "
                        "throw: a session without a sandbox still reaches getSandbox",
                        show(FileModel::strip(stmt.field("condition"))), stmt.line()));
  }
  return Outcome::fail(s->location(),
                       "no falsy test of the session's sandboxId that throws: a session without a "
                       "sandbox reaches getSandbox(…, undefined)");
}

Outcome get_sandbox(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& binding = ctx.config().sandbox_binding;
  auto calls = m.find("call_expression", s->region, match::call("getSandbox"));
  if (calls.empty())
    return Outcome::fail(s->location(), fmt::format("dispatchContainer never calls getSandbox({}, "
                                                    "session.sandboxId)",
                                                    cap(binding)));
  std::string problem;
  Node at;
  bool other_binding = false;  // the first problem is only that another env binding is passed
  std::optional<ConfigMismatch> mismatch;
  for (const Node& call : calls) {
    auto args = FileModel::arguments(call);
    Node a0 = args.size() > 0 ? args[0] : Node{}, a1 = args.size() > 1 ? args[1] : Node{};
    auto e0 = a0.null() ? std::nullopt : env_read(m, fn, a0);
    bool id1 = !a1.null() && is_sandbox_id(m, fn, a1);
    if (e0 == binding && id1)
      return Outcome::pass(m.location(call), fmt::format("{} at line {}", show(call), call.line()));
    if (!problem.empty()) continue;
    at = call;
    // only the binding's name differs: a literal the sandboxBinding key controls
    if (e0 && id1) mismatch = ConfigMismatch{"sandboxBinding", Constant{*e0}, m.location(a0)};
    auto e1 = a1.null() ? std::nullopt : env_read(m, fn, a1);
    if (e1 == binding && !a0.null() && is_sandbox_id(m, fn, a0)) {
      problem = fmt::format("arguments 1 and 2 are swapped: {}", show(call));
      continue;
    }
    std::vector<std::string> parts;
    if (e0 != binding)
      parts.push_back(fmt::format(
          "argument 1 is {}{}, expected the env binding {}", a0.null() ? "missing" : show(a0, 50),
          e0 ? fmt::format(" (env binding {})", *e0) : std::string{}, cap(binding)));
    if (!id1)
      parts.push_back(fmt::format("argument 2 is {}, expected the session's sandboxId",
                                  a1.null() ? "missing" : show(a1, 50)));
    problem = fmt::format("{} at line {}: {}", show(call), call.line(), join(parts, "; "));
    other_binding = e0 && id1;
  }
  Outcome o = other_binding ? ctx.differs(m.location(at), problem, "sandboxBinding")
                            : Outcome::fail(m.location(at), problem);
  o.config_mismatch = std::move(mismatch);
  return o;
}

// -- signExecutionToken
// -------------------------------------------------------------------------------

struct SignCall {
  Node call;
  const Binding* import = nullptr;  // the import it is called through, if any
};

std::vector<SignCall> sign_calls(const FileModel& m, const Region& r) {
  std::vector<SignCall> out;
  for (const Node& call : m.nodes_in("call_expression", r)) {
    Node callee = FileModel::strip(call.field("function"));
    if (callee.is("identifier")) {
      const Binding* b = m.resolve(callee);
      if (b && b->kind == BindingKind::Import && b->imported_name == "signExecutionToken")
        out.push_back({call, b});
      else if (callee.text() == "signExecutionToken")
        out.push_back({call, b && !b->import_source.empty() ? b : nullptr});
    } else if (callee.is("member_expression") &&
               callee.field("property").text() == "signExecutionToken") {
      Node obj = FileModel::strip(callee.field("object"));
      const Binding* b = obj.is("identifier") ? m.resolve(obj) : nullptr;
      out.push_back({call, b && !b->import_source.empty() ? b : nullptr});
    }
  }
  return out;
}

bool is_sign_call(const std::vector<SignCall>& calls, const Node& n) {
  Node s = FileModel::strip_await(n);
  for (const auto& c : calls)
    if (c.call == s) return true;
  return false;
}

std::string normalise_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  auto flush = [&] {
    if (cur == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else
        parts.push_back(cur);
    } else if (!cur.empty() && cur != ".") {
      parts.push_back(cur);
    }
    cur.clear();
  };
  for (char c : path) {
    if (c == '/' || c == '\\')
      flush();
    else
      cur += c;
  }
  flush();
  return join(parts, "/");
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Whether an import specifier, written in `from`, names the file `target` (TypeScript's module
// resolution for relative paths: extension optional, `.js` standing for `.ts`, index files).
// Path aliases (`@/utils/jwt`, `~/utils/jwt`) match when the rest is a suffix of the target.
bool specifier_names(const std::string& from, const std::string& spec, const std::string& target) {
  std::string want = normalise_path(target);
  std::string stem = want;
  for (std::string_view ext : {".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"})
    if (ends_with(stem, ext)) {
      stem.erase(stem.size() - ext.size());
      break;
    }
  if (ends_with(stem, "/index")) stem.erase(stem.size() - 6);
  std::string resolved;
  if (spec.rfind("./", 0) == 0 || spec.rfind("../", 0) == 0) {
    auto slash = from.find_last_of('/');
    resolved = normalise_path(
        (slash == std::string::npos ? std::string{} : from.substr(0, slash + 1)) + spec);
  } else if (spec.rfind("@/", 0) == 0 || spec.rfind("~/", 0) == 0) {
    std::string rest = normalise_path(spec.substr(2));
    for (std::string_view ext : {".js", ".ts"})
      if (ends_with(rest, ext)) rest.erase(rest.size() - ext.size());
    return stem == rest || ends_with(stem, "/" + rest);
  } else {
    return false;
  }
  for (std::string_view ext : {".js", ".mjs", ".ts", ".tsx", ".mts"})
    if (ends_with(resolved, ext)) {
      resolved.erase(resolved.size() - ext.size());
      break;
    }
  if (ends_with(resolved, "/index")) resolved.erase(resolved.size() - 6);
  return resolved == stem;
}

// What an argument of signExecutionToken is: executionId, sessionId, JWT_SECRET, or nothing.
std::string sign_argument_role(const FileModel& m, const Function& fn, const Node& a) {
  if (a.null()) return {};
  if (env_read(m, fn, a) == std::string("JWT_SECRET")) return "JWT_SECRET";
  if (is_named(m, fn, a, "executionId")) return "executionId";
  if (is_named(m, fn, a, "sessionId")) return "sessionId";
  return {};
}

Outcome sign_jwt(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto calls = sign_calls(m, s->region);
  if (calls.empty())
    return Outcome::fail(s->location(),
                         "dispatchContainer never calls signExecutionToken: the "
                         "agent would get no VF_STREAM_JWT to call back with");
  const SignCall& sc = calls.front();
  Node call = sc.call;
  const std::string jwt_path = ctx.config().path(Role::Jwt);
  // where it comes from
  if (!sc.import) {
    const Function* local = m.callee_function(call);
    return Outcome::fail(m.location(call),
                         local ? fmt::format("signExecutionToken is defined in {} (line {}), not "
                                             "imported from the jwt file {}",
                                             m.path(), local->node.line(), jwt_path)
                               : fmt::format("signExecutionToken at line {} is not imported; "
                                             "expected an import from {}",
                                             call.line(), jwt_path));
  }
  const std::string& spec = sc.import->import_source;
  if (!specifier_names(m.path(), spec, jwt_path))
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}' (line {}), which is "
                                     "not the jwt file {}",
                                     spec, sc.import->declarator.line(), jwt_path));
  const FileModel* jwt = ctx.project().file(Role::Jwt);
  if (!jwt)
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}', but {}", spec,
                                     ctx.project().unavailable(Role::Jwt)));
  if (!jwt->function("signExecutionToken"))
    return Outcome::fail(m.location(sc.import->declarator),
                         fmt::format("signExecutionToken is imported from '{}', but {} defines no "
                                     "signExecutionToken",
                                     spec, jwt_path));
  // the arguments
  auto args = FileModel::arguments(call);
  const std::vector<std::string> expected = {"executionId", "sessionId", "JWT_SECRET"};
  std::vector<std::string> roles;
  for (std::size_t i = 0; i < 3; ++i)
    roles.push_back(sign_argument_role(m, fn, i < args.size() ? args[i] : Node{}));
  if (roles == expected)
    return Outcome::pass(
        m.location(call),
        fmt::format("signExecutionToken(executionId, sessionId, JWT_SECRET) at line "
                    "{}, imported from '{}'",
                    call.line(), spec));
  auto shown = [&] {
    std::vector<std::string> a;
    for (std::size_t i = 0; i < args.size() && i < 3; ++i) a.push_back(snippet(args[i], 30));
    if (args.size() > 3) a.push_back("…");
    return fmt::format("signExecutionToken({})", join(a));
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(roles) == sorted(expected)) {
    std::vector<std::size_t> wrong;
    for (std::size_t i = 0; i < 3; ++i)
      if (roles[i] != expected[i]) wrong.push_back(i + 1);
    if (wrong.size() == 2)
      return Outcome::fail(m.location(call),
                           fmt::format("arguments {} and {} are swapped: {} — expected "
                                       "(executionId, sessionId, JWT_SECRET)",
                                       wrong[0], wrong[1], shown()));
    return Outcome::fail(m.location(call),
                         fmt::format("arguments in the wrong order: {} — expected (executionId, "
                                     "sessionId, JWT_SECRET)",
                                     shown()));
  }
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < 3; ++i) {
    if (roles[i] == expected[i]) continue;
    std::string want = i == 2 ? "the JWT_SECRET env binding" : expected[i];
    parts.push_back(i < args.size()
                        ? fmt::format("argument {} is {}{}, expected {}", i + 1, show(args[i], 40),
                                      origin_note(m, fn, args[i]), want)
                        : fmt::format("argument {} is missing, expected {}", i + 1, want));
  }
  return Outcome::fail(m.location(call),
                       fmt::format("{} at line {}: {}", shown(), call.line(), join(parts, "; ")));
}

// -- OAuth
// ------------------------------------------------------------------------------------------

Outcome oauth_kv(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  OAuthToken t = oauth_token(m, *s, ctx.config());
  if (!t.record)
    return Outcome::fail(s->location(),
                         fmt::format("dispatchContainer never reads the user record from AUTH_KV "
                                     "(expected AUTH_KV.get(`user:${{userId}}`) and its "
                                     ".claudeToken){}",
                                     t.found() ? fmt::format("; the token tested is {}", t.where())
                                               : std::string{}));
  const KvCall& r = *t.record;
  bool key_ok = key_matches(m, *s->function, r.key, "user:", "userId");
  bool field_ok = t.fields.count("claudeToken") > 0;
  if (key_ok && field_ok)
    return Outcome::pass(
        m.location(t.fields["claudeToken"]),
        fmt::format("AUTH_KV.get({}) at line {}, .claudeToken read at line {}", key_text(m, r.key),
                    r.call.line(), t.fields["claudeToken"].line()));
  std::vector<std::string> parts;
  if (!key_ok)
    parts.push_back(
        fmt::format("the user record is read at key {} (line {}), expected "
                    "user:{{userId}}",
                    key_text(m, r.key), r.call.line()));
  if (!field_ok) {
    std::vector<std::string> names;
    for (const auto& [name, node] : t.fields)
      names.push_back(fmt::format(".{} (line {})", name, node.line()));
    parts.push_back(fmt::format("the user record read at line {} is never read for .claudeToken{}",
                                r.call.line(),
                                names.empty() ? std::string{} : "; fields read: " + join(names)));
  }
  Location where = !key_ok ? m.location(r.call) : m.location(t.read.null() ? r.call : t.read);
  return Outcome::fail(where, join(parts, "; "));
}

Outcome oauth_prefix(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& prefix = ctx.config().oauth_prefix;
  OAuthToken t = oauth_token(m, *s, ctx.config());
  if (!t.found())
    return Outcome::fail(s->location(),
                         fmt::format("no OAuth token to validate: no .claudeToken read from the "
                                     "AUTH_KV user record and no startsWith('{}') test",
                                     cap(prefix)));
  Predicate token = [&](const Node& n) { return is_token(m, fn, t, n); };
  Node falsy, prefixed;
  std::vector<std::string> wrong_prefix;
  std::optional<ConfigMismatch> mismatch;
  for (const GuardTest& g : throwing_tests(m, s->region)) {
    if (falsy.null() && falsy_test(m, g, token)) falsy = g.statement;
    Node c = g.test;
    if (g.positive || !c.is("call_expression") || FileModel::callee_name(c) != "startsWith" ||
        !token(FileModel::callee_object(c)))
      continue;
    auto args = FileModel::arguments(c);
    auto p = args.empty() ? std::nullopt : m.fold_string(args[0]);
    if (p == prefix) {
      if (prefixed.null()) prefixed = g.statement;
      // `!token?.startsWith(prefix)` also throws when the token is missing
      Node callee = FileModel::strip(c.field("function"));
      for (uint32_t i = 0; i < callee.child_count(); ++i)
        if (callee.child(i).is("optional_chain") && falsy.null()) falsy = g.statement;
    } else {
      wrong_prefix.push_back(
          fmt::format("the startsWith test at line {} uses {}", c.line(),
                      args.empty() ? "no argument" : describe_value(m, args[0])));
      if (p && !p->empty() && !mismatch)
        mismatch = ConfigMismatch{"oauthPrefix", Constant{*p}, m.location(args[0])};
    }
  }
  if (!falsy.null() && !prefixed.null())
    return Outcome::pass(
        m.location(prefixed),
        fmt::format("{}: missing token throws (line {}), startsWith('{}') throws "
                    "(line {})",
                    t.name, falsy.line(), cap(prefix), prefixed.line()),
        {{m.location(falsy), "falsy test"}, {m.location(prefixed), "prefix test"}});
  // a prefix test whose branch does not throw, for the Found line
  Node soft;
  for (const Node& call : m.find("call_expression", s->region, match::call("startsWith"))) {
    auto args = FileModel::arguments(call);
    if (soft.null() && token(FileModel::callee_object(call)) && !args.empty() &&
        m.fold_string(args[0]) == prefix)
      soft = call;
  }
  std::vector<std::string> parts;
  if (falsy.null()) parts.push_back(fmt::format("no test that throws when {} is missing", t.name));
  if (prefixed.null()) {
    if (!wrong_prefix.empty())
      parts.push_back(join(wrong_prefix, "; ") + fmt::format(", expected '{}'", cap(prefix)));
    else if (!soft.null())
      parts.push_back(
          fmt::format("{}.startsWith('{}') is tested at line {} but that branch does not "
                      "throw",
                      t.name, cap(prefix), soft.line()));
    else
      parts.push_back(fmt::format("no !{}.startsWith('{}') test that throws", t.name, cap(prefix)));
  }
  std::string found = fmt::format("token {}: {}", t.where(), join(parts, "; "));
  Location at = m.location(!falsy.null() ? falsy : t.read);
  Outcome o = prefixed.null() && !wrong_prefix.empty() ? ctx.differs(at, found, "oauthPrefix")
                                                       : Outcome::fail(at, found);
  // the prefix is the only problem when the missing-token test is there
  if (!falsy.null() && prefixed.null()) o.config_mismatch = std::move(mismatch);
  return o;
}

// -- the prompt file
// --------------------------------------------------------------------------------

Outcome pending_query(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& path = ctx.config().pending_query_path;
  auto calls = m.find("call_expression", s->region, match::call("writeFile"));
  if (calls.empty())
    return Outcome::fail(
        s->location(),
        fmt::format("dispatchContainer never calls writeFile('{}', …) with the prompt", cap(path)));
  Matcher prompt = [](const FileModel&, const Node& n) {
    Node x = FileModel::strip(n);
    if (x.is("pair"))
      return x.field("key").text() == "prompt" || x.field("key").text() == "'prompt'";
    return (x.is("identifier") || x.is("shorthand_property_identifier") ||
            x.is("member_expression")) &&
           FileModel::last_name(x) == "prompt";
  };
  std::vector<std::string> seen;
  bool other_path = false;  // a writeFile of the prompt to another path
  std::optional<ConfigMismatch> mismatch;
  for (const Node& call : calls) {
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    auto p = m.fold_string(m.caller_value(args[0], fn));
    bool has_prompt = args.size() > 1 && m.derives_from(m.caller_value(args[1], fn), prompt);
    if (p && !p->empty() && p != path && has_prompt && !mismatch)
      mismatch = ConfigMismatch{"pendingQueryPath", Constant{*p}, m.location(args[0])};
    if (p == path && has_prompt)
      return Outcome::pass(m.location(call), fmt::format("writeFile('{}', …prompt…) at line {}",
                                                         cap(path), call.line()));
    if (p == path)
      seen.push_back(
          fmt::format("writeFile('{}') at line {} writes {}, which does not include the "
                      "prompt",
                      cap(path), call.line(), args.size() > 1 ? show(args[1], 50) : "nothing"));
    else
      seen.push_back(fmt::format("writeFile at line {} writes to {}", call.line(),
                                 describe_value(m, args[0])));
    other_path = other_path || (p != path && has_prompt);
  }
  std::string found =
      fmt::format("{}; expected the prompt written to '{}'", join(seen, "; "), cap(path));
  Outcome o = other_path ? ctx.differs(m.location(calls.front()), found, "pendingQueryPath")
                         : Outcome::fail(m.location(calls.front()), found);
  o.config_mismatch = std::move(mismatch);
  return o;
}

// -- env checks
// -------------------------------------------------------------------------------------

Outcome env_system(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  std::vector<std::string> missing, conditional;
  for (std::string_view key : {"PATH", "HOME", "NODE_PATH", "LANG", "TERM"}) {
    auto entries = entries_for(*env, key);
    bool always = std::any_of(entries.begin(), entries.end(),
                              [](const EnvEntry* e) { return !e->conditional; });
    if (entries.empty())
      missing.emplace_back(key);
    else if (!always)
      conditional.push_back(fmt::format("{} is set only under {}", entry_name(*entries.front()),
                                        show(FileModel::strip(entries.front()->condition), 30)));
  }
  if (missing.empty() && conditional.empty())
    return Outcome::pass(
        env->location,
        fmt::format("PATH, HOME, NODE_PATH, LANG, TERM in the env at line {}", env->location.line));
  std::vector<std::string> parts;
  if (!missing.empty())
    parts.push_back(fmt::format("the startProcess env (line {}) lacks {}{}", env->location.line,
                                join(missing), spreads_note(*env)));
  parts.insert(parts.end(), conditional.begin(), conditional.end());
  return Outcome::fail(env->location, join(parts, "; ") +
                                          ": startProcess replaces the container's environment, so "
                                          "the agent would run without them");
}

Outcome env_is_sandbox(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  return every_entry(
      *env, "IS_SANDBOX",
      [&](const EnvEntry& e) { return m.fold_string(e.source) == std::string("1"); },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}; expected the string '1'", entry_name(e),
                           describe_value(m, e.source));
      },
      [&](const EnvEntry& e) { return fmt::format("{} is '1'", entry_name(e)); });
}

Outcome env_oauth_token(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  OAuthToken t = oauth_token(m, *s, ctx.config());
  auto entries = entries_for(*env, "CLAUDE_CODE_OAUTH_TOKEN");
  if (entries.empty()) return missing_key(*env, "CLAUDE_CODE_OAUTH_TOKEN");
  if (!t.found())
    return Outcome::fail(
        entries.front()->location,
        fmt::format("CLAUDE_CODE_OAUTH_TOKEN is {}, but dispatchContainer reads no "
                    "OAuth token (.claudeToken of the AUTH_KV user record) to set it to",
                    show(entries.front()->value, 50)));
  return every_entry(
      *env, "CLAUDE_CODE_OAUTH_TOKEN",
      [&](const EnvEntry& e) { return is_token(m, fn, t, e.source); },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}{}; expected the validated OAuth token {}", entry_name(e),
                           show(e.value, 50), origin_note(m, fn, e.source), t.where());
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} is the OAuth token {}", entry_name(e), t.where());
      });
}

// A URL built from constants and env bindings: `${this.env.WORKER_BASE_URL}/internal/stream`.
struct UrlPart {
  std::string text;                // constant text
  std::optional<std::string> env;  // or an env binding
};

std::optional<std::vector<UrlPart>> url_parts(const FileModel& m, const Function& fn,
                                              const Node& expr, int depth = 0) {
  if (depth > 8) return std::nullopt;
  Node e = FileModel::strip_await(m.caller_value(expr, fn));
  if (e.null()) return std::nullopt;
  if (auto v = m.fold_string(e)) return std::vector<UrlPart>{{*v, std::nullopt}};
  if (auto env = m.env_name(e)) return std::vector<UrlPart>{{{}, *env}};
  auto concat = [](std::vector<UrlPart> a, const std::vector<UrlPart>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  if (e.is("template_string")) {
    std::vector<UrlPart> out;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("string_fragment")) {
        out.push_back({std::string(c.text()), std::nullopt});
      } else if (c.is("template_substitution")) {
        auto inner = url_parts(m, fn, c.named_child(0), depth + 1);
        if (!inner) return std::nullopt;
        out = concat(out, *inner);
      } else if (c.is("escape_sequence")) {
        return std::nullopt;
      }
    }
    return out;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+") {
    auto l = url_parts(m, fn, e.field("left"), depth + 1);
    auto r = url_parts(m, fn, e.field("right"), depth + 1);
    if (!l || !r) return std::nullopt;
    return concat(*l, *r);
  }
  if (e.is("identifier") || e.is("shorthand_property_identifier")) {
    Origin o = m.trace(e);
    if (!o.path.empty() || o.expr == e) return std::nullopt;
    return url_parts(m, fn, o.expr, depth + 1);
  }
  // new URL('/internal/stream', base).href / .toString()
  Node u = e;
  if (u.is("member_expression") && u.field("property").text() == "href")
    u = FileModel::strip(u.field("object"));
  if (u.is("call_expression") && FileModel::callee_name(u) == "toString")
    u = FileModel::strip(FileModel::callee_object(u));
  if (u.is("new_expression") && FileModel::callee_name(u) == "URL") {
    auto args = FileModel::arguments(u);
    if (args.size() != 2) return std::nullopt;
    auto path = m.fold_string(args[0]);
    auto base = url_parts(m, fn, args[1], depth + 1);
    if (!path || path->empty() || path->front() != '/' || !base) return std::nullopt;
    // an absolute path replaces the base's path: keep only a constant base's origin
    if (!base->empty() && !base->back().env) {
      std::string& text = base->back().text;
      auto scheme = text.find("://");
      auto slash = text.find('/', scheme == std::string::npos ? 0 : scheme + 3);
      if (slash != std::string::npos) text.erase(slash);
    }
    base->push_back({*path, std::nullopt});
    return base;
  }
  return std::nullopt;
}

std::string url_path(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

Outcome env_callback_url(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& want = ctx.config().callback_url;
  const WranglerVars* vars = ctx.project().wrangler();
  auto entries = entries_for(*env, "VF_CALLBACK_URL");
  if (entries.empty()) return missing_key(*env, "VF_CALLBACK_URL");
  std::string pass_text;
  for (const EnvEntry* e : entries) {
    auto parts = url_parts(m, fn, e->source);
    if (!parts)
      return Outcome::fail(e->location,
                           fmt::format("{} is {}, neither a constant nor an env binding plus a "
                                       "constant path; expected {}",
                                       entry_name(*e), show(e->value, 60), cap(want)));
    std::string shape, value, unresolved, resolved_from, after_env;
    bool has_env = false;
    for (const auto& p : *parts) {
      if (p.env) {
        has_env = true;
        after_env.clear();
        shape += "${" + *p.env + "}";
        const std::string* var = nullptr;
        if (vars) {
          auto it = vars->vars.find(*p.env);
          if (it != vars->vars.end()) var = &it->second;
        }
        if (var) {
          value += *var;
          resolved_from +=
              fmt::format("{}{} = \"{}\"", resolved_from.empty() ? "" : ", ", *p.env, *var);
        } else if (unresolved.empty()) {
          unresolved = *p.env;
        }
      } else {
        shape += p.text;
        value += p.text;
        after_env += p.text;
      }
    }
    if (!has_env) {
      if (value != want) {
        Outcome o = ctx.differs(
            e->location,
            fmt::format("{} is '{}'; expected {}", entry_name(*e), cap(value), cap(want)),
            "callbackUrl");
        if (!value.empty())
          o.config_mismatch = ConfigMismatch{"callbackUrl", Constant{value}, e->location};
        return o;
      }
      pass_text = fmt::format("{} is '{}'", entry_name(*e), cap(value));
      continue;
    }
    std::string vars_name = vars ? vars->path : "wrangler config";
    if (unresolved.empty()) {
      if (value != want)
        return ctx.differs(
            e->location,
            fmt::format("{} is `{}`, which resolves to {} with {} from {} vars; "
                        "expected {}",
                        entry_name(*e), shape, cap(value), resolved_from, vars_name, cap(want)),
            "callbackUrl");
      pass_text = fmt::format("{} is `{}` = {} ({} from {} vars)", entry_name(*e), shape,
                              cap(value), resolved_from, vars_name);
      continue;
    }
    std::string why = !vars ? "no wrangler config found"
                      : !vars->error.empty()
                          ? fmt::format("{} could not be read: {}", vars->path, vars->error)
                          : fmt::format("{} has no var {}", vars->path, unresolved);
    std::string path = url_path(want);
    if (after_env.empty())
      return Outcome::fail(
          e->location,
          fmt::format(
              "{} is `{}`, which cannot be resolved ({}) and has no constant path to check; "
              "expected {}, or a var {} in the wrangler config",
              entry_name(*e), shape, why, cap(want), unresolved));
    if (after_env != path)
      return ctx.differs(
          e->location,
          fmt::format("{} is `{}`: after the env binding {} ({}) it ends in '{}'; "
                      "expected the path {} of {}",
                      entry_name(*e), shape, unresolved, why, after_env, path, cap(want)),
          "callbackUrl");
    pass_text = fmt::format(
        "{} is `{}`: built from the env binding {}, which cannot be resolved ({}), "
        "plus the path {}",
        entry_name(*e), shape, unresolved, why, path);
  }
  return Outcome::pass(entries.back()->location, pass_text);
}

Outcome env_stream_jwt(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto calls = sign_calls(m, s->region);
  auto signed_token = [&](const EnvEntry& e) {
    for (const Origin& o : m.trace_all(m.caller_value(e.source, fn)))
      if (o.path.empty() && is_sign_call(calls, o.expr)) return true;
    return false;
  };
  return every_entry(
      *env, "VF_STREAM_JWT", signed_token,
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}{}; expected the token returned by signExecutionToken{}",
                           entry_name(e), show(e.value, 50), origin_note(m, fn, e.source),
                           calls.empty() ? std::string(" (never called in dispatchContainer)")
                                         : fmt::format(" at line {}", calls.front().call.line()));
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} is the signExecutionToken result", entry_name(e));
      });
}

// `storage.get('sdkSessionId')` on this.state / this.ctx storage.
bool is_sdk_session_read(const FileModel& m, const Node& n) {
  Node s = FileModel::strip_await(n);
  if (!s.is("call_expression") || FileModel::callee_name(s) != "get") return false;
  if (FileModel::last_name(FileModel::callee_object(s)) != "storage") return false;
  auto args = FileModel::arguments(s);
  return !args.empty() && m.fold_string(args[0]) == std::string("sdkSessionId");
}

Outcome env_sdk_session(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  // a storage read, also one a same-file helper returns (`await this.loadSdkSession()`)
  Matcher read = [](const FileModel& fm, const Node& n) {
    if (is_sdk_session_read(fm, n)) return true;
    Node c = FileModel::strip_await(n);
    if (!c.is("call_expression")) return false;
    const Function* f = fm.callee_function(c);
    if (!f) return false;
    if (!f->body.is("statement_block"))
      return fm.derives_from(
          f->body, [](const FileModel& x, const Node& y) { return is_sdk_session_read(x, y); });
    for (const Node& ret : fm.nodes_in("return_statement", f->body))
      if (fm.enclosing_function(ret) == f &&
          fm.derives_from(ret.named_child(0), [](const FileModel& x, const Node& y) {
            return is_sdk_session_read(x, y);
          }))
        return true;
    return false;
  };
  bool any_read = !m.find("call_expression", s->region, read).empty();
  return every_entry(
      *env, "VF_SDK_SESSION_ID", [&](const EnvEntry& e) { return m.derives_from(e.source, read); },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}{}, not the sdkSessionId read from DO storage{}", entry_name(e),
                           describe_value(m, e.source), origin_note(m, fn, e.source),
                           any_read
                               ? std::string{}
                               : "; dispatchContainer never reads storage.get('sdkSessionId'), so "
                                 "the agent cannot resume the conversation");
      },
      [&](const EnvEntry& e) {
        return fmt::format("{} derives from storage.get('sdkSessionId')", entry_name(e));
      });
}

// `mode || 'agent'`, `mode ?? 'agent'`, `mode ? mode : 'agent'`, or `mode` with an 'agent' default.
bool mode_with_default(const FileModel& m, const Function& fn, const Node& value, int depth = 0) {
  if (depth > 4) return false;
  Node v = FileModel::strip(value);
  auto agent = [&](const Node& n) { return m.fold_string(n) == std::string("agent"); };
  if (v.is("binary_expression")) {
    std::string_view op = v.field("operator").kind();
    return (op == "||" || op == "??") && is_named(m, fn, v.field("left"), "mode") &&
           agent(v.field("right"));
  }
  if (v.is("ternary_expression"))
    return mentions(m, fn, v.field("condition"), "mode") &&
           is_named(m, fn, v.field("consequence"), "mode") && agent(v.field("alternative"));
  if (v.is("identifier") || v.is("shorthand_property_identifier")) {
    Node mapped = FileModel::strip(m.caller_value(v, fn));
    if (!(mapped == v)) return mode_with_default(m, fn, mapped, depth + 1);
    const Binding* b = m.resolve(v.text(), v.start_byte());
    if (!b) return false;
    if (b->kind == BindingKind::Param)
      return b->name == "mode" && !b->init.null() && agent(b->init);
    if (!b->init.null() && b->path.empty()) return mode_with_default(m, fn, b->init, depth + 1);
  }
  return false;
}

Outcome env_session_mode(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  return every_entry(
      *env, "VF_SESSION_MODE", [&](const EnvEntry& e) { return mode_with_default(m, fn, e.value); },
      [&](const EnvEntry& e) {
        return fmt::format(
            "{} is {}; expected mode || 'agent' so a request without a mode still "
            "runs in agent mode",
            entry_name(e), show(e.value, 50));
      },
      [&](const EnvEntry& e) { return fmt::format("{} is {}", entry_name(e), show(e.value, 40)); });
}

Outcome env_conditional(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  std::vector<std::string> problems, good;
  Location where;
  std::vector<Evidence> ev;
  using KeyVar = std::pair<std::string_view, std::string_view>;
  for (const auto& [key, var] :
       std::array<KeyVar, 2>{KeyVar{"VF_MODEL", "model"}, KeyVar{"VF_AUTONOMY_MODE", "autonomy"}}) {
    auto entries = entries_for(*env, key);
    std::string problem;
    const EnvEntry* bad = nullptr;
    for (const EnvEntry* e : entries) {
      if (!e->conditional) {
        problem = fmt::format(
            "{} is set unconditionally; set it only when {} is given, e.g. "
            "...({} ? {{ {}: {} }} : {{}})",
            entry_name(*e), var, var, key, var);
      } else if (!mentions(m, fn, e->condition, var)) {
        problem = fmt::format("{} is set under {}, not under a condition on {}", entry_name(*e),
                              show(FileModel::strip(e->condition), 40), var);
      } else {
        continue;
      }
      bad = e;
      break;
    }
    if (entries.empty()) problem = fmt::format("{} is never set{}", key, spreads_note(*env));
    if (!problem.empty()) {
      problems.push_back(problem);
      if (!where.known()) where = bad ? bad->location : env->location;
    } else {
      good.push_back(fmt::format("{} is set under {}", entry_name(*entries.front()),
                                 show(FileModel::strip(entries.front()->condition), 30)));
      ev.push_back({entries.front()->location, std::string(key)});
    }
  }
  if (problems.empty()) return Outcome::pass(ev.front().location, join(good, "; "), ev);
  return Outcome::fail(where, join(problems, "; "), ev);
}

Outcome env_config_dir(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const std::string& want = ctx.config().claude_config_dir;
  Outcome o = every_entry(
      *env, "CLAUDE_CONFIG_DIR", [&](const EnvEntry& e) { return m.fold_string(e.source) == want; },
      [&](const EnvEntry& e) {
        return fmt::format("{} is {}; expected '{}'", entry_name(e), describe_value(m, e.source),
                           cap(want));
      },
      [&](const EnvEntry& e) { return fmt::format("{} is '{}'", entry_name(e), cap(want)); });
  if (o.status != Status::Fail) return o;
  // the key is set, to another directory
  if (!entries_for(*env, "CLAUDE_CONFIG_DIR").empty())
    o = ctx.differs(o.location, o.found, "claudeConfigDir");
  // a literal the claudeConfigDir key controls when every entry sets the same constant
  std::optional<std::string> value;
  for (const EnvEntry* e : entries_for(*env, "CLAUDE_CONFIG_DIR")) {
    auto v = m.fold_string(e->source);
    if (!v || v->empty() || (value && *value != *v)) return o;
    value = v;
    o.config_mismatch = ConfigMismatch{"claudeConfigDir", Constant{*v}, e->location};
  }
  return o;
}

// Which secrets a call collects, by its name or a key it reads: "project", "user", or "".
std::string secrets_kind(const FileModel& m, const Node& call) {
  std::string name = ascii_lower(FileModel::callee_name(call));
  std::string text = name;
  for (const Node& a : FileModel::arguments(call))
    if (auto p = m.pattern(a)) text += fmt::format(" {}", ascii_lower(*p));
  if (name.find("secret") == std::string::npos && text.find("secret") == std::string::npos)
    return {};
  if (text.find("project") != std::string::npos) return "project";
  if (text.find("user") != std::string::npos) return "user";
  return {};
}

Outcome env_secrets(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> s;
  const StartProcessEnv* env = process_env(ctx, s, failure);
  if (!env) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  std::map<std::string, Node> spread;     // kind → spread element
  std::map<std::string, Node> collector;  // kind → collector call
  for (const Node& call : m.nodes_in("call_expression", s->region)) {
    std::string kind = secrets_kind(m, call);
    if (!kind.empty() && !collector.count(kind)) collector[kind] = call;
  }
  for (const Node& sp : env->spreads) {
    Node arg = sp.is("spread_element") ? sp.named_child(0) : sp;
    std::string kind;
    m.derives_from(m.caller_value(arg, fn), [&](const FileModel& fm, const Node& n) {
      Node c = FileModel::strip_await(n);
      if (c.is("call_expression")) kind = secrets_kind(fm, c);
      return !kind.empty();
    });
    if (!kind.empty() && !spread.count(kind)) spread[kind] = sp;
  }
  if (spread.count("project") && spread.count("user"))
    return Outcome::pass(
        m.location(spread["project"]),
        fmt::format("env spreads {} (line {}) and {} (line {})", show(spread["project"], 30),
                    spread["project"].line(), show(spread["user"], 30), spread["user"].line()),
        {{m.location(spread["project"]), "project secrets"},
         {m.location(spread["user"]), "user secrets"}});
  std::vector<std::string> parts;
  for (const char* k : {"project", "user"}) {
    const std::string kind = k;
    if (spread.count(kind)) continue;
    parts.push_back(
        collector.count(kind)
            ? fmt::format("{} secrets are collected by {} (line {}) but never spread into the env",
                          kind, show(collector[kind], 40), collector[kind].line())
            : fmt::format("no {}-secrets collector is called and nothing spreads {} secrets into "
                          "the env",
                          kind, kind));
  }
  return Outcome::fail(env->location, fmt::format("the startProcess env (line {}): {}",
                                                  env->location.line, join(parts, "; ")));
}

// -- lastActiveAt
// ----------------------------------------------------------------------------------------

// Whether the value put is an object carrying lastActiveAt: `JSON.stringify({ …, lastActiveAt })`,
// an object literal, or a bound object whose lastActiveAt is assigned first.
bool carries_last_active(const FileModel& m, const Function& fn, const Region& r,
                         const Node& value) {
  Node v = FileModel::strip_await(m.caller_value(value, fn));
  if (v.is("call_expression") && FileModel::callee_name(v) == "stringify") {
    auto args = FileModel::arguments(v);
    if (args.empty()) return false;
    v = FileModel::strip(m.caller_value(args[0], fn));
  }
  Node base = v;
  if (v.is("identifier")) {
    Origin o = m.trace(v);
    if (o.path.empty()) v = FileModel::strip_await(o.expr);
  }
  if (v.is("object") && !m.property(v, "lastActiveAt").null()) return true;
  if (!base.is("identifier")) return false;
  const Binding* b = m.resolve(base);
  for (const Node& a : m.nodes_in("assignment_expression", r)) {
    Node left = FileModel::strip(a.field("left"));
    if (left.is("member_expression") && left.field("property").text() == "lastActiveAt" &&
        FileModel::strip(left.field("object")).is("identifier") &&
        m.resolve(FileModel::strip(left.field("object"))) == b)
      return true;
  }
  return false;
}

// Handed to `waitUntil(…)`, directly or through a binding.
bool passed_to_wait_until(const FileModel& m, const Region& r, const Node& outer) {
  Node p = outer.parent();
  while (p.is("parenthesized_expression")) p = p.parent();
  if (p.is("arguments") && FileModel::callee_name(p.parent()) == "waitUntil") return true;
  if (p.is("variable_declarator")) {
    const Binding* b = m.resolve(p.field("name"));
    for (const Node& call : m.find("call_expression", r, match::call("waitUntil")))
      for (const Node& a : FileModel::arguments(call))
        if (FileModel::strip(a).is("identifier") && m.resolve(FileModel::strip(a)) == b)
          return true;
  }
  return false;
}

Outcome last_active(const CheckContext& ctx) {
  Outcome failure;
  auto s = ctx.do_method(kMethod, failure);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  auto puts = kv_calls(m, *s, "SESSIONS_KV", "put");
  std::vector<std::string> problems;
  Node at;
  for (const auto& p : puts) {
    auto args = FileModel::arguments(p.call);
    if (args.size() < 2 || !carries_last_active(m, fn, s->region, args[1])) continue;
    PromiseUse use = m.promise_use(p.call);
    bool waited = passed_to_wait_until(m, s->region, use.outer);
    bool caught = use.has("catch") || (use.has("then") && use.chain.back().args.size() > 1);
    if (!use.awaited && !use.returned && (waited || caught))
      return Outcome::pass(
          m.location(p.call),
          fmt::format("SESSIONS_KV.put(…lastActiveAt…) at line {}, {}", p.call.line(),
                      waited ? "handed to waitUntil" : "not awaited, with .catch()"));
    if (at.null()) at = p.call;
    if (use.awaited)
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is awaited, so dispatch waits for KV; "
                      "drop the await and add .catch(() => {{}}) or pass it to waitUntil",
                      p.call.line()));
    else if (use.returned)
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is returned, so the caller waits for it",
                      p.call.line()));
    else
      problems.push_back(
          fmt::format("the lastActiveAt write at line {} is neither caught nor handed to "
                      "waitUntil: a failed write is an unhandled rejection",
                      p.call.line()));
  }
  if (!problems.empty()) return Outcome::fail(m.location(at), join(problems, "; "));
  return Outcome::fail(
      s->location(),
      fmt::format("no SESSIONS_KV.put of the session with lastActiveAt in "
                  "dispatchContainer{}",
                  puts.empty() ? std::string{} : "; puts found: " + kv_call_list(m, puts)));
}

}  // namespace

void register_do_dispatch_checks(Registry& r) {
  r.add({.id = "do.dispatch-session-kv",
         .group = Group::DurableObject,
         .title = "reads session from `SESSIONS_KV` at `session:{sessionId}`",
         .expected = "SESSIONS_KV.get(`session:${sessionId}`, …) in dispatchContainer",
         .role = Role::DurableObject,
         .passes_when =
             "a get on the SESSIONS_KV env binding (this.env / env / destructured) whose key is "
             "session:{sessionId} (template or concatenation)",
         .fails_when = "other key (sessions:…); another KV namespace; no session read",
         .config_keys = {"roles.do", "className"},
         .run = session_kv});
  r.add({.id = "do.dispatch-session-status",
         .group = Group::DurableObject,
         .title = "rejects terminated / pending-delete sessions",
         .expected = "tests of session.status against 'terminated' and 'pending-delete' that throw",
         .role = Role::DurableObject,
         .passes_when =
             "=== / !== comparisons (either operand order), includes()/has() on a list, or switch "
             "cases on status, each leading to a throw, for both values",
         .fails_when = "one value not rejected; the comparison's branch does not throw",
         .config_keys = {"roles.do", "className"},
         .run = session_status});
  r.add({.id = "do.dispatch-sandbox-id",
         .group = Group::DurableObject,
         .title = "requires `session.sandboxId`",
         .expected = "a falsy test of sandboxId (e.g. if (!session.sandboxId) throw …)",
         .role = Role::DurableObject,
         .passes_when =
             "!sandboxId, == null, === undefined or === '' in an if whose throwing branch runs "
             "when it holds",
         .fails_when = "no test; a test whose branch does not throw",
         .config_keys = {"roles.do", "className"},
         .run = sandbox_id});
  r.add({.id = "do.dispatch-get-sandbox",
         .group = Group::DurableObject,
         .title = "gets sandbox via `getSandbox(SANDBOX_CONTAINER, sandboxId)`",
         .expected = "getSandbox(<sandboxBinding env read>, session.sandboxId)",
         .role = Role::DurableObject,
         .passes_when =
             "a getSandbox call whose first argument reads the sandbox env binding and whose "
             "second is the session's sandboxId",
         .fails_when = "arguments swapped; another binding; no getSandbox call",
         .config_keys = {"sandboxBinding", "roles.do"},
         .run = get_sandbox});
  r.add({.id = "do.dispatch-sign-jwt",
         .group = Group::DurableObject,
         .title = "signs JWT with `signExecutionToken(executionId, sessionId, JWT_SECRET)`",
         .expected =
             "signExecutionToken(executionId, sessionId, this.env.JWT_SECRET), imported from the "
             "jwt file",
         .role = Role::DurableObject,
         .passes_when =
             "the call's first three arguments are executionId, sessionId and the JWT_SECRET env "
             "binding, and the callee is imported from the jwt role file",
         .fails_when =
             "arguments swapped; another secret; defined locally or imported from elsewhere; "
             "jwt file missing",
         .config_keys = {"roles.jwt", "roles.do"},
         .run = sign_jwt});
  r.add({.id = "do.dispatch-oauth-kv",
         .group = Group::DurableObject,
         .title = "reads `claudeToken` from `AUTH_KV` at `user:{userId}`",
         .expected = "AUTH_KV.get(`user:${userId}`, …) and .claudeToken read from its result",
         .role = Role::DurableObject,
         .passes_when =
             "a get on AUTH_KV with key user:{userId}, whose result (awaited, or JSON.parse'd) "
             "is read for claudeToken (member read or destructuring, through bindings)",
         .fails_when = "other key (users:…); other field; no user record read",
         .config_keys = {"roles.do", "className"},
         .run = oauth_kv});
  r.add({.id = "do.dispatch-oauth-prefix",
         .group = Group::DurableObject,
         .title = "validates token exists and starts with `sk-ant-oat01-`",
         .expected =
             "a falsy test and a startsWith(oauthPrefix) test on the OAuth token, each throwing",
         .role = Role::DurableObject,
         .passes_when =
             "if (!token) throw … and if (!token.startsWith('sk-ant-oat01-')) throw … (or one "
             "if with ||, or !token?.startsWith(…))",
         .fails_when = "another prefix (sk-ant-api03-); a test that does not throw; no test",
         .config_keys = {"oauthPrefix", "roles.do"},
         .run = oauth_prefix});
  r.add({.id = "do.dispatch-pending-query",
         .group = Group::DurableObject,
         .title = "writes prompt to `/tmp/vf-pending-query.json`",
         .expected = "writeFile('/tmp/vf-pending-query.json', content including prompt)",
         .role = Role::DurableObject,
         .passes_when =
             "a writeFile call whose path folds to pendingQueryPath and whose content derives "
             "from prompt",
         .fails_when = "another path; content without the prompt; no writeFile",
         .config_keys = {"pendingQueryPath", "roles.do"},
         .run = pending_query});
  r.add({.id = "do.env-system",
         .group = Group::DurableObject,
         .title = "startProcess env has PATH, HOME, NODE_PATH, LANG, TERM",
         .expected = "PATH, HOME, NODE_PATH, LANG and TERM keys in the startProcess env",
         .role = Role::DurableObject,
         .passes_when =
             "all five keys are set unconditionally in the env object (literal, const, builder "
             "helper, spreads of literals, later assignments)",
         .fails_when = "a key missing (Found lists them); a key set only under a condition",
         .config_keys = {"roles.do", "className"},
         .run = env_system});
  r.add({.id = "do.env-is-sandbox",
         .group = Group::DurableObject,
         .title = "env sets `IS_SANDBOX: '1'`",
         .expected = "IS_SANDBOX: '1'",
         .role = Role::DurableObject,
         .passes_when = "the IS_SANDBOX value folds to the string '1'",
         .fails_when = "'true'; a number; missing",
         .config_keys = {"roles.do", "className"},
         .run = env_is_sandbox});
  r.add(
      {.id = "do.env-oauth-token",
       .group = Group::DurableObject,
       .title = "env sets `CLAUDE_CODE_OAUTH_TOKEN` to the OAuth token",
       .expected = "CLAUDE_CODE_OAUTH_TOKEN: the OAuth token validated in do.dispatch-oauth-prefix",
       .role = Role::DurableObject,
       .passes_when =
           "the value traces to the same token (the .claudeToken of the AUTH_KV user record)",
       .fails_when = "the execution JWT or another value; missing",
       .config_keys = {"roles.do", "className"},
       .run = env_oauth_token});
  r.add({.id = "do.env-callback-url",
         .group = Group::DurableObject,
         .title = "env sets `VF_CALLBACK_URL` to the stream callback",
         .expected = "VF_CALLBACK_URL: https://vaporforge.dev/internal/stream (config callbackUrl)",
         .role = Role::DurableObject,
         .passes_when =
             "the value folds to callbackUrl; or env binding + constant path resolved through "
             "wrangler vars equals it; or, when the binding cannot be resolved, the constant "
             "path is callbackUrl's path",
         .fails_when =
             "another path or origin (including a wrangler var with another origin); missing",
         .config_keys = {"callbackUrl", "roles.do"},
         .run = env_callback_url});
  r.add({.id = "do.env-stream-jwt",
         .group = Group::DurableObject,
         .title = "env sets `VF_STREAM_JWT` to the signed token",
         .expected = "VF_STREAM_JWT: the value returned by signExecutionToken",
         .role = Role::DurableObject,
         .passes_when = "the value traces to a signExecutionToken(…) call",
         .fails_when = "the secret or another value; missing",
         .config_keys = {"roles.do", "className"},
         .run = env_stream_jwt});
  r.add({.id = "do.env-sdk-session",
         .group = Group::DurableObject,
         .title = "env sets `VF_SDK_SESSION_ID`",
         .expected = "VF_SDK_SESSION_ID derived from storage.get('sdkSessionId')",
         .role = Role::DurableObject,
         .passes_when =
             "the value derives from the DO storage read of sdkSessionId (this.state.storage or "
             "this.ctx.storage), directly or through a let a branch may clear",
         .fails_when = "a constant; another value; missing",
         .config_keys = {"roles.do", "className"},
         .run = env_sdk_session});
  r.add({.id = "do.env-session-mode",
         .group = Group::DurableObject,
         .title = "env sets `VF_SESSION_MODE: mode || 'agent'`",
         .expected = "VF_SESSION_MODE: mode || 'agent'",
         .role = Role::DurableObject,
         .passes_when =
             "mode || 'agent', mode ?? 'agent', mode ? mode : 'agent', or mode with an 'agent' "
             "parameter default",
         .fails_when = "no default; another default; missing",
         .config_keys = {"roles.do", "className"},
         .run = env_session_mode});
  r.add(
      {.id = "do.env-conditional",
       .group = Group::DurableObject,
       .title = "env sets `VF_MODEL` and `VF_AUTONOMY_MODE` conditionally",
       .expected =
           "VF_MODEL only under a condition on model, VF_AUTONOMY_MODE only under one on autonomy",
       .role = Role::DurableObject,
       .passes_when =
           "conditional spreads ...(model ? { VF_MODEL: model } : {}) / ...(model && {…}), or "
           "an if that assigns the key",
       .fails_when = "set unconditionally; never set; under an unrelated condition",
       .config_keys = {"roles.do", "className"},
       .run = env_conditional});
  r.add({.id = "do.env-config-dir",
         .group = Group::DurableObject,
         .title = "env sets `CLAUDE_CONFIG_DIR`",
         .expected = "CLAUDE_CONFIG_DIR: '/root/.config/claude' (config claudeConfigDir)",
         .role = Role::DurableObject,
         .passes_when = "the value folds to claudeConfigDir",
         .fails_when = "'/root/.claude'; missing",
         .config_keys = {"claudeConfigDir", "roles.do"},
         .run = env_config_dir});
  r.add({.id = "do.env-secrets",
         .group = Group::DurableObject,
         .title = "env spreads project and user secrets",
         .expected =
             "two spreads in the env: the project-secrets and the user-secrets collectors' results",
         .role = Role::DurableObject,
         .passes_when =
             "spread elements (or Object.assign sources) whose values come from calls whose names "
             "mention project / user secrets",
         .fails_when = "one collector's result not spread; no collectors",
         .config_keys = {"roles.do", "className"},
         .run = env_secrets});
  r.add(
      {.id = "do.dispatch-last-active",
       .group = Group::DurableObject,
       .title = "updates `lastActiveAt` in KV without blocking",
       .expected =
           "SESSIONS_KV.put(…, JSON.stringify({ …, lastActiveAt })) not awaited, with .catch() or "
           "in waitUntil",
       .role = Role::DurableObject,
       .passes_when =
           "a SESSIONS_KV.put of an object with lastActiveAt that is not awaited or returned and "
           "is caught or handed to waitUntil",
       .fails_when = "awaited; neither caught nor in waitUntil; no lastActiveAt write",
       .config_keys = {"roles.do", "className"},
       .run = last_active});
}

}  // namespace v15
