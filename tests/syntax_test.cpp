// The tree-sitter wrappers: language choice, node views, name checks, iterative traversal.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

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

TEST(Syntax, ParseOverTheMemoryBudgetIsAbandoned) {
  // 200,000 open parentheses keep 200,000 entries on tree-sitter's parse stack (tens of MiB)
  std::string deep =
      "const x = " + std::string(200000, '(') + "1" + std::string(200000, ')') + ";\n";
  Parser small(std::size_t{4} << 20);
  EXPECT_EQ(small.memory_budget(), std::size_t{4} << 20);
  Tree refused = small.parse(deep, Language::TypeScript);
  EXPECT_FALSE(refused.valid());
  EXPECT_TRUE(small.over_budget());
  // the same parser, reset, still parses what fits
  Tree ok = small.parse("const y = (1);\n", Language::TypeScript);
  ASSERT_TRUE(ok.valid());
  EXPECT_FALSE(small.over_budget());
  EXPECT_EQ(ok.root().named_child(0).kind(), "lexical_declaration");
  // and the default budget holds the deep input
  Parser standard;
  Tree whole = standard.parse(deep, Language::TypeScript);
  EXPECT_TRUE(whole.valid());
  EXPECT_FALSE(standard.over_budget());
}

TEST(Syntax, FirstErrorFindsMissingAndErrorNodes) {
  Parser p;
  std::string src = "function f() {\n  return (1 + ;\n}\n";
  Tree t = p.parse(src, Language::TypeScript);
  Node err = first_error(t.root());
  ASSERT_FALSE(err.null());
  EXPECT_EQ(err.line(), 2);
}

TEST(Syntax, KnownKindAndFieldNamesMatch) {
  Parser p;
  std::string src = "a(1);";
  Tree t = p.parse(src, Language::JavaScript);
  Node call = t.root().named_child(0).named_child(0);
  EXPECT_TRUE(call.is("call_expression"));
  EXPECT_FALSE(call.is("new_expression"));
  EXPECT_FALSE(call.is("type_annotation"));  // TypeScript's kind: valid, just absent from JS
  EXPECT_FALSE(call.is("("));                // anonymous kinds are names too
  EXPECT_EQ(call.field("function").text(), "a");
  EXPECT_TRUE(call.field("return_type").null());  // TypeScript's field, absent here
  EXPECT_FALSE(Node{}.is("call_expression"));
}

TEST(Syntax, UnknownKindThrows) {
  Parser p;
  std::string src = "a(1);";
  Tree t = p.parse(src, Language::TypeScript);
  Node call = t.root().named_child(0).named_child(0);
  EXPECT_THROW(static_cast<void>(call.is("call_expresion")), std::logic_error);
  EXPECT_THROW(static_cast<void>(Node{}.is("call_expresion")), std::logic_error);
  try {
    static_cast<void>(call.is("member_expresion"));
    FAIL() << "no throw";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "unknown node kind 'member_expresion'");
  }
}

TEST(Syntax, UnknownFieldThrows) {
  Parser p;
  std::string src = "function f() { return 1; }";
  Tree t = p.parse(src, Language::TypeScript);
  Node fn = t.root().named_child(0);
  ASSERT_TRUE(fn.is("function_declaration"));
  EXPECT_FALSE(fn.field("body").null());
  try {
    static_cast<void>(fn.field("bdy"));
    FAIL() << "no throw";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "unknown field 'bdy'");
  }
}

TEST(Syntax, BinaryGarbageParsesWithErrorsNotCrashes) {
  std::string src;
  for (int i = 0; i < 5000; ++i) src += static_cast<char>((i * 7919) % 255 + 1);
  Parser p;
  Tree t = p.parse(src, Language::TypeScript);
  ASSERT_TRUE(t.valid());
  EXPECT_TRUE(t.root().has_error());
}

// The flat table against tree-sitter's own node API, row by row: kinds, positions, flags,
// children, parents and every field of the grammar.
void expect_flat_table_matches(const std::string& src, Language lang, const std::string& label) {
  Parser p;
  Tree t = p.parse(src, lang);
  const TSLanguage* g = grammar(lang);
  uint32_t fields = ts_language_field_count(g);
  std::vector<TSNode> order;  // tree-sitter's nodes in pre-order
  TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(t.raw()));
  for (bool done = false; !done;) {
    order.push_back(ts_tree_cursor_current_node(&c));
    if (ts_tree_cursor_goto_first_child(&c)) continue;
    while (!ts_tree_cursor_goto_next_sibling(&c))
      if (!ts_tree_cursor_goto_parent(&c)) {
        done = true;
        break;
      }
  }
  ts_tree_cursor_delete(&c);
  const SyntaxTable& table = *t.root().table();
  ASSERT_EQ(order.size(), table.size()) << label;
  auto row_of = [&](TSNode n) { return ts_node_is_null(n) ? Node{} : Node(&table, table.find(n)); };
  for (uint32_t i = 0; i < order.size(); ++i) {
    TSNode ts = order[i];
    Node n(&table, i);
    std::string at = label + " row " + std::to_string(i) + " (" + std::string(n.kind()) + " line " +
                     std::to_string(n.line()) + ")";
    ASSERT_EQ(n.kind(), std::string_view(ts_node_type(ts))) << at;
    ASSERT_EQ(n.symbol(), ts_node_symbol(ts)) << at;
    ASSERT_EQ(n.start_byte(), ts_node_start_byte(ts)) << at;
    ASSERT_EQ(n.end_byte(), ts_node_end_byte(ts)) << at;
    ASSERT_EQ(n.line(), static_cast<int>(ts_node_start_point(ts).row) + 1) << at;
    ASSERT_EQ(n.column(), static_cast<int>(ts_node_start_point(ts).column) + 1) << at;
    ASSERT_EQ(n.end_line(), static_cast<int>(ts_node_end_point(ts).row) + 1) << at;
    ASSERT_EQ(n.named(), ts_node_is_named(ts)) << at;
    ASSERT_EQ(n.has_error(), ts_node_has_error(ts)) << at;
    ASSERT_EQ(n.is_error(), ts_node_is_error(ts) || ts_node_is_missing(ts)) << at;
    ASSERT_EQ(n.child_count(), ts_node_child_count(ts)) << at;
    ASSERT_EQ(n.named_child_count(), ts_node_named_child_count(ts)) << at;
    ASSERT_EQ(n.parent(), row_of(ts_node_parent(ts))) << at;
    for (uint32_t k = 0; k < n.child_count(); ++k) {
      ASSERT_EQ(n.child(k), row_of(ts_node_child(ts, k))) << at << " child " << k;
      const char* fname = ts_node_field_name_for_child(ts, k);
      ASSERT_EQ(n.field_name_of_child(k), fname ? std::string_view(fname) : std::string_view{})
          << at << " child " << k;
    }
    for (uint32_t k = 0; k < n.named_child_count(); ++k)
      ASSERT_EQ(n.named_child(k), row_of(ts_node_named_child(ts, k))) << at << " named " << k;
    for (TSFieldId f = 1; f <= fields; ++f) {
      const char* name = ts_language_field_name_for_id(g, f);
      if (!name || ts_language_field_id_for_name(g, name, strlen(name)) != f) continue;
      ASSERT_EQ(n.field(name), row_of(ts_node_child_by_field_id(ts, f))) << at << " " << name;
    }
    ASSERT_EQ(n.next_named_sibling(), row_of(ts_node_next_named_sibling(ts))) << at;
  }
}

TEST(Syntax, FlatTableAgreesWithTreeSitterOnEveryFixtureFile) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(V15CHECK_SOURCE_DIR) / "fixtures")) {
    auto lang = language_for_path(e.path().string());
    if (!e.is_regular_file() || !lang) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    std::string src((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    expect_flat_table_matches(src, *lang, e.path().string());
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(files, 4);
}

TEST(Syntax, FlatTableAgreesWithTreeSitterOnErrorsExtrasAndAliases) {
  const std::pair<Language, std::string> cases[] = {
      {Language::TypeScript, "function f( {\n  return (1 + ;\n}\nclass { x = }\n"},
      {Language::TypeScript, "const a = /* c */ b /* d */ . /* e */ c(/* f */);\n// tail"},
      {Language::TypeScript,
       "@dec() class A<T extends B = C> implements D { private readonly x?: T; "
       "constructor(public y: number) { super(); } get z(): string { return `a${this.x}b`; } }"},
      {Language::TypeScript, "if (a) b\nelse { c }\nlet x = a satisfies T as U;\n"},
      {Language::TypeScript, "type T = { [K in keyof U]?: U[K] } | ((x: 1) => void);"},
      {Language::Tsx,
       "const el = <div className={x ? 'a' : \"b\"}>{items.map(i => <I k={i} />)}</div>;"},
      {Language::JavaScript,
       "import x, { y as z } from 'm';\nexport default async function* g() "
       "{ yield* await h`t${1}`; }\nlabel: for (const [a, ...b] of c) "
       "break label;\nconst r = /a[/]b/gi; x ?\?= y?.[z]?.(w);"},
      {Language::JavaScript, "\xff\xfe\x01 garbage ((( }}} ]]] `unterminated ${"},
      {Language::TypeScript, ""},
  };
  int i = 0;
  for (const auto& [lang, src] : cases) {
    expect_flat_table_matches(src, lang, "case " + std::to_string(i++));
    if (HasFatalFailure()) return;
  }
}

TEST(Syntax, SymbolForKindMatchesTheGrammar) {
  for (Language l : {Language::TypeScript, Language::Tsx, Language::JavaScript}) {
    const TSLanguage* g = grammar(l);
    for (uint32_t i = 0; i < ts_language_symbol_count(g); ++i) {
      TSSymbol s = static_cast<TSSymbol>(i);
      if (ts_language_symbol_type(g, s) != TSSymbolTypeRegular) continue;
      const char* name = ts_language_symbol_name(g, s);
      EXPECT_EQ(symbol_for_kind(l, name), ts_language_symbol_for_name(g, name, strlen(name), true))
          << name;
    }
  }
}

}  // namespace
}  // namespace v15
