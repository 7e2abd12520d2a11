// The tree-sitter wrappers: language choice, node views, iterative traversal, queries.
#include <gtest/gtest.h>

#include "v15check/syntax.h"

namespace v15 {
namespace {

TEST(Syntax, LanguageByExtension) {
  EXPECT_EQ(language_for_path("src/index.ts"), Language::TypeScript);
  EXPECT_EQ(language_for_path("a.mts"), Language::TypeScript);
  EXPECT_EQ(language_for_path("a.tsx"), Language::Tsx);
  EXPECT_EQ(language_for_path("a.js"), Language::JavaScript);
  EXPECT_EQ(language_for_path("a.mjs"), Language::JavaScript);
  EXPECT_EQ(language_for_path("a.cjs"), Language::JavaScript);
  EXPECT_FALSE(language_for_path("Dockerfile"));
}

TEST(Syntax, NodeViewFieldsTextAndPositions) {
  Parser p;
  std::string src = "const x = 1;\nfoo(x, 'y');\n";
  Tree t = p.parse(src, Language::TypeScript);
  Node root = t.root();
  ASSERT_EQ(root.named_child_count(), 2u);
  Node call = root.named_child(1).named_child(0);
  EXPECT_EQ(call.kind(), "call_expression");
  EXPECT_EQ(call.field("function").text(), "foo");
  EXPECT_EQ(call.field("arguments").named_child_count(), 2u);
  EXPECT_EQ(call.line(), 2);
  EXPECT_EQ(call.column(), 1);
  EXPECT_TRUE(root.contains(call));
  EXPECT_FALSE(call.contains(root));
  EXPECT_TRUE(Node{}.null());
  EXPECT_EQ(Node{}.text(), "");
}

TEST(Syntax, DeepNestingDoesNotOverflowTheStack) {
  std::string src =
      "const x = " + std::string(100000, '(') + "1" + std::string(100000, ')') + ";\n";
  Parser p;
  Tree t = p.parse(src, Language::TypeScript);
  ASSERT_TRUE(t.valid());
  std::size_t count = 0;
  uint32_t max_depth = 0;
  walk(t.root(), [&](const Node&, uint32_t depth) {
    ++count;
    max_depth = std::max(max_depth, depth);
    return true;
  });
  EXPECT_GT(count, 100000u);
  EXPECT_GT(max_depth, 50000u);
  EXPECT_TRUE(first_error(t.root()).null());
}

TEST(Syntax, FirstErrorFindsMissingAndErrorNodes) {
  Parser p;
  std::string src = "function f() {\n  return (1 + ;\n}\n";
  Tree t = p.parse(src, Language::TypeScript);
  Node err = first_error(t.root());
  ASSERT_FALSE(err.null());
  EXPECT_EQ(err.line(), 2);
}

TEST(Syntax, QueryCompilesOnceAndCaptures) {
  Query bad(Language::JavaScript, "(call_expression function: (nope))");
  EXPECT_FALSE(bad.valid());
  EXPECT_FALSE(bad.error().empty());
  Query q(Language::JavaScript, "(call_expression function: (identifier) @fn)");
  ASSERT_TRUE(q.valid()) << q.error();
  Parser p;
  std::string src = "a(); b.c(); d();";
  Tree t = p.parse(src, Language::JavaScript);
  QueryCursor cursor;
  auto caps = cursor.captures(q, t.root());
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[0].node.text(), "a");
  EXPECT_EQ(caps[1].node.text(), "d");
  EXPECT_EQ(caps[0].name, "fn");
}

TEST(Syntax, BinaryGarbageParsesWithErrorsNotCrashes) {
  std::string src;
  for (int i = 0; i < 5000; ++i) src += static_cast<char>((i * 7919) % 255 + 1);
  Parser p;
  Tree t = p.parse(src, Language::TypeScript);
  ASSERT_TRUE(t.valid());
  EXPECT_TRUE(t.root().has_error());
}

}  // namespace
}  // namespace v15
