#include "v15check/analysis/control_flow.h"

#include <cmath>

#include "v15check/analysis/memo.h"

namespace v15 {

analysis::Memo& FileModel::analysis_memo() const {
  if (!analysis_memo_) analysis_memo_ = std::make_shared<analysis::Memo>();
  return *analysis_memo_;
}

namespace analysis {

namespace {

// Bounds the recursion of constant_truth through `const` bindings and nested operators.
constexpr int kMaxTruthDepth = 64;

Truth truth_depth(const FileModel& m, const Node& expr, int depth) {
  if (depth > kMaxTruthDepth) return Truth::Unknown;
  Node e = FileModel::strip(expr);
  std::string_view k = e.kind();
  if (k == "true") return Truth::True;
  if (k == "false" || k == "null" || k == "undefined") return Truth::False;
  if (k == "object" || k == "array" || k == "arrow_function" || k == "function_expression" ||
      k == "new_expression" || k == "regex" || k == "class")
    return Truth::True;
  if (k == "unary_expression") {
    std::string_view op = e.field("operator").kind();
    if (op == "!") return negate(truth_depth(m, e.field("argument"), depth + 1));
    if (op == "void") return Truth::False;
    return Truth::Unknown;
  }
  if (k == "binary_expression") {
    std::string_view op = e.field("operator").kind();
    if (op == "&&")
      return both(truth_depth(m, e.field("left"), depth + 1),
                  truth_depth(m, e.field("right"), depth + 1));
    if (op == "||")
      return either(truth_depth(m, e.field("left"), depth + 1),
                    truth_depth(m, e.field("right"), depth + 1));
  }
  if (k == "ternary_expression") {
    Truth c = truth_depth(m, e.field("condition"), depth + 1);
    if (c == Truth::True) return truth_depth(m, e.field("consequence"), depth + 1);
    if (c == Truth::False) return truth_depth(m, e.field("alternative"), depth + 1);
    Truth a = truth_depth(m, e.field("consequence"), depth + 1);
    return a == truth_depth(m, e.field("alternative"), depth + 1) ? a : Truth::Unknown;
  }
  if (k == "identifier") {
    if (e.text() == "undefined") return Truth::False;
    const Binding* b = m.resolve(e);
    if (b && b->kind == BindingKind::Const && b->path.empty() && !b->init.null())
      return truth_depth(m, b->init, depth + 1);
    return Truth::Unknown;
  }
  if (k == "number" || k == "string" || k == "template_string" || k == "binary_expression" ||
      k == "member_expression") {
    if (auto c = m.fold(e)) {
      if (c->is_number())
        return c->number() != 0 && !std::isnan(c->number()) ? Truth::True : Truth::False;
      return c->string().empty() ? Truth::False : Truth::True;
    }
  }
  return Truth::Unknown;
}

// Statements nest without bound; past this depth a statement is taken to complete normally
// (the conservative answer: code after it stays reachable), so the recursion stays bounded.
constexpr int kMaxStatementDepth = 200;

bool abrupt_depth(const FileModel& m, const Node& stmt, int depth);
bool abrupt_uncached(const FileModel& m, const Node& s, int depth);

// Whether a loop body can leave the loop itself by `break` (not one of a nested loop/switch).
bool breaks_out(const Node& n, bool top = true) {
  if (n.null()) return false;
  if (n.is("break_statement")) return true;
  if (!top && (is_loop(n) || n.is("switch_statement"))) return false;
  if (is_function_kind(n.kind())) return false;
  for (const Node& c : n.named_children())
    if (breaks_out(c, false)) return true;
  return false;
}

bool abrupt_uncached(const FileModel& m, const Node& s, int depth) {
  std::string_view k = s.kind();
  if (k == "return_statement" || k == "throw_statement" || k == "break_statement" ||
      k == "continue_statement")
    return true;
  if (k == "statement_block") {
    for (const Node& c : statements_of(s))
      if (abrupt_depth(m, c, depth + 1)) return true;
    return false;
  }
  if (k == "if_statement") {
    Truth t = constant_truth(m, s.field("condition"));
    Node cons = s.field("consequence");
    Node alt = s.field("alternative");
    if (alt.is("else_clause")) alt = alt.named_child(0);
    if (t == Truth::True) return abrupt_depth(m, cons, depth + 1);
    if (t == Truth::False) return !alt.null() && abrupt_depth(m, alt, depth + 1);
    return !alt.null() && abrupt_depth(m, cons, depth + 1) && abrupt_depth(m, alt, depth + 1);
  }
  if (k == "try_statement") {
    Node fin = s.field("finalizer");
    if (!fin.null() && abrupt_depth(m, fin.field("body"), depth + 1)) return true;
    Node handler = s.field("handler");
    bool body = abrupt_depth(m, s.field("body"), depth + 1);
    if (handler.null()) return body;
    return body && abrupt_depth(m, handler.field("body"), depth + 1);
  }
  if (k == "while_statement" || k == "for_statement" || k == "do_statement") {
    // `while (true)` / `for (;;)` without a break never completes normally
    Node cond = s.field("condition");
    bool endless = k == "for_statement"
                       ? (cond.null() || cond.is(";") || cond.is("empty_statement") ||
                          constant_truth(m, cond) == Truth::True)
                       : constant_truth(m, cond) == Truth::True;
    if (k == "for_statement" && cond.is("expression_statement"))
      endless = constant_truth(m, cond.named_child(0)) == Truth::True;
    return endless && !breaks_out(s.field("body"));
  }
  if (k == "labeled_statement") return abrupt_depth(m, s.field("body"), depth + 1);
  if (k == "expression_statement") {
    // `process.exit(…)` ends the program
    Node e = s.named_child(0);
    if (e.is("call_expression") && FileModel::callee_name(e) == "exit" &&
        FileModel::last_name(FileModel::callee_object(e)) == "process")
      return true;
  }
  return false;
}

}  // namespace

Truth negate(Truth t) {
  return t == Truth::Unknown ? t : (t == Truth::True ? Truth::False : Truth::True);
}
Truth both(Truth a, Truth b) {
  if (a == Truth::False || b == Truth::False) return Truth::False;
  if (a == Truth::True && b == Truth::True) return Truth::True;
  return Truth::Unknown;
}
Truth either(Truth a, Truth b) {
  if (a == Truth::True || b == Truth::True) return Truth::True;
  if (a == Truth::False && b == Truth::False) return Truth::False;
  return Truth::Unknown;
}

Truth constant_truth(const FileModel& m, const Node& expr) { return truth_depth(m, expr, 0); }

bool is_loop(const Node& n) { return is_loop_kind(n.kind()); }

std::vector<Node> statements_of(const Node& n) {
  std::vector<Node> out;
  if (n.null()) return out;
  std::string_view k = n.kind();
  if (k == "statement_block" || k == "program" || k == "class_body") {
    for (const Node& c : n.named_children())
      if (!c.is("comment")) out.push_back(c);
    return out;
  }
  if (k == "switch_case" || k == "switch_default") {
    Node value = n.field("value");
    for (const Node& c : n.named_children())
      if (!c.is("comment") && !(c == value)) out.push_back(c);
    return out;
  }
  out.push_back(n);
  return out;
}

bool completes_abruptly(const FileModel& m, const Node& stmt) { return abrupt_depth(m, stmt, 0); }

namespace {
bool abrupt_depth(const FileModel& m, const Node& stmt, int depth) {
  if (stmt.null() || depth > kMaxStatementDepth) return false;
  auto& memo = m.analysis_memo().abrupt;
  if (auto it = memo.find(stmt.index()); it != memo.end()) return it->second;
  // a block's statements are decided before the block, each once (memoised); the recursion
  // is bounded by kMaxStatementDepth
  bool r = abrupt_uncached(m, stmt, depth);
  memo.emplace(stmt.index(), r);
  return r;
}
}  // namespace

bool reachable(const FileModel& m, const Node& n) {
  if (n.null()) return false;
  auto& memo = m.analysis_memo().reachable;
  // Walk up to the enclosing function; every step asks one local question. The answer of each
  // ancestor statement is memoised, so a file's statements are decided in linear total time.
  std::vector<uint32_t> visited;
  bool result = true;
  Node child = n;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if (auto it = memo.find(child.index()); it != memo.end()) {
      result = it->second;
      break;
    }
    visited.push_back(child.index());
    std::string_view k = p.kind();
    bool ok = true;
    if (k == "statement_block" || k == "program" || k == "switch_case" || k == "switch_default") {
      // the first statement of the list that never completes, once per list
      auto [it, fresh] = m.analysis_memo().first_abrupt.try_emplace(p.index(), UINT32_MAX);
      if (fresh) {
        for (const Node& s : statements_of(p)) {
          if (completes_abruptly(m, s)) {
            it->second = s.end_byte();
            break;
          }
        }
      }
      ok = child.start_byte() < it->second;
    } else if (k == "if_statement") {
      Truth t = constant_truth(m, p.field("condition"));
      Node alt = p.field("alternative");
      if (p.field("consequence") == child && t == Truth::False) ok = false;
      if (!alt.null() && alt == child && t == Truth::True) ok = false;
    } else if (k == "else_clause") {
      // decided at the if_statement above
    } else if (k == "ternary_expression") {
      Truth t = constant_truth(m, p.field("condition"));
      if (p.field("consequence") == child && t == Truth::False) ok = false;
      if (p.field("alternative") == child && t == Truth::True) ok = false;
    } else if (k == "binary_expression" && p.field("right") == child) {
      std::string_view op = p.field("operator").kind();
      Truth t = constant_truth(m, p.field("left"));
      if (op == "&&" && t == Truth::False) ok = false;
      if (op == "||" && t == Truth::True) ok = false;
    } else if ((k == "while_statement" || k == "for_statement") && p.field("body") == child) {
      Node cond = p.field("condition");
      if (cond.is("expression_statement")) cond = cond.named_child(0);
      if (!cond.null() && !cond.is(";") && !cond.is("empty_statement") &&
          constant_truth(m, cond) == Truth::False)
        ok = false;
    }
    if (!ok) {
      result = false;
      break;
    }
    if (is_function_kind(p.kind())) break;
  }
  for (uint32_t row : visited) memo.emplace(row, result);
  return result;
}

}  // namespace analysis
}  // namespace v15
