// The analysis layer on small snippets: control flow and reachability, condition formulas and
// paths under facts, promise states, reaching definitions.
#include <gtest/gtest.h>

#include "model_support.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/promises.h"
#include "v15check/analysis/values.h"

namespace v15::testing {
namespace {

using analysis::ExitKind;
using analysis::Fact;
using analysis::Facts;
using analysis::Truth;

// -- control flow ---------------------------------------------------------------------------------

TEST(ControlFlow, CodeAfterAReturnIsUnreachable) {
  Snippet s(R"(function f(x) {
  if (x) { a(); }
  return 1;
  b();
})");
  EXPECT_TRUE(analysis::reachable(*s.m, s.call("a(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("b(")));
}

TEST(ControlFlow, AnIfWhoseBranchesBothLeaveEndsTheList) {
  Snippet s(R"(function f(x) {
  if (x) { return 1; } else { throw new Error('no'); }
  after();
})");
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("after(")));
}

TEST(ControlFlow, ConstantConditionsExcludeTheirBranch) {
  Snippet s(R"(const ENABLED = false;
const ON = !ENABLED;
function f() {
  if (ENABLED) { disabled(); }
  if (ON) { on(); } else { off(); }
  const v = ENABLED && guarded();
  while (false) { never(); }
})");
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("disabled(")));
  EXPECT_TRUE(analysis::reachable(*s.m, s.call("on(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("off(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("guarded(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("never(")));
}

TEST(ControlFlow, AnEndlessLoopWithoutBreakNeverCompletes) {
  Snippet s(R"(async function f(r) {
  while (true) { const x = await r(); if (x) break; }
  reached();
  for (;;) { await r(); }
  unreached();
})");
  EXPECT_TRUE(analysis::reachable(*s.m, s.call("reached(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("unreached(")));
}

TEST(ControlFlow, ATryLeavesOnlyWhenBlockAndHandlerDo) {
  Snippet s(R"(function f() {
  try { return a(); } catch (e) { log(e); }
  one();
  try { return a(); } catch (e) { throw e; }
  two();
})");
  EXPECT_TRUE(analysis::reachable(*s.m, s.call("one(")));
  EXPECT_FALSE(analysis::reachable(*s.m, s.call("two(")));
}

// -- conditions -----------------------------------------------------------------------------------

Facts status_is(const Snippet& s, std::string value) {
  (void)s;
  return {Fact::of(
      [](const FileModel&, const Node& e) {
        return e.is("member_expression") && FileModel::last_name(e) == "status";
      },
      Fact::Kind::Value, std::move(value))};
}

TEST(Conditions, AndOrAndNotAreLogic) {
  Snippet s(R"(function f(session) {
  if (session.status === 'terminated' || session.status === 'pending-delete') a();
  if (session.status === 'terminated' && session.status === 'pending-delete') b();
  if (!(session.status !== 'terminated')) c();
  if (['terminated', 'pending-delete'].includes(session.status)) d();
})");
  auto cond = [&](std::string_view call) {
    return s.call(call).parent().parent().field("condition");
  };
  Facts t = status_is(s, "terminated");
  Facts p = status_is(s, "pending-delete");
  EXPECT_EQ(analysis::evaluate(*s.m, cond("a("), t), Truth::True);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("a("), p), Truth::True);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("b("), t), Truth::False);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("c("), t), Truth::True);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("c("), p), Truth::False);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("d("), p), Truth::True);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("d("), status_is(s, "active")), Truth::False);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("a("), {}), Truth::Unknown);
}

TEST(Conditions, TheRuntimeFixesTheMethodsCase) {
  Snippet s(R"(function f(request) {
  if (request.method === 'post') a();
  if (request.method.toLowerCase() === 'post') b();
})");
  Facts post = {Fact::of(
      [](const FileModel&, const Node& e) {
        return e.is("member_expression") && FileModel::last_name(e) == "method";
      },
      Fact::Kind::Value, "POST")};
  auto cond = [&](std::string_view call) {
    return s.call(call).parent().parent().field("condition");
  };
  EXPECT_EQ(analysis::evaluate(*s.m, cond("a("), post), Truth::False);
  EXPECT_EQ(analysis::evaluate(*s.m, cond("b("), post), Truth::True);
}

TEST(Conditions, StringOperationsEvaluateOnKnownValues) {
  Snippet s(R"(function f(request) {
  const header = request.headers.get('Authorization') ?? '';
  const a = header.replace('Bearer ', '');
  const b = header.replace('bearer ', '');
  const c = header.startsWith('Bearer ') ? header.slice(7) : '';
  const d = header.split(' ')[1];
  const e = header.replace(/^bearer\s+/i, '');
})");
  Facts auth = {Fact::of(
      [](const FileModel&, const Node& e) {
        return e.is("call_expression") && FileModel::callee_name(e) == "get";
      },
      Fact::Kind::Value, "Bearer T0K")};
  auto init = [&](std::string_view name) { return s.binding(name)->init; };
  EXPECT_EQ(analysis::value_under(*s.m, init("a"), auth), "T0K");
  EXPECT_EQ(analysis::value_under(*s.m, init("b"), auth), "Bearer T0K");
  EXPECT_EQ(analysis::value_under(*s.m, init("c"), auth), "T0K");
  EXPECT_EQ(analysis::value_under(*s.m, init("d"), auth), "T0K");
  EXPECT_EQ(analysis::value_under(*s.m, init("e"), auth), "T0K");
}

// -- paths ----------------------------------------------------------------------------------------

TEST(Paths, AThrowReachedWheneverTheSubjectIsEmpty) {
  Snippet s(R"(function guarded(userId, other) {
  if (!other) throw new Error('other');
  if (!userId) throw new Error('user');
  return ok();
}
function negated(userId) {
  if (userId) throw new Error('user');
  return ok();
}
function conjunct(userId, other) {
  if (!userId && other) throw new Error('user');
  return ok();
}
function viaHelper(userId) {
  requireUser(userId);
  return ok();
}
function requireUser(id) {
  if (!id) { throw new Error('user'); }
})");
  auto rejects_when_empty = [&](std::string_view fn) {
    const Function& f = s.fn(fn);
    const Binding* user = s.m->resolve(f.parameters()[0]);
    return analysis::paths(*s.m, f.body, {Fact::of_binding(user, Fact::Kind::Falsy)})
        .always_rejects();
  };
  EXPECT_TRUE(rejects_when_empty("guarded"));
  EXPECT_FALSE(rejects_when_empty("negated"));
  EXPECT_FALSE(rejects_when_empty("conjunct"));
  EXPECT_TRUE(rejects_when_empty("viaHelper"));
}

TEST(Paths, ARouterTakesTheFirstMatchingReachableBranch) {
  Snippet s(R"(async function route(request, url) {
  if (url.pathname.startsWith('/chat')) return other();
  if (request.method === 'POST' && url.pathname === '/chat') return chat();
  switch (url.pathname) {
    case '/init': return init();
    default: break;
  }
  return new Response('Not found', { status: 404 });
  return late();
})");
  Facts chat = {Fact::of(
                    [](const FileModel&, const Node& e) {
                      return e.is("member_expression") && e.text() == "request.method";
                    },
                    Fact::Kind::Value, "POST"),
                Fact::of(
                    [](const FileModel&, const Node& e) {
                      return e.is("member_expression") && e.text() == "url.pathname";
                    },
                    Fact::Kind::Value, "/chat")};
  auto p = analysis::paths(*s.m, s.fn("route").body, chat);
  ASSERT_EQ(p.exits.size(), 1u);
  EXPECT_NE(p.exits[0].node.text().find("other()"), std::string_view::npos);
  Facts unknown_path = chat;
  unknown_path[1].value = "/nowhere";
  p = analysis::paths(*s.m, s.fn("route").body, unknown_path);
  ASSERT_EQ(p.exits.size(), 1u);
  EXPECT_EQ(p.exits[0].kind, ExitKind::ErrorReturn);
  Facts init = chat;
  init[1].value = "/init";
  p = analysis::paths(*s.m, s.fn("route").body, init);
  ASSERT_EQ(p.exits.size(), 1u);
  EXPECT_NE(p.exits[0].node.text().find("init()"), std::string_view::npos);
}

TEST(Paths, StartingAtALookupFollowsAPositiveGuard) {
  Snippet s(R"(async function stream(request, bridges, orphans, id) {
  if (!request.ok) return new Response('Unauthorized', { status: 401 });
  const bridge = bridges.get(id);
  if (bridge) {
    return pipe(bridge);
  }
  const orphan = orphans.get(id);
  if (orphan) return new Response('OK');
  return new Response('No bridge', { status: 404 });
})");
  const Binding* bridge = s.binding("bridge");
  auto p = analysis::paths(*s.m, s.fn("stream").body, {Fact::of_binding(bridge, Fact::Kind::Falsy)},
                           3, bridge->declarator);
  ASSERT_EQ(p.exits.size(), 2u);
  EXPECT_EQ(p.exits[0].kind, ExitKind::Return);  // the orphan's 200
  EXPECT_EQ(p.exits[1].kind, ExitKind::ErrorReturn);
}

TEST(Paths, ACaughtThrowContinuesInTheHandler) {
  Snippet s(R"(function f(x) {
  try {
    if (!x) throw new Error('no');
  } catch (e) {
    return new Response('bad', { status: 400 });
  }
  return ok();
})");
  const Binding* x = s.m->resolve(s.fn("f").parameters()[0]);
  auto p = analysis::paths(*s.m, s.fn("f").body, {Fact::of_binding(x, Fact::Kind::Falsy)});
  EXPECT_TRUE(p.always_rejects());
  ASSERT_EQ(p.exits.size(), 1u);
  EXPECT_EQ(p.exits[0].kind, ExitKind::ErrorReturn);
}

// -- promises -------------------------------------------------------------------------------------

TEST(Promises, StatesOfCalls) {
  Snippet s(R"(async function f(ctx) {
  await awaited();
  handled().catch(() => {});
  rethrown().catch((e) => { log(e); throw e; });
  finallyOnly().finally(() => {});
  thenTwo().then(undefined, () => {});
  floating();
  void voided();
  const kept = later();
  await kept;
  ctx.waitUntil(waited());
  await Promise.all([inAll()]);
  const valid = verify();
  if (!valid) return null;
  return returned();
})");
  auto state = [&](std::string_view call) {
    return analysis::promise_state(*s.m, s.call(call)).handling;
  };
  using analysis::Handling;
  EXPECT_EQ(state("awaited("), Handling::Awaited);
  EXPECT_EQ(state("handled("), Handling::Handled);
  EXPECT_EQ(state("rethrown("), Handling::Unhandled);
  EXPECT_EQ(state("finallyOnly("), Handling::Unhandled);
  EXPECT_EQ(state("thenTwo("), Handling::Handled);
  EXPECT_EQ(state("floating("), Handling::Unhandled);
  EXPECT_EQ(state("voided("), Handling::Voided);
  EXPECT_EQ(state("later("), Handling::Awaited);
  EXPECT_EQ(state("waited("), Handling::Handled);
  EXPECT_EQ(state("inAll("), Handling::Handled);
  EXPECT_EQ(state("returned("), Handling::Returned);
  auto verify = analysis::promise_state(*s.m, s.call("verify("));
  EXPECT_EQ(verify.handling, Handling::Unhandled);
  EXPECT_FALSE(verify.condition.null());  // `!valid` tests the Promise itself
  auto rethrown = analysis::promise_state(*s.m, s.call("rethrown("));
  EXPECT_TRUE(rethrown.rethrow.is("throw_statement"));
}

TEST(Promises, ContinuationsOfThenCatchAndTryAwait) {
  Snippet s(R"(async function chained(promise, writer) {
  promise.then(() => writer.close()).catch(() => writer.close());
}
async function tried(p, writer) {
  try {
    await p;
    await writer.close();
  } catch {
    await writer.abort();
  }
})");
  auto is = [](std::string_view name) {
    return [name](const Node& c) { return FileModel::callee_name(c) == name; };
  };
  auto c1 = analysis::continuations(*s.m, s.m->resolve(s.fn("chained").parameters()[0]));
  ASSERT_EQ(c1.fulfilled.size(), 1u);
  ASSERT_EQ(c1.rejected.size(), 1u);
  EXPECT_TRUE(analysis::continuation_does(*s.m, c1.fulfilled[0], is("close")));
  EXPECT_TRUE(analysis::continuation_does(*s.m, c1.rejected[0], is("close")));
  auto c2 = analysis::continuations(*s.m, s.m->resolve(s.fn("tried").parameters()[0]));
  ASSERT_EQ(c2.fulfilled.size(), 1u);
  ASSERT_EQ(c2.rejected.size(), 1u);
  EXPECT_TRUE(analysis::continuation_does(*s.m, c2.fulfilled[0], is("close")));
  EXPECT_FALSE(analysis::continuation_does(*s.m, c2.rejected[0], is("close")));
  EXPECT_TRUE(analysis::continuation_does(*s.m, c2.rejected[0], is("abort")));
}

TEST(Promises, AWriteAfterCloseIsFound) {
  Snippet s(R"(function f(writer, line) {
  writer.write(line);
  writer.close();
  writer.write(line + 'late');
  if (line) writer.close();
  writer.write('maybe');
})");
  auto is_close = [](const Node& c) { return FileModel::callee_name(c) == "close"; };
  EXPECT_TRUE(analysis::closed_before(*s.m, s.call("writer.write(line)"), is_close).null());
  EXPECT_FALSE(analysis::closed_before(*s.m, s.call("writer.write(line + "), is_close).null());
}

// -- values ---------------------------------------------------------------------------------------

TEST(Values, ALaterAssignmentKillsTheValidatedValue) {
  Snippet s(R"(function f(a, b, c) {
  let token = a;
  if (!token.startsWith('sk-')) throw new Error('bad');
  token = b;
  use(token);
  let mode = a;
  if (c) mode = b;
  use2(mode);
})");
  auto arg = [&](std::string_view call) { return FileModel::arguments(s.call(call))[0]; };
  auto defs = analysis::reaching_definitions(*s.m, arg("use("));
  ASSERT_EQ(defs.size(), 1u);
  EXPECT_EQ(defs[0].text(), "b");
  defs = analysis::reaching_definitions(*s.m, arg("use2("));
  EXPECT_EQ(defs.size(), 2u);
}

TEST(Values, HelperReturnsReachTheSlot) {
  Snippet s(R"(function errorLine(message) {
  return JSON.stringify({ type: 'error', message }) + '\n';
}
function f(writer) {
  const line = errorLine('x');
  writer.write(line);
})");
  auto values = analysis::values_reaching(*s.m, FileModel::arguments(s.call("writer.write("))[0]);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_TRUE(values[0].is("binary_expression"));
}

}  // namespace
}  // namespace v15::testing
