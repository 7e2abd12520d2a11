// The model: constant folding, patterns, value origins, env reads, promise shape, routes.
#include <gtest/gtest.h>

#include "model_support.h"

namespace v15::testing {
namespace {

struct Worker {
  std::unique_ptr<Project> project;
  const FileModel& m;
  explicit Worker(const std::string& src)
      : project(project_from({{Role::Worker, src}})), m(*project->file(Role::Worker)) {}
};

// The value of `const probe = …;` folded.
std::optional<Constant> fold_probe(const std::string& src) {
  Worker w(src);
  for (const Binding& b : w.m.bindings())
    if (b.name == "probe") return w.m.fold(b.init);
  return std::nullopt;
}

TEST(Fold, NumbersThroughConstsAndArithmetic) {
  auto v = fold_probe("const MIN = 60 * 1000;\nconst probe = 5 * MIN;");
  ASSERT_TRUE(v && v->is_number());
  EXPECT_EQ(v->number(), 300000);
  EXPECT_EQ(fold_probe("const probe = (10 - 4) / 2 + 1_000;")->number(), 1003);
  EXPECT_EQ(fold_probe("const probe = -0x10;")->number(), -16);
  EXPECT_EQ(fold_probe("const probe = 2 ** 10;")->number(), 1024);
}

TEST(Fold, StringsTemplatesAndConcatenation) {
  EXPECT_EQ(fold_probe("const probe = 'a' + \"b\" + `c`;")->string(), "abc");
  EXPECT_EQ(fold_probe("const BASE = '/api';\nconst probe = `${BASE}/v15/chat`;")->string(),
            "/api/v15/chat");
  EXPECT_EQ(fold_probe("const probe = 'it\\'s\\n';")->string(), "it's\n");
  EXPECT_EQ(fold_probe("const probe = 'n' + 5;")->string(), "n5");
}

TEST(Fold, MembersOfConstObjectsAndTypeWrappers) {
  EXPECT_EQ(fold_probe("const C = { T: 5 * 60 } as const;\nconst probe = C.T;")->number(), 300);
  EXPECT_EQ(fold_probe("const { T } = { T: 7 };\nconst probe = T;")->number(), 7);
  EXPECT_EQ(fold_probe("const X = 3;\nconst probe = (X satisfies number)!;")->number(), 3);
}

TEST(Fold, RefusesWhatIsNotConstant) {
  EXPECT_FALSE(fold_probe("let T = 5;\nconst probe = T;"));
  EXPECT_FALSE(fold_probe("const probe = Date.now() + 5;"));
  EXPECT_FALSE(fold_probe("const probe = 1 / 0;"));
  EXPECT_FALSE(fold_probe("const A = B;\nconst B = A;\nconst probe = A;"));  // a cycle ends
}

// Consts that each interpolate the previous one six times: level n is 6^n characters long.
std::string template_chain(int levels) {
  std::string src = "const T0 = `x`;\n";
  for (int i = 1; i <= levels; ++i) {
    src += "const T" + std::to_string(i) + " = `";
    for (int k = 0; k < 6; ++k) src += "${T" + std::to_string(i - 1) + "}";
    src += "`;\n";
  }
  return src + "const probe = T" + std::to_string(levels) + ";";
}

TEST(Fold, SharedSubexpressionsFoldOnceAndHugeStringsDoNotFold) {
  // Six levels: 46,656 characters, within the limit; each level is folded once, not 6^n times.
  auto six = fold_probe(template_chain(6));
  ASSERT_TRUE(six && six->is_string());
  EXPECT_EQ(six->string(), std::string(46656, 'x'));
  // Ten levels would be 60 million characters: past the limit, the value does not fold.
  EXPECT_FALSE(fold_probe(template_chain(10)));
}

TEST(Pattern, TemplatesAndConcatenationRenderTheSame) {
  Worker w(
      "const sessionId = x;\nconst a = `session:${sessionId}`;\nconst b = 'session:' + "
      "body.sessionId;\n");
  Node a = node_of(w.m, "template_string");
  Node b = node_of(w.m, "binary_expression");
  EXPECT_EQ(w.m.pattern(a), "session:{sessionId}");
  EXPECT_EQ(w.m.pattern(b), "session:{sessionId}");
}

TEST(Trace, FollowsBindingsDestructuringAndAwait) {
  Worker w(
      "async function f() {\n"
      "  const { readable, writable } = new TransformStream();\n"
      "  const r2 = readable;\n"
      "  const token = await sign(a);\n"
      "  use(r2, token);\n"
      "}\n");
  Node use = node_of(w.m, "call_expression", "use(r2, token)");
  auto args = FileModel::arguments(use);
  Origin o = w.m.trace(args[0]);
  EXPECT_EQ(o.expr.kind(), "new_expression");
  ASSERT_EQ(o.path.size(), 1u);
  EXPECT_EQ(o.path[0], "readable");
  EXPECT_EQ(FileModel::callee_name(w.m.trace(args[1]).expr), "sign");
}

TEST(Trace, LetAssignmentsAreAllOrigins) {
  Worker w(
      "async function f(s) {\n  let id = await s.get('sdkSessionId');\n  if (x) id = undefined;\n"
      "  use(id);\n}\n");
  Node use = node_of(w.m, "call_expression", "use(id)");
  auto origins = w.m.trace_all(FileModel::arguments(use)[0]);
  ASSERT_EQ(origins.size(), 2u);
  EXPECT_EQ(FileModel::callee_name(origins[0].expr), "get");
}

TEST(EnvName, ThisEnvEnvParamAndDestructuring) {
  Worker w(
      "class A {\n  m() {\n    const { SESSIONS_KV } = this.env;\n    const e = this.env;\n"
      "    use(this.env.AUTH_KV, SESSIONS_KV, e.JWT_SECRET);\n  }\n}\n"
      "export default { fetch(request, env) { return env.CHAT_SESSIONS; } };\n");
  Node use = node_of(w.m, "call_expression");
  auto args = FileModel::arguments(use);
  EXPECT_EQ(w.m.env_name(args[0]), "AUTH_KV");
  EXPECT_EQ(w.m.env_name(args[1]), "SESSIONS_KV");
  EXPECT_EQ(w.m.env_name(args[2]), "JWT_SECRET");
  Node ret = node_of(w.m, "member_expression", "env.CHAT_SESSIONS");
  EXPECT_EQ(w.m.env_name(ret), "CHAT_SESSIONS");
  EXPECT_FALSE(w.m.env_name(node_of(w.m, "identifier", "request")));
}

TEST(PromiseUse, ChainAwaitAndFireAndForget) {
  Worker w(
      "async function f() {\n  this.dispatch(a).catch((e) => log(e));\n  await this.other();\n"
      "  p.then(a, b).finally(c);\n}\n");
  auto calls = w.m.nodes("call_expression");
  auto use_of = [&](std::string_view text) {
    for (const Node& c : calls)
      if (c.text() == text) return w.m.promise_use(c);
    return PromiseUse{};
  };
  PromiseUse d = use_of("this.dispatch(a)");
  EXPECT_TRUE(d.discarded);
  EXPECT_FALSE(d.awaited);
  ASSERT_EQ(d.chain.size(), 1u);
  EXPECT_EQ(d.chain[0].method, "catch");
  EXPECT_TRUE(use_of("this.other()").awaited);
  PromiseUse p = use_of("p.then(a, b)");
  EXPECT_TRUE(p.has("finally"));
}

TEST(Methods, DefinitionsArrowFieldsAndHelperRegions) {
  Worker w(
      "export class Agent {\n  private x = 1;\n  handle = async (r: Request) => { return "
      "this.helper(r); };\n"
      "  private helper(r: Request) { return r; }\n  fetch(r: Request) { return this.handle(r); "
      "}\n}\n");
  ASSERT_TRUE(w.m.class_named("Agent"));
  EXPECT_TRUE(w.m.class_named("Agent")->exported);
  const Function* handle = w.m.method("Agent", "handle");
  ASSERT_TRUE(handle);
  EXPECT_TRUE(w.m.method("Agent", "helper"));
  EXPECT_FALSE(w.m.method("Agent", "x"));
  Region r = w.m.region(*handle);
  EXPECT_EQ(r.parts.size(), 2u);  // its body and helper's
}

const Route* route_of(const FileModel& m, std::string_view path) {
  for (const Route& r : m.routes())
    if (r.path == path) return &r;
  return nullptr;
}

TEST(Routes, IfConditionsInAnyOrderAndSpelling) {
  Worker w(
      "const CHAT = '/api/v15/chat';\n"
      "export default { async fetch(request, env) {\n"
      "  const url = new URL(request.url);\n"
      "  const { pathname } = url;\n"
      "  if (CHAT === url.pathname && 'POST' === request.method) return a();\n"
      "  if (pathname === \"/internal/stream\" && request.method === `POST`) return b();\n"
      "  if (new URL(request.url).pathname === '/health') return c();\n"
      "} };\n");
  const Route* chat = route_of(w.m, "/api/v15/chat");
  ASSERT_TRUE(chat);
  EXPECT_EQ(chat->method, "POST");
  ASSERT_TRUE(route_of(w.m, "/internal/stream"));
  EXPECT_EQ(route_of(w.m, "/internal/stream")->method, "POST");
  ASSERT_TRUE(route_of(w.m, "/health"));
  EXPECT_EQ(route_of(w.m, "/health")->method, "");
}

TEST(Routes, NestedGuardsEarlyReturnsSwitchAndRouters) {
  Worker w(
      "async function handle(request: Request, url: URL) {\n"
      "  if (request.method === 'POST') {\n    if (url.pathname === '/a') return x();\n  }\n"
      "  if (url.pathname === '/b') {\n    if (request.method !== 'POST') return new "
      "Response(null, { status: 405 });\n"
      "    return y();\n  }\n"
      "  switch (url.pathname) {\n    case '/c': {\n      if (request.method === 'POST') return "
      "z();\n      break;\n    }\n  }\n"
      "}\n"
      "app.post('/d', async (c) => c.json({}));\n"
      "router.get('/e', handler);\n");
  EXPECT_EQ(route_of(w.m, "/a")->method, "POST");
  EXPECT_EQ(route_of(w.m, "/b")->method, "POST");
  ASSERT_TRUE(route_of(w.m, "/c"));
  EXPECT_EQ(route_of(w.m, "/c")->method, "POST");
  EXPECT_EQ(route_of(w.m, "/d")->kind, Route::Kind::Router);
  EXPECT_EQ(route_of(w.m, "/d")->method, "POST");
  EXPECT_EQ(route_of(w.m, "/e")->method, "GET");
}

TEST(Routes, CommentsAndUnrelatedStringsAreNotRoutes) {
  Worker w(
      "// if (url.pathname === '/api/v15/chat' && request.method === 'POST')\n"
      "const doc = \"url.pathname === '/api/v15/chat'\";\n"
      "if (label === '/api/v15/chat') go();\n");
  EXPECT_FALSE(route_of(w.m, "/api/v15/chat"));
}

TEST(ResponseStatus, ResponsesHelpersAndFrameworks) {
  Worker w(
      "function notFound() { return new Response('x', { status: 404 }); }\n"
      "const a = new Response('x', { status: 401 });\nconst b = new Response('ok');\n"
      "const c = Response.json({}, { status: 500 });\nconst d = c2.json({}, 403);\n"
      "const e = notFound();\n");
  auto status_of = [&](std::string_view name) {
    for (const Binding& b : w.m.bindings())
      if (b.name == name) return w.m.response_status(b.init);
    return std::optional<int>{};
  };
  EXPECT_EQ(status_of("a"), 401);
  EXPECT_EQ(status_of("b"), 200);
  EXPECT_EQ(status_of("c"), 500);
  EXPECT_EQ(status_of("d"), 403);
  EXPECT_EQ(status_of("e"), 404);
}

TEST(Imports, NamedDefaultNamespaceAndRequire) {
  Worker w(
      "import { verifyExecutionToken as verify } from './utils/jwt';\nimport def from 'x';\n"
      "import * as ns from 'y';\nconst https = require('node:https');\n");
  ASSERT_TRUE(w.m.import_of("verify"));
  EXPECT_EQ(w.m.import_of("verify")->imported_name, "verifyExecutionToken");
  EXPECT_EQ(w.m.import_of("verify")->import_source, "./utils/jwt");
  EXPECT_EQ(w.m.import_of("def")->imported_name, "default");
  EXPECT_EQ(w.m.import_of("ns")->imported_name, "*");
  EXPECT_EQ(w.m.import_of("https")->import_source, "node:https");
}

TEST(Errors, ParseErrorsAreLocated) {
  Worker w("const a = 1;\nfunction f( {\n");
  ASSERT_FALSE(w.m.first_error().null());
  EXPECT_GE(w.m.first_error().line(), 2);
}

}  // namespace
}  // namespace v15::testing
