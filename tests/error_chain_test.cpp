// The error.* checks beyond pass/fail: what Found says, and spellings the mutant catalogue does
// not cover (guards through callers, helpers that build the response).
#include <gtest/gtest.h>

#include "fixture_support.h"

namespace v15::testing {
namespace {

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

constexpr const char* kDo = "src/agents/chat-session-agent.ts";

const Outcome& outcome(const RunOutcome& r, std::string_view id) {
  for (const Result& x : r.results)
    if (x.check->id == id) return x.outcome;
  static const Outcome none;
  ADD_FAILURE() << id << " did not run";
  return none;
}

RunOutcome with_edits(const std::vector<Edit>& edits) {
  auto files = pass_tree();
  std::string err = apply(files, edits);
  EXPECT_EQ(err, "");
  return run_all(files);
}

Edit edit(std::string find, std::string replace, std::string file = kDo) {
  Edit e;
  e.file = std::move(file);
  e.find = std::move(find);
  e.replace = std::move(replace);
  return e;
}

int line_of(const std::string& text, std::string_view needle) {
  auto pos = text.find(needle);
  if (pos == std::string::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

const std::string kStartWrite =
    "    writer\n      .write(encoder.encode(JSON.stringify({ type: 'execution-start', executionId "
    "}) + "
    "'\\n'))\n      .catch(() => {});\n";
const std::string kStartWriteBare =
    "    writer.write(encoder.encode(JSON.stringify({ type: 'execution-start', executionId }) + "
    "'\\n'));\n";

TEST(BrowserDisconnect, FoundListsEveryUnguardedCallWithItsLine) {
  auto files = pass_tree();
  ASSERT_EQ(apply(files, {edit(kStartWrite, kStartWriteBare),
                          edit("          await bridge.writer.write(encoder.encode(line + '\\n'));",
                               "          bridge.writer.write(encoder.encode(line + '\\n'));")}),
            "");
  RunOutcome r = run_all(files);
  const Outcome& o = outcome(r, "error.browser-disconnect");
  ASSERT_EQ(o.status, Status::Fail);
  int start = line_of(files[kDo],
                      "    writer.write(encoder.encode(JSON.stringify({ type: 'execution-start'");
  int loop = line_of(files[kDo], "          bridge.writer.write(");
  EXPECT_NE(o.found.find("2 of "), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("line " + std::to_string(start)), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("line " + std::to_string(loop)), std::string::npos) << o.found;
  EXPECT_EQ(o.location.line, start);
}

const std::string kHelper =
    "  /** Remembers the SDK session so the next message resumes the conversation. */\n";

TEST(BrowserDisconnect, AHelperIsGuardedByItsCallers) {
  std::string helper =
      "  private async emit(out: WritableStreamDefaultWriter<Uint8Array>, text: string): "
      "Promise<void> {\n    await out.write(new TextEncoder().encode(text));\n  }\n\n" +
      kHelper;
  RunOutcome guarded = with_edits(
      {edit(kHelper, helper),
       edit(kStartWrite,
            "    this.emit(writer, JSON.stringify({ type: 'execution-start', executionId }) + "
            "'\\n').catch(() => {});\n")});
  EXPECT_EQ(outcome(guarded, "error.browser-disconnect").status, Status::Pass)
      << outcome(guarded, "error.browser-disconnect").found;

  RunOutcome bare = with_edits(
      {edit(kHelper, helper),
       edit(kStartWrite,
            "    void this.emit(writer, JSON.stringify({ type: 'execution-start', executionId }) + "
            "'\\n');\n")});
  const Outcome& o = outcome(bare, "error.browser-disconnect");
  EXPECT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("emit()"), std::string::npos) << o.found;
}

TEST(SessionNotFound, FoundStatesThePathWithLines) {
  RunOutcome r = run_all(pass_tree());
  const Outcome& o = outcome(r, "error.session-not-found");
  ASSERT_EQ(o.status, Status::Pass);
  const std::string& src = pass_tree().at(kDo);
  int thrown = line_of(src, "throw new Error('Session not found')");
  EXPECT_EQ(
      o.found.rfind(
          "throw at line " + std::to_string(thrown) + " → dispatchContainer().catch at line", 0),
      0u)
      << o.found;
  EXPECT_NE(o.found.find("fetch try/catch at line"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("constant body"), std::string::npos) << o.found;
  EXPECT_GE(o.evidence.size(), 3u);
}

const std::string kCatchReturn =
    "        return new Response(JSON.stringify({ error: 'Internal error' }), {\n"
    "          status: 500,\n"
    "          headers: { 'Content-Type': 'application/json' },\n"
    "        });\n";

TEST(SessionNotFound, AResponseHelperIsFollowedIntoItsBody) {
  std::string helper =
      "function failure(err: unknown, status: number): Response {\n"
      "  console.error(err);\n"
      "  return new Response(JSON.stringify({ error: 'Internal error' }), { status });\n"
      "}\n\nexport class ChatSessionAgent";
  RunOutcome safe = with_edits({edit("export class ChatSessionAgent", helper),
                                edit(kCatchReturn, "        return failure(err, 500);\n")});
  EXPECT_EQ(outcome(safe, "error.session-not-found").status, Status::Pass)
      << outcome(safe, "error.session-not-found").found;

  std::string leaky =
      "function failure(err: unknown, status: number): Response {\n"
      "  return new Response(JSON.stringify({ error: String(err) }), { status });\n"
      "}\n\nexport class ChatSessionAgent";
  RunOutcome bad = with_edits({edit("export class ChatSessionAgent", leaky),
                               edit(kCatchReturn, "        return failure(err, 500);\n")});
  const Outcome& o = outcome(bad, "error.session-not-found");
  EXPECT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("carries the caught error"), std::string::npos) << o.found;
}

TEST(SessionNotFound, A502IsNotTheSafe500) {
  RunOutcome r = with_edits({edit("          status: 500,\n", "          status: 502,\n")});
  const Outcome& o = outcome(r, "error.session-not-found");
  EXPECT_EQ(o.status, Status::Fail);
  EXPECT_NE(o.found.find("status 502"), std::string::npos) << o.found;
}

TEST(InvalidJwt, PassEvidenceNamesAllThreeSides) {
  RunOutcome r = run_all(pass_tree());
  const Outcome& o = outcome(r, "error.invalid-jwt");
  ASSERT_EQ(o.status, Status::Pass);
  EXPECT_NE(o.found.find("Worker verifies"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("handleContainerStream returns 401"), std::string::npos) << o.found;
  EXPECT_NE(o.found.find("the agent tests the callback status"), std::string::npos) << o.found;
}

TEST(InvalidJwt, AWorkerThatForwardsWithoutVerifyingReliesOnTheDo) {
  const std::string verify =
      "      const payload = await verifyExecutionToken(token, env.JWT_SECRET);\n"
      "      if (!payload) {\n        return new Response('Unauthorized', { status: 401 });\n      "
      "}\n"
      "      const id = env.CHAT_SESSIONS.idFromName(payload.sessionId);\n";
  const std::string forward =
      "      const sessionId = url.searchParams.get('sessionId') ?? '';\n"
      "      const id = env.CHAT_SESSIONS.idFromName(sessionId);\n";
  RunOutcome passes = with_edits({edit(verify, forward, "src/index.ts")});
  const Outcome& ok = outcome(passes, "error.invalid-jwt");
  EXPECT_EQ(ok.status, Status::Pass) << ok.found;
  EXPECT_NE(ok.found.find("forwards without verifying"), std::string::npos) << ok.found;

  // … but then it must hand the DO's answer back
  RunOutcome drops = with_edits(
      {edit(verify, forward, "src/index.ts"),
       edit("      return stub.fetch(request);\n",
            "      ctx.waitUntil(stub.fetch(request));\n      return new Response('OK');\n",
            "src/index.ts")});
  const Outcome& bad = outcome(drops, "error.invalid-jwt");
  EXPECT_EQ(bad.status, Status::Fail);
  EXPECT_NE(bad.found.find("does not return the DO's response"), std::string::npos) << bad.found;
}

}  // namespace
}  // namespace v15::testing
