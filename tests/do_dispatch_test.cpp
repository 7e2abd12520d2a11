// dispatchContainer: the startProcess env fact (Project::start_process_env) through the shapes a
// real code base builds it in, FileModel::caller_value, and the dispatch checks on spellings the
// fixture does not use.
#include <gtest/gtest.h>

#include "model_support.h"

namespace v15::testing {
namespace {

// A DO file whose dispatchContainer has `body` (and the class has `members`).
std::string do_source(const std::string& body, const std::string& members = "",
                      const std::string& top = "") {
  return "import { getSandbox } from '@cloudflare/sandbox';\n"
         "import { signExecutionToken } from '../utils/jwt';\n" +
         top +
         "\nexport class ChatSessionAgent {\n"
         "  private async dispatchContainer(executionId: string, sessionId: string, userId: "
         "string,\n"
         "      prompt: string, mode?: string, model?: string, autonomy?: string): Promise<void> "
         "{\n" +
         body + "\n  }\n" + members + "\n}\n";
}

struct Env {
  std::unique_ptr<Project> project;
  const StartProcessEnv& env;
  const FileModel& m;
  explicit Env(const std::string& src)
      : project(project_from({{Role::DurableObject, src}})),
        env(project->start_process_env()),
        m(*project->file(Role::DurableObject)) {}
  const EnvEntry& entry(std::string_view key) const {
    const EnvEntry* e = env.entry(key);
    EXPECT_NE(e, nullptr) << key << " not in the env";
    static const EnvEntry none;
    return e ? *e : none;
  }
  std::string text(const Node& n) const { return std::string(FileModel::strip(n).text()); }
};

TEST(StartProcessEnv, LiteralEntriesAndUnconditionalKeys) {
  Env e(
      do_source("    const sandbox = getSandbox(this.env.SANDBOX_CONTAINER, 'x');\n"
                "    await sandbox.startProcess('node /opt/claude-agent/claude-agent.js', {\n"
                "      env: { PATH: '/bin', 'HOME': '/root', IS_SANDBOX: '1' },\n"
                "    });"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_EQ(e.env.entries.size(), 3u);
  EXPECT_FALSE(e.entry("HOME").conditional);
  EXPECT_EQ(e.m.fold_string(e.entry("IS_SANDBOX").source), "1");
  EXPECT_EQ(e.env.script_path, "/opt/claude-agent/claude-agent.js");
}

TEST(StartProcessEnv, ConditionalTernarySpread) {
  Env e(
      do_source("    await sandbox.startProcess('node a.js', {\n"
                "      env: { PATH: '/bin', ...(model ? { VF_MODEL: model } : {}) },\n"
                "    });"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  const EnvEntry& m = e.entry("VF_MODEL");
  EXPECT_TRUE(m.conditional);
  EXPECT_EQ(e.text(m.condition), "model");
  EXPECT_TRUE(e.env.spreads.empty());
}

TEST(StartProcessEnv, ConditionalAndSpread) {
  Env e(
      do_source("    await sandbox.startProcess('node a.js', {\n"
                "      env: { PATH: '/bin', ...(autonomy && { VF_AUTONOMY_MODE: autonomy }) },\n"
                "    });"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_TRUE(e.entry("VF_AUTONOMY_MODE").conditional);
  EXPECT_EQ(e.text(e.entry("VF_AUTONOMY_MODE").condition), "autonomy");
  EXPECT_FALSE(e.entry("PATH").conditional);
}

TEST(StartProcessEnv, KeysAssignedUnderAnIfToAConstObject) {
  Env e(
      do_source("    const env: Record<string, string> = { PATH: '/bin' };\n"
                "    if (model) {\n"
                "      env.VF_MODEL = model;\n"
                "    }\n"
                "    if (autonomy) env['VF_AUTONOMY_MODE'] = autonomy;\n"
                "    env.TERM = 'xterm';\n"
                "    await sandbox.startProcess('node a.js', { env });"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_TRUE(e.entry("VF_MODEL").conditional);
  EXPECT_EQ(e.text(e.entry("VF_MODEL").condition), "model");
  EXPECT_TRUE(e.entry("VF_AUTONOMY_MODE").conditional);
  EXPECT_FALSE(e.entry("TERM").conditional);
  EXPECT_EQ(e.entry("VF_MODEL").location.line, 9);
}

TEST(StartProcessEnv, EnvObjectInAConstAndOptionsInAConst) {
  Env e(
      do_source("    const processEnv = { PATH: '/bin', HOME: '/root' };\n"
                "    const options = { env: processEnv, cwd: '/workspace' };\n"
                "    await sandbox.startProcess('node a.js', options);"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_EQ(e.env.entries.size(), 2u);
  EXPECT_EQ(e.env.location.line, 7);  // the literal bound to processEnv
}

TEST(StartProcessEnv, EnvBuiltByAHelperMethodMapsItsParameters) {
  Env e(do_source(
      "    const token = await signExecutionToken(executionId, sessionId, this.env.JWT_SECRET);\n"
      "    await sandbox.startProcess('node a.js', { env: this.buildEnv({ token, model }) });",
      "  private buildEnv({ token, model }: { token: string; model?: string }) {\n"
      "    return {\n"
      "      VF_STREAM_JWT: token,\n"
      "      ...(model ? { VF_MODEL: model } : {}),\n"
      "    };\n"
      "  }"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  const EnvEntry& jwt = e.entry("VF_STREAM_JWT");
  EXPECT_EQ(jwt.location.line, 12);  // in the helper
  // seen from dispatchContainer, the value is the caller's `token`
  Node src = FileModel::strip(jwt.source);
  EXPECT_EQ(src.line(), 8);
  Origin o = e.m.trace(src);
  EXPECT_EQ(FileModel::callee_name(FileModel::strip_await(o.expr)), "signExecutionToken");
  EXPECT_TRUE(e.entry("VF_MODEL").conditional);
}

TEST(StartProcessEnv, EnvBuiltByAModuleFunctionWithPositionalParameters) {
  Env e(do_source(
      "    await sandbox.startProcess('node a.js', { env: buildEnv(mode || 'agent', model) });", "",
      "function buildEnv(sessionMode: string, m?: string) {\n"
      "  const env: Record<string, string> = { VF_SESSION_MODE: sessionMode };\n"
      "  if (m) env.VF_MODEL = m;\n"
      "  return env;\n"
      "}\n"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_EQ(e.text(e.entry("VF_SESSION_MODE").source), "mode || 'agent'");
  EXPECT_TRUE(e.entry("VF_MODEL").conditional);
  EXPECT_EQ(e.text(e.entry("VF_MODEL").source), "model");
}

TEST(StartProcessEnv, ObjectAssignSourcesAndTargets) {
  Env e(
      do_source("    const env = Object.assign({}, BASE_ENV, { IS_SANDBOX: '1' });\n"
                "    if (model) Object.assign(env, { VF_MODEL: model });\n"
                "    Object.assign(env, extra);\n"
                "    await sandbox.startProcess('node a.js', { env });",
                "", "const BASE_ENV = { PATH: '/bin', HOME: '/root' };\n"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_FALSE(e.entry("PATH").conditional);
  EXPECT_FALSE(e.entry("IS_SANDBOX").conditional);
  EXPECT_TRUE(e.entry("VF_MODEL").conditional);
  ASSERT_EQ(e.env.spreads.size(), 1u);
  EXPECT_EQ(e.text(e.env.spreads[0]), "extra");
}

TEST(StartProcessEnv, DataCollectorsStaySpreadsStaticHelpersAreInlined) {
  Env e(
      do_source("    const secrets = await this.collectSecrets();\n"
                "    await sandbox.startProcess('node a.js', {\n"
                "      env: { ...this.systemEnv(), ...secrets },\n"
                "    });",
                "  private systemEnv() { return { PATH: '/bin', LANG: 'C.UTF-8' }; }\n"
                "  private async collectSecrets(): Promise<Record<string, string>> {\n"
                "    const out: Record<string, string> = {};\n"
                "    const stored = await this.env.AUTH_KV.get('s', 'json');\n"
                "    if (!stored) return {};\n"
                "    for (const [k, v] of Object.entries(stored)) out[k] = v;\n"
                "    return out;\n"
                "  }"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_NE(e.env.entry("LANG"), nullptr);
  ASSERT_EQ(e.env.spreads.size(), 1u);
  EXPECT_EQ(e.env.spreads[0].kind(), "spread_element");
}

TEST(StartProcessEnv, StartProcessInALauncherHelper) {
  Env e(
      do_source("    const env = { PATH: '/bin' };\n"
                "    await this.launch(sandbox, env);",
                "  private async launch(sandbox: Sandbox, env: Record<string, string>) {\n"
                "    return sandbox.startProcess(`node ${AGENT}`, { env });\n"
                "  }",
                "const AGENT = '/opt/claude-agent/claude-agent.js';\n"));
  ASSERT_TRUE(e.env.found()) << e.env.problem;
  EXPECT_NE(e.env.entry("PATH"), nullptr);
  EXPECT_EQ(e.env.command_text, "node /opt/claude-agent/claude-agent.js");
}

TEST(StartProcessEnv, UnfollowableEnvSaysWhy) {
  Env e(do_source("    await sandbox.startProcess('node a.js', { env: makeEnv(token) });", "",
                  "import { makeEnv } from './env';\n"));
  EXPECT_FALSE(e.env.found());
  EXPECT_NE(e.env.problem.find("makeEnv(token)"), std::string::npos) << e.env.problem;
  Env none(do_source("    await sandbox.exec('node a.js');"));
  EXPECT_EQ(none.env.problem, "dispatchContainer never calls startProcess");
  Env no_env(do_source("    await sandbox.startProcess('node a.js', { cwd: '/w' });"));
  EXPECT_EQ(no_env.env.problem, "the startProcess options have no env");
}

TEST(CallerValue, ParametersMapToArguments) {
  Env e(do_source("    this.use({ a: executionId }, sessionId, { inner: { deep: userId } });",
                  "  private use({ a }: { a: string }, second: string, input: any) {\n"
                  "    return [a, second, input.inner.deep];\n"
                  "  }"));
  const Function* caller = e.m.method("ChatSessionAgent", "dispatchContainer");
  ASSERT_NE(caller, nullptr);
  Node array = node_of(e.m, "array");
  auto items = array.named_children();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(e.m.caller_value(items[0], *caller).text(), "executionId");
  EXPECT_EQ(e.m.caller_value(items[1], *caller).text(), "sessionId");
  EXPECT_EQ(e.m.caller_value(items[2], *caller).text(), "userId");
  // the caller's own values come back unchanged
  Node own = node_of(e.m, "identifier", "sessionId");
  EXPECT_EQ(e.m.caller_value(own, *caller), own);
}

// -- checks on spellings the fixture does not use ------------------------------------------------

Outcome run(const Project& p, std::string_view id) {
  static const Registry registry = default_registry();
  const Check* c = registry.find(id);
  EXPECT_NE(c, nullptr) << id;
  if (!c) return {};
  return c->run(CheckContext(p, *c));
}

std::unique_ptr<Project> dispatch_project(const std::string& body,
                                          const std::string& members = "") {
  return project_from({{Role::DurableObject, do_source(body, members)},
                       {Role::Jwt,
                        "export async function signExecutionToken(e: string, s: string, k: string) "
                        "{ return 'x'; }\n"}});
}

TEST(DispatchChecks, AlternativeGuardSpellings) {
  auto p = dispatch_project(
      "    const { SESSIONS_KV, AUTH_KV } = this.env;\n"
      "    const session = JSON.parse((await SESSIONS_KV.get('session:' + sessionId)) ?? 'null');\n"
      "    if (['terminated', 'pending-delete'].includes(session.status)) throw new "
      "Error('gone');\n"
      "    if (session?.sandboxId == null) throw new Error('no sandbox');\n"
      "    const user = await AUTH_KV.get(`user:${userId}`, 'json');\n"
      "    const { claudeToken } = user ?? {};\n"
      "    if (!claudeToken?.startsWith('sk-ant-oat01-')) throw new Error('bad token');");
  for (auto id : {"do.dispatch-session-status", "do.dispatch-sandbox-id", "do.dispatch-oauth-kv",
                  "do.dispatch-oauth-prefix"}) {
    Outcome o = run(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

TEST(DispatchChecks, GuardsThatDoNotThrowFail) {
  auto p = dispatch_project(
      "    const session = await this.env.SESSIONS_KV.get(`session:${sessionId}`, 'json');\n"
      "    if (session.status === 'terminated') throw new Error('gone');\n"
      "    if (session.status === 'pending-delete') console.warn('deleting');\n"
      "    if (!session.sandboxId) console.warn('no sandbox');\n");
  Outcome status = run(*p, "do.dispatch-session-status");
  EXPECT_FALSE(status.passed());
  EXPECT_NE(status.found.find("'pending-delete' at line"), std::string::npos) << status.found;
  Outcome sandbox = run(*p, "do.dispatch-sandbox-id");
  EXPECT_FALSE(sandbox.passed());
  EXPECT_NE(sandbox.found.find("does not throw"), std::string::npos) << sandbox.found;
}

TEST(DispatchChecks, SignArgumentsNameTheSwap) {
  auto p = dispatch_project(
      "    const token = await signExecutionToken(sessionId, executionId, this.env.JWT_SECRET);");
  Outcome o = run(*p, "do.dispatch-sign-jwt");
  EXPECT_FALSE(o.passed());
  EXPECT_NE(
      o.found.find("arguments 1 and 2 are swapped: signExecutionToken(sessionId, executionId, "),
      std::string::npos)
      << o.found;
  auto wrong_secret = dispatch_project(
      "    const token = await signExecutionToken(executionId, sessionId, this.env.OTHER_SECRET);");
  Outcome w = run(*wrong_secret, "do.dispatch-sign-jwt");
  EXPECT_FALSE(w.passed());
  EXPECT_NE(w.found.find("argument 3"), std::string::npos) << w.found;
}

TEST(DispatchChecks, LastActiveThroughABindingAndWaitUntil) {
  auto p = dispatch_project(
      "    const session = await this.env.SESSIONS_KV.get(`session:${sessionId}`, 'json');\n"
      "    session.lastActiveAt = Date.now();\n"
      "    const write = this.env.SESSIONS_KV.put(`session:${sessionId}`, "
      "JSON.stringify(session));\n"
      "    this.ctx.waitUntil(write);");
  Outcome o = run(*p, "do.dispatch-last-active");
  EXPECT_TRUE(o.passed()) << o.found;
}

TEST(DispatchChecks, SwitchStatusHelperStorageReadAndAssignedSecrets) {
  auto p = dispatch_project(
      "    const session = await this.env.SESSIONS_KV.get(`session:${sessionId}`, 'json');\n"
      "    switch (session.status) {\n"
      "      case 'terminated':\n"
      "      case 'pending-delete':\n"
      "        throw new Error('gone');\n"
      "      default:\n"
      "        break;\n"
      "    }\n"
      "    const resume = await this.loadSdkSession();\n"
      "    const env = { VF_SDK_SESSION_ID: resume };\n"
      "    Object.assign(env, await this.collectProjectSecrets(session), await "
      "this.collectUserSecrets(userId));\n"
      "    await sandbox.startProcess('node a.js', { env });",
      "  private async loadSdkSession() { return (await this.ctx.storage.get('sdkSessionId')) ?? "
      "''; }\n"
      "  private async collectProjectSecrets(s: unknown) { return JSON.parse(String(s)); }\n"
      "  private async collectUserSecrets(u: string) { return JSON.parse(u); }");
  for (auto id : {"do.dispatch-session-status", "do.env-sdk-session", "do.env-secrets"}) {
    Outcome o = run(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

TEST(DispatchChecks, CallbackUrlFromNewUrlWithoutWrangler) {
  auto p = dispatch_project(
      "    await sandbox.startProcess('node a.js', {\n"
      "      env: { VF_CALLBACK_URL: new URL('/internal/stream', this.env.WORKER_BASE_URL).href "
      "},\n"
      "    });");
  Outcome o = run(*p, "do.env-callback-url");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_NE(o.found.find("WORKER_BASE_URL"), std::string::npos) << o.found;
}

}  // namespace
}  // namespace v15::testing
