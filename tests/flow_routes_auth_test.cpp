// The flow.route-parity, flow.entry-auth and flow.container-auth checks beyond the mutant
// catalogue: path matching, what Found says, and spellings that must pass.
#include <gtest/gtest.h>

#include "fixture_support.h"
#include "v15check/facts/flow_legs.h"

namespace v15::testing {
namespace {

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

constexpr const char* kDo = "src/agents/chat-session-agent.ts";
constexpr const char* kWorker = "src/index.ts";
constexpr const char* kAgent = "src/sandbox-scripts/claude-agent.js";

const Outcome& outcome(const RunOutcome& r, std::string_view id) {
  for (const Result& x : r.results)
    if (x.check->id == id) return x.outcome;
  static const Outcome none;
  ADD_FAILURE() << id << " did not run";
  return none;
}

Edit edit(std::string find, std::string replace, std::string file) {
  Edit e;
  e.file = std::move(file);
  e.find = std::move(find);
  e.replace = std::move(replace);
  return e;
}

RunOutcome with_edits(const std::vector<Edit>& edits) {
  auto files = pass_tree();
  std::string err = apply(files, edits);
  EXPECT_EQ(err, "");
  return run_all(files);
}

facts::ServedRoute route(facts::ServedRoute::Kind kind, std::string path, std::string method = {}) {
  facts::ServedRoute r;
  r.kind = kind;
  r.path = std::move(path);
  r.method = std::move(method);
  return r;
}

TEST(FlowPaths, UrlPathDropsSchemeHostQueryAndSubstitutedBase) {
  EXPECT_EQ(facts::url_path("https://do/chat?x=1"), "/chat");
  EXPECT_EQ(facts::url_path("wss://vaporforge.dev/internal/container-ws"),
            "/internal/container-ws");
  EXPECT_EQ(facts::url_path("{base}/internal/approval/{id}"), "/internal/approval/{id}");
  EXPECT_EQ(facts::url_path("https://do"), "/");
  EXPECT_EQ(facts::url_path("/init"), "/init");
}

TEST(FlowPaths, SubstitutionMatchesPrefixAndPatternButNotExact) {
  using K = facts::ServedRoute::Kind;
  EXPECT_TRUE(
      facts::path_matches("/internal/approval/{id}", route(K::Prefix, "/internal/approval/")));
  EXPECT_TRUE(
      facts::path_matches("/internal/approval/{id}", route(K::Pattern, "/internal/approval/:id")));
  EXPECT_FALSE(
      facts::path_matches("/internal/approval/{id}", route(K::Exact, "/internal/approval")));
  EXPECT_FALSE(facts::path_matches("/internal/approval/{id}/x",
                                   route(K::Pattern, "/internal/approval/:id")));
  EXPECT_TRUE(facts::path_matches("/api/v15/chat", route(K::Pattern, "/api/*")));
  EXPECT_FALSE(facts::path_matches("/chats", route(K::Exact, "/chat")));
}

TEST(FlowPaths, MethodsMustAgreeUnlessOneSideIsAny) {
  using K = facts::ServedRoute::Kind;
  facts::PathRequest post;
  post.method = "POST";
  post.path = "/chat";
  EXPECT_TRUE(facts::serves(route(K::Exact, "/chat", "POST"), post));
  EXPECT_TRUE(facts::serves(route(K::Exact, "/chat"), post));
  EXPECT_FALSE(facts::serves(route(K::Exact, "/chat", "GET"), post));
}

TEST(FlowRouteParity, PassesOnTheFixtureAndNamesEveryLeg) {
  RunOutcome r = run_all(pass_tree());
  const Outcome& o = outcome(r, "flow.route-parity");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_NE(o.found.find("Worker → DO request"), std::string::npos) << o.found;
  bool callback = false;
  for (const Evidence& e : o.evidence)
    callback = callback || e.note.find("POST /internal/stream → Worker POST /internal/stream") !=
                               std::string::npos;
  EXPECT_TRUE(callback) << o.found;
}

TEST(FlowRouteParity, FoundNamesBothSidesOfARenamedPath) {
  RunOutcome r = with_edits({edit("url.pathname === '/internal/container-ws') {\n      return this",
                                  "url.pathname === '/container-ws') {\n      return this", kDo)});
  const Outcome& o = outcome(r, "flow.route-parity");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("GET /internal/container-ws"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("GET /container-ws"), std::string::npos) << o.found;
  EXPECT_EQ(o.location.path, kWorker);
}

TEST(FlowRouteParity, LowerCaseInitMethodIsStillPost) {
  // the Fetch API upper-cases the standard methods of a Request init
  RunOutcome r =
      with_edits({edit("new Request('https://do/chat', {\n          method: 'POST',",
                       "new Request('https://do/chat', {\n          method: 'post',", kWorker)});
  EXPECT_TRUE(outcome(r, "flow.route-parity").passed()) << outcome(r, "flow.route-parity").found;
}

TEST(FlowRouteParity, AgentApprovalPollMeetsAPrefixRoute) {
  const std::string poll =
      "async function pollApproval(id) {\n"
      "  const res = await fetch(new URL(`/internal/approval/${id}`, callbackUrl), {\n"
      "    headers: { Authorization: `Bearer ${streamJwt}` },\n"
      "  });\n"
      "  return res.json();\n"
      "}\n\nasync function main() {";
  const std::string route =
      "    if (url.pathname.startsWith('/internal/approval/')) {\n"
      "      return new Response(JSON.stringify({ approved: false }), { status: 200 });\n"
      "    }\n\n    if (url.pathname.startsWith('/api/')) {";
  RunOutcome missing = with_edits({edit("async function main() {", poll, kAgent)});
  const Outcome& o = outcome(missing, "flow.route-parity");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("the agent requests GET /internal/approval/{id}"), std::string::npos)
      << o.found;
  EXPECT_EQ(o.location.path, kAgent);
  RunOutcome served =
      with_edits({edit("async function main() {", poll, kAgent),
                  edit("    if (url.pathname.startsWith('/api/')) {", route, kWorker)});
  EXPECT_TRUE(outcome(served, "flow.route-parity").passed())
      << outcome(served, "flow.route-parity").found;
}

TEST(FlowEntryAuth, PassesOnTheFixtureWithOwnership) {
  RunOutcome r = run_all(pass_tree());
  const Outcome& o = outcome(r, "flow.entry-auth");
  EXPECT_TRUE(o.passed()) << o.found;
  bool owner = false;
  for (const Evidence& e : o.evidence)
    owner = owner || e.note.find("owner compared") != std::string::npos;
  EXPECT_TRUE(owner) << o.found;
}

TEST(FlowEntryAuth, ForwardingRouteWithoutAuthFails) {
  RunOutcome r = with_edits(
      {edit("      const payload = await verifyExecutionToken(url.searchParams.get('token') ?? '', "
            "env.JWT_SECRET);\n      if (!payload) {\n        return new Response('Unauthorized', "
            "{ status: 401 });\n      }\n      const agent = "
            "env.CHAT_SESSIONS.get(env.CHAT_SESSIONS.idFromName(payload.sessionId));",
            "      const agent = "
            "env.CHAT_SESSIONS.get(env.CHAT_SESSIONS.idFromName(url.searchParams.get('session') ?? "
            "''));",
            kWorker)});
  const Outcome& o = outcome(r, "flow.entry-auth");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("GET /internal/container-ws"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("no authentication answered 401/403"), std::string::npos) << o.found;
}

TEST(FlowEntryAuth, OwnershipFoundNamesTheClientValue) {
  RunOutcome r = with_edits(
      {edit("if (!session || session.userId !== user.id) {", "if (!session) {", kWorker)});
  const Outcome& o = outcome(r, "flow.entry-auth");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("client-supplied `sessionId`"), std::string::npos) << o.found;
}

TEST(FlowEntryAuth, ConfiguredAuthFunctionsNarrowWhatCounts) {
  Config c;
  c.auth_functions = {"requireUser"};
  RunOutcome r = run_all(pass_tree(), c);
  const Outcome& o = outcome(r, "flow.entry-auth");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("POST /api/sessions"), std::string::npos) << o.found;
}

TEST(FlowContainerAuth, PassesOnTheFixtureForStreamAndSocket) {
  RunOutcome r = run_all(pass_tree());
  const Outcome& o = outcome(r, "flow.container-auth");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_EQ(o.evidence.size(), 2u) << o.found;
}

TEST(FlowContainerAuth, QueryExecutionIdComparedWithTheTokenPasses) {
  RunOutcome r = with_edits({edit("const execution = this.httpBridges.get(payload.executionId);",
                                  "const wanted = url.searchParams.get('executionId') ?? '';\n"
                                  "    if (wanted !== payload.executionId) {\n"
                                  "      return new Response('Forbidden', { status: 403 });\n"
                                  "    }\n"
                                  "    const execution = this.httpBridges.get(wanted);",
                                  kDo)});
  EXPECT_TRUE(outcome(r, "flow.container-auth").passed())
      << outcome(r, "flow.container-auth").found;
}

TEST(FlowContainerAuth, UncomparedQueryExecutionIdFails) {
  RunOutcome r = with_edits({edit("const execution = this.httpBridges.get(payload.executionId);",
                                  "const execution = this.httpBridges.get(url.searchParams.get('"
                                  "executionId') ?? '');",
                                  kDo)});
  const Outcome& o = outcome(r, "flow.container-auth");
  ASSERT_FALSE(o.passed());
  EXPECT_NE(o.found.find("not the verified token's executionId"), std::string::npos) << o.found;
  EXPECT_EQ(o.location.path, kDo);
}

}  // namespace
}  // namespace v15::testing
