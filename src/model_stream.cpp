// handleContainerStream(): the container's NDJSON POST, verified, looked up in httpBridges and
// piped line by line into the browser's response. One scan of the method's region fills
// ContainerStream; the do.stream-* checks and the error checks read it.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/guard_conditions.h"
#include "v15check/model.h"
#include "v15check/text.h"

namespace v15 {

// -- a small regular-expression matcher ----------------------------------------------------------
//
// Enough of ECMAScript regular expressions to decide what a `split(/…/)` separator matches. The
// input is short (a line terminator), so a backtracking matcher over a parsed tree is plenty.

namespace {

struct ClassItem {
  std::vector<std::pair<unsigned, unsigned>> ranges;
  bool negated = false;  // \S \D \W inside or outside a class
};

struct RxNode {
  enum class Kind { Empty, Class, Any, Bol, Eol, Seq, Alt, Repeat };
  Kind kind = Kind::Empty;
  std::vector<ClassItem> items;  // Class: matches when any item does (before `negated`)
  bool negated = false;          // Class: `[^…]`
  std::vector<RxNode> kids;      // Seq, Alt; Repeat has one
  int min = 0, max = -1;         // Repeat; -1 = unbounded
};

constexpr int kMaxRegexDepth = 32;
constexpr std::size_t kMaxRegexLength = 1024;
// How many nested `||` / `.length` levels a guard test looks through.
constexpr int kMaxConditionDepth = 64;

class RegexParser {
 public:
  explicit RegexParser(std::string_view p) : p_(p) {}

  std::optional<RxNode> parse() {
    auto n = alternation(0);
    if (!n || pos_ != p_.size()) return std::nullopt;
    return n;
  }

 private:
  bool done() const { return pos_ >= p_.size(); }
  char peek() const { return p_[pos_]; }

  std::optional<RxNode> alternation(int depth) {
    if (depth > kMaxRegexDepth) return std::nullopt;
    RxNode alt;
    alt.kind = RxNode::Kind::Alt;
    for (;;) {
      auto s = sequence(depth);
      if (!s) return std::nullopt;
      alt.kids.push_back(std::move(*s));
      if (done() || peek() != '|') break;
      ++pos_;
    }
    if (alt.kids.size() == 1) return std::move(alt.kids.front());
    return alt;
  }

  std::optional<RxNode> sequence(int depth) {
    RxNode seq;
    seq.kind = RxNode::Kind::Seq;
    while (!done() && peek() != '|' && peek() != ')') {
      auto a = atom(depth);
      if (!a) return std::nullopt;
      auto q = quantified(std::move(*a));
      if (!q) return std::nullopt;
      seq.kids.push_back(std::move(*q));
    }
    return seq;
  }

  static std::optional<int> number(std::string_view s) {
    if (s.empty()) return std::nullopt;
    int v = 0;
    for (char c : s) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 100000) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  std::optional<RxNode> quantified(RxNode a) {
    if (done()) return a;
    int min = -1, max = -1;
    char c = peek();
    if (c == '?')
      min = 0, max = 1, ++pos_;
    else if (c == '*')
      min = 0, ++pos_;
    else if (c == '+')
      min = 1, ++pos_;
    else if (c == '{') {
      auto close = p_.find('}', pos_);
      if (close == std::string_view::npos) return a;  // a literal brace
      std::string_view body = p_.substr(pos_ + 1, close - pos_ - 1);
      auto comma = body.find(',');
      auto lo = number(body.substr(0, comma));
      if (!lo) return a;
      if (comma == std::string_view::npos) {
        max = *lo;
      } else if (comma + 1 < body.size()) {
        auto hi = number(body.substr(comma + 1));
        if (!hi) return a;
        max = *hi;
      }
      min = *lo;
      pos_ = close + 1;
    }
    if (min < 0) return a;
    if (a.kind == RxNode::Kind::Bol || a.kind == RxNode::Kind::Eol) return std::nullopt;
    if (!done() && peek() == '?') ++pos_;  // lazy: the same set of whole matches
    RxNode r;
    r.kind = RxNode::Kind::Repeat;
    r.min = min;
    r.max = max;
    r.kids.push_back(std::move(a));
    return r;
  }

  // An escape after the backslash at pos_; adds to `item` (a class or a single character).
  bool escape(ClassItem& item) {
    if (done()) return false;
    char c = p_[pos_++];
    auto add = [&](unsigned lo, unsigned hi) { item.ranges.emplace_back(lo, hi); };
    auto space = [&] {
      for (unsigned ch : {9u, 10u, 11u, 12u, 13u, 32u, 0xA0u}) add(ch, ch);
    };
    auto digit = [&] { add('0', '9'); };
    auto word = [&] {
      add('a', 'z');
      add('A', 'Z');
      add('0', '9');
      add('_', '_');
    };
    switch (c) {
      case 'n':
        add(10, 10);
        return true;
      case 'r':
        add(13, 13);
        return true;
      case 't':
        add(9, 9);
        return true;
      case 'v':
        add(11, 11);
        return true;
      case 'f':
        add(12, 12);
        return true;
      case '0':
        add(0, 0);
        return true;
      case 's':
        space();
        return true;
      case 'd':
        digit();
        return true;
      case 'w':
        word();
        return true;
      case 'S':
        space();
        item.negated = true;
        return true;
      case 'D':
        digit();
        item.negated = true;
        return true;
      case 'W':
        word();
        item.negated = true;
        return true;
      case 'x':
      case 'u': {
        std::size_t len = c == 'x' ? 2 : 4;
        if (pos_ + len > p_.size()) return false;
        unsigned v = 0;
        for (std::size_t i = 0; i < len; ++i) {
          char h = p_[pos_ + i];
          if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
          v = v * 16 +
              static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                        ? h - '0'
                                        : std::tolower(static_cast<unsigned char>(h)) - 'a' + 10);
        }
        pos_ += len;
        add(v, v);
        return true;
      }
      default:
        // word boundaries, back references and control escapes are not modelled
        if (std::isalnum(static_cast<unsigned char>(c))) return false;
        add(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
        return true;
    }
  }

  std::optional<RxNode> char_class() {
    RxNode n;
    n.kind = RxNode::Kind::Class;
    if (!done() && peek() == '^') n.negated = true, ++pos_;
    bool first = true;
    while (!done() && (peek() != ']' || first)) {
      first = false;
      ClassItem item;
      if (peek() == '\\') {
        ++pos_;
        if (!escape(item)) return std::nullopt;
      } else {
        unsigned lo = static_cast<unsigned char>(p_[pos_++]);
        item.ranges.emplace_back(lo, lo);
      }
      // a range a-z (only between two single characters)
      if (!item.negated && item.ranges.size() == 1 &&
          item.ranges[0].first == item.ranges[0].second && pos_ + 1 < p_.size() && peek() == '-' &&
          p_[pos_ + 1] != ']') {
        ++pos_;
        ClassItem hi;
        if (peek() == '\\') {
          ++pos_;
          if (!escape(hi)) return std::nullopt;
        } else {
          unsigned v = static_cast<unsigned char>(p_[pos_++]);
          hi.ranges.emplace_back(v, v);
        }
        if (hi.negated || hi.ranges.size() != 1) return std::nullopt;
        item.ranges[0].second = hi.ranges[0].second;
      }
      n.items.push_back(std::move(item));
    }
    if (done()) return std::nullopt;
    ++pos_;  // ]
    return n;
  }

  std::optional<RxNode> atom(int depth) {
    char c = p_[pos_++];
    RxNode n;
    switch (c) {
      case '^':
        n.kind = RxNode::Kind::Bol;
        return n;
      case '$':
        n.kind = RxNode::Kind::Eol;
        return n;
      case '.':
        n.kind = RxNode::Kind::Any;
        return n;
      case '[':
        return char_class();
      case '(': {
        if (!done() && peek() == '?') {
          if (pos_ + 1 < p_.size() && p_[pos_ + 1] == ':') {
            pos_ += 2;
          } else if (pos_ + 1 < p_.size() && p_[pos_ + 1] == '<' && pos_ + 2 < p_.size() &&
                     p_[pos_ + 2] != '=' && p_[pos_ + 2] != '!') {
            auto close = p_.find('>', pos_);
            if (close == std::string_view::npos) return std::nullopt;
            pos_ = close + 1;
          } else {
            return std::nullopt;  // lookaround
          }
        }
        auto inner = alternation(depth + 1);
        if (!inner || done() || peek() != ')') return std::nullopt;
        ++pos_;
        return inner;
      }
      case ')':
      case '*':
      case '+':
      case '?':
        return std::nullopt;
      case '\\': {
        n.kind = RxNode::Kind::Class;
        ClassItem item;
        if (!escape(item)) return std::nullopt;
        n.items.push_back(std::move(item));
        return n;
      }
      default: {
        n.kind = RxNode::Kind::Class;
        ClassItem item;
        item.ranges.emplace_back(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
        n.items.push_back(std::move(item));
        return n;
      }
    }
  }

  std::string_view p_;
  std::size_t pos_ = 0;
};

class RegexMatcher {
 public:
  RegexMatcher(std::string_view input, std::string_view flags)
      : s_(input),
        ignore_case_(flags.find('i') != std::string_view::npos),
        multiline_(flags.find('m') != std::string_view::npos),
        dot_all_(flags.find('s') != std::string_view::npos) {}

  bool whole(const RxNode& root) const {
    return match(root, 0, [&](std::size_t j) { return j == s_.size(); });
  }

 private:
  using Next = std::function<bool(std::size_t)>;

  static bool terminator(unsigned c) { return c == '\n' || c == '\r'; }

  bool in_class(const RxNode& n, unsigned c) const {
    auto hit = [&](unsigned ch) {
      for (const ClassItem& item : n.items) {
        bool in = false;
        for (auto [lo, hi] : item.ranges) in = in || (ch >= lo && ch <= hi);
        if (in != item.negated) return true;
      }
      return false;
    };
    bool in = hit(c);
    if (!in && ignore_case_ && c < 128) {
      in = hit(static_cast<unsigned>(std::tolower(static_cast<int>(c)))) ||
           hit(static_cast<unsigned>(std::toupper(static_cast<int>(c))));
    }
    return in != n.negated;
  }

  bool match(const RxNode& n, std::size_t i, const Next& k) const {
    switch (n.kind) {
      case RxNode::Kind::Empty:
        return k(i);
      case RxNode::Kind::Class:
        return i < s_.size() && in_class(n, static_cast<unsigned char>(s_[i])) && k(i + 1);
      case RxNode::Kind::Any:
        return i < s_.size() && (dot_all_ || !terminator(static_cast<unsigned char>(s_[i]))) &&
               k(i + 1);
      case RxNode::Kind::Bol:
        return (i == 0 || (multiline_ && terminator(static_cast<unsigned char>(s_[i - 1])))) &&
               k(i);
      case RxNode::Kind::Eol:
        return (i == s_.size() || (multiline_ && terminator(static_cast<unsigned char>(s_[i])))) &&
               k(i);
      case RxNode::Kind::Seq:
        return sequence(n, 0, i, k);
      case RxNode::Kind::Alt:
        for (const RxNode& alt : n.kids)
          if (match(alt, i, k)) return true;
        return false;
      case RxNode::Kind::Repeat:
        return repeat(n, 0, i, k);
    }
    return false;
  }

  bool sequence(const RxNode& n, std::size_t idx, std::size_t i, const Next& k) const {
    if (idx == n.kids.size()) return k(i);
    return match(n.kids[idx], i, [&](std::size_t j) { return sequence(n, idx + 1, j, k); });
  }

  bool repeat(const RxNode& n, int count, std::size_t i, const Next& k) const {
    if (n.max < 0 || count < n.max) {
      bool more = match(n.kids.front(), i, [&](std::size_t j) {
        if (j == i && count >= n.min) return false;  // an empty iteration makes no progress
        return repeat(n, count + 1, j, k);
      });
      if (more) return true;
    }
    return count >= n.min && k(i);
  }

  std::string_view s_;
  bool ignore_case_, multiline_, dot_all_;
};

}  // namespace

std::optional<bool> regex_matches_whole(std::string_view pattern, std::string_view flags,
                                        std::string_view input) {
  // the matcher recurses once per atom it matches: a separator regex is a few characters, and a
  // pattern this long is answered "unknown" rather than matched on the stack
  if (pattern.size() > kMaxRegexLength) return std::nullopt;
  auto root = RegexParser(pattern).parse();
  if (!root) return std::nullopt;
  return RegexMatcher(input, flags).whole(*root);
}

// -- the scan -------------------------------------------------------------------------------------

namespace {

constexpr int kMaxParameterHops = 3;

bool is_loop(const Node& n) { return is_loop_kind(n.kind()); }

class StreamScan {
 public:
  StreamScan(const FileModel& m, const Function& fn, ContainerStream& out)
      : m_(m), fn_(fn), out_(out), calls_(m.nodes_in("call_expression", out.region)) {}

  void run() {
    collect_calls();
    authentication();
    bridge();
    body();
  }

 private:
  using Path = std::vector<std::string>;

  // -- value flow -------------------------------------------------------------------------------

  // FileModel::trace, continued from a parameter of a same-file helper to the argument the
  // handler passes at that position.
  Origin follow(const Node& expr, int hops = 0) const {
    Origin o = m_.trace(expr);
    const Binding* b = o.binding;
    if (!b || b->kind != BindingKind::Param || hops >= kMaxParameterHops) return o;
    const Function* helper = m_.function_at(b->scope);
    if (!helper || helper == &fn_) return o;
    auto params = helper->parameters();
    std::size_t index = params.size();
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].contains(b->name_node)) index = i;
    if (index == params.size()) return o;
    for (const Node& call : m_.calls_of(*helper)) {
      if (!out_.region.primary().contains(call)) continue;
      auto args = FileModel::arguments(call);
      if (index >= args.size()) continue;
      Origin inner = follow(args[index], hops + 1);
      inner.path.insert(inner.path.end(), o.path.begin(), o.path.end());
      return inner;
    }
    return o;
  }

  // Whether a value may come from one of the nodes `target` accepts, also through the returned
  // values of a same-file helper it is computed by (`this.bearerToken(request)`).
  bool reaches(const Node& expr, const std::function<bool(const Node&)>& target) const {
    if (expr.null()) return false;
    auto direct = [&](const FileModel&, const Node& n) { return target(n); };
    if (m_.derives_from(expr, direct)) return true;
    return m_.derives_from(expr, [&](const FileModel& fm, const Node& n) {
      Node s = FileModel::strip_await(n);
      if (!s.is("call_expression")) return false;
      const Function* f = fm.callee_function(s);
      if (!f || f == &fn_ || f->body.null()) return false;
      if (!f->body.is("statement_block")) return fm.derives_from(f->body, direct);
      for (const Node& ret : fm.nodes_in("return_statement", f->body))
        if (fm.enclosing_function(ret) == f && fm.derives_from(ret.named_child(0), direct))
          return true;
      return false;
    });
  }

  bool is_bridges_map(const Node& expr) const {
    Origin o = m_.trace(expr);
    std::string_view name = !o.path.empty() ? std::string_view(o.path.back())
                            : o.binding     ? std::string_view(o.binding->name)
                                            : FileModel::last_name(o.expr);
    return name == "httpBridges";
  }

  bool is_lookup(const Node& n) const {
    Node s = FileModel::strip_await(n);
    return s.is("call_expression") && FileModel::callee_name(s) == "get" &&
           is_bridges_map(FileModel::callee_object(s));
  }

  // The property path of `expr` below the bridge (`bridge.writer` → {"writer"}), when it is read
  // off a `this.httpBridges.get(…)` result.
  std::optional<Path> bridge_path(const Node& expr) const {
    Origin o = follow(expr);
    if (is_lookup(o.expr)) return o.path;
    return std::nullopt;
  }

  bool is_verify_callee(const Node& call) const {
    if (FileModel::callee_name(call) == "verifyExecutionToken") return true;
    Node callee = FileModel::strip(call.field("function"));
    if (!callee.is("identifier")) return false;
    const Binding* b = m_.resolve(callee);
    return b && b->kind == BindingKind::Import && b->imported_name == "verifyExecutionToken";
  }

  // A verifyExecutionToken call, also behind `.catch(() => null)` / `.then(…)`.
  bool is_verify_result(const Node& n) const {
    Node s = FileModel::strip_await(n);
    while (s.is("call_expression")) {
      std::string_view name = FileModel::callee_name(s);
      if (name != "catch" && name != "then" && name != "finally") break;
      Node obj = FileModel::callee_object(s);
      if (obj.null()) break;
      s = FileModel::strip_await(obj);
    }
    return s.is("call_expression") && is_verify_callee(s);
  }

  // The property path of `expr` below the verify result (`payload.executionId` → {"executionId"}).
  std::optional<Path> payload_path(const Node& expr) const {
    Origin o = follow(expr);
    if (is_verify_result(o.expr)) return o.path;
    return std::nullopt;
  }

  bool is_execution_id(const Node& expr) const {
    Node e = FileModel::strip(expr);
    // `payload?.executionId ?? ''`: the fallback only matters when there is no payload
    while (e.is("binary_expression") &&
           (e.field("operator").kind() == "??" || e.field("operator").kind() == "||"))
      e = FileModel::strip(e.field("left"));
    auto p = payload_path(e);
    return p && p->size() == 1 && p->front() == "executionId";
  }

  // `request.body`, where request is the handler's first parameter (through aliases and helper
  // parameters).
  bool is_request_body(const Node& expr) const {
    Origin o = follow(expr);
    if (o.path.size() != 1 || o.path.front() != "body" || !o.binding ||
        o.binding->kind != BindingKind::Param || !(o.binding->scope == fn_.node))
      return false;
    auto params = fn_.parameters();
    return !params.empty() && params.front().contains(o.binding->name_node);
  }

  // The request body, or a stream piped from it (`request.body.pipeThrough(new
  // TextDecoderStream())`).
  bool is_body_stream(const Node& expr, int depth = 0) const {
    if (is_request_body(expr)) return true;
    if (depth > 4) return false;
    Origin o = follow(expr);
    Node s = FileModel::strip_await(o.expr);
    return o.path.empty() && s.is("call_expression") &&
           FileModel::callee_name(s) == "pipeThrough" &&
           is_body_stream(FileModel::callee_object(s), depth + 1);
  }

  // -- guards -----------------------------------------------------------------------------------

  Node first_guard(const std::function<bool(const Node&)>& subject) const {
    for (const Node& stmt : m_.nodes_in("if_statement", out_.region))
      if (analysis::tests_missing(stmt.field("condition"), subject)) return stmt;
    return {};
  }

  // The value the guard's branch returns (the return statement itself for a bare `return;`).
  Node guard_return(const Node& guard) const {
    Node branch = guard.field("consequence");
    const Function* owner = m_.enclosing_function(guard);
    for (const Node& ret : m_.nodes_in("return_statement", branch)) {
      if (m_.enclosing_function(ret) != owner) continue;
      Node v = ret.named_child(0);
      return v.null() || v.is("comment") ? ret : v;
    }
    return {};
  }

  // -- the parts --------------------------------------------------------------------------------

  void collect_calls() {
    for (const Node& call : calls_) {
      Node callee = FileModel::strip(call.field("function"));
      std::string_view name = FileModel::callee_name(call);
      if (callee.is("member_expression")) {
        Node obj = callee.field("object");
        if (name == "write" || name == "close" || name == "abort" || name == "releaseLock") {
          auto p = bridge_path(obj);
          if (p && !p->empty() && p->back() == "writer")
            out_.writes.push_back({call, m_.context(call)});
        }
        if (name == "delete" && is_bridges_map(obj)) {
          out_.deletes.push_back({call, m_.context(call)});
        }
      }
      auto p = bridge_path(callee);
      if (p && !p->empty() && p->back() == "resolve")
        out_.resolves.push_back({call, m_.context(call)});
      if (p && !p->empty() && p->back() == "reject")
        out_.rejects.push_back({call, m_.context(call)});
    }
  }

  static bool mentions_bearer(const FileModel& m, const Node& n, int depth = 0) {
    if (depth > kMaxConditionDepth) return false;
    auto has = [](std::string_view s) {
      return ascii_lower(s).find("bearer") != std::string::npos;
    };
    Node s = FileModel::strip(n);
    if (s.is("identifier")) s = FileModel::strip(m.trace(s).expr);
    if (s.is("regex")) return has(s.field("pattern").text());
    if (auto v = m.fold_string(s)) return has(*v);
    if (s.is("member_expression") && FileModel::last_name(s) == "length")
      return mentions_bearer(m, s.field("object"), depth + 1);
    return false;
  }

  bool from_header(const Node& n) const {
    return !out_.auth_header.null() &&
           reaches(n, [&](const Node& x) { return x == out_.auth_header; });
  }

  static constexpr const char* kAgentToken = "eyJ.agent.token";

  bool strips_bearer(const Node& call) const {
    static constexpr std::array<std::string_view, 9> kStrippers = {
        "replace", "replaceAll", "slice", "substring", "substr",
        "split",   "match",      "exec",  "matchAll"};
    std::string_view name = FileModel::callee_name(call);
    if (std::find(kStrippers.begin(), kStrippers.end(), name) == kStrippers.end()) return false;
    Node obj = FileModel::callee_object(call);
    auto args = FileModel::arguments(call);
    bool mentions = mentions_bearer(m_, obj);
    for (const Node& a : args) mentions = mentions || mentions_bearer(m_, a);
    bool on_header = from_header(obj);
    for (const Node& a : args) on_header = on_header || (name == "exec" && from_header(a));
    if (!on_header) return false;
    if (mentions) return true;
    // `.slice(7)`: 7 = "Bearer ".length; `.split(' ')` then [1]
    if ((name == "slice" || name == "substring" || name == "substr") && !args.empty())
      return m_.fold_number(args[0]) == 7.0;
    if (name == "split" && !args.empty()) {
      if (auto s = m_.fold_string(args[0])) return *s == " ";
      Node r = FileModel::strip(args[0]);
      if (r.is("regex"))
        return regex_matches_whole(r.field("pattern").text(), r.field("flags").text(), " ") ==
               std::optional<bool>(true);
    }
    return false;
  }

  void authentication() {
    for (const Node& call : calls_) {
      std::string_view name = FileModel::callee_name(call);
      if (name != "get" && name != "header") continue;
      auto args = FileModel::arguments(call);
      if (args.empty()) continue;
      auto key = m_.fold_string(args[0]);
      if (key && ascii_lower(*key) == "authorization") {
        out_.auth_header = call;
        break;
      }
    }
    if (out_.auth_header.null()) {
      for (const Node& mem : m_.nodes_in("member_expression", out_.region)) {
        if (ascii_lower(mem.field("property").text()) == "authorization" &&
            FileModel::last_name(mem.field("object")) == "headers") {
          out_.auth_header = mem;
          break;
        }
      }
    }
    for (const Node& call : calls_) {
      if (!is_verify_callee(call)) continue;
      out_.verify_call = call;
      break;
    }
    if (out_.verify_call.null()) return;
    auto args = FileModel::arguments(out_.verify_call);
    if (!args.empty()) out_.token = args[0];
    out_.token_from_header = from_header(out_.token);
    if (out_.token_from_header) {
      for (const Node& call : calls_) {
        if (!strips_bearer(call)) continue;
        if (!reaches(out_.token, [&](const Node& x) { return x == call; })) continue;
        out_.bearer_strip = call;
        break;
      }
      // Decide it on the value: the agent sends `Bearer <jwt>`, so the token must be <jwt>.
      analysis::Facts header = {analysis::Fact::of(
          [this](const FileModel&, const Node& n) { return n == out_.auth_header; },
          analysis::Fact::Kind::Value, std::string("Bearer ") + kAgentToken)};
      out_.token_for_agent_header = analysis::value_under(m_, out_.token, header);
      if (out_.token_for_agent_header && *out_.token_for_agent_header != kAgentToken)
        out_.bearer_strip = Node{};
      else if (out_.token_for_agent_header && out_.bearer_strip.null())
        out_.bearer_strip = out_.token;  // stripped by means the heuristics do not name
    }
    for (const Binding& b : m_.bindings()) {
      if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
        continue;
      if (!b.path.empty() || !out_.region.contains(b.name_node)) continue;
      Origin o = m_.trace(b.name_node);
      if (o.path.empty() && is_verify_result(o.expr) && out_.region.contains(o.expr)) {
        out_.payload = &b;
        break;
      }
    }
    out_.verify_guard = first_guard([&](const Node& x) { return payload_path(x).has_value(); });
    if (!out_.verify_guard.null()) {
      out_.verify_guard_return = guard_return(out_.verify_guard);
      if (!out_.verify_guard_return.null() && !out_.verify_guard_return.is("return_statement"))
        out_.verify_guard_status = m_.response_status(out_.verify_guard_return);
    }
  }

  void bridge() {
    for (const Node& call : calls_) {
      if (!is_lookup(call)) continue;
      auto args = FileModel::arguments(call);
      bool by_id = !args.empty() && is_execution_id(args[0]);
      if (out_.lookup.null() || (by_id && !out_.key_is_execution_id)) {
        out_.lookup = call;
        out_.lookup_key = args.empty() ? Node{} : args[0];
        out_.key_is_execution_id = by_id;
      }
    }
    for (const StreamCall& d : out_.deletes) {
      auto args = FileModel::arguments(d.call);
      bool same = false;
      if (!args.empty() && is_execution_id(args[0])) {
        same = true;
      } else if (!args.empty() && !out_.lookup_key.null()) {
        Origin a = follow(args[0]), b = follow(out_.lookup_key);
        same = a.expr == b.expr && a.path == b.path;
      }
      out_.delete_key_matches_lookup.push_back(same);
    }
    if (out_.lookup.null()) return;
    for (const Binding& b : m_.bindings()) {
      if (b.kind == BindingKind::Param || b.kind == BindingKind::Import || !b.path.empty())
        continue;
      if (!b.init.null() && FileModel::strip_await(b.init) == out_.lookup) {
        out_.bridge = &b;
        break;
      }
    }
    out_.missing_guard = first_guard([&](const Node& x) {
      auto p = bridge_path(x);
      if (p && p->empty()) return true;
      Node s = FileModel::strip_await(x);
      return s.is("call_expression") && FileModel::callee_name(s) == "has" &&
             is_bridges_map(FileModel::callee_object(s));
    });
    if (!out_.missing_guard.null()) {
      out_.missing_guard_return = guard_return(out_.missing_guard);
      if (!out_.missing_guard_return.null() && !out_.missing_guard_return.is("return_statement"))
        out_.missing_guard_status = m_.response_status(out_.missing_guard_return);
    }
  }

  // The separator decides whether the agent's "\n"-terminated lines are split: a string must be
  // exactly "\n"; a regex must match "\n" on its own.
  bool splits_lf(const Node& call, const Node& sep) const {
    auto s = m_.fold_string(sep);
    if (s) return *s == "\n";
    if (FileModel::callee_name(call) != "split") return false;
    Node r = FileModel::strip(sep);
    if (r.is("identifier")) r = FileModel::strip(m_.trace(r).expr);
    std::optional<bool> hit;
    if (r.is("regex")) {
      hit = regex_matches_whole(r.field("pattern").text(), r.field("flags").text(), "\n");
    } else if (r.is("new_expression") && FileModel::callee_name(r) == "RegExp") {
      auto args = FileModel::arguments(r);
      auto source = args.empty() ? std::nullopt : m_.fold_string(args[0]);
      auto flags = args.size() > 1 ? m_.fold_string(args[1]) : std::optional<std::string>("");
      if (source && flags) hit = regex_matches_whole(*source, *flags, "\n");
    }
    return hit.value_or(false);
  }

  bool newline_like(const Node& sep) const {
    if (auto s = m_.fold_string(sep))
      return s->find('\n') != std::string::npos || s->find('\r') != std::string::npos;
    Node r = FileModel::strip(sep);
    if (r.is("identifier")) r = FileModel::strip(m_.trace(r).expr);
    return r.is("regex") || (r.is("new_expression") && FileModel::callee_name(r) == "RegExp");
  }

  void reader_and_loop() {
    for (const Node& call : calls_) {
      if (FileModel::callee_name(call) != "getReader" ||
          !is_body_stream(FileModel::callee_object(call)))
        continue;
      out_.reader = call;
      break;
    }
    if (!out_.reader.null()) {
      for (const Node& call : calls_) {
        if (FileModel::callee_name(call) != "read") continue;
        Origin o = follow(FileModel::callee_object(call));
        if (!o.path.empty() || !(FileModel::strip_await(o.expr) == out_.reader)) continue;
        out_.read_call = call;
        const Function* owner = m_.enclosing_function(call);
        for (Node p = call.parent(); !p.null() && !(owner && p == owner->node); p = p.parent()) {
          if (is_loop(p)) {
            out_.read_loop = p;
            break;
          }
        }
        if (!out_.read_loop.null()) break;
      }
      return;
    }
    // `for await (const chunk of request.body)`, optionally piped through a TextDecoderStream
    for (const Node& loop : m_.nodes_in("for_in_statement", out_.region)) {
      bool awaits = false;
      for (uint32_t i = 0; i < loop.child_count(); ++i)
        awaits = awaits || loop.child(i).is("await");
      if (!awaits || !is_body_stream(loop.field("right"))) continue;
      out_.reader = loop.field("right");
      out_.read_loop = loop;
      break;
    }
  }

  void split() {
    // candidates: split(sep), or indexOf(sep) with a newline separator
    Node best;
    int best_rank = -1;
    for (const Node& call : calls_) {
      std::string_view name = FileModel::callee_name(call);
      auto args = FileModel::arguments(call);
      if (args.empty() || FileModel::callee_object(call).null()) continue;
      if (name == "indexOf") {
        auto s = m_.fold_string(args[0]);
        if (!s || (s->find('\n') == std::string::npos && s->find('\r') == std::string::npos))
          continue;
      } else if (name != "split") {
        continue;
      }
      bool in_loop = out_.read_loop.contains(call);
      // outside the read loop only a split on a line terminator counts (not the Authorization
      // header's split(' '))
      if (!in_loop && !newline_like(args[0])) continue;
      int rank =
          (in_loop ? 8 : 0) + (splits_lf(call, args[0]) ? 4 : 0) + (newline_like(args[0]) ? 2 : 0);
      if (rank > best_rank) {
        best = call;
        best_rank = rank;
      }
    }
    if (best.null()) return;
    out_.split_call = best;
    out_.separator = FileModel::arguments(best).front();
    out_.separator_splits_lf = splits_lf(best, out_.separator);
    Node obj = FileModel::strip(FileModel::callee_object(best));
    if (obj.is("identifier")) out_.buffer = m_.resolve(obj);
  }

  bool from_split(const Node& expr) const {
    return m_.derives_from(expr,
                           [&](const FileModel&, const Node& n) { return n == out_.split_call; });
  }

  void line_loop() {
    Node scope = out_.read_loop.contains(out_.split_call) ? out_.read_loop : out_.region.primary();
    auto consider = [&](const Node& loop, const Node& body) {
      if (loop == out_.read_loop || body.null()) return;
      if (out_.line_loop.null() || loop.start_byte() < out_.line_loop.start_byte()) {
        out_.line_loop = loop;
        out_.line_body = body;
      }
    };
    for (const Node& loop : m_.nodes_in("for_in_statement", scope))
      if (from_split(loop.field("right"))) consider(loop, loop.field("body"));
    for (std::string_view kind : {"for_statement", "while_statement", "do_statement"})
      for (const Node& loop : m_.nodes_in(kind, scope))
        if (from_split(loop.field("condition"))) consider(loop, loop.field("body"));
    for (const Node& call : m_.nodes_in("call_expression", scope)) {
      if (FileModel::callee_name(call) != "forEach") continue;
      if (!from_split(FileModel::callee_object(call))) continue;
      auto args = FileModel::arguments(call);
      const Function* cb = args.empty() ? nullptr : m_.function_at(args[0]);
      if (cb) consider(call, cb->body);
    }
  }

  // Calls in `within` that satisfy `is_target`, and calls there of a same-file helper whose
  // body contains one.
  std::vector<Node> calls_reaching(const Node& within,
                                   const std::function<bool(const Node&)>& is_target) const {
    std::vector<Node> out;
    for (const Node& call : m_.nodes_in("call_expression", within)) {
      if (is_target(call)) {
        out.push_back(call);
        continue;
      }
      const Function* helper = m_.callee_function(call);
      if (!helper || helper == &fn_ || helper->body.null() || helper->node.contains(within))
        continue;
      for (const Node& inner : m_.nodes_in("call_expression", helper->body)) {
        if (is_target(inner)) {
          out.push_back(call);
          break;
        }
      }
    }
    return out;
  }

  bool is_bridge_write(const Node& call) const {
    for (const StreamCall& w : out_.writes)
      if (w.call == call) return FileModel::callee_name(call) == "write";
    return false;
  }

  bool mentions_buffer(const Node& expr) const {
    return out_.buffer && m_.derives_from(expr, [&](const FileModel& fm, const Node& n) {
      return n.is("identifier") && fm.resolve(n) == out_.buffer;
    });
  }

  void flush() {
    if (out_.read_loop.null() || !out_.buffer) return;
    // "after the loop" is a position in the function that runs the loop
    const Function* owner = m_.enclosing_function(out_.read_loop);
    Node scope = owner && !owner->body.null() && out_.region.contains(owner->body)
                     ? owner->body
                     : out_.region.primary();
    for (const Node& call :
         calls_reaching(scope, [&](const Node& c) { return is_bridge_write(c); })) {
      if (call.start_byte() < out_.read_loop.end_byte()) continue;
      bool of_buffer = false;
      for (const Node& a : FileModel::arguments(call)) of_buffer = of_buffer || mentions_buffer(a);
      if (!of_buffer) continue;
      out_.flush_write = call;
      break;
    }
    if (out_.flush_write.null()) return;
    for (const Node& cond : m_.context(out_.flush_write).conditions) {
      Node test = cond.is("if_statement") || cond.is("ternary_expression") ? cond.field("condition")
                  : cond.is("binary_expression")                           ? cond.field("left")
                                                                           : Node{};
      if (!test.null() && mentions_buffer(test)) {
        out_.flush_guard = test;
        break;
      }
    }
  }

  void body() {
    out_.empty_body_guard = first_guard([&](const Node& x) {
      if (is_body_stream(x)) return true;
      Origin o = follow(x);
      Node s = FileModel::strip_await(o.expr);
      return o.path.empty() && s.is("call_expression") &&
             FileModel::callee_name(s) == "getReader" &&
             is_body_stream(FileModel::callee_object(s));
    });
    reader_and_loop();
    split();
    if (!out_.split_call.null()) line_loop();
    if (!out_.line_body.null()) {
      out_.line_writes =
          calls_reaching(out_.line_body, [&](const Node& c) { return is_bridge_write(c); });
      out_.metadata_calls = calls_reaching(out_.line_body, [](const Node& c) {
        Node obj = FileModel::callee_object(c);
        return FileModel::callee_name(c) == "extractMetadata" && obj.is("this");
      });
    }
    flush();
  }

  const FileModel& m_;
  const Function& fn_;
  ContainerStream& out_;
  std::vector<Node> calls_;
};

}  // namespace

const ContainerStream& Project::container_stream() const {
  if (container_stream_) return *container_stream_;
  ContainerStream s;
  s.model = file(Role::DurableObject);
  const Function* fn = do_method("handleContainerStream");
  if (!s.model) {
    s.problem = unavailable(Role::DurableObject);
  } else if (!fn) {
    s.problem = fmt::format("no method handleContainerStream in class {}", cap(config_.class_name));
  } else {
    s.method = fn;
    s.region = s.model->region(*fn);
    StreamScan(*s.model, *fn, s).run();
  }
  container_stream_ = std::move(s);
  return *container_stream_;
}

}  // namespace v15
