// The ContainerStream fact (handleContainerStream) and the small regex matcher it uses, on short
// TypeScript sources.
#include <gtest/gtest.h>

#include "model_support.h"

namespace v15::testing {
namespace {

// A DO class around the given members.
std::string agent(const std::string& members, const std::string& prelude = "") {
  return "import { verifyExecutionToken } from '../utils/jwt';\n" + prelude +
         "export class ChatSessionAgent {\n"
         "  private httpBridges = new Map<string, any>();\n" +
         members + "}\n";
}

const std::string kStream = R"(
  async handleContainerStream(request: Request): Promise<Response> {
    const authHeader = request.headers.get('Authorization') ?? '';
    const token = authHeader.startsWith('Bearer ') ? authHeader.slice(7) : '';
    const payload = await verifyExecutionToken(token, this.env.JWT_SECRET);
    if (!payload) {
      return new Response('Unauthorized', { status: 401 });
    }
    const bridge = this.httpBridges.get(payload.executionId);
    if (!bridge) {
      return new Response('No bridge', { status: 404 });
    }
    if (!request.body) {
      bridge.resolve();
      this.httpBridges.delete(payload.executionId);
      return new Response('OK');
    }
    const decoder = new TextDecoder();
    try {
      const reader = request.body.getReader();
      let buffer = '';
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          await bridge.writer.write(line + '\n');
          this.extractMetadata(line);
        }
      }
      if (buffer.trim()) {
        await bridge.writer.write(buffer + '\n');
      }
      bridge.resolve();
      return new Response('OK');
    } catch (err) {
      bridge.reject(err);
      return new Response('failed', { status: 500 });
    } finally {
      this.httpBridges.delete(payload.executionId);
    }
  }
  private extractMetadata(line: string): void {}
)";

const ContainerStream& stream_of(const Project& p) { return p.container_stream(); }

TEST(RegexMatchesWhole, LineTerminators) {
  EXPECT_EQ(regex_matches_whole(R"(\r?\n)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(\n)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(\r\n)", "", "\n"), false);
  EXPECT_EQ(regex_matches_whole(R"([\r\n]+)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(\r\n|\n)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"((?:\r\n|\n))", "g", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(\s+)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(\n{2})", "", "\n"), false);
  EXPECT_EQ(regex_matches_whole(R"(\n{1,})", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"(^\n$)", "", "\n"), true);
  EXPECT_EQ(regex_matches_whole(R"([^\n])", "", "\n"), false);
  EXPECT_EQ(regex_matches_whole(R"(\u000a)", "", "\n"), true);
}

TEST(RegexMatchesWhole, DotAndFlags) {
  EXPECT_EQ(regex_matches_whole(".", "", "\n"), false);
  EXPECT_EQ(regex_matches_whole(".", "s", "\n"), true);
  EXPECT_EQ(regex_matches_whole("bearer ", "i", "Bearer "), true);
  EXPECT_EQ(regex_matches_whole(R"(\S)", "", "\n"), false);
}

TEST(RegexMatchesWhole, UnsupportedIsUnknown) {
  EXPECT_EQ(regex_matches_whole(R"(\b)", "", "\n"), std::nullopt);
  EXPECT_EQ(regex_matches_whole("(?=\\n)", "", "\n"), std::nullopt);
  EXPECT_EQ(regex_matches_whole("(\\n", "", "\n"), std::nullopt);
  EXPECT_EQ(regex_matches_whole("*", "", "\n"), std::nullopt);
}

TEST(ContainerStream, FindsEveryPart) {
  auto p = project_from({{Role::DurableObject, agent(kStream)}});
  const ContainerStream& s = stream_of(*p);
  ASSERT_TRUE(s.found()) << s.problem;
  EXPECT_EQ(s.auth_header.text(), "request.headers.get('Authorization')");
  EXPECT_EQ(s.verify_call.line(), 8);
  EXPECT_EQ(s.token.text(), "token");
  EXPECT_TRUE(s.token_from_header);
  EXPECT_EQ(s.bearer_strip.text(), "authHeader.slice(7)");
  ASSERT_NE(s.payload, nullptr);
  EXPECT_EQ(s.payload->name, "payload");
  EXPECT_EQ(s.verify_guard_status, 401);
  EXPECT_EQ(s.lookup.text(), "this.httpBridges.get(payload.executionId)");
  EXPECT_TRUE(s.key_is_execution_id);
  ASSERT_NE(s.bridge, nullptr);
  EXPECT_EQ(s.bridge->name, "bridge");
  EXPECT_EQ(s.missing_guard_status, 404);
  EXPECT_EQ(s.empty_body_guard.field("condition").text(), "(!request.body)");
  EXPECT_EQ(s.reader.text(), "request.body.getReader()");
  EXPECT_EQ(s.read_call.text(), "reader.read()");
  EXPECT_TRUE(s.read_loop.is("while_statement"));
  EXPECT_EQ(s.split_call.text(), "buffer.split('\\n')");
  EXPECT_TRUE(s.separator_splits_lf);
  ASSERT_NE(s.buffer, nullptr);
  EXPECT_EQ(s.buffer->name, "buffer");
  EXPECT_TRUE(s.line_loop.is("for_in_statement"));
  ASSERT_EQ(s.line_writes.size(), 1u);
  EXPECT_EQ(s.line_writes[0].text(), "bridge.writer.write(line + '\\n')");
  ASSERT_EQ(s.metadata_calls.size(), 1u);
  EXPECT_EQ(s.flush_write.text(), "bridge.writer.write(buffer + '\\n')");
  EXPECT_EQ(s.flush_guard.text(), "(buffer.trim())");
  EXPECT_EQ(s.writes.size(), 2u);
  ASSERT_EQ(s.resolves.size(), 2u);  // the empty-body branch and the success path
  EXPECT_FALSE(s.resolves[1].context.in_catch());
  ASSERT_EQ(s.rejects.size(), 1u);
  EXPECT_TRUE(s.rejects[0].context.in_catch());
  ASSERT_EQ(s.deletes.size(), 2u);
  EXPECT_FALSE(s.deletes[0].context.in_finally());
  EXPECT_TRUE(s.deletes[1].context.in_finally());
  EXPECT_EQ(s.delete_key_matches_lookup, (std::vector<bool>{true, true}));
}

TEST(ContainerStream, MissingMethodSaysWhy) {
  auto p = project_from({{Role::DurableObject, agent("  async fetch() {}\n")}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_FALSE(s.found());
  EXPECT_NE(s.problem.find("handleContainerStream"), std::string::npos);
  auto none = project_from({});
  EXPECT_FALSE(stream_of(*none).found());
  EXPECT_FALSE(stream_of(*none).problem.empty());
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ContainerStream, Separators) {
  auto crlf = project_from(
      {{Role::DurableObject, agent(with(kStream, "split('\\n')", "split('\\r\\n')"))}});
  EXPECT_FALSE(stream_of(*crlf).split_call.null());
  EXPECT_FALSE(stream_of(*crlf).separator_splits_lf);
  auto regex = project_from(
      {{Role::DurableObject, agent(with(kStream, "split('\\n')", "split(/\\r?\\n/)"))}});
  EXPECT_TRUE(stream_of(*regex).separator_splits_lf);
  auto constant =
      project_from({{Role::DurableObject,
                     agent(with(kStream, "split('\\n')", "split(NL)"), "const NL = `\\n`;\n")}});
  EXPECT_TRUE(stream_of(*constant).separator_splits_lf);
  auto ctor =
      project_from({{Role::DurableObject,
                     agent(with(kStream, "split('\\n')", "split(new RegExp('\\\\r?\\\\n'))"))}});
  EXPECT_TRUE(stream_of(*ctor).separator_splits_lf);
}

TEST(ContainerStream, RawHeaderTokenHasNoBearerStrip) {
  auto p = project_from(
      {{Role::DurableObject,
        agent(with(kStream, "authHeader.startsWith('Bearer ') ? authHeader.slice(7) : ''",
                   "authHeader"))}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_TRUE(s.token_from_header);
  EXPECT_TRUE(s.bearer_strip.null());
}

TEST(ContainerStream, DestructuredPayloadAndBridge) {
  std::string src = with(kStream, "    const bridge = this.httpBridges.get(payload.executionId);\n",
                         "    const { executionId } = payload;\n"
                         "    const bridge = this.httpBridges.get(executionId);\n"
                         "    const { writer, resolve, reject } = bridge;\n");
  src = with(src, "await bridge.writer.write(line + '\\n');", "await writer.write(line + '\\n');");
  src = with(src, "      bridge.resolve();\n      return new Response('OK');\n    } catch",
             "      resolve();\n      return new Response('OK');\n    } catch");
  src = with(src, "bridge.reject(err);", "reject(err);");
  src = with(src, "    } finally {\n      this.httpBridges.delete(payload.executionId);",
             "    } finally {\n      this.httpBridges.delete(executionId);");
  auto p = project_from({{Role::DurableObject, agent(src)}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_TRUE(s.key_is_execution_id);
  EXPECT_EQ(s.line_writes.size(), 1u);
  EXPECT_EQ(s.resolves.size(), 2u);
  EXPECT_EQ(s.rejects.size(), 1u);
  EXPECT_EQ(s.delete_key_matches_lookup, (std::vector<bool>{true, true}));
}

TEST(ContainerStream, FollowsHelperParameters) {
  const std::string members = R"(
  async handleContainerStream(request: Request): Promise<Response> {
    const payload = await verifyExecutionToken(this.token(request), 's');
    if (!payload) return new Response('no', { status: 401 });
    const bridge = this.httpBridges.get(payload.executionId);
    if (!bridge) return new Response('none', { status: 404 });
    try {
      await this.pump(bridge, request.body!);
      bridge.resolve();
    } catch (e) {
      bridge.reject(e);
    } finally {
      this.httpBridges.delete(payload.executionId);
    }
    return new Response('OK');
  }
  private token(req: Request): string {
    return (req.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '');
  }
  private async pump(target: HttpBridge, body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
      const parts = rest.split(/\r?\n/);
      rest = parts.pop() ?? '';
      parts.forEach((line) => target.writer.write(line + '\n'));
    }
    if (rest) await target.writer.write(rest);
  }
)";
  auto p = project_from({{Role::DurableObject, agent(members)}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_TRUE(s.token_from_header);
  EXPECT_FALSE(s.bearer_strip.null());
  EXPECT_EQ(s.reader.text(), "body.getReader()");
  EXPECT_TRUE(s.read_loop.is("for_statement"));
  EXPECT_TRUE(s.separator_splits_lf);
  EXPECT_TRUE(s.line_loop.is("call_expression"));
  EXPECT_EQ(s.line_writes.size(), 1u);
  EXPECT_EQ(s.flush_write.text(), "target.writer.write(rest)");
  EXPECT_EQ(s.flush_guard.text(), "(rest)");
  EXPECT_EQ(s.writes.size(), 2u);
}

TEST(ContainerStream, ForAwaitOverTheBody) {
  std::string src =
      with(kStream,
           "      const reader = request.body.getReader();\n"
           "      let buffer = '';\n"
           "      while (true) {\n"
           "        const { done, value } = await reader.read();\n"
           "        if (done) break;\n"
           "        buffer += decoder.decode(value, { stream: true });\n",
           "      let buffer = '';\n"
           "      for await (const chunk of request.body.pipeThrough(new TextDecoderStream())) {\n"
           "        buffer += chunk;\n");
  auto p = project_from({{Role::DurableObject, agent(src)}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_TRUE(s.read_loop.is("for_in_statement"));
  EXPECT_TRUE(s.read_call.null());
  EXPECT_TRUE(s.read_loop.contains(s.split_call));
  EXPECT_FALSE(s.line_loop == s.read_loop);
  EXPECT_EQ(s.line_writes.size(), 1u);
  EXPECT_FALSE(s.flush_write.null());
}

TEST(ContainerStream, GuardsThatDoNotAnswer) {
  std::string src = with(
      kStream,
      "    if (!payload) {\n      return new Response('Unauthorized', { status: 401 });\n    }\n",
      "    if (payload === null) {\n      return new Response('Forbidden', { status: 403 });\n    "
      "}\n");
  src = with(
      src, "    if (!bridge) {\n      return new Response('No bridge', { status: 404 });\n    }\n",
      "");
  auto p = project_from({{Role::DurableObject, agent(src)}});
  const ContainerStream& s = stream_of(*p);
  EXPECT_FALSE(s.verify_guard.null());
  EXPECT_EQ(s.verify_guard_status, 403);
  EXPECT_TRUE(s.missing_guard.null());
}

}  // namespace
}  // namespace v15::testing
