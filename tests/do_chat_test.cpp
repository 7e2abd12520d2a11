// The ChatBridge fact (src/model_bridge.cpp) and the fetch/handleChatHttp checks on small inputs.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fixture_support.h"

namespace v15::testing {
namespace {

constexpr const char* kDoPath = "src/agents/chat-session-agent.ts";

// A project holding only a DO file whose class body is `members`, preceded by `prelude`.
std::unique_ptr<Project> do_project(const std::string& members, const std::string& prelude = "") {
  std::map<std::string, std::string> files;
  files[kDoPath] = prelude + "\nexport class ChatSessionAgent {\n" + members + "\n}\n";
  Config config;
  MemoryReader reader(files, "test");
  return std::make_unique<Project>(load_sources(reader, config.paths), config);
}

// The text of the first node of `kind` in the file whose text contains `needle`.
Node node_with(const FileModel& m, std::string_view kind, std::string_view needle) {
  for (const Node& n : m.nodes(kind))
    if (n.text().find(needle) != std::string_view::npos) return n;
  return {};
}

// An identifier use (not the declaration) named `name` inside the text `within`.
Node use_of(const FileModel& m, std::string_view within, std::string_view name) {
  Node scope = node_with(m, "expression_statement", within);
  for (const Node& id : m.nodes_in("identifier", scope))
    if (id.text() == name) return id;
  return {};
}

const char* const kCreateDeferred = R"(
function createDeferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
)";

const char* const kFixtureShape = R"(
  private httpBridges = new Map<string, unknown>();
  private async handleChatHttp(request: Request): Promise<Response> {
    const { sessionId, userId } = await request.json() as { sessionId: string; userId: string };
    const executionId = crypto.randomUUID();
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const { promise, resolve, reject } = createDeferred<void>();
    this.httpBridges.set(executionId, { writer, resolve, reject });
    this.dispatchContainer(executionId, sessionId, userId).catch(() => {
      writer.close().catch(() => {});
    });
    promise.then(() => writer.close()).catch(() => writer.close());
    return new Response(readable, { headers: { 'Content-Type': 'application/x-ndjson' } });
  }
  private async dispatchContainer(executionId: string, sessionId: string, userId: string) {}
)";

TEST(ChatBridge, FixtureShapeFindsEveryPart) {
  auto p = do_project(kFixtureShape, kCreateDeferred);
  const ChatBridge& b = p->chat_bridge();
  ASSERT_TRUE(b.found()) << b.problem;
  const FileModel& m = *b.model;
  EXPECT_TRUE(b.stream.is("new_expression"));
  ASSERT_NE(b.readable, nullptr);
  EXPECT_EQ(b.readable->name, "readable");
  ASSERT_NE(b.writable, nullptr);
  EXPECT_EQ(b.writable->name, "writable");
  EXPECT_EQ(b.stream_binding, nullptr);
  ASSERT_FALSE(b.writer_call.null());
  EXPECT_EQ(b.writer_call.text(), "writable.getWriter()");
  ASSERT_NE(b.writer, nullptr);
  EXPECT_EQ(b.writer->name, "writer");

  EXPECT_EQ(b.deferred_kind, ChatBridge::DeferredKind::Helper);
  EXPECT_EQ(b.deferred.text(), "createDeferred<void>()");
  ASSERT_NE(b.deferred_helper, nullptr);
  EXPECT_EQ(b.deferred_helper->name, "createDeferred");
  EXPECT_TRUE(b.executor_promise.is("new_expression"));
  EXPECT_EQ(b.promise_key, "promise");
  EXPECT_EQ(b.resolve_key, "resolve");
  EXPECT_EQ(b.reject_key, "reject");
  ASSERT_NE(b.promise, nullptr);
  EXPECT_EQ(b.promise->name, "promise");
  ASSERT_NE(b.resolve, nullptr);
  EXPECT_EQ(b.resolve->name, "resolve");
  ASSERT_NE(b.reject, nullptr);
  EXPECT_EQ(b.reject->name, "reject");

  EXPECT_EQ(FileModel::callee_name(b.register_call), "set");
  EXPECT_EQ(b.register_key.text(), "executionId");
  EXPECT_TRUE(b.registered.is("object"));
  EXPECT_EQ(FileModel::callee_name(b.dispatch_call), "dispatchContainer");

  // queries from uses in the method body
  Node close_use = use_of(m, "promise.then", "writer");
  ASSERT_FALSE(close_use.null());
  EXPECT_TRUE(b.is_writer(m, close_use));
  EXPECT_FALSE(b.is_readable(m, close_use));
  EXPECT_TRUE(b.is_promise(m, use_of(m, "promise.then", "promise")));
  Node ret = node_with(m, "new_expression", "new Response(readable");
  ASSERT_FALSE(ret.null());
  EXPECT_TRUE(b.is_readable(m, FileModel::arguments(ret)[0]));
  Node reg = b.registered;
  EXPECT_TRUE(b.is_resolve(m, m.property(reg, "resolve")));
  EXPECT_TRUE(b.is_reject(m, m.property(reg, "reject")));
  EXPECT_FALSE(b.is_resolve(m, m.property(reg, "reject")));
}

TEST(ChatBridge, InlinePromiseWithEscapingSettlers) {
  auto p = do_project(R"(
  handleChatHttp = async (request: Request) => {
    const ts = new TransformStream();
    const writer = ts.writable.getWriter();
    let settle!: () => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => { settle = res; fail = rej; });
    done.finally(() => writer.close());
    settle();
    fail(new Error('x'));
    return new Response(ts.readable);
  };
)");
  const ChatBridge& b = p->chat_bridge();
  ASSERT_TRUE(b.found()) << b.problem;
  const FileModel& m = *b.model;
  ASSERT_NE(b.stream_binding, nullptr);
  EXPECT_EQ(b.stream_binding->name, "ts");
  EXPECT_EQ(b.readable, nullptr);  // only read as ts.readable, never bound
  EXPECT_EQ(b.deferred_kind, ChatBridge::DeferredKind::Promise);
  EXPECT_TRUE(b.promise_key.empty());
  ASSERT_NE(b.promise, nullptr);
  EXPECT_EQ(b.promise->name, "done");
  ASSERT_NE(b.resolve, nullptr);
  EXPECT_EQ(b.resolve->name, "settle");
  ASSERT_NE(b.reject, nullptr);
  EXPECT_EQ(b.reject->name, "fail");
  EXPECT_TRUE(b.is_resolve(m, use_of(m, "settle()", "settle")));
  EXPECT_TRUE(b.is_reject(m, use_of(m, "fail(new", "fail")));
  EXPECT_FALSE(b.is_resolve(m, use_of(m, "fail(new", "fail")));
  Node ret = node_with(m, "new_expression", "new Response(ts.readable");
  EXPECT_TRUE(b.is_readable(m, FileModel::arguments(ret)[0]));
}

TEST(ChatBridge, PromiseWithResolvers) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const d = Promise.withResolvers<void>();
    d.promise.then(() => writer.close(), () => writer.close());
    return new Response(readable);
  }
)");
  const ChatBridge& b = p->chat_bridge();
  const FileModel& m = *b.model;
  EXPECT_EQ(b.deferred_kind, ChatBridge::DeferredKind::WithResolvers);
  ASSERT_NE(b.deferred_object, nullptr);
  EXPECT_EQ(b.deferred_object->name, "d");
  EXPECT_EQ(b.promise, nullptr);
  Node member = node_with(m, "member_expression", "d.promise");
  ASSERT_FALSE(member.null());
  // the innermost member_expression whose text is exactly d.promise
  for (const Node& n : m.nodes("member_expression"))
    if (n.text() == "d.promise") member = n;
  EXPECT_TRUE(b.is_promise(m, member));
}

TEST(ChatBridge, DeferredClassWithRenamedMembers) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const gate = new Gate();
    gate.done.then(() => writer.close()).catch(() => writer.close());
    return new Response(readable);
  }
)",
                      R"(
class Gate {
  done: Promise<void>;
  open!: () => void;
  shut!: (e: unknown) => void;
  constructor() {
    this.done = new Promise((a, b) => { this.open = a; this.shut = b; });
  }
}
)");
  const ChatBridge& b = p->chat_bridge();
  EXPECT_EQ(b.deferred_kind, ChatBridge::DeferredKind::Helper);
  EXPECT_EQ(b.promise_key, "done");
  EXPECT_EQ(b.resolve_key, "open");
  EXPECT_EQ(b.reject_key, "shut");
  ASSERT_NE(b.deferred_object, nullptr);
  EXPECT_EQ(b.deferred_object->name, "gate");
}

TEST(ChatBridge, PromiseKeptInsideItsExecutorIsNoDeferred) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const { readable } = new IdentityTransformStream();
    await new Promise((resolve) => setTimeout(resolve, 10));
    return new Response(readable);
  }
)");
  const ChatBridge& b = p->chat_bridge();
  ASSERT_TRUE(b.found());
  EXPECT_FALSE(b.has_deferred());
  EXPECT_TRUE(b.stream.null());
  EXPECT_TRUE(b.writer_call.null());
}

TEST(ChatBridge, HelperParametersAreFollowedOneHop) {
  auto p =
      do_project(R"(
  private httpBridges = new Map<string, unknown>();
  async handleChatHttp(request: Request) {
    const executionId = crypto.randomUUID();
    const { readable, writable } = new TransformStream();
    const out = writable.getWriter();
    const { promise, resolve, reject } = createDeferred<void>();
    this.registerBridge(executionId, out, resolve, reject);
    promise.then(() => finish(out), () => finish(out));
    return new Response(readable);
  }
  private registerBridge(id: string, w: WritableStreamDefaultWriter, ok: () => void, ko: () => void) {
    this.httpBridges.set(id, { writer: w, resolve: ok, reject: ko });
  }
)",
                 std::string(kCreateDeferred) +
                     "function finish(target: WritableStreamDefaultWriter) { target.close(); }\n");
  const ChatBridge& b = p->chat_bridge();
  const FileModel& m = *b.model;
  ASSERT_FALSE(b.register_call.null());
  EXPECT_EQ(b.register_key.text(), "id");
  ASSERT_TRUE(b.registered.is("object"));
  EXPECT_TRUE(b.is_writer(m, m.property(b.registered, "writer")));
  EXPECT_TRUE(b.is_resolve(m, m.property(b.registered, "resolve")));
  EXPECT_TRUE(b.is_reject(m, m.property(b.registered, "reject")));
  Node target = node_with(m, "member_expression", "target.close");
  ASSERT_FALSE(target.null());
  EXPECT_TRUE(b.is_writer(m, target.field("object")));
  auto values = argument_values(m, b.region, target.field("object"));
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].text(), "out");
}

TEST(ChatBridge, MissingMethodSaysWhy) {
  auto p = do_project("  async fetch(request: Request) { return new Response('x'); }\n");
  const ChatBridge& b = p->chat_bridge();
  EXPECT_FALSE(b.found());
  EXPECT_NE(b.problem.find("handleChatHttp"), std::string::npos) << b.problem;
  EXPECT_EQ(&b, &p->chat_bridge());  // memoized
}

TEST(ChatBridge, MissingFileSaysWhy) {
  std::map<std::string, std::string> files;
  Config config;
  MemoryReader reader(files, "test");
  Project p(load_sources(reader, config.paths), config);
  EXPECT_FALSE(p.chat_bridge().found());
  EXPECT_FALSE(p.chat_bridge().problem.empty());
}

// -- the checks on small inputs ------------------------------------------------------------------

Outcome run_one(const Project& p, std::string_view id) {
  static const Registry registry = default_registry();
  const Check* c = registry.find(id);
  if (!c) {
    ADD_FAILURE() << "no check " << id;
    return {};
  }
  CheckContext ctx(p, *c);
  return c->run(ctx);
}

TEST(DoChatChecks, FixtureShapePasses) {
  auto p = do_project(kFixtureShape, kCreateDeferred);
  for (const char* id : {"do.chat-execution-id", "do.chat-bridge-stream", "do.chat-bridge-register",
                         "do.chat-dispatch", "do.chat-ndjson-response", "do.chat-close-writer"}) {
    Outcome o = run_one(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

TEST(DoChatChecks, BodyTypedAndPassedWholeCountsItsType) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const body: ChatBody = await request.json();
    return this.dispatchContainer(body);
  }
)",
                      "interface Base { sessionId: string; prompt: string }\n"
                      "type ChatBody = Base & { userId: string; mode?: string; model?: string; "
                      "autonomy?: string };\n");
  Outcome o = run_one(*p, "do.chat-body-fields");
  EXPECT_TRUE(o.passed()) << o.found;
}

TEST(DoChatChecks, BodyFieldsListsMissingNames) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const body = await request.json<Record<string, string>>();
    const prompt = body.prompt;
    const { sessionId, userId } = body;
    return new Response(prompt + sessionId + userId);
  }
)");
  Outcome o = run_one(*p, "do.chat-body-fields");
  EXPECT_FALSE(o.passed());
  EXPECT_NE(o.found.find("mode, model, autonomy"), std::string::npos) << o.found;
}

TEST(DoChatChecks, UserGuardAcceptsErrorResponseAndRejectsLateGuard) {
  auto ok = do_project(R"(
  async handleChatHttp(request: Request) {
    const body = (await request.json()) as { userId?: string };
    if (typeof body.userId !== 'string' || body.userId.trim() === '') {
      return new Response('userId required', { status: 400 });
    }
    this.dispatchContainer(body.userId).catch(() => {});
    return new Response('ok');
  }
)");
  EXPECT_TRUE(run_one(*ok, "do.chat-user-guard").passed())
      << run_one(*ok, "do.chat-user-guard").found;
  auto late = do_project(R"(
  async handleChatHttp(request: Request) {
    const { userId } = (await request.json()) as { userId?: string };
    this.dispatchContainer(userId).catch(() => {});
    if (!userId) throw new Error('userId is required');
    return new Response('ok');
  }
)");
  Outcome o = run_one(*late, "do.chat-user-guard");
  EXPECT_FALSE(o.passed());
  EXPECT_NE(o.found.find("after"), std::string::npos) << o.found;
}

TEST(DoChatChecks, DispatchAwaitedThroughBindingFails) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const pending = this.dispatchContainer().catch(() => {});
    await pending;
    return new Response('ok');
  }
)");
  Outcome o = run_one(*p, "do.chat-dispatch");
  EXPECT_FALSE(o.passed());
  EXPECT_NE(o.found.find("awaited at line"), std::string::npos) << o.found;
}

TEST(DoChatChecks, FetchRoutesThroughSwitchAndDefault404) {
  auto p = do_project(R"(
  fetch = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (request.method !== 'POST') {
      return new Response('Method not allowed', { status: 405 });
    }
    switch (pathname) {
      case '/internal/stream':
        return this.handleContainerStream(request);
      case '/init': {
        const res = await this.handleInit(request);
        return res;
      }
      case '/chat':
        try {
          return await this.handleChatHttp(request);
        } catch {
          return new Response('Internal error', { status: 500 });
        }
      default:
        return new Response('Not found', { status: 404 });
    }
  };
  async handleContainerStream(request: Request) { return new Response('ok'); }
  async handleInit(request: Request) { return new Response('ok'); }
  async handleChatHttp(request: Request) { return new Response('ok'); }
)");
  for (const char* id : {"do.fetch-stream", "do.fetch-init", "do.fetch-chat", "do.fetch-404"}) {
    Outcome o = run_one(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

TEST(DoChatChecks, FetchBranchThatDropsTheResultFails) {
  auto p = do_project(R"(
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.pathname === '/init') {
      this.handleInit(request);
      return new Response('ok');
    }
    if (request.method === 'POST' && url.pathname === '/chat') {
      return this.handleStatus();
    }
  }
  async handleInit(request: Request) { return new Response('ok'); }
)");
  Outcome init = run_one(*p, "do.fetch-init");
  EXPECT_FALSE(init.passed());
  EXPECT_NE(init.found.find("neither returns nor awaits"), std::string::npos) << init.found;
  Outcome chat = run_one(*p, "do.fetch-chat");
  EXPECT_FALSE(chat.passed());
  EXPECT_NE(chat.found.find("this.handleStatus()"), std::string::npos) << chat.found;
  Outcome nf = run_one(*p, "do.fetch-404");
  EXPECT_FALSE(nf.passed());
  EXPECT_NE(nf.found.find("without returning"), std::string::npos) << nf.found;
}

TEST(DoChatChecks, SpellingsThatMustPass) {
  auto p = do_project(R"(
  private httpBridges = new Map<string, unknown>();
  async handleChatHttp(request: Request) {
    const executionId = `exec-${crypto.randomUUID()}`;
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const { promise, resolve, reject } = createDeferred<void>();
    const bridge = { writer, resolve, reject };
    this.httpBridges.set(executionId, bridge);
    void this.dispatchContainer(executionId).catch(() => this.closeWriter(writer));
    promise.then(() => this.closeWriter(writer), () => this.closeWriter(writer));
    const response = new Response(readable, { headers: { ...NDJSON, 'X-Execution-Id': executionId } });
    return response;
  }
  private closeWriter(w: WritableStreamDefaultWriter) {
    w.close().catch(() => {});
  }
  private async dispatchContainer(executionId: string) {}
)",
                      std::string(kCreateDeferred) +
                          "const NDJSON = { 'Content-Type': 'application/x-ndjson' } as const;\n");
  for (const char* id : {"do.chat-execution-id", "do.chat-bridge-register", "do.chat-dispatch",
                         "do.chat-ndjson-response", "do.chat-close-writer"}) {
    Outcome o = run_one(*p, id);
    EXPECT_TRUE(o.passed()) << id << ": " << o.found;
  }
}

TEST(DoChatChecks, ClientControlledExecutionIdFails) {
  auto p = do_project(R"(
  async handleChatHttp(request: Request) {
    const body = (await request.json()) as { executionId?: string };
    const executionId = body.executionId ?? crypto.randomUUID();
    return new Response(executionId);
  }
)");
  Outcome o = run_one(*p, "do.chat-execution-id");
  EXPECT_FALSE(o.passed());
  EXPECT_NE(o.found.find("not crypto.randomUUID()"), std::string::npos) << o.found;
}

}  // namespace
}  // namespace v15::testing
