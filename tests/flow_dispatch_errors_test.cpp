// flow.dispatch-no-silent-return, flow.no-floating-promise and flow.error-leak beyond the
// catalogue: what Found says, and spellings the mutants do not cover.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixture_support.h"

namespace v15::testing {
namespace {

constexpr const char* kDo = "src/agents/chat-session-agent.ts";
constexpr const char* kWorker = "src/index.ts";

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

const Outcome& outcome(const RunOutcome& r, std::string_view id) {
  for (const Result& x : r.results)
    if (x.check->id == id) return x.outcome;
  static const Outcome none;
  ADD_FAILURE() << id << " did not run";
  return none;
}

Edit edit(std::string find, std::string replace, std::string file = kDo) {
  Edit e;
  e.file = std::move(file);
  e.find = std::move(find);
  e.replace = std::move(replace);
  return e;
}

struct Edited {
  std::map<std::string, std::string> files;
  RunOutcome result;
};

Edited with_edits(const std::vector<Edit>& edits) {
  Edited r{pass_tree(), {}};
  EXPECT_EQ(apply(r.files, edits), "");
  r.result = run_all(r.files);
  return r;
}

int line_of(const std::string& text, std::string_view needle) {
  auto pos = text.find(needle);
  if (pos == std::string::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

const std::string kSandboxGuard =
    "    if (!session.sandboxId) {\n      throw new Error('Session has no sandbox');\n    }\n";

// -- flow.dispatch-no-silent-return ---------------------------------------------------------------

TEST(DispatchNoSilentReturn, PassesOnTheFixtureAndNamesTheStart) {
  Edited r = with_edits({});
  const Outcome& o = outcome(r.result, "flow.dispatch-no-silent-return");
  EXPECT_EQ(o.status, Status::Pass) << o.found;
  int start = line_of(r.files[kDo], "await sandbox.startProcess(");
  EXPECT_NE(o.found.find("startProcess() call at line " + std::to_string(start)), std::string::npos)
      << o.found;
  EXPECT_NE(o.found.find("handleChatHttp() line"), std::string::npos) << o.found;
}

TEST(DispatchNoSilentReturn, AReturnBeforeTheStartFailsWithItsLine) {
  Edited r = with_edits({edit(kSandboxGuard, "    if (!session.sandboxId) return;\n")});
  const Outcome& o = outcome(r.result, "flow.dispatch-no-silent-return");
  ASSERT_EQ(o.status, Status::Fail);
  int ret = line_of(r.files[kDo], "if (!session.sandboxId) return;");
  EXPECT_EQ(o.location.line, ret);
  EXPECT_NE(o.found.find("at line " + std::to_string(ret)), std::string::npos) << o.found;
}

TEST(DispatchNoSilentReturn, AReturnAfterTheStartAndReturningTheStartPass) {
  Edited after = with_edits({edit("    // Bookkeeping only: the chat must not wait for KV.\n",
                                  "    if (!sdkSessionId) return;\n")});
  EXPECT_EQ(outcome(after.result, "flow.dispatch-no-silent-return").status, Status::Pass);
  Edited returned =
      with_edits({edit("    await sandbox.startProcess(", "    return sandbox.startProcess(")});
  EXPECT_EQ(outcome(returned.result, "flow.dispatch-no-silent-return").status, Status::Pass)
      << outcome(returned.result, "flow.dispatch-no-silent-return").found;
}

TEST(DispatchNoSilentReturn, AStartOnlyUnderAConditionDoesNotCount) {
  Edited r = with_edits(
      {edit("    await sandbox.startProcess(", "    if (prompt) await sandbox.startProcess(")});
  const Outcome& o = outcome(r.result, "flow.dispatch-no-silent-return");
  EXPECT_EQ(o.status, Status::Fail) << o.found;
  EXPECT_NE(o.found.find("the end of the body"), std::string::npos) << o.found;
}

// -- flow.no-floating-promise ---------------------------------------------------------------------

const std::string kFinally =
    "    promise.finally(() => clearInterval(heartbeat)).catch(() => {});\n";

TEST(NoFloatingPromise, FoundListsEachFloatingCallWithItsLine) {
  Edited r =
      with_edits({edit(kFinally, "    promise.finally(() => clearInterval(heartbeat));\n"),
                  edit("    this.state.storage.put('lastChatAt', Date.now()).catch(() => {});\n",
                       "    this.state.storage.put('lastChatAt', Date.now()).catch(() => {});\n"
                       "    this.env.SESSIONS_KV.put(`chat:${sessionId}`, prompt);\n")});
  const Outcome& o = outcome(r.result, "flow.no-floating-promise");
  ASSERT_EQ(o.status, Status::Fail);
  int fin = line_of(r.files[kDo], "promise.finally(() => clearInterval(heartbeat));");
  int kv = line_of(r.files[kDo], "this.env.SESSIONS_KV.put(`chat:");
  EXPECT_EQ(o.location.line, fin);
  EXPECT_NE(o.found.find("2 promise(s)"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("line " + std::to_string(fin)), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("line " + std::to_string(kv) + " (SESSIONS_KV.put)"), std::string::npos)
      << o.found;
}

TEST(NoFloatingPromise, VoidThenWithAHandlerAndStorageWritesPass) {
  Edited r = with_edits(
      {edit("    this.state.storage.put('lastChatAt', Date.now()).catch(() => {});\n",
            "    this.state.storage.put('lastChatAt', Date.now());\n"
            "    void this.collectUserSecrets(userId);\n"
            "    this.collectUserSecrets(userId).then(undefined, (e) => console.warn(e));\n")});
  const Outcome& o = outcome(r.result, "flow.no-floating-promise");
  EXPECT_EQ(o.status, Status::Pass) << o.found;
}

TEST(NoFloatingPromise, AHandlerThatRethrowsDoesNotHandle) {
  Edited r = with_edits({edit(kFinally,
                              "    promise.finally(() => clearInterval(heartbeat)).catch((e) => {\n"
                              "      throw e;\n    });\n")});
  const Outcome& o = outcome(r.result, "flow.no-floating-promise");
  ASSERT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("rethrows"), std::string::npos) << o.found;
}

TEST(NoFloatingPromise, AWorkerRouteIntoTheDoIsChecked) {
  Edited r = with_edits({edit("      const id = env.CHAT_SESSIONS.idFromName(sessionId);\n",
                              "      env.SESSIONS_KV.put(`last-chat:${user.id}`, sessionId);\n"
                              "      const id = env.CHAT_SESSIONS.idFromName(sessionId);\n",
                              kWorker)});
  const Outcome& o = outcome(r.result, "flow.no-floating-promise");
  ASSERT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("src/index.ts"), std::string::npos) << o.found;
}

// -- flow.error-leak ------------------------------------------------------------------------------

const std::string kDoCatch =
    "        return new Response(JSON.stringify({ error: 'Internal error' }), {\n";

TEST(ErrorLeak, PassesOnTheFixtureListingThe5xxResponses) {
  Edited r = with_edits({});
  const Outcome& o = outcome(r.result, "flow.error-leak");
  EXPECT_EQ(o.status, Status::Pass) << o.found;
  EXPECT_NE(o.found.find("none has a body built from a caught exception"), std::string::npos)
      << o.found;
}

TEST(ErrorLeak, AMessageInAnObjectThroughABindingFails) {
  Edited r =
      with_edits({edit(kDoCatch,
                       "        const detail = { error: 'Internal error', cause: err.message };\n"
                       "        return new Response(JSON.stringify(detail), {\n")});
  const Outcome& o = outcome(r.result, "flow.error-leak");
  ASSERT_EQ(o.status, Status::Fail);
  int resp = line_of(r.files[kDo], "return new Response(JSON.stringify(detail)");
  EXPECT_EQ(o.location.line, resp);
  EXPECT_NE(o.found.find("status 500"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("`err`"), std::string::npos) << o.found;
}

TEST(ErrorLeak, AHelperThatLogsAndAnswersAConstantPasses) {
  Edited r = with_edits({edit("    return new Response('Not found', { status: 404 });\n  }\n",
                              "    return new Response('Not found', { status: 404 });\n  }\n\n"
                              "  private failure(err: unknown): Response {\n"
                              "    console.error('[ChatSessionAgent] failed', err);\n"
                              "    return new Response('Internal error', { status: 500 });\n  }\n"),
                         edit("      return new Response('Stream failed', { status: 500 });\n",
                              "      return this.failure(err);\n")});
  const Outcome& o = outcome(r.result, "flow.error-leak");
  EXPECT_EQ(o.status, Status::Pass) << o.found;
}

TEST(ErrorLeak, AHelperPassedTheErrorThatSendsItsStackFails) {
  Edited r = with_edits({edit("function filterSecrets(",
                              "function failure(e: unknown): Response {\n"
                              "  return new Response((e as Error).stack, { status: 500 });\n}\n\n"
                              "function filterSecrets("),
                         edit("      return new Response('Stream failed', { status: 500 });\n",
                              "      return failure(err);\n")});
  const Outcome& o = outcome(r.result, "flow.error-leak");
  ASSERT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("`e`"), std::string::npos) << o.found;
}

TEST(ErrorLeak, AWorkerHelperGivenAShorthandReasonAnd500Fails) {
  Edited r =
      with_edits({edit("      const body = (await request.json()) as V15ChatBody;\n",
                       "      let body: V15ChatBody;\n      try {\n"
                       "        body = (await request.json()) as V15ChatBody;\n"
                       "      } catch (e) {\n"
                       "        const reason = e instanceof Error ? e.message : 'bad body';\n"
                       "        return json({ error: 'Could not read the body', reason }, 500);\n"
                       "      }\n",
                       kWorker)});
  const Outcome& o = outcome(r.result, "flow.error-leak");
  ASSERT_EQ(o.status, Status::Fail);
  EXPECT_EQ(o.location.path, kWorker);
  EXPECT_NE(o.found.find("`data`"), std::string::npos) << o.found;
}

TEST(ErrorLeak, AStatusBelow500MayCarryTheError) {
  Edited r = with_edits({edit("      return new Response('Stream failed', { status: 500 });\n",
                              "      return new Response(String(err), { status: 400 });\n")});
  EXPECT_EQ(outcome(r.result, "flow.error-leak").status, Status::Pass);
}

}  // namespace
}  // namespace v15::testing
