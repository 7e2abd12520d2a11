// The container agent facts (AgentEnv, CallbackRequest), the agent.* checks and the docker.*
// checks, fed small JavaScript / Dockerfile strings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_support.h"

namespace v15::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Outcome run_check(const Project& project, std::string_view id) {
  static const Registry registry = default_registry();
  const Check* check = registry.find(id);
  EXPECT_NE(check, nullptr) << id;
  if (!check) return {};
  CheckContext ctx(project, *check);
  return check->run(ctx);
}

const EnvRead* read_of(const AgentEnv& env, std::string_view name) { return env.first(name); }

// -- AgentEnv -------------------------------------------------------------------------------------

TEST(AgentEnv, RecordsEveryReadFormWithDefaultsAndBindings) {
  auto p = project_from({{Role::Agent, R"js(
const url = process.env.VF_CALLBACK_URL;
const jwt = process.env['VF_STREAM_JWT'];
const mode = process.env.VF_SESSION_MODE || 'agent';
const model = process.env.VF_MODEL ?? 'sonnet';
const { VF_SDK_SESSION_ID = '', VF_AUTONOMY_MODE } = process.env;
const env = process.env;
const extra = env.VF_EXTRA;
process.env.VF_WRITTEN = 'x';
)js"}});
  const AgentEnv& env = p->agent_env();
  ASSERT_NE(env.model, nullptr);

  const EnvRead* url = read_of(env, "VF_CALLBACK_URL");
  ASSERT_NE(url, nullptr);
  EXPECT_TRUE(url->required());
  ASSERT_NE(url->binding, nullptr);
  EXPECT_EQ(url->binding->name, "url");
  EXPECT_EQ(url->location.line, 2);

  const EnvRead* jwt = read_of(env, "VF_STREAM_JWT");
  ASSERT_NE(jwt, nullptr);
  EXPECT_FALSE(jwt->has_default);
  EXPECT_EQ(jwt->binding->name, "jwt");

  const EnvRead* mode = read_of(env, "VF_SESSION_MODE");
  ASSERT_NE(mode, nullptr);
  EXPECT_TRUE(mode->has_default);
  EXPECT_EQ(mode->default_value.text(), "'agent'");
  EXPECT_EQ(mode->binding->name, "mode");

  ASSERT_NE(read_of(env, "VF_MODEL"), nullptr);
  EXPECT_TRUE(read_of(env, "VF_MODEL")->has_default);

  const EnvRead* sdk = read_of(env, "VF_SDK_SESSION_ID");
  ASSERT_NE(sdk, nullptr);
  EXPECT_TRUE(sdk->has_default);
  EXPECT_EQ(sdk->binding->name, "VF_SDK_SESSION_ID");
  ASSERT_NE(read_of(env, "VF_AUTONOMY_MODE"), nullptr);
  EXPECT_TRUE(read_of(env, "VF_AUTONOMY_MODE")->required());

  const EnvRead* extra = read_of(env, "VF_EXTRA");
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(extra->binding->name, "extra");

  EXPECT_EQ(read_of(env, "VF_WRITTEN"), nullptr) << "an assignment is not a read";
  // document order
  for (std::size_t i = 1; i < env.reads.size(); ++i)
    EXPECT_LE(env.reads[i - 1].node.start_byte(), env.reads[i].node.start_byte());
}

TEST(AgentEnv, PresenceTestsAreGuardedNotRequired) {
  auto p = project_from({{Role::Agent, R"js(
if (process.env.VF_DEBUG) {
  console.log(process.env.VF_DEBUG);
}
const level = process.env.VF_LEVEL ? process.env.VF_LEVEL : 'info';
const on = process.env.VF_FLAG && start();
const needed = process.env.VF_NEEDED;
)js"}});
  const AgentEnv& env = p->agent_env();
  for (const EnvRead& r : env.reads) {
    if (r.name == "VF_NEEDED")
      EXPECT_TRUE(r.required());
    else
      EXPECT_TRUE(r.guarded) << r.name << " at line " << r.location.line;
  }
  EXPECT_EQ(env.first_required("VF_DEBUG"), nullptr);
  EXPECT_EQ(env.first_required("VF_LEVEL"), nullptr);
  EXPECT_NE(env.first_required("VF_NEEDED"), nullptr);
}

TEST(AgentEnv, HelperReadsAreAttributedToTheirCallSites) {
  auto p = project_from({{Role::Agent, R"js(
function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
function optionalEnv(name, fallback) {
  return process.env[name] ?? fallback;
}
const url = requireEnv('VF_CALLBACK_URL');
const mode = optionalEnv('VF_SESSION_MODE', 'agent');
const model = optionalEnv('VF_MODEL');
const key = 'VF_' + suffix();
const dyn = process.env[key];
)js"}});
  const AgentEnv& env = p->agent_env();
  const EnvRead* url = read_of(env, "VF_CALLBACK_URL");
  ASSERT_NE(url, nullptr);
  EXPECT_TRUE(url->required());
  EXPECT_EQ(url->location.line, 10);
  EXPECT_EQ(url->binding->name, "url");
  ASSERT_NE(read_of(env, "VF_SESSION_MODE"), nullptr);
  EXPECT_TRUE(read_of(env, "VF_SESSION_MODE")->has_default);
  ASSERT_NE(read_of(env, "VF_MODEL"), nullptr);
  EXPECT_FALSE(read_of(env, "VF_MODEL")->has_default) << "the fallback argument is left out";
  ASSERT_EQ(env.dynamic_reads.size(), 1u);
  EXPECT_EQ(env.dynamic_reads.front().line(), 14);
}

// -- CallbackRequest and agent.* ------------------------------------------------------------------

constexpr const char* kFetchAgent = R"js(
const callbackUrl = process.env.VF_CALLBACK_URL;
const token = process.env.VF_STREAM_JWT;
const authHeader = (t) => `Bearer ${t}`;

async function main() {
  let controller;
  const body = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  const send = (event) => controller.enqueue(encoder.encode(JSON.stringify(event) + '\n'));
  const init = {
    method: 'post',
    headers: { authorization: authHeader(token), 'content-type': 'application/x-ndjson' },
    body,
    duplex: 'half',
  };
  const res = await fetch(new URL(callbackUrl), init);
  try {
    await work(send);
  } finally {
    controller.close();
  }
  if (!res.ok) process.exitCode = 1;
}
)js";

TEST(CallbackRequest, FollowsFetchThroughConstsHelpersAndAReadableStream) {
  auto p = project_from({{Role::Agent, kFetchAgent}});
  const CallbackRequest& r = p->callback_request();
  ASSERT_TRUE(r.found()) << r.problem;
  EXPECT_EQ(r.api, CallbackRequest::Api::Fetch);
  EXPECT_EQ(r.method, std::optional<std::string>("POST"));
  EXPECT_TRUE(r.url_from_callback);
  EXPECT_TRUE(r.auth_bearer);
  EXPECT_TRUE(r.auth_from_jwt);
  ASSERT_FALSE(r.stream_origins.empty());
  ASSERT_NE(r.response_binding, nullptr);
  EXPECT_EQ(r.response_binding->name, "res");
  for (std::string_view id :
       {"agent.env-read", "agent.callback-post", "agent.ndjson", "agent.close-stream"}) {
    Outcome o = run_check(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

constexpr const char* kHttpAgent = R"js(
const http = require('node:http');
const https = require('https');
const { VF_CALLBACK_URL: callbackUrl, VF_STREAM_JWT: jwt } = process.env;

function openCallback(target) {
  const client = target.protocol === 'https:' ? https : http;
  return client.request({ hostname: target.hostname, path: target.pathname, method: 'POST' }, (res) => {
    if (res.statusCode !== 200) process.exitCode = 3;
  });
}

async function main() {
  const req = openCallback(new URL(callbackUrl));
  req.setHeader('Authorization', 'Bearer ' + jwt);
  const write = (line) => req.write(line);
  for await (const event of run()) write(`${JSON.stringify(event)}\n`);
  req.end();
}
)js";

TEST(CallbackRequest, FollowsHttpRequestThroughAHelperAndSetHeader) {
  auto p = project_from({{Role::Agent, kHttpAgent}});
  const CallbackRequest& r = p->callback_request();
  ASSERT_TRUE(r.found()) << r.problem;
  EXPECT_EQ(r.api, CallbackRequest::Api::HttpRequest);
  EXPECT_TRUE(r.url_from_callback);
  EXPECT_TRUE(r.auth_bearer);
  EXPECT_TRUE(r.auth_from_jwt);
  EXPECT_FALSE(r.response_handler.null());
  for (std::string_view id :
       {"agent.env-read", "agent.callback-post", "agent.ndjson", "agent.close-stream"}) {
    Outcome o = run_check(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(AgentChecks, BareTokenWithoutBearerFails) {
  auto p = project_from({{Role::Agent, replaced(kFetchAgent, "authHeader(token)", "token")}});
  Outcome o = run_check(*p, "agent.callback-post");
  EXPECT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("without the `Bearer ` prefix"));
  EXPECT_EQ(o.location.line, 17);
}

TEST(AgentChecks, HardCodedUrlAndGetFail) {
  auto p = project_from({{Role::Agent, replaced(replaced(kFetchAgent, "new URL(callbackUrl)",
                                                         "'https://example.com/x'"),
                                                "method: 'post',", "")}});
  Outcome o = run_check(*p, "agent.callback-post");
  EXPECT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("does not derive from process.env.VF_CALLBACK_URL"));
  EXPECT_THAT(o.found, HasSubstr("no method is given, so it is a GET"));
}

TEST(AgentChecks, JsonWithoutNewlineFails) {
  auto p = project_from({{Role::Agent, replaced(kHttpAgent, "`${JSON.stringify(event)}\\n`",
                                                "JSON.stringify(event)")}});
  Outcome o = run_check(*p, "agent.ndjson");
  EXPECT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("without a trailing '\\n'"));
  // the write is found through the `write(line)` helper's parameter
  EXPECT_EQ(o.location.line, 16);
}

TEST(AgentChecks, TransformStreamWriterAndALineHelperPass) {
  auto p = project_from({{Role::Agent, R"js(
const { env } = process;
const callbackUrl = env.VF_CALLBACK_URL;
const jwt = process.env["VF_STREAM_JWT"];
const toLine = (event) => JSON.stringify(event) + '\n';
async function main() {
  const ts = new TransformStream();
  const writer = ts.writable.getWriter();
  const encoder = new TextEncoder();
  const pending = fetch(callbackUrl, {
    method: 'POST',
    headers: new Headers({ Authorization: `Bearer ${jwt}` }),
    body: ts.readable,
    duplex: 'half',
  });
  try {
    for await (const e of run()) await writer.write(encoder.encode(toLine(e)));
  } finally {
    await writer.close();
  }
  return pending;
}
)js"}});
  for (std::string_view id :
       {"agent.env-read", "agent.callback-post", "agent.ndjson", "agent.close-stream"}) {
    Outcome o = run_check(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
  const CallbackRequest& r = p->callback_request();
  ASSERT_EQ(r.stream_origins.size(), 1u);
  EXPECT_EQ(FileModel::callee_name(r.stream_origins.front()), "getWriter");
}

TEST(AgentChecks, CloseOnlyInCatchOrBeforeWorkFails) {
  std::string only_catch = replaced(kHttpAgent, "  req.end();\n}", "}");
  only_catch = replaced(only_catch, "  for await",
                        "  try {\n  } catch (e) {\n    req.end();\n  }\n  for await");
  auto p = project_from({{Role::Agent, only_catch}});
  Outcome o = run_check(*p, "agent.close-stream");
  EXPECT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("only on the error path"));

  std::string early = replaced(kHttpAgent, "  req.end();\n}", "}");
  early = replaced(early, "  const write =", "  req.end();\n  const write =");
  auto q = project_from({{Role::Agent, early}});
  Outcome e = run_check(*q, "agent.close-stream");
  EXPECT_FALSE(e.passed());
  EXPECT_THAT(e.found, HasSubstr("before the agent's work: write("));
}

TEST(AgentChecks, OauthBetasThroughAConstAndATernary) {
  auto p = project_from({{Role::Agent, R"js(
const token = process.env.CLAUDE_CODE_OAUTH_TOKEN || '';
const isOauth = token.startsWith('sk-ant-oat01-');
const options = { model: 'x', ...(isOauth ? {} : { betas: ['context-1m'] }) };
)js"}});
  Outcome o = run_check(*p, "agent.oauth-betas");
  EXPECT_TRUE(o.passed()) << o.found;

  auto q = project_from({{Role::Agent, R"js(
const token = process.env.CLAUDE_CODE_OAUTH_TOKEN || '';
const betas = token.startsWith('sk-ant') ? undefined : ['context-1m'];
)js"}});
  Outcome weak = run_check(*q, "agent.oauth-betas");
  EXPECT_FALSE(weak.passed());
  EXPECT_THAT(weak.found, HasSubstr("which API keys share"));

  auto r = project_from({{Role::Agent, R"js(
const token = process.env.CLAUDE_CODE_OAUTH_TOKEN || '';
if (token.startsWith('sk-ant-oat')) console.log('oauth');
const betas = ['context-1m'];
)js"}});
  Outcome undecided = run_check(*r, "agent.oauth-betas");
  EXPECT_FALSE(undecided.passed());
  EXPECT_THAT(undecided.found, HasSubstr("no betas value or key depends on it"));
}

TEST(AgentChecks, MissingAgentFailsEveryAgentCheck) {
  auto p = project_from({{Role::Worker, "export default {};"}});
  for (std::string_view id : {"agent.env-read", "agent.callback-post", "agent.ndjson",
                              "agent.oauth-betas", "agent.close-stream"}) {
    Outcome o = run_check(*p, id);
    EXPECT_FALSE(o.passed()) << id;
    EXPECT_THAT(o.found, HasSubstr("not found")) << id;
  }
}

// -- docker.* -------------------------------------------------------------------------------------

constexpr const char* kDo = R"ts(
export class ChatSessionAgent {
  async dispatchContainer(sandbox: any, token: string, model?: string) {
    await sandbox.startProcess('node /opt/agent/claude-agent.js', {
      env: {
        PATH: '/usr/bin',
        VF_CALLBACK_URL: 'https://example.com/internal/stream',
        VF_STREAM_JWT: token,
        ...(model ? { VF_MODEL: model } : {}),
      },
      cwd: '/workspace',
    });
  }
}
)ts";

constexpr const char* kAgent =
    "const a = process.env.VF_CALLBACK_URL;\n"
    "const b = process.env.VF_STREAM_JWT;\n"
    "const c = process.env.VF_MODEL || 'sonnet';\n"
    "run(a, b, c);\n";

std::string heredoc_dockerfile(
    const std::string& body,
    const std::string& header = "RUN cat > /opt/agent/claude-agent.js <<'EOF'\n") {
  return "FROM node:20\n" + header + body + "EOF\n";
}

std::unique_ptr<Project> docker_project(const std::string& dockerfile,
                                        const std::string& agent = kAgent,
                                        const std::string& durable_object = kDo,
                                        const Config& config = Config{}) {
  return project_from(
      {{Role::Agent, agent}, {Role::DurableObject, durable_object}, {Role::Dockerfile, dockerfile}},
      config);
}

TEST(DockerAgentSync, IdenticalHeredocPasses) {
  auto p = docker_project(heredoc_dockerfile(kAgent));
  Outcome o = run_check(*p, "docker.agent-sync");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_THAT(o.found, HasSubstr("identical to src/sandbox-scripts/claude-agent.js (4 lines)"));
}

TEST(DockerAgentSync, OneChangedLineNamesBothLinesAndTheHunk) {
  std::string body = kAgent;
  body = replaced(body, "process.env.VF_STREAM_JWT", "process.env.VF_TOKEN");
  auto p = docker_project(heredoc_dockerfile(body));
  Outcome o = run_check(*p, "docker.agent-sync");
  ASSERT_FALSE(o.passed());
  EXPECT_EQ(o.location.path, "Dockerfile");
  EXPECT_EQ(o.location.line, 4);
  EXPECT_EQ(o.found,
            "the heredoc at Dockerfile:2 (/opt/agent/claude-agent.js) differs from "
            "src/sandbox-scripts/claude-agent.js: first at Dockerfile:4 vs "
            "src/sandbox-scripts/claude-agent.js:2; 1 line differs; first hunk (- Dockerfile, + "
            "agent): -const b = process.env.VF_TOKEN; | +const b = process.env.VF_STREAM_JWT;");
  EXPECT_EQ(o.found.find('\n'), std::string::npos) << "one logical line";
}

TEST(DockerAgentSync, CountsDifferingLinesAcrossHunksAndClipsTheExcerpt) {
  std::string agent;
  for (int i = 0; i < 40; ++i) agent += "line " + std::to_string(i) + ";\n";
  std::string body = agent;
  body = replaced(body, "line 3;\n", "");                            // one line missing
  body = replaced(body, "line 30;\n", "line thirty;\nline 30b;\n");  // one changed, one added
  std::string many;
  for (int i = 0; i < 15; ++i) many += "extra " + std::to_string(i) + ";\n";
  std::string big = replaced(agent, "line 20;\n", many);
  auto p = docker_project(heredoc_dockerfile(body), agent);
  Outcome o = run_check(*p, "docker.agent-sync");
  ASSERT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("first at Dockerfile:6 vs src/sandbox-scripts/claude-agent.js:4"));
  EXPECT_THAT(o.found, HasSubstr("3 lines differ"));
  EXPECT_THAT(o.found, HasSubstr("first hunk (- Dockerfile, + agent): +line 3;"));
  EXPECT_THAT(o.found, Not(HasSubstr("thirty"))) << "only the first hunk is shown";

  auto q = docker_project(heredoc_dockerfile(agent), big);
  Outcome clipped = run_check(*q, "docker.agent-sync");
  ASSERT_FALSE(clipped.passed());
  EXPECT_THAT(clipped.found, HasSubstr("15 lines differ"));
  EXPECT_THAT(clipped.found, HasSubstr("| … (6 more)"));
}

TEST(DockerAgentSync, ExtraLinesAtTheEndPointPastTheShorterFile) {
  auto p = docker_project(heredoc_dockerfile(std::string(kAgent) + "extra();\n"));
  Outcome o = run_check(*p, "docker.agent-sync");
  ASSERT_FALSE(o.passed());
  EXPECT_THAT(
      o.found,
      HasSubstr("first at Dockerfile:7 vs src/sandbox-scripts/claude-agent.js:5 (end of file)"));
  EXPECT_THAT(o.found, HasSubstr("-extra();"));
}

TEST(DockerAgentSync, LineEndingsTabsAndAMissingFinalNewlineAreNotDifferences) {
  std::string crlf;
  for (char c : std::string(kAgent)) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_TRUE(
      run_check(*docker_project(heredoc_dockerfile(kAgent), crlf), "docker.agent-sync").passed());
  std::string no_final = kAgent;
  no_final.pop_back();
  EXPECT_TRUE(run_check(*docker_project(heredoc_dockerfile(kAgent), no_final), "docker.agent-sync")
                  .passed());
  std::string tabbed;
  for (const char* line :
       {"const a = process.env.VF_CALLBACK_URL;\n", "const b = process.env.VF_STREAM_JWT;\n",
        "const c = process.env.VF_MODEL || 'sonnet';\n", "run(a, b, c);\n"})
    tabbed += std::string("\t\t") + line;
  std::string dash =
      "FROM node:20\nRUN cat > /opt/agent/claude-agent.js <<-'EOF'\n" + tabbed + "\tEOF\n";
  Outcome o = run_check(*docker_project(dash), "docker.agent-sync");
  EXPECT_TRUE(o.passed()) << o.found;
}

TEST(DockerAgentSync, CopyVariantsPass) {
  for (std::string copy : {"COPY src/sandbox-scripts/claude-agent.js /opt/agent/claude-agent.js\n",
                           "COPY ./src/sandbox-scripts/claude-agent.js /opt/agent/\n",
                           "WORKDIR /opt\nADD src/sandbox-scripts/ agent/\n",
                           "COPY src/sandbox-scripts/*.js /opt/agent/\n"}) {
    Outcome o = run_check(*docker_project("FROM node:20\n" + copy), "docker.agent-sync");
    EXPECT_TRUE(o.passed()) << copy << o.found;
    EXPECT_THAT(o.found, HasSubstr("in sync by construction"));
  }
}

TEST(DockerAgentSync, CopyFromABuildStageIsFollowed) {
  std::string d =
      "FROM node:20 AS build\nRUN cat > /tmp/a.js <<'EOF'\n" + std::string(kAgent) +
      "EOF\nFROM node:20-slim\nCOPY --from=build /tmp/a.js /opt/agent/claude-agent.js\n";
  Outcome o = run_check(*docker_project(d), "docker.agent-sync");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_THAT(o.found, HasSubstr("copied from stage build"));
}

TEST(DockerAgentSync, WrongPathOrOtherFileFails) {
  Outcome other_path = run_check(*docker_project(heredoc_dockerfile(
                                     kAgent, "RUN cat > /opt/elsewhere/claude-agent.js <<'EOF'\n")),
                                 "docker.agent-sync");
  EXPECT_FALSE(other_path.passed());
  EXPECT_THAT(other_path.found,
              HasSubstr("nothing in the image's final stage writes /opt/agent/claude-agent.js"));
  EXPECT_THAT(other_path.found,
              HasSubstr("writes the agent to /opt/elsewhere/claude-agent.js (Dockerfile:2)"));
  EXPECT_EQ(other_path.location.line, 2);

  Outcome other_file =
      run_check(*docker_project("FROM node:20\nCOPY dist/agent.js /opt/agent/claude-agent.js\n"),
                "docker.agent-sync");
  EXPECT_FALSE(other_file.passed());
  EXPECT_THAT(other_file.found,
              HasSubstr("copies dist/agent.js to /opt/agent/claude-agent.js, not the agent file"));

  Outcome none = run_check(*docker_project("FROM node:20\nRUN echo hi\n"), "docker.agent-sync");
  EXPECT_FALSE(none.passed());
  EXPECT_THAT(none.found, HasSubstr("neither writes the agent with a heredoc nor COPYs"));

  Outcome overwritten = run_check(
      *docker_project(heredoc_dockerfile(kAgent) + "COPY other.js /opt/agent/claude-agent.js\n"),
      "docker.agent-sync");
  EXPECT_FALSE(overwritten.passed()) << "the last write wins";
}

TEST(DockerAgentSync, UnquotedDelimiterThatExpandsFails) {
  std::string agent = "const u = `${process.env.VF_CALLBACK_URL}/x`;\n";
  Outcome o = run_check(
      *docker_project(heredoc_dockerfile(agent, "RUN cat > /opt/agent/claude-agent.js <<EOF\n"),
                      agent),
      "docker.agent-sync");
  EXPECT_FALSE(o.passed());
  EXPECT_THAT(o.found, HasSubstr("is unquoted"));
  EXPECT_THAT(o.found, HasSubstr("<<'EOF'"));
}

TEST(DockerAgentSync, ParseDiagnosticsAndMissingInputsFail) {
  Outcome unterminated =
      run_check(*docker_project("FROM node:20\nRUN cat > /opt/agent/claude-agent.js <<'EOF'\n" +
                                std::string(kAgent)),
                "docker.agent-sync");
  EXPECT_FALSE(unterminated.passed());
  EXPECT_THAT(unterminated.found, HasSubstr("unterminated heredoc"));
  EXPECT_EQ(unterminated.location.line, 2);

  Outcome empty = run_check(*docker_project(""), "docker.agent-sync");
  EXPECT_FALSE(empty.passed());
  EXPECT_THAT(empty.found, HasSubstr("no instructions"));

  auto no_docker = project_from({{Role::Agent, kAgent}, {Role::DurableObject, kDo}});
  Outcome missing = run_check(*no_docker, "docker.agent-sync");
  EXPECT_FALSE(missing.passed());
  EXPECT_THAT(missing.found, HasSubstr("not found"));

  std::string dynamic_do = replaced(kDo, "'node /opt/agent/claude-agent.js'", "command");
  Outcome no_script = run_check(*docker_project(heredoc_dockerfile(kAgent), kAgent, dynamic_do),
                                "docker.agent-sync");
  // without a readable command the configured agentImagePath stands for the script, and the
  // image writes the agent elsewhere
  EXPECT_FALSE(no_script.passed());
  EXPECT_THAT(no_script.found, HasSubstr("agentImagePath /opt/claude-agent/claude-agent.js"));
  EXPECT_THAT(no_script.found, HasSubstr("is not a constant"));
}

TEST(DockerAgentSync, WithoutTheDoTheConfiguredPathIsCompared) {
  std::string dockerfile = "FROM node:20\nRUN cat > /opt/claude-agent/claude-agent.js <<'EOF'\n" +
                           std::string(kAgent) + "EOF\n";
  auto no_do = project_from({{Role::Agent, kAgent}, {Role::Dockerfile, dockerfile}});
  Outcome same = run_check(*no_do, "docker.agent-sync");
  EXPECT_TRUE(same.passed()) << same.found;
  EXPECT_THAT(same.found, HasSubstr("agentImagePath"));

  std::string drifted = "FROM node:20\nRUN cat > /opt/claude-agent/claude-agent.js <<'EOF'\n" +
                        replaced(std::string(kAgent), "process.env", "process .env") + "EOF\n";
  auto no_do_drift = project_from({{Role::Agent, kAgent}, {Role::Dockerfile, drifted}});
  EXPECT_FALSE(run_check(*no_do_drift, "docker.agent-sync").passed());

  Config elsewhere;
  elsewhere.agent_image_path = "/opt/agent/claude-agent.js";
  auto configured = project_from(
      {{Role::Agent, kAgent}, {Role::Dockerfile, heredoc_dockerfile(kAgent)}}, elsewhere);
  Outcome o = run_check(*configured, "docker.agent-sync");
  EXPECT_TRUE(o.passed()) << o.found;
  EXPECT_THAT(o.found, HasSubstr("/opt/agent/claude-agent.js"));
}

TEST(DockerAgentSync, TrailingBlankLinesAreANote) {
  Outcome extra =
      run_check(*docker_project(heredoc_dockerfile(std::string(kAgent) + "\n\n"), kAgent, kDo),
                "docker.agent-sync");
  EXPECT_TRUE(extra.passed()) << extra.found;
  EXPECT_THAT(extra.found, HasSubstr("note: the heredoc ends with 2 blank lines"));

  Outcome fewer =
      run_check(*docker_project(heredoc_dockerfile(kAgent), std::string(kAgent) + "\n", kDo),
                "docker.agent-sync");
  EXPECT_TRUE(fewer.passed()) << fewer.found;
  EXPECT_THAT(fewer.found, HasSubstr("note: the agent file ends with 1 blank line"));
}

TEST(DockerAgentSync, RelativeScriptFollowsCdAndCwd) {
  std::string cd = replaced(kDo, "'node /opt/agent/claude-agent.js'",
                            "'cd /opt/agent && node ./claude-agent.js'");
  EXPECT_TRUE(
      run_check(*docker_project(heredoc_dockerfile(kAgent), kAgent, cd), "docker.agent-sync")
          .passed());
  std::string cwd =
      replaced(replaced(kDo, "'node /opt/agent/claude-agent.js'", "'node claude-agent.js'"),
               "cwd: '/workspace'", "cwd: '/opt/agent'");
  EXPECT_TRUE(
      run_check(*docker_project(heredoc_dockerfile(kAgent), kAgent, cwd), "docker.agent-sync")
          .passed());
}

TEST(DockerEnvNames, MatchingNamesPassWithNotes) {
  auto p = docker_project(heredoc_dockerfile(kAgent));
  Outcome o = run_check(*p, "docker.env-names");
  EXPECT_TRUE(o.passed()) << o.found;
}

TEST(DockerEnvNames, ReportsEachMismatchWithItsSideAndLocation) {
  std::string agent =
      std::string(kAgent) +
      "const w = process.env.VF_WORKSPACE;\nconst l = process.env.VF_LEVEL || 'info';\n";
  std::string durable_object =
      replaced(kDo, "VF_STREAM_JWT: token,", "VF_STREAM_JWT: token,\n        VF_EXTRA: '1',");
  auto p = docker_project("FROM node:20\nENV VF_WORKSPACE=/w\n", agent, durable_object);
  Outcome o = run_check(*p, "docker.env-names");
  ASSERT_FALSE(o.passed());
  EXPECT_THAT(
      o.found,
      HasSubstr("VF_EXTRA: set by startProcess env (src/agents/chat-session-agent.ts:9), never "
                "read by the agent"));
  EXPECT_THAT(
      o.found,
      HasSubstr("VF_WORKSPACE: read by the agent (src/sandbox-scripts/claude-agent.js:5) without "
                "a default, never set by startProcess env (src/agents/chat-session-agent.ts:5)"));
  EXPECT_THAT(
      o.found,
      HasSubstr("the Dockerfile's ENV VF_WORKSPACE (Dockerfile:2) does not reach the agent"));
  EXPECT_THAT(
      o.found,
      HasSubstr("notes: VF_LEVEL read with a default (src/sandbox-scripts/claude-agent.js:6)"));
}

TEST(DockerEnvNames, HonoursPrefixesAndIgnoreList) {
  std::string agent =
      std::string(kAgent) + "const w = process.env.VF_WORKSPACE;\nconst k = process.env.APP_KEY;\n";
  Config config;
  config.env_ignore = {"VF_WORKSPACE"};
  Outcome ignored =
      run_check(*docker_project("FROM node:20\n", agent, kDo, config), "docker.env-names");
  EXPECT_TRUE(ignored.passed()) << ignored.found;
  config.env_prefixes = {"VF_", "APP_"};
  Outcome prefixed =
      run_check(*docker_project("FROM node:20\n", agent, kDo, config), "docker.env-names");
  EXPECT_FALSE(prefixed.passed());
  EXPECT_THAT(prefixed.found, HasSubstr("APP_KEY: read by the agent"));
}

TEST(DockerEnvNames, DoesNotNeedTheDockerfile) {
  auto p = project_from({{Role::Agent, kAgent}, {Role::DurableObject, kDo}});
  EXPECT_TRUE(run_check(*p, "docker.env-names").passed());
}

}  // namespace
}  // namespace v15::testing
