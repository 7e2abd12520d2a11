// agent.oauth-betas: an OAuth token (sk-ant-oat…) is told from an API key by its prefix, and
// that test decides whether betas are sent.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "agent.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/values.h"

namespace v15 {

namespace {

constexpr std::string_view kOauthPrefix = "sk-ant-oat";

bool names_betas(std::string_view name) {
  return ascii_lower(name).find("beta") != std::string::npos;
}

// Whether a node sets a betas value: an assignment to / declaration of a *beta* name or `.betas`
// member, a `betas` key in an object literal, or a value that lands in one.
bool sets_betas(const FileModel& m, const Node& within) {
  for (const Node& a : m.nodes_in("assignment_expression", within))
    if (names_betas(FileModel::last_name(a.field("left")))) return true;
  for (const Node& d : m.nodes_in("variable_declarator", within))
    if (d.field("name").is("identifier") && names_betas(d.field("name").text())) return true;
  for (const Node& p : m.nodes_in("pair", within))
    if (names_betas(m.key_name(p.field("key")))) return true;
  for (const Node& p : m.nodes_in("shorthand_property_identifier", within))
    if (names_betas(p.text())) return true;
  return false;
}

// The construct a test decides: the if / ternary whose condition holds it (through !, &&, ||,
// parentheses), also through a const holding the test's result.
std::vector<Node> decided_by(const FileModel& m, const Node& test, int depth = 0) {
  std::vector<Node> out;
  if (depth > 3) return out;
  Node cur = test;
  for (;;) {
    Node p = cur.parent();
    std::string_view k = p.kind();
    if (k == "parenthesized_expression" || k == "unary_expression" ||
        (k == "binary_expression" &&
         (p.field("operator").kind() == "&&" || p.field("operator").kind() == "||" ||
          p.field("operator").kind() == "===" || p.field("operator").kind() == "!=="))) {
      if (k == "binary_expression" && p.field("operator").kind() == "&&" &&
          p.field("left") == cur) {
        out.push_back(p);  // `isOauth && …` / `!isOauth && { betas }`
      }
      cur = p;
      continue;
    }
    if ((k == "if_statement" || k == "ternary_expression") && p.field("condition") == cur)
      out.push_back(p);
    if (k == "variable_declarator" && p.field("value") == cur) {
      // const isOauth = token.startsWith(…); then its uses
      const Binding* b = m.resolve(p.field("name").text(), p.field("name").end_byte());
      if (b)
        for (const Node& id : m.nodes("identifier"))
          if (!(id == b->name_node) && m.resolve(id) == b)
            for (const Node& d : decided_by(m, id, depth + 1)) out.push_back(d);
    }
    break;
  }
  return out;
}

bool decides_betas(const FileModel& m, const Node& construct) {
  if (construct.is("if_statement")) {
    Node alt = construct.field("alternative");
    return sets_betas(m, construct.field("consequence")) || (!alt.null() && sets_betas(m, alt));
  }
  Node branches[2];
  if (construct.is("ternary_expression")) {
    branches[0] = construct.field("consequence");
    branches[1] = construct.field("alternative");
  } else {
    branches[0] = construct.field("right");
  }
  for (const Node& b : branches)
    if (!b.null() && sets_betas(m, b)) return true;
  // the ternary's value lands in a betas name or key: `const betas = isOauth ? undefined : [..]`
  Node cur = construct;
  while (cur.parent().is("parenthesized_expression")) cur = cur.parent();
  Node p = cur.parent();
  if (p.is("variable_declarator") && names_betas(p.field("name").text())) return true;
  if (p.is("pair") && names_betas(m.key_name(p.field("key")))) return true;
  if (p.is("assignment_expression") && names_betas(FileModel::last_name(p.field("left"))))
    return true;
  return false;
}

// The SDK option itself: a `betas` key in an object literal, an assignment to `.betas`, or a
// `betas` variable.
Node betas_option(const FileModel& m) {
  for (const Node& d : m.nodes("variable_declarator"))
    if (ascii_lower(d.field("name").text()) == "betas") return d;
  for (const Node& p : m.nodes("pair"))
    if (ascii_lower(m.key_name(p.field("key"))) == "betas") return p;
  for (const Node& p : m.nodes("shorthand_property_identifier"))
    if (ascii_lower(p.text()) == "betas") return p;
  for (const Node& a : m.nodes("assignment_expression")) {
    Node left = a.field("left");
    if (left.is("member_expression") && ascii_lower(FileModel::last_name(left)) == "betas")
      return a;
  }
  return {};
}

// The value of a construct's branch lands in a betas name or key (`const betas = c ? u : [..]`).
bool lands_in_betas(const FileModel& m, const Node& construct) {
  Node cur = construct;
  while (cur.parent().is("parenthesized_expression")) cur = cur.parent();
  Node p = cur.parent();
  if (p.is("variable_declarator")) return names_betas(p.field("name").text());
  if (p.is("pair")) return names_betas(m.key_name(p.field("key")));
  if (p.is("assignment_expression")) return names_betas(FileModel::last_name(p.field("left")));
  return false;
}

// Within a branch, what sets a betas name or key to a value that is truthy under the facts.
Node sets_truthy_betas(const FileModel& m, const Node& within, const analysis::Facts& facts) {
  auto truthy = [&](const Node& v) {
    return !v.null() && analysis::evaluate(m, v, facts) == analysis::Truth::True;
  };
  for (const Node& a : m.nodes_in("assignment_expression", within))
    if (names_betas(FileModel::last_name(a.field("left"))) && truthy(a.field("right"))) return a;
  for (const Node& d : m.nodes_in("variable_declarator", within))
    if (d.field("name").is("identifier") && names_betas(d.field("name").text()) &&
        truthy(d.field("value")))
      return d;
  for (const Node& p : m.nodes_in("pair", within))
    if (names_betas(m.key_name(p.field("key"))) && truthy(p.field("value"))) return p;
  return {};
}

// What the construct sets betas to when the facts hold (an OAuth token): the setting node when
// betas are sent, null when they are not or when the test's outcome is unknown.
Node betas_sent_under(const FileModel& m, const Node& construct, const analysis::Facts& facts) {
  Node chosen;
  if (construct.is("if_statement") || construct.is("ternary_expression")) {
    analysis::Truth t = analysis::evaluate(m, construct.field("condition"), facts);
    if (t == analysis::Truth::Unknown) return {};
    chosen = construct.field(t == analysis::Truth::True ? "consequence" : "alternative");
  } else {  // `test && { betas }`
    if (analysis::evaluate(m, construct.field("left"), facts) != analysis::Truth::True) return {};
    chosen = construct.field("right");
  }
  if (chosen.null()) return {};
  if (!construct.is("if_statement") && lands_in_betas(m, construct))
    return analysis::evaluate(m, chosen, facts) == analysis::Truth::True ? chosen : Node{};
  return sets_truthy_betas(m, chosen, facts);
}

// A use of a betas variable the construct assigns that none of the construct's definitions
// reaches: the test's choice is overwritten before it is used. Returns {use, definition}.
std::pair<Node, Node> choice_overwritten(const FileModel& m, const Node& construct) {
  std::vector<const Binding*> chosen;
  auto add = [&](const Node& name) {
    if (!name.is("identifier") || !names_betas(name.text())) return;
    const Binding* b = m.resolve(name);
    if (b && (b->kind == BindingKind::Let || b->kind == BindingKind::Var)) chosen.push_back(b);
  };
  for (const Node& a : m.nodes_in("assignment_expression", construct)) add(a.field("left"));
  Node cur = construct;
  while (cur.parent().is("parenthesized_expression")) cur = cur.parent();
  if (cur.parent().is("variable_declarator")) add(cur.parent().field("name"));
  if (cur.parent().is("assignment_expression")) add(cur.parent().field("left"));
  for (const Binding* b : chosen) {
    Node scope = b->scope.null() ? m.root() : b->scope;
    for (const Node& use : m.nodes_in("identifier", scope)) {
      if (use == b->name_node || use.start_byte() < construct.end_byte() || m.resolve(use) != b)
        continue;
      Node p = use.parent();
      if (p.is("assignment_expression") && p.field("left") == use) continue;
      std::vector<Node> defs = analysis::reaching_definitions(m, use);
      if (defs.empty()) continue;
      bool from_choice = std::any_of(defs.begin(), defs.end(), [&](const Node& d) {
        return construct.contains(d) || d == construct;
      });
      if (!from_choice) return {use, defs.front()};
    }
  }
  return {};
}

// The prefix a test checks: `x.startsWith(P)`, or a regex literal `/^P/.test(x)`.
std::optional<std::string> prefix_test(const FileModel& m, const Node& call, Node* subject) {
  std::string_view name = FileModel::callee_name(call);
  auto args = FileModel::arguments(call);
  if (name == "startsWith" && !args.empty()) {
    *subject = FileModel::callee_object(call);
    return m.fold_string(args[0]);
  }
  if (name == "test" && !args.empty()) {
    Node re = FileModel::callee_object(call);
    if (!re.is("regex")) return std::nullopt;
    std::string pattern(re.field("pattern").text());
    if (pattern.empty() || pattern[0] != '^') return std::nullopt;
    std::string literal;
    for (std::size_t i = 1; i < pattern.size(); ++i) {
      char c = pattern[i];
      if (c == '\\' && i + 1 < pattern.size() && pattern[i + 1] == '-') {
        literal += '-';
        ++i;
      } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
        literal += c;
      } else {
        break;
      }
    }
    *subject = args[0];
    return literal;
  }
  return std::nullopt;
}

Outcome run(const CheckContext& ctx) {
  auto file = ctx.file(Role::Agent);
  if (!file) return file.failure();
  const FileModel* m = *file;
  Node weak_test;  // a prefix test too short to tell OAuth tokens from API keys
  std::string weak_prefix;
  Node undecided;
  for (const Node& call : m->nodes("call_expression")) {
    Node subject;
    auto prefix = prefix_test(*m, call, &subject);
    if (!prefix) continue;
    if (prefix->rfind(kOauthPrefix, 0) != 0) {
      if (std::string(kOauthPrefix).rfind(*prefix, 0) == 0 && prefix->size() >= 3 &&
          weak_test.null()) {
        weak_test = call;
        weak_prefix = *prefix;
      }
      continue;
    }
    for (const Node& construct : decided_by(*m, call)) {
      if (!decides_betas(*m, construct)) continue;
      // an OAuth token must get no betas from the choice the test makes
      analysis::Facts oauth = {analysis::Fact::of(
          [&](const FileModel& fm, const Node& n) {
            Node a = FileModel::strip(n), b = FileModel::strip(subject);
            if (b.is("identifier")) return a.is("identifier") && fm.resolve(a) == fm.resolve(b);
            return a.text() == b.text();
          },
          analysis::Fact::Kind::Value, std::string(kOauthPrefix) + "01-token")};
      if (Node sent = betas_sent_under(*m, construct, oauth); !sent.null())
        return Outcome::fail(
            m->location(sent),
            fmt::format("{} (line {}) sends betas when the token starts with '{}': {} (line {}) "
                        "is chosen for an OAuth token",
                        analysis::code_excerpt(call, 60), call.line(), kOauthPrefix,
                        analysis::code_excerpt(sent, 50), sent.line()));
      if (auto [use, def] = choice_overwritten(*m, construct); !use.null())
        return Outcome::fail(
            m->location(def),
            fmt::format("{} (line {}) chooses betas, but {} is overwritten with {} (line {}) "
                        "before its use at line {}",
                        analysis::code_excerpt(call, 60), call.line(), use.text(),
                        analysis::code_excerpt(def, 40), def.line(), use.line()));
      return Outcome::pass(
          m->location(call),
          fmt::format("{} (line {}) decides betas ({} at line {})",
                      analysis::code_excerpt(call, 60), call.line(),
                      construct.is("if_statement") ? "if" : "conditional", construct.line()),
          {{m->location(call), "prefix test"}, {m->location(construct), "betas choice"}});
    }
    if (undecided.null()) undecided = call;
  }
  // nothing sends betas at all: an OAuth token cannot be refused for them
  if (betas_option(*m).null())
    return Outcome::pass(m->location(undecided.null() ? m->root() : undecided),
                         "no betas are sent at all (note: nothing to skip for OAuth tokens)");
  if (!undecided.null())
    return Outcome::fail(m->location(undecided),
                         fmt::format("{} (line {}) tests the prefix, but no betas value or key "
                                     "depends on it",
                                     analysis::code_excerpt(undecided, 60), undecided.line()));
  // say what decides betas instead
  std::string instead;
  Location instead_at = m->location(m->root());
  for (const Node& a : m->nodes("assignment_expression")) {
    if (!names_betas(FileModel::last_name(a.field("left")))) continue;
    ControlContext c = m->context(a);
    if (c.conditions.empty()) continue;
    Node cond = c.conditions.front();
    Node test = FileModel::strip(cond.is("if_statement") ? cond.field("condition") : cond);
    instead = fmt::format("; betas are set at line {} under {} (line {})", a.line(),
                          analysis::code_excerpt(test, 50), test.line());
    instead_at = m->location(test);
    break;
  }
  if (instead.empty()) {
    for (const Node& p : m->nodes("pair"))
      if (names_betas(m->key_name(p.field("key")))) {
        instead = fmt::format("; betas are set unconditionally at line {}", p.line());
        break;
      }
  }
  if (!weak_test.null())
    return Outcome::fail(m->location(weak_test),
                         fmt::format("{} (line {}) tests the prefix '{}', which API keys share; "
                                     "expected '{}' or longer",
                                     analysis::code_excerpt(weak_test, 60), weak_test.line(),
                                     weak_prefix, kOauthPrefix));
  return Outcome::fail(instead_at, fmt::format("no startsWith('{}') test on the OAuth token{}{}",
                                               kOauthPrefix, instead, ctx.parse_note(*m)));
}

}  // namespace

Check agent_oauth_betas_check() {
  return {.id = "agent.oauth-betas",
          .group = Group::Agent,
          .title = "detects sk-ant-oat prefix to skip betas",
          .expected =
              "a startsWith('sk-ant-oat') test on the OAuth token that decides whether betas "
              "are set",
          .role = Role::Agent,
          .passes_when =
              "startsWith('sk-ant-oat…') (or /^sk-ant-oat/.test) in the condition of an "
              "if / ternary (directly or through a const) whose branches set a betas "
              "value or key",
          .fails_when =
              "no prefix test; betas decided by another test; a test that decides nothing "
              "about betas",
          .config_keys = {"roles.agent"},
          .run = run};
}

}  // namespace v15
