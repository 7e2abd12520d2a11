// Route detection: `if` branches guarded by method + pathname tests, switch cases on the path,
// and router registrations (Hono, itty-router: `app.post('/path', handler)`).
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/model.h"

namespace v15 {

namespace {
// How many nested `||` / `.toUpperCase()` levels a route test looks through: each is a level of
// recursion, and a condition can chain without bound.
constexpr int kMaxConditionDepth = 64;

struct Test {
  enum class What { Method, Path } what;
  std::string value;
  bool negated = false;
  Node node;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Whether a method expression is case-normalised (`request.method.toUpperCase()`), so that any
// spelling of the literal it is compared with means that method.
bool normalises_case(const FileModel& m, const Node& e, int depth = 0) {
  if (depth > kMaxConditionDepth) return false;
  Node s = FileModel::strip(e);
  if (s.is("call_expression"))
    return FileModel::callee_name(s) == "toUpperCase" || FileModel::callee_name(s) == "toLowerCase";
  if (s.is("identifier")) {
    Origin o = m.trace(s);
    return o.path.empty() && !o.expr.null() && !(o.expr == s) &&
           normalises_case(m, o.expr, depth + 1);
  }
  return false;
}

bool is_method_expr(const FileModel& m, const Node& e, int depth = 0) {
  if (depth > kMaxConditionDepth) return false;
  Node s = FileModel::strip(e);
  // `request.method.toUpperCase()`: a case-normalised method is still the method
  if (s.is("call_expression") && FileModel::arguments(s).empty() &&
      (FileModel::callee_name(s) == "toUpperCase" || FileModel::callee_name(s) == "toLowerCase"))
    return is_method_expr(m, FileModel::callee_object(s), depth + 1);
  if (s.is("member_expression")) return FileModel::last_name(s) == "method";
  if (s.is("identifier")) {
    Origin o = m.trace(s);
    if (!o.path.empty()) return o.path.back() == "method";
    return !o.expr.null() && o.expr.is("call_expression") && is_method_expr(m, o.expr, depth + 1);
  }
  return false;
}

bool is_path_expr(const FileModel& m, const Node& e) {
  Node s = FileModel::strip(e);
  if (s.is("member_expression")) {
    std::string_view last = FileModel::last_name(s);
    if (last == "pathname") return true;
    // Hono: c.req.path
    if (last == "path" && FileModel::last_name(s.field("object")) == "req") return true;
    return false;
  }
  if (s.is("identifier")) {
    Origin o = m.trace(s);
    if (!o.path.empty() && o.path.back() == "pathname") return true;
    if (o.path.size() >= 2 && o.path.back() == "path" && o.path[o.path.size() - 2] == "req")
      return true;
  }
  return false;
}

// One comparison `X === 'lit'` (either order) of a method or path expression.
std::optional<Test> comparison(const FileModel& m, const Node& cond) {
  Node c = FileModel::strip(cond);
  if (!c.is("binary_expression")) return std::nullopt;
  std::string_view op = c.field("operator").kind();
  bool eq = op == "===" || op == "==";
  bool ne = op == "!==" || op == "!=";
  if (!eq && !ne) return std::nullopt;
  Node l = c.field("left"), r = c.field("right");
  for (int flip = 0; flip < 2; ++flip) {
    Node expr = flip ? r : l, lit = flip ? l : r;
    auto value = m.fold_string(lit);
    if (!value) continue;
    // The Fetch API gives the method in upper case: `=== 'post'` never matches a POST unless
    // the method was case-normalised first. The literal is kept as written, so such a test
    // routes no request of that method.
    if (is_method_expr(m, expr))
      return Test{Test::What::Method, normalises_case(m, expr) ? upper(*value) : *value, ne, c};
    if (is_path_expr(m, expr)) return Test{Test::What::Path, *value, ne, c};
  }
  return std::nullopt;
}

// The tests of a condition that hold when it is true: conjuncts of `&&`; a `||` of path tests
// yields alternatives, kept as several Path tests.
void collect_tests(const FileModel& m, const Node& cond, std::vector<Test>& out, int depth = 0) {
  if (depth > kMaxConditionDepth) return;  // `a || b || …` nests one level per operand
  std::vector<Node> work{cond};
  while (!work.empty()) {
    Node c = FileModel::strip(work.back());
    work.pop_back();
    if (c.is("binary_expression")) {
      std::string_view op = c.field("operator").kind();
      if (op == "&&") {
        work.push_back(c.field("right"));
        work.push_back(c.field("left"));
        continue;
      }
      if (op == "||") {
        std::vector<Test> alts;
        collect_tests(m, c.field("left"), alts, depth + 1);
        collect_tests(m, c.field("right"), alts, depth + 1);
        bool all_same = !alts.empty() && std::all_of(alts.begin(), alts.end(), [&](const Test& t) {
          return !t.negated && t.what == alts.front().what;
        });
        if (all_same) out.insert(out.end(), alts.begin(), alts.end());
        continue;
      }
    }
    if (auto t = comparison(m, c)) out.push_back(*t);
  }
}

// The statements of a block, a switch case (whose body may be one `{ … }` block) or a single
// statement.
std::vector<Node> statements_of(const Node& n) {
  std::vector<Node> out;
  if (!n.is("switch_case") && !n.is("statement_block")) {
    if (!n.null()) out.push_back(n);
    return out;
  }
  // blocks nest without bound (`{ { … } }`): an explicit stack of the children still to visit,
  // in reverse, keeps document order without recursion
  Node case_value = n.is("switch_case") ? n.field("value") : Node{};
  std::vector<Node> work;
  auto push_children = [&](const Node& block) {
    std::vector<Node> kids = block.named_children();
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      if (!(*it == case_value) || case_value.null()) work.push_back(*it);
  };
  push_children(n);
  while (!work.empty()) {
    Node c = work.back();
    work.pop_back();
    if (c.is("statement_block"))
      push_children(c);
    else
      out.push_back(c);
  }
  return out;
}

bool returns_or_throws(const Node& stmt) {
  Node s = stmt;
  if (s.is("statement_block")) {
    if (s.named_child_count() == 0) return false;
    s = s.named_child(s.named_child_count() - 1);
  }
  return s.is("return_statement") || s.is("throw_statement");
}

// A method for a region from guards around it (enclosing ifs on the method, a switch case on
// the method) or an early-return `if (request.method !== 'POST') return …` at its start.
std::pair<std::string, Node> method_for(const FileModel& m, const Node& anchor,
                                        const Node& handler) {
  // early-return guard inside the handler
  Node body = handler;
  if (body.is("statement_block") || body.is("switch_case")) {
    for (const Node& stmt : statements_of(body)) {
      if (!stmt.is("if_statement")) continue;
      std::vector<Test> tests;
      collect_tests(m, stmt.field("condition"), tests);
      for (const auto& t : tests)
        if (t.what == Test::What::Method && t.negated &&
            returns_or_throws(stmt.field("consequence")))
          return {t.value, t.node};
    }
  }
  Node child = anchor;
  for (Node p = anchor.parent(); !p.null(); child = p, p = p.parent()) {
    std::string_view k = p.kind();
    if (k == "arrow_function" || k == "function_declaration" || k == "function_expression" ||
        k == "method_definition")
      break;
    if (k == "if_statement" && p.field("consequence") == child) {
      std::vector<Test> tests;
      collect_tests(m, p.field("condition"), tests);
      for (const auto& t : tests)
        if (t.what == Test::What::Method && !t.negated) return {t.value, t.node};
    }
    if (k == "switch_case") {
      Node sw = p.parent().parent();
      Node value = sw.field("value");
      if (is_method_expr(m, value.named_child(0).null() ? value : value.named_child(0))) {
        auto v = m.fold_string(p.field("value"));
        if (v) return {upper(*v), p.field("value")};
      }
    }
    // A sibling guard earlier in the same block: `if (request.method !== 'POST') return 405;`
    if (k == "statement_block" || k == "program") {
      for (const Node& stmt : p.named_children()) {
        if (stmt.start_byte() >= child.start_byte()) break;
        if (!stmt.is("if_statement")) continue;
        std::vector<Test> tests;
        collect_tests(m, stmt.field("condition"), tests);
        for (const auto& t : tests)
          if (t.what == Test::What::Method && t.negated &&
              returns_or_throws(stmt.field("consequence")))
            return {t.value, t.node};
      }
    }
  }
  return {};
}

// Whether `earlier`, an `if` before a route in a statement list that leads to it, always takes
// the route's requests: its branch never completes normally and its condition is true for the
// route's method and path.
bool shadows(const FileModel& m, const Node& earlier, const Route& later) {
  if (!earlier.is("if_statement") || earlier == later.anchor) return false;
  if (!analysis::completes_abruptly(m, earlier.field("consequence"))) return false;
  std::string method = later.method.empty() ? "GET" : later.method;
  analysis::Facts facts = {
      analysis::Fact::of([](const FileModel& fm, const Node& e) { return is_method_expr(fm, e); },
                         analysis::Fact::Kind::Value, method),
      analysis::Fact::of([](const FileModel& fm, const Node& e) { return is_path_expr(fm, e); },
                         analysis::Fact::Kind::Value, later.path)};
  return analysis::evaluate(m, earlier.field("condition"), facts) == analysis::Truth::True;
}

// Routes that no request can reach: after a statement that always leaves, behind a condition
// that folds to false, or behind an earlier branch that always takes their requests (a prefix
// test before an exact one). The earlier branches looked at are the `if`s before the route in
// each statement list that leads to it, up to kMaxListLevels lists out and the nearest
// kMaxEarlier of each list, so that deeply nested or very long routers stay linear.
void drop_unreachable(const FileModel& m, std::vector<Route>& routes) {
  constexpr int kMaxListLevels = 16;
  constexpr std::size_t kMaxEarlier = 256;
  std::unordered_map<uint32_t, std::vector<Node>> ifs_of;  // list row → its if statements
  auto ifs_in = [&](const Node& list) -> const std::vector<Node>& {
    auto [it, fresh] = ifs_of.try_emplace(list.index());
    if (fresh)
      for (const Node& s : list.named_children())
        if (s.is("if_statement")) it->second.push_back(s);
    return it->second;
  };
  std::vector<Route> kept;
  for (const Route& r : routes) {
    if (!analysis::reachable(m, r.anchor)) continue;
    bool shadowed = false;
    Node cur = r.anchor;
    for (int level = 0; level < kMaxListLevels && !shadowed; ++level) {
      Node p = cur.parent();
      if (p.null() || is_function_kind(p.kind())) break;
      if (p.is("statement_block") || p.is("program") || p.is("switch_case")) {
        const std::vector<Node>& ifs = ifs_in(p);
        auto end = std::lower_bound(ifs.begin(), ifs.end(), cur.start_byte(),
                                    [](const Node& s, uint32_t at) { return s.start_byte() < at; });
        std::size_t n = 0;
        for (auto it = end; it != ifs.begin() && n < kMaxEarlier && !shadowed; ++n)
          shadowed = shadows(m, *--it, r);
      }
      cur = p;
    }
    if (!shadowed) kept.push_back(r);
  }
  routes = std::move(kept);
}

const char* const kRouterMethods[] = {"get",   "post", "put",  "delete",
                                      "patch", "all",  "head", "options"};

}  // namespace

const std::vector<Route>& FileModel::routes() const {
  if (!routes_) compute_routes();
  return *routes_;
}

void FileModel::compute_routes() const {
  std::vector<Route> routes;
  for (const Node& stmt : nodes("if_statement")) {
    std::vector<Test> tests;
    collect_tests(*this, stmt.field("condition"), tests);
    std::string method;
    Node method_node;
    for (const auto& t : tests)
      if (t.what == Test::What::Method && !t.negated) {
        method = t.value;
        method_node = t.node;
      }
    Node handler = stmt.field("consequence");
    // only a path test makes a route: the search for a method guard around one walks up
    bool routes_a_path = std::any_of(tests.begin(), tests.end(), [](const Test& t) {
      return t.what == Test::What::Path && !t.negated;
    });
    if (!routes_a_path) continue;
    if (method.empty()) std::tie(method, method_node) = method_for(*this, stmt, handler);
    for (const auto& t : tests) {
      if (t.what != Test::What::Path || t.negated) continue;
      Route r;
      r.kind = Route::Kind::IfBranch;
      r.method = method;
      r.method_node = method_node;
      r.path = t.value;
      r.path_node = t.node;
      r.anchor = stmt;
      r.handler = handler;
      r.function = enclosing_function(stmt);
      routes.push_back(std::move(r));
    }
  }
  for (const Node& sw : nodes("switch_statement")) {
    Node value = strip(sw.field("value"));
    if (!is_path_expr(*this, value)) continue;
    for (const Node& c : sw.field("body").named_children()) {
      if (!c.is("switch_case")) continue;
      auto path = fold_string(c.field("value"));
      if (!path) continue;
      Route r;
      r.kind = Route::Kind::SwitchCase;
      r.path = *path;
      r.path_node = c.field("value");
      r.anchor = c;
      r.handler = c;
      r.function = enclosing_function(c);
      // a method test inside the case narrows the handler to that branch
      for (const Node& stmt : statements_of(c)) {
        if (!stmt.is("if_statement")) continue;
        std::vector<Test> tests;
        collect_tests(*this, stmt.field("condition"), tests);
        for (const auto& t : tests)
          if (t.what == Test::What::Method && !t.negated && t.value != "") {
            r.method = t.value;
            r.method_node = t.node;
            r.handler = stmt.field("consequence");
          }
      }
      if (r.method.empty()) std::tie(r.method, r.method_node) = method_for(*this, c, c);
      routes.push_back(std::move(r));
    }
  }
  for (const Node& call : nodes("call_expression")) {
    Node callee = strip(call.field("function"));
    if (!callee.is("member_expression")) continue;
    std::string_view prop = callee.field("property").text();
    std::string method;
    std::size_t path_index = 0;
    for (const char* rm : kRouterMethods)
      if (prop == rm) method = upper(std::string(prop));
    auto args = arguments(call);
    if (prop == "on" && args.size() >= 3) {
      auto m = fold_string(args[0]);
      if (!m) continue;
      method = upper(*m);
      path_index = 1;
    }
    if (method.empty() || args.size() < path_index + 2) continue;
    auto path = fold_string(args[path_index]);
    if (!path || path->empty() || (*path)[0] != '/') continue;
    Route r;
    r.kind = Route::Kind::Router;
    r.method = method == "ALL" ? std::string{} : method;
    r.path = *path;
    r.path_node = args[path_index];
    r.method_node = callee.field("property");
    r.anchor = call;
    const Function* handler = function_at(args.back());
    r.handler = handler ? handler->node : args.back();
    r.function = enclosing_function(call);
    routes.push_back(std::move(r));
  }
  std::sort(routes.begin(), routes.end(), [](const Route& a, const Route& b) {
    return a.anchor.start_byte() < b.anchor.start_byte();
  });
  drop_unreachable(*this, routes);
  routes_ = std::move(routes);
}

}  // namespace v15
