// do.env-secrets: env spreads project and user secrets
#include <fmt/format.h>

#include <map>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::join_text;
using facts::dispatch_env;

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
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
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
    return Outcome::pass(m.location(spread["project"]),
                         fmt::format("env spreads {} (line {}) and {} (line {})",
                                     code_snippet(spread["project"], 30), spread["project"].line(),
                                     code_snippet(spread["user"], 30), spread["user"].line()),
                         {{m.location(spread["project"]), "project secrets"},
                          {m.location(spread["user"]), "user secrets"}});
  std::vector<std::string> parts;
  for (const char* k : {"project", "user"}) {
    const std::string kind = k;
    if (spread.count(kind)) continue;
    parts.push_back(
        collector.count(kind)
            ? fmt::format("{} secrets are collected by {} (line {}) but never spread into the env",
                          kind, code_snippet(collector[kind], 40), collector[kind].line())
            : fmt::format("no {}-secrets collector is called and nothing spreads {} secrets into "
                          "the env",
                          kind, kind));
  }
  return Outcome::fail(env->location, fmt::format("the startProcess env (line {}): {}",
                                                  env->location.line, join_text(parts, "; ")));
}

}  // namespace

Check do_env_secrets_check() {
  return {
      .id = "do.env-secrets",
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
      .run = env_secrets};
}

}  // namespace v15
