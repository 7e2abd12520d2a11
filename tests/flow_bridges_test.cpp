// The flow checks on the DO's bridges: what Found says on the fixture and on edits of it that the
// mutant catalogue words differently (helpers, a cancel function, spread header consts).
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

void expect(const Outcome& o, Status s, std::string_view piece) {
  EXPECT_EQ(o.status, s) << o.found;
  EXPECT_NE(o.found.find(piece), std::string::npos) << o.found;
}

TEST(FlowBridges, TheFixturePassesWithWhatWasVerified) {
  RunOutcome r = run_all(pass_tree());
  expect(outcome(r, "flow.bridge-timeout-cleared"), Status::Pass,
         "handleContainerStream() before it reads the body");
  expect(outcome(r, "flow.bridge-timeout-cleared"), Status::Pass,
         "handleContainerSocket() before the container's WebSocket is accepted");
  expect(outcome(r, "flow.single-execution"), Status::Pass,
         "httpBridges, controlSockets holds an execution");
  expect(outcome(r, "flow.stream-keepalive"), Status::Pass, "heartbeat every 25000 ms");
  expect(outcome(r, "flow.stream-unbuffered"), Status::Pass, "carries Cache-Control: no-transform");
}

TEST(FlowBridges, ATimeoutClearedInAHelperCounts) {
  RunOutcome r = with_edits(
      {edit("    // The container is talking: from here on the stream's own end settles the "
            "bridge.\n    clearTimeout(bridge.timeout);\n",
            "    this.stopTimer(bridge);\n"),
       edit("  /** Remembers the SDK session so the next message resumes the conversation. */\n",
            "  private stopTimer(b: HttpBridge): void {\n    clearTimeout(b.timeout);\n  }\n\n"
            "  /** Remembers the SDK session so the next message resumes the conversation. */\n")});
  EXPECT_EQ(outcome(r, "flow.bridge-timeout-cleared").status, Status::Pass)
      << outcome(r, "flow.bridge-timeout-cleared").found;
}

TEST(FlowBridges, AConditionalClearIsNotEnough) {
  RunOutcome r = with_edits(
      {edit("    // Container output starts here: the bridge timeout no longer applies.\n    "
            "clearTimeout(execution.timeout);\n",
            "    if (url.searchParams.has('fast')) clearTimeout(execution.timeout);\n")});
  expect(outcome(r, "flow.bridge-timeout-cleared"), Status::Fail, "not on every path");
}

TEST(FlowBridges, AnInFlightFlagIsAGuard) {
  RunOutcome r = with_edits(
      {edit("    if (this.httpBridges.size > 0 || this.controlSockets.size > 0) {\n",
            "    if (this.running) {\n"),
       edit("  private readonly state: DurableObjectState;\n",
            "  private running = false;\n  private readonly state: DurableObjectState;\n"),
       edit("    const executionId = crypto.randomUUID();\n",
            "    const executionId = crypto.randomUUID();\n    this.running = true;\n")});
  EXPECT_EQ(outcome(r, "flow.single-execution").status, Status::Pass)
      << outcome(r, "flow.single-execution").found;
}

TEST(FlowBridges, SpreadHeaderConstsContributeTheirKeys) {
  RunOutcome r =
      with_edits({edit("const HEARTBEAT_MS = 25 * 1000;\n",
                       "const HEARTBEAT_MS = 25 * 1000;\nconst STREAM_HEADERS = { 'Cache-Control': "
                       "'no-transform' };\n"),
                  edit("        'Cache-Control': 'no-cache, no-transform',\n",
                       "        ...STREAM_HEADERS,\n")});
  EXPECT_EQ(outcome(r, "flow.stream-unbuffered").status, Status::Pass)
      << outcome(r, "flow.stream-unbuffered").found;
}

TEST(FlowBridges, AHeartbeatOverTheConfiguredMaximumNamesTheKey) {
  RunOutcome r =
      with_edits({edit("const HEARTBEAT_MS = 25 * 1000;", "const HEARTBEAT_MS = 61000;")});
  expect(outcome(r, "flow.stream-keepalive"), Status::Fail, "heartbeatMaxMs = 60000");
}

}  // namespace
}  // namespace v15::testing
