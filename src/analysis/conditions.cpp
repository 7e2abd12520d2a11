#include "v15check/analysis/conditions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <unordered_set>

#include "v15check/analysis/memo.h"

namespace v15::analysis {

namespace {

// Bounds the recursion through bindings, operators and helpers of one question.
constexpr int kMaxValueDepth = 48;
// A string longer than this is not worth evaluating further (a question is about short values).
constexpr std::size_t kMaxValueBytes = 4096;

// An abstract value: known exactly, known only by truthiness, or unknown.
struct Value {
  enum class Kind { Unknown, String, Number, Bool, Falsy, Truthy, Array } kind = Kind::Unknown;
  std::string s;
  double n = 0;
  bool b = false;
  std::vector<Value> items;  // Array

  static Value unknown() { return {}; }
  static Value string(std::string v) {
    Value x;
    x.kind = Kind::String;
    x.s = std::move(v);
    return x;
  }
  static Value number(double v) {
    Value x;
    x.kind = Kind::Number;
    x.n = v;
    return x;
  }
  static Value boolean(bool v) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    return x;
  }
  static Value of_truth(Truth t) {
    if (t == Truth::Unknown) return {};
    return boolean(t == Truth::True);
  }
  bool known() const { return kind == Kind::String || kind == Kind::Number || kind == Kind::Bool; }
  Truth truth() const {
    switch (kind) {
      case Kind::String:
        return s.empty() ? Truth::False : Truth::True;
      case Kind::Number:
        return n != 0 && !std::isnan(n) ? Truth::True : Truth::False;
      case Kind::Bool:
        return b ? Truth::True : Truth::False;
      case Kind::Falsy:
        return Truth::False;
      case Kind::Truthy:
      case Kind::Array:
        return Truth::True;
      case Kind::Unknown:
        break;
    }
    return Truth::Unknown;
  }
};

Truth strictly_equal(const Value& a, const Value& b) {
  if (a.known() && b.known()) {
    if (a.kind != b.kind) return Truth::False;
    if (a.kind == Value::Kind::String) return a.s == b.s ? Truth::True : Truth::False;
    if (a.kind == Value::Kind::Number) return a.n == b.n ? Truth::True : Truth::False;
    return a.b == b.b ? Truth::True : Truth::False;
  }
  // a value known only by truthiness differs from every known value of the other truthiness
  Truth ta = a.truth(), tb = b.truth();
  if (ta != Truth::Unknown && tb != Truth::Unknown && ta != tb) return Truth::False;
  return Truth::Unknown;
}

std::string ascii_case(std::string s, bool upper) {
  for (char& c : s)
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string trim(std::string s, bool start, bool end) {
  std::size_t b = 0, e = s.size();
  if (start)
    while (b < e && is_space(s[b])) ++b;
  if (end)
    while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// JavaScript's index clamping for slice/substring.
std::size_t clamp_index(double i, std::size_t len, bool negative_from_end) {
  if (std::isnan(i)) return 0;
  if (i < 0) {
    if (!negative_from_end) return 0;
    i += static_cast<double>(len);
    if (i < 0) return 0;
  }
  return i > static_cast<double>(len) ? len : static_cast<std::size_t>(i);
}

class Evaluator {
 public:
  Evaluator(const FileModel& m, const Facts& facts) : m_(m), facts_(facts) {}

  Value value(const Node& expr, int depth = 0) const {
    if (expr.null() || depth > kMaxValueDepth) return {};
    Node e = FileModel::strip(expr);
    if (e.is("await_expression")) e = FileModel::strip(e.named_child(0));
    for (const Fact& f : facts_) {
      if (!f.denotes || !f.denotes(m_, e)) continue;
      if (f.kind == Fact::Kind::Falsy) {
        Value v;
        v.kind = Value::Kind::Falsy;
        return v;
      }
      if (f.kind == Fact::Kind::Truthy) {
        Value v;
        v.kind = Value::Kind::Truthy;
        return v;
      }
      return Value::string(f.value);
    }
    std::string_view k = e.kind();
    if (k == "true") return Value::boolean(true);
    if (k == "false") return Value::boolean(false);
    if (k == "null" || k == "undefined") {
      Value v;
      v.kind = Value::Kind::Falsy;
      return v;
    }
    if (k == "string" || k == "number") return folded(e);
    if (k == "template_string") return template_value(e, depth);
    if (k == "array") {
      Value v;
      v.kind = Value::Kind::Array;
      for (const Node& c : e.named_children()) {
        if (c.is("comment")) continue;
        v.items.push_back(c.is("spread_element") ? Value{} : value(c, depth + 1));
      }
      return v;
    }
    if (k == "object" || k == "arrow_function" || k == "function_expression" ||
        k == "new_expression" || k == "regex") {
      Value v;
      v.kind = Value::Kind::Truthy;
      return v;
    }
    if (k == "identifier") return identifier(e, depth);
    if (k == "unary_expression") {
      std::string_view op = e.field("operator").kind();
      Value a = value(e.field("argument"), depth + 1);
      if (op == "!") return Value::of_truth(negate(a.truth()));
      if (op == "typeof") {
        if (a.kind == Value::Kind::String) return Value::string("string");
        if (a.kind == Value::Kind::Number) return Value::string("number");
        if (a.kind == Value::Kind::Bool) return Value::string("boolean");
      }
      if (op == "void") {
        Value v;
        v.kind = Value::Kind::Falsy;
        return v;
      }
      return {};
    }
    if (k == "binary_expression") return binary(e, depth);
    if (k == "ternary_expression") {
      Truth c = value(e.field("condition"), depth + 1).truth();
      if (c == Truth::True) return value(e.field("consequence"), depth + 1);
      if (c == Truth::False) return value(e.field("alternative"), depth + 1);
      Value a = value(e.field("consequence"), depth + 1);
      Value b = value(e.field("alternative"), depth + 1);
      if (a.truth() != Truth::Unknown && a.truth() == b.truth()) {
        Value v;
        v.kind = a.truth() == Truth::True ? Value::Kind::Truthy : Value::Kind::Falsy;
        return v;
      }
      return {};
    }
    if (k == "call_expression") return call(e, depth);
    if (k == "member_expression") {
      if (FileModel::last_name(e) == "length") {
        Value o = value(e.field("object"), depth + 1);
        if (o.kind == Value::Kind::String) return Value::number(static_cast<double>(o.s.size()));
        if (o.kind == Value::Kind::Array) return Value::number(static_cast<double>(o.items.size()));
      }
      return folded(e);
    }
    if (k == "subscript_expression") {
      Value o = value(e.field("object"), depth + 1);
      Value i = value(e.field("index"), depth + 1);
      if (o.kind == Value::Kind::Array && i.kind == Value::Kind::Number && i.n >= 0 &&
          i.n < static_cast<double>(o.items.size()))
        return o.items[static_cast<std::size_t>(i.n)];
      if (o.kind == Value::Kind::Array && i.kind == Value::Kind::Number) {
        Value v;
        v.kind = Value::Kind::Falsy;  // past the end: undefined
        return v;
      }
      if (o.kind == Value::Kind::Falsy) {
        bool optional = false;
        for (uint32_t c = 0; c < e.child_count(); ++c)
          optional = optional || e.child(c).is("optional_chain");
        if (optional) return o;  // `match?.[1]` on no match: undefined
      }
      return folded(e);
    }
    return {};
  }

 private:
  Value folded(const Node& e) const {
    auto c = m_.fold(e);
    if (!c) return {};
    if (c->is_number()) return Value::number(c->number());
    return Value::string(c->string());
  }

  Value identifier(const Node& e, int depth) const {
    if (e.text() == "undefined") {
      Value v;
      v.kind = Value::Kind::Falsy;
      return v;
    }
    const Binding* b = m_.resolve(e);
    if (!b || b->init.null()) return {};
    bool fixed =
        b->kind == BindingKind::Const ||
        ((b->kind == BindingKind::Let || b->kind == BindingKind::Var) && b->assignments.empty());
    if (!fixed) return {};
    Value v = value(b->init, depth + 1);
    // `const [, token] = header.split(' ')`: an array pattern picks an element by position,
    // holes included
    Node pattern = b->name_node.parent();
    if (b->path.size() == 1 && pattern.is("array_pattern")) {
      std::size_t i = 0;
      for (uint32_t c = 0; c < pattern.child_count(); ++c) {
        Node child = pattern.child(c);
        if (child == b->name_node) break;
        if (child.is(",")) ++i;
      }
      if (v.kind != Value::Kind::Array) return {};
      if (i >= v.items.size()) {
        Value undefined;
        undefined.kind = Value::Kind::Falsy;
        return undefined;
      }
      Value item = v.items[i];
      return item;
    }
    for (const std::string& step : b->path) {
      if (v.kind != Value::Kind::Array || step.empty() ||
          step.find_first_not_of("0123456789") != std::string::npos)
        return {};
      std::size_t i = std::stoul(step);
      if (i >= v.items.size()) {
        Value undefined;
        undefined.kind = Value::Kind::Falsy;
        return undefined;
      }
      Value item = v.items[i];
      v = std::move(item);
    }
    return v;
  }

  Value template_value(const Node& e, int depth) const {
    std::string out;
    for (uint32_t i = 0; i < e.named_child_count(); ++i) {
      Node c = e.named_child(i);
      if (c.is("string_fragment")) {
        out += c.text();
      } else if (c.is("template_substitution")) {
        Value v = value(c.named_child(0), depth + 1);
        if (v.kind == Value::Kind::String)
          out += v.s;
        else
          return folded(e);
      } else {
        return folded(e);  // escapes: let the folder decode them
      }
      if (out.size() > kMaxValueBytes) return {};
    }
    return Value::string(out);
  }

  Value binary(const Node& e, int depth) const {
    std::string_view op = e.field("operator").kind();
    if (op == "&&" || op == "||") {
      Value l = value(e.field("left"), depth + 1);
      Truth tl = l.truth();
      if (op == "&&") {
        if (tl == Truth::False) return l;
        if (tl == Truth::True) return value(e.field("right"), depth + 1);
        return Value::of_truth(both(tl, value(e.field("right"), depth + 1).truth()));
      }
      if (tl == Truth::True) return l;
      if (tl == Truth::False) return value(e.field("right"), depth + 1);
      return Value::of_truth(either(tl, value(e.field("right"), depth + 1).truth()));
    }
    if (op == "??") {
      Value l = value(e.field("left"), depth + 1);
      if (l.known() || l.kind == Value::Kind::Truthy || l.kind == Value::Kind::Array) return l;
      return {};
    }
    if (op == "===" || op == "==" || op == "!==" || op == "!=") {
      Truth t =
          strictly_equal(value(e.field("left"), depth + 1), value(e.field("right"), depth + 1));
      return Value::of_truth(op[0] == '!' ? negate(t) : t);
    }
    if (op == "+") {
      Value l = value(e.field("left"), depth + 1);
      Value r = value(e.field("right"), depth + 1);
      if (l.kind == Value::Kind::Number && r.kind == Value::Kind::Number)
        return Value::number(l.n + r.n);
      if ((l.kind == Value::Kind::String || r.kind == Value::Kind::String) && l.known() &&
          r.known()) {
        std::string out = text_of(l) + text_of(r);
        if (out.size() > kMaxValueBytes) return {};
        return Value::string(std::move(out));
      }
      return folded(e);
    }
    return folded(e);
  }

  static std::string text_of(const Value& v) {
    if (v.kind == Value::Kind::String) return v.s;
    if (v.kind == Value::Kind::Bool) return v.b ? "true" : "false";
    double n = v.n;
    if (n == std::floor(n) && std::fabs(n) < 1e15) return std::to_string(static_cast<long long>(n));
    return std::to_string(n);
  }

  // `[A, B]` or `new Set([A, B])` behind a const binding (or written inline).
  Value collection(const Node& expr, int depth) const {
    Node e = FileModel::strip(expr);
    if (e.is("identifier")) {
      const Binding* b = m_.resolve(e);
      if (!b || b->kind != BindingKind::Const || b->init.null() || !b->path.empty()) return {};
      e = FileModel::strip(b->init);
    }
    if (e.is("new_expression") && FileModel::last_name(e.field("constructor")) == "Set") {
      auto args = FileModel::arguments(e);
      if (args.size() == 1) return collection(args[0], depth + 1);
      return {};
    }
    if (e.is("array")) return value(e, depth + 1);
    return {};
  }

  Value call(const Node& e, int depth) const {
    Node callee = FileModel::strip(e.field("function"));
    auto args = FileModel::arguments(e);
    std::string_view name = FileModel::callee_name(e);
    if (callee.is("identifier")) {
      if (name == "Boolean" && args.size() == 1)
        return Value::of_truth(value(args[0], depth + 1).truth());
      if (name == "String" && args.size() == 1) {
        Value v = value(args[0], depth + 1);
        if (v.known()) return Value::string(text_of(v));
      }
      return {};
    }
    if (!callee.is("member_expression")) return {};
    Node object = callee.field("object");
    // `/re/.exec(s)`, `/re/.test(s)` with a regex literal (inline or behind a const)
    if ((name == "exec" || name == "test") && args.size() == 1) {
      Node re = regex_literal(object);
      if (!re.null()) {
        Value subject = value(args[0], depth + 1);
        if (subject.kind != Value::Kind::String) return {};
        Value r = regex_match(subject.s, re);
        if (name == "test" && r.kind != Value::Kind::Unknown) return Value::of_truth(r.truth());
        return r;
      }
    }
    if ((name == "includes" || name == "has") && args.size() == 1) {
      Value set = collection(object, depth + 1);
      if (set.kind == Value::Kind::Array) {
        Value needle = value(args[0], depth + 1);
        Truth any = Truth::False;
        for (const Value& item : set.items) any = either(any, strictly_equal(item, needle));
        return Value::of_truth(any);
      }
    }
    Value o = value(object, depth + 1);
    if (o.kind == Value::Kind::Array && name == "includes" && args.size() == 1) {
      Value needle = value(args[0], depth + 1);
      Truth any = Truth::False;
      for (const Value& item : o.items) any = either(any, strictly_equal(item, needle));
      return Value::of_truth(any);
    }
    if (o.kind != Value::Kind::String) return {};
    const std::string& s = o.s;
    std::vector<Value> a;
    for (const Node& arg : args) a.push_back(value(arg, depth + 1));
    auto str = [&](std::size_t i) -> const std::string* {
      return i < a.size() && a[i].kind == Value::Kind::String ? &a[i].s : nullptr;
    };
    auto num = [&](std::size_t i) -> std::optional<double> {
      if (i < a.size() && a[i].kind == Value::Kind::Number) return a[i].n;
      return std::nullopt;
    };
    if (name == "startsWith" && str(0)) return Value::boolean(s.rfind(*str(0), 0) == 0);
    if (name == "endsWith" && str(0))
      return Value::boolean(s.size() >= str(0)->size() &&
                            s.compare(s.size() - str(0)->size(), str(0)->size(), *str(0)) == 0);
    if (name == "includes" && str(0)) return Value::boolean(s.find(*str(0)) != std::string::npos);
    if (name == "toUpperCase" || name == "toLowerCase")
      return Value::string(ascii_case(s, name == "toUpperCase"));
    if (name == "trim") return Value::string(trim(s, true, true));
    if (name == "trimStart") return Value::string(trim(s, true, false));
    if (name == "trimEnd") return Value::string(trim(s, false, true));
    if (name == "slice" || name == "substring") {
      bool slice = name == "slice";
      std::size_t b = args.empty() ? 0 : (num(0) ? clamp_index(*num(0), s.size(), slice) : 0);
      std::size_t en = s.size();
      if (args.size() > 1) {
        if (!num(1)) return {};
        en = clamp_index(*num(1), s.size(), slice);
      }
      if (!args.empty() && !num(0)) return {};
      if (!slice && b > en) std::swap(b, en);
      return Value::string(b < en ? s.substr(b, en - b) : std::string());
    }
    if (name == "split" && str(0) && !str(0)->empty()) {
      Value v;
      v.kind = Value::Kind::Array;
      std::size_t start = 0;
      for (;;) {
        std::size_t at = s.find(*str(0), start);
        v.items.push_back(Value::string(s.substr(start, at - start)));
        if (at == std::string::npos) break;
        start = at + str(0)->size();
      }
      return v;
    }
    if (name == "match" && args.size() == 1) {
      Node re = regex_literal(args[0]);
      if (!re.null() && std::string_view(re.field("flags").text()).find('g') == std::string::npos)
        return regex_match(s, re);
    }
    if ((name == "replace" || name == "replaceAll") && args.size() == 2 && str(1)) {
      if (str(0)) {
        std::string out = s;
        std::size_t at = out.find(*str(0));
        if (at != std::string::npos) out.replace(at, str(0)->size(), *str(1));
        return Value::string(out);
      }
      Node pattern = FileModel::strip(args[0]);
      if (pattern.is("regex")) return regex_replace(s, pattern, *str(1));
    }
    return {};
  }

  // A regex literal written inline or held by a const binding, or null.
  Node regex_literal(const Node& expr) const {
    Node e = FileModel::strip(expr);
    if (e.is("identifier")) {
      const Binding* b = m_.resolve(e);
      if (!b || b->kind != BindingKind::Const || b->init.null() || !b->path.empty()) return {};
      e = FileModel::strip(b->init);
    }
    return e.is("regex") ? e : Node{};
  }

  // The result of a non-global `exec`/`match`: the match and its groups (an unmatched group is
  // undefined), or null when nothing matches; an unsupported pattern is unknown.
  static Value regex_match(const std::string& s, const Node& regex) {
    std::string flags(regex.field("flags").text());
    auto opts = std::regex::ECMAScript;
    if (flags.find('i') != std::string::npos) opts |= std::regex::icase;
    try {
      std::regex re(std::string(regex.field("pattern").text()), opts);
      std::smatch match;
      Value v;
      if (!std::regex_search(s, match, re)) {
        v.kind = Value::Kind::Falsy;
        return v;
      }
      v.kind = Value::Kind::Array;
      for (const auto& group : match) {
        if (group.matched) {
          v.items.push_back(Value::string(group.str()));
        } else {
          Value undefined;
          undefined.kind = Value::Kind::Falsy;
          v.items.push_back(undefined);
        }
      }
      return v;
    } catch (const std::regex_error&) {
      return {};
    }
  }

  // A regex literal's replacement, with ECMAScript syntax; an unsupported pattern is unknown.
  static Value regex_replace(const std::string& s, const Node& regex, const std::string& with) {
    std::string flags(regex.field("flags").text());
    std::string body(regex.field("pattern").text());
    auto opts = std::regex::ECMAScript;
    if (flags.find('i') != std::string::npos) opts |= std::regex::icase;
    try {
      std::regex re(body, opts);
      auto mode = flags.find('g') != std::string::npos ? std::regex_constants::format_default
                                                       : std::regex_constants::format_first_only;
      return Value::string(std::regex_replace(s, re, with, mode));
    } catch (const std::regex_error&) {
      return {};
    }
  }

  const FileModel& m_;
  const Facts& facts_;
};

// Facts as the callee sees them: a fact about an argument becomes a fact about the parameter.
Facts facts_for_callee(const FileModel& m, const Facts& facts, const Node& call,
                       const Function& callee) {
  Facts out = facts;
  auto args = FileModel::arguments(call);
  auto params = callee.parameters();
  for (std::size_t i = 0; i < args.size() && i < params.size(); ++i) {
    Node p = params[i];
    if (!p.is("identifier")) p = p.field("pattern");
    if (!p.is("identifier")) continue;
    const Binding* b = m.resolve(p);
    if (!b) continue;
    for (const Fact& f : facts)
      if (f.denotes && f.denotes(m, FileModel::strip(args[i])))
        out.push_back(Fact::of_binding(b, f.kind, f.value));
  }
  return out;
}

struct Flow {
  bool falls = false;
  bool breaks = false;
  bool continues = false;
  Flow& operator|=(const Flow& o) {
    falls |= o.falls;
    breaks |= o.breaks;
    continues |= o.continues;
    return *this;
  }
};

class Executor {
 public:
  Executor(const FileModel& m, const Facts& facts, int helper_depth, Node from)
      : m_(m), facts_(facts), eval_(m, facts), depth_(helper_depth), from_(from) {}

  std::vector<Exit> run_body(const Node& body) {
    if (body.null()) return {};
    if (!body.is("statement_block")) {
      add({classify_return(body), body});
      return std::move(exits_);
    }
    Flow f = run_list(analysis::statements_of(body));
    if (f.falls || f.breaks || f.continues) add({ExitKind::End, body});
    std::sort(exits_.begin(), exits_.end(),
              [](const Exit& a, const Exit& b) { return a.node.index() < b.node.index(); });
    return std::move(exits_);
  }

 private:
  void add(Exit e) {
    if (seen_.insert(e.node.index()).second) exits_.push_back(e);
  }

  bool seeking() const { return !from_.null() && !found_from_; }

  // A call (directly, or behind await) of a same-file function that rejects on every path
  // under the facts as it sees them.
  bool call_rejects(const Node& expr) {
    if (depth_ <= 0) return false;
    Node e = FileModel::strip_await(expr);
    if (!e.is("call_expression")) return false;
    const Function* callee = m_.callee_function(e);
    if (!callee || callee->body.null()) return false;
    Facts inner = facts_for_callee(m_, facts_, e, *callee);
    if (inner.size() == facts_.size()) return always_throws(m_, *callee, depth_ - 1);
    Executor sub(m_, inner, depth_ - 1, Node{});
    std::vector<Exit> exits = sub.run_body(callee->body);
    return !exits.empty() && std::all_of(exits.begin(), exits.end(),
                                         [](const Exit& x) { return x.kind == ExitKind::Throw; });
  }

  ExitKind classify_return(const Node& value) {
    if (value.null()) return ExitKind::Return;
    Node v = FileModel::strip_await(value);
    if (v.is("call_expression") && FileModel::callee_name(v) == "reject" &&
        FileModel::last_name(FileModel::callee_object(v)) == "Promise")
      return ExitKind::ErrorReturn;
    if (auto status = m_.response_status(v); status && *status >= 400) return ExitKind::ErrorReturn;
    if (call_rejects(v)) return ExitKind::Throw;
    return ExitKind::Return;
  }

  Flow run_list(const std::vector<Node>& stmts) {
    Flow out;
    out.falls = true;
    for (const Node& s : stmts) {
      if (seeking() && !s.contains(from_)) continue;
      Flow f = run(s);
      out.breaks |= f.breaks;
      out.continues |= f.continues;
      if (!f.falls) {
        out.falls = false;
        return out;
      }
    }
    return out;
  }

  Flow run(const Node& s) {
    // statements nest without bound: past kMaxNesting a statement is taken to complete
    // normally without leaving (unknown, not a decided exit), and the recursion stays bounded
    if (nesting_ > kMaxNesting) {
      Flow unknown;
      unknown.falls = true;
      return unknown;
    }
    ++nesting_;
    Flow r = run_statement(s);
    --nesting_;
    return r;
  }

  Flow run_statement(const Node& s) {
    Flow f;
    if (seeking() && s == from_) found_from_ = true;
    if (seeking() && !s.contains(from_)) return f;
    std::string_view k = s.kind();
    if (k == "return_statement") {
      Node v = s.named_child_count() ? s.named_child(0) : Node{};
      add({classify_return(v), s});
      return f;
    }
    if (k == "throw_statement") {
      add({ExitKind::Throw, s});
      return f;
    }
    if (k == "break_statement") {
      f.breaks = true;
      return f;
    }
    if (k == "continue_statement") {
      f.continues = true;
      return f;
    }
    if (k == "statement_block") return run_list(analysis::statements_of(s));
    if (k == "if_statement") return run_if(s);
    if (k == "try_statement") return run_try(s);
    if (k == "switch_statement") return run_switch(s);
    if (analysis::is_loop(s)) return run_loop(s);
    if (k == "labeled_statement") {
      Flow b = run(s.field("body"));
      b.falls |= b.breaks;
      b.breaks = false;
      return b;
    }
    if (seeking()) found_from_ = true;  // control reached the statement holding `from`
    if (k == "expression_statement" || k == "lexical_declaration" || k == "variable_declaration") {
      Node e = k == "expression_statement" ? s.named_child(0) : Node{};
      if (k != "expression_statement") {
        Node decl = s.named_child(0);
        if (decl.is("variable_declarator")) e = decl.field("value");
      }
      if (!e.null() && call_rejects(e)) {
        add({ExitKind::Throw, e});
        return f;
      }
    }
    f.falls = true;
    return f;
  }

  Flow run_if(const Node& s) {
    Node cons = s.field("consequence");
    Node alt = s.field("alternative");
    if (alt.is("else_clause")) alt = alt.named_child(0);
    if (seeking()) {
      // control is inside one branch: run that branch, then go on after the if
      if (cons.contains(from_)) return run(cons);
      if (!alt.null() && alt.contains(from_)) return run(alt);
      found_from_ = true;
    }
    Truth t = eval_.value(s.field("condition")).truth();
    Flow out;
    if (t != Truth::False) out |= run(cons);
    if (t != Truth::True) {
      if (alt.null())
        out.falls = true;
      else
        out |= run(alt);
    }
    return out;
  }

  Flow run_try(const Node& s) {
    Node body = s.field("body");
    Node handler = s.field("handler");
    Node fin = s.field("finalizer");
    Flow out;
    bool from_in_handler = seeking() && !handler.null() && handler.contains(from_);
    bool from_in_fin = seeking() && !fin.null() && fin.contains(from_);
    if (!from_in_handler && !from_in_fin) {
      std::size_t before = exits_.size();
      out = run(body);
      if (!handler.null()) {
        // throws inside the block land in the handler
        bool caught = false;
        for (std::size_t i = before; i < exits_.size();) {
          if (exits_[i].kind == ExitKind::Throw) {
            caught = true;
            seen_.erase(exits_[i].node.index());
            exits_.erase(exits_.begin() + static_cast<std::ptrdiff_t>(i));
          } else {
            ++i;
          }
        }
        if (caught) out |= run(handler.field("body"));
      }
    } else if (from_in_handler) {
      out = run(handler.field("body"));
    }
    if (!fin.null()) {
      Flow f = run(fin.field("body"));
      if (!f.falls) out.falls = false;
    }
    return out;
  }

  Flow run_loop(const Node& s) {
    std::string_view k = s.kind();
    Node cond = s.field("condition");
    if (cond.is("expression_statement")) cond = cond.named_child(0);
    Truth t = Truth::Unknown;
    if (k == "while_statement" ||
        (k == "for_statement" && !cond.null() && !cond.is(";") && !cond.is("empty_statement")))
      t = eval_.value(cond).truth();
    else if (k == "for_statement")
      t = Truth::True;
    Flow out;
    if (!seeking() && t == Truth::False && k != "do_statement") {
      out.falls = true;
      return out;
    }
    Flow body = run(s.field("body"));
    // the loop is left by a break of its own, or by its condition (zero iterations included)
    bool by_condition = t != Truth::True;
    if (k == "do_statement")
      out.falls = body.breaks || ((body.falls || body.continues) && by_condition);
    else
      out.falls = body.breaks || by_condition;
    return out;
  }

  Flow run_switch(const Node& s) {
    Node body = s.field("body");
    std::vector<Node> cases;
    for (const Node& c : body.named_children())
      if (c.is("switch_case") || c.is("switch_default")) cases.push_back(c);
    Flow out;
    std::size_t start = 0;
    bool seek = seeking();
    std::optional<std::size_t> only;
    if (seek) {
      for (std::size_t i = 0; i < cases.size(); ++i)
        if (cases[i].contains(from_)) only = i;
      if (!only) found_from_ = true;
    }
    Value d = seek ? Value{} : eval_.value(s.field("value"));
    if (!only && d.known()) {
      std::optional<std::size_t> hit, dflt;
      for (std::size_t i = 0; i < cases.size(); ++i) {
        if (cases[i].is("switch_default")) {
          dflt = i;
          continue;
        }
        if (strictly_equal(eval_.value(cases[i].field("value")), d) == Truth::True) {
          hit = i;
          break;
        }
      }
      if (!hit) hit = dflt;
      if (!hit) {
        out.falls = true;
        return out;
      }
      only = hit;
    }
    // Each case body runs once; a case that falls through continues into the next one, whose
    // flow is already known (worked backwards).
    std::vector<Flow> from_case(cases.size() + 1);
    from_case[cases.size()].falls = true;
    start = only ? *only : 0;
    bool has_default = false;
    for (std::size_t i = cases.size(); i-- > start;) {
      if (cases[i].is("switch_default")) has_default = true;
      Flow f = run_list(analysis::statements_of(cases[i]));
      Flow r;
      r.continues = f.continues;
      r.falls = f.breaks;
      if (f.falls) r |= from_case[i + 1];
      from_case[i] = r;
    }
    if (only) return from_case[*only];
    for (std::size_t i = 0; i < cases.size(); ++i) out |= from_case[i];
    if (!has_default) out.falls = true;
    return out;
  }

  const FileModel& m_;
  const Facts& facts_;
  Evaluator eval_;
  int depth_;
  Node from_;
  bool found_from_ = false;
  int nesting_ = 0;
  static constexpr int kMaxNesting = 200;
  std::vector<Exit> exits_;
  std::unordered_set<uint32_t> seen_;
};

}  // namespace

Fact Fact::of_binding(const Binding* b, Kind kind, std::string value) {
  return of(
      [b](const FileModel& m, const Node& e) { return e.is("identifier") && m.resolve(e) == b; },
      kind, std::move(value));
}

Fact Fact::of(std::function<bool(const FileModel&, const Node&)> denotes, Kind kind,
              std::string value) {
  Fact f;
  f.denotes = std::move(denotes);
  f.kind = kind;
  f.value = std::move(value);
  return f;
}

Facts record_exists(const FileModel& m, const Node& body, std::string_view property) {
  Facts out;
  for (const Node& mem : m.nodes_in("member_expression", m.region(body))) {
    Node obj = FileModel::strip(mem.field("object"));
    if (mem.field("property").text() != property || !obj.is("identifier")) continue;
    std::string name(obj.text());
    out.push_back(Fact::of(
        [name](const FileModel&, const Node& n) {
          Node e = FileModel::strip(n);
          return e.is("identifier") && e.text() == name;
        },
        Fact::Kind::Truthy));
    break;
  }
  return out;
}

Truth evaluate(const FileModel& m, const Node& cond, const Facts& facts) {
  return Evaluator(m, facts).value(cond).truth();
}

std::optional<std::string> value_under(const FileModel& m, const Node& expr, const Facts& facts) {
  Value v = Evaluator(m, facts).value(expr);
  if (v.kind == Value::Kind::String) return v.s;
  return std::nullopt;
}

bool Paths::always_rejects() const {
  return !exits.empty() &&
         std::all_of(exits.begin(), exits.end(), [](const Exit& e) { return e.rejects(); });
}
bool Paths::never_rejects() const {
  return std::none_of(exits.begin(), exits.end(), [](const Exit& e) { return e.rejects(); });
}
const Exit* Paths::first(ExitKind kind) const {
  for (const Exit& e : exits)
    if (e.kind == kind) return &e;
  return nullptr;
}
const Exit* Paths::first_non_rejecting() const {
  for (const Exit& e : exits)
    if (!e.rejects()) return &e;
  return nullptr;
}

Paths paths(const FileModel& m, const Node& body, const Facts& facts,
            std::optional<int> helper_depth, const Node& from) {
  Node start = from;
  // an expression: start at the statement that holds it
  while (!start.null() && !start.parent().null()) {
    std::string_view pk = start.parent().kind();
    if (pk == "statement_block" || pk == "program" || pk == "switch_case" ||
        pk == "switch_default" || is_function_kind(start.kind()))
      break;
    start = start.parent();
  }
  Executor ex(m, facts, helper_depth.value_or(m.helper_depth()), start);
  return Paths{ex.run_body(body)};
}

bool always_throws(const FileModel& m, const Function& f, std::optional<int> helper_depth) {
  const int depth = helper_depth.value_or(m.helper_depth());
  if (depth < 0 || f.body.null()) return false;
  auto& memo = m.analysis_memo().always_throws;
  if (auto it = memo.find(&f); it != memo.end()) return it->second;
  memo.emplace(&f, false);  // a recursive helper is not assumed to throw
  Paths p = paths(m, f.body, {}, depth);
  bool r = !p.exits.empty() && std::all_of(p.exits.begin(), p.exits.end(),
                                           [](const Exit& e) { return e.kind == ExitKind::Throw; });
  memo[&f] = r;
  return r;
}

}  // namespace v15::analysis
