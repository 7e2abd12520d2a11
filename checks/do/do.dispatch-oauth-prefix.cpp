// do.dispatch-oauth-prefix: validates token exists and starts with `sk-ant-oat01-`
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/conditions.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/guard_conditions.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_session.h"
#include "v15check/facts/oauth_token.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::describe_value;
using analysis::falsy_test;
using analysis::GuardTest;
using analysis::join_text;
using analysis::Predicate;
using analysis::throwing_tests;
using facts::is_token;
using facts::kDispatchMethod;
using facts::oauth_token;
using facts::OAuthToken;

Outcome oauth_prefix(const CheckContext& ctx) {
  auto s = ctx.do_method(kDispatchMethod);
  if (!s) return s.failure();
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
  bool falsy_by_chain = false;  // `!token?.startsWith(…)`: the conditions cannot evaluate `?.`
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
        if (callee.child(i).is("optional_chain") && falsy.null()) {
          falsy = g.statement;
          falsy_by_chain = true;
        }
    } else {
      wrong_prefix.push_back(
          fmt::format("the startsWith test at line {} uses {}", c.line(),
                      args.empty() ? "no argument" : describe_value(m, args[0])));
      if (p && !p->empty() && !mismatch)
        mismatch = ConfigMismatch{"oauthPrefix", Constant{*p}, m.location(args[0])};
    }
  }
  // Decided on the logic: a missing token and a token without the prefix must each be rejected
  // on every path through the body; the tests found above only name where.
  // Control is assumed to reach the token's read: earlier exits (a missing session) are not
  // about the token.
  Node from = t.read;
  while (!from.null() && !from.parent().null() && from.parent() != fn.body) from = from.parent();
  if (from.null() || from.parent() != fn.body) from = Node{};
  auto rejects = [&](analysis::Fact::Kind kind, std::string value) {
    analysis::Facts facts = {analysis::Fact::of(
        [&](const FileModel&, const Node& n) { return token(n); }, kind, std::move(value))};
    return analysis::paths(m, fn.body, facts, std::nullopt, from).always_rejects();
  };
  bool rejects_missing = rejects(analysis::Fact::Kind::Falsy, {});
  bool rejects_unprefixed = rejects(analysis::Fact::Kind::Value,
                                    prefix == "sk-ant-api03-" ? "sk-other" : "sk-ant-api03-x");
  if (!rejects_missing && !falsy_by_chain) falsy = Node{};
  if (!rejects_unprefixed) prefixed = Node{};
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
      parts.push_back(join_text(wrong_prefix, "; ") + fmt::format(", expected '{}'", cap(prefix)));
    else if (!soft.null())
      parts.push_back(
          fmt::format("{}.startsWith('{}') is tested at line {} but that branch does not "
                      "throw",
                      t.name, cap(prefix), soft.line()));
    else
      parts.push_back(fmt::format("no !{}.startsWith('{}') test that throws", t.name, cap(prefix)));
  }
  std::string found = fmt::format("token {}: {}", t.where(), join_text(parts, "; "));
  Location at = m.location(!falsy.null() ? falsy : t.read);
  Outcome o = prefixed.null() && !wrong_prefix.empty() ? ctx.differs(at, found, "oauthPrefix")
                                                       : Outcome::fail(at, found);
  // the prefix is the only problem when the missing-token test is there
  if (!falsy.null() && prefixed.null()) o.config_mismatch = std::move(mismatch);
  return o;
}

}  // namespace

Check do_dispatch_oauth_prefix_check() {
  return {.id = "do.dispatch-oauth-prefix",
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
          .run = oauth_prefix};
}

}  // namespace v15
