// Deeply nested and chained code: the model and every check finish without recursing once per
// level (a stack overflow is a crash, whatever the verdict).
#include <gtest/gtest.h>

#include <string>

#include "fixture_support.h"
#include "model_support.h"

namespace v15 {
namespace {

// Far deeper than any recursion over the tree could go on an 8 MiB stack.
constexpr int kLevels = 200000;

std::string repeat(std::string_view unit, int n) {
  std::string out;
  out.reserve(unit.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

TEST(DeepNesting, ModelIndexesAndFoldsWithoutRecursingPerLevel) {
  std::string src = "const {a:" + repeat("{a:", kLevels) + "z" + repeat("}", kLevels) +
                    "} = input;\n"
                    "const path = 'a'" +
                    repeat(" + x", kLevels) +
                    ";\n"
                    "export function route(url: any, x: any) {\n"
                    "  if (" +
                    repeat("x || ", kLevels) +
                    "url.pathname === '/chain') {}\n"
                    "  if (url.pathname === '/deep') {" +
                    repeat("{", kLevels) + repeat("}", kLevels) + "}\n}\n";
  auto project = testing::project_from({{Role::Worker, src}});
  const FileModel* m = project->file(Role::Worker);
  ASSERT_NE(m, nullptr);
  // the declarations around the deep ones are indexed as usual
  EXPECT_NE(m->resolve("path", static_cast<uint32_t>(src.size() - 1)), nullptr);
  // the operands past the depth the renderer follows are rendered as written, not recursed into
  Node init;
  for (const Node& d : m->nodes("variable_declarator"))
    if (d.field("name").text() == "path") init = d.field("value");
  auto rendered = m->pattern(init);
  ASSERT_TRUE(rendered.has_value());
  EXPECT_EQ(rendered->substr(rendered->size() - 6), "{x}{x}");
  // the route search looks at the `||` chain and the nested blocks under a route
  ASSERT_EQ(m->routes().size(), 2u);
  EXPECT_EQ(m->routes()[0].path, "/chain");
  EXPECT_EQ(m->routes()[1].path, "/deep");
}

TEST(DeepNesting, EveryCheckRunsOnDeeplyNestedCodeInTheFlow) {
  auto files = testing::load_tree(testing::fixtures_dir() / "v15-pass");
  std::string& agent = files["src/agents/chat-session-agent.ts"];
  std::string anchor = "private async handleChatHttp(request: Request): Promise<Response> {\n";
  auto at = agent.find(anchor);
  ASSERT_NE(at, std::string::npos);
  std::string deep = "    if (" + repeat("!", kLevels) +
                     "request) { throw new Error('deep'); }\n"
                     "    if (" +
                     repeat("request.body || ", kLevels) +
                     "!request) { return new Response('x', { status: 400 }); }\n"
                     "    const lengths = request.headers.get('Authorization')" +
                     repeat(".length", kLevels) + ";\n";
  agent.insert(at + anchor.size(), deep);
  auto outcome = testing::run_all(files);
  EXPECT_EQ(outcome.results.size(), default_registry().checks().size());
}

}  // namespace
}  // namespace v15
