// The element a loop visits: for…of variables, indexed reads under for…in and counting loops,
// forEach parameters; indices and other bindings are not elements.
#include <gtest/gtest.h>

#include "model_support.h"
#include "v15check/analysis/loops.h"

namespace v15::testing {
namespace {

struct Loop {
  std::unique_ptr<Project> project;
  const FileModel* m = nullptr;
  explicit Loop(std::string text) {
    project = project_from({{Role::DurableObject, std::move(text)}});
    m = project->file(Role::DurableObject);
  }
  // The first argument of the first `write(…)` call.
  Node written() const {
    for (const Node& c : m->nodes("call_expression"))
      if (FileModel::callee_name(c) == "write") return FileModel::arguments(c).front();
    throw std::runtime_error("no write");
  }
  Node loop(std::string_view kind) const {
    Node n = node_of(*m, kind);
    if (n.null()) throw std::runtime_error("no loop");
    return n;
  }
};

TEST(Loops, ForOfVariableIsTheElement) {
  Loop s("function f(lines, buffer) { for (const line of lines) { write(line + '\\n'); } }");
  EXPECT_TRUE(analysis::carries_element(*s.m, s.loop("for_in_statement"), s.written()));
  EXPECT_FALSE(analysis::iterates_keys(s.loop("for_in_statement")));
}

TEST(Loops, TheBufferIsNotTheElement) {
  Loop s("function f(lines, buffer) { for (const line of lines) { write(buffer + '\\n'); } }");
  EXPECT_FALSE(analysis::carries_element(*s.m, s.loop("for_in_statement"), s.written()));
}

TEST(Loops, ForInYieldsIndices) {
  Loop s("function f(lines) { for (const line in lines) { write(line); } }");
  EXPECT_TRUE(analysis::iterates_keys(s.loop("for_in_statement")));
  EXPECT_FALSE(analysis::carries_element(*s.m, s.loop("for_in_statement"), s.written()));
  Loop t("function f(lines) { for (const i in lines) { write(lines[i]); } }");
  EXPECT_TRUE(analysis::carries_element(*t.m, t.loop("for_in_statement"), t.written()));
}

TEST(Loops, CountingLoopElementIsIndexed) {
  Loop s("function f(lines) { for (let i = 0; i < lines.length; i++) { write(lines[i]); } }");
  EXPECT_TRUE(analysis::carries_element(*s.m, s.loop("for_statement"), s.written()));
  Loop t("function f(lines) { for (let i = 0; i < lines.length; i++) { write(i); } }");
  EXPECT_FALSE(analysis::carries_element(*t.m, t.loop("for_statement"), t.written()));
}

TEST(Loops, IndexOfScanSlicesTheElement) {
  Loop s(
      "function f(buffer) { let nl; while ((nl = buffer.indexOf('\\n')) !== -1) { const line = "
      "buffer.slice(0, nl); buffer = buffer.slice(nl + 1); write(line); } }");
  EXPECT_TRUE(analysis::carries_element(*s.m, s.loop("while_statement"), s.written()));
}

TEST(Loops, ForEachParameterIsTheElement) {
  Loop s("function f(lines) { lines.forEach((line) => { write(line); }); }");
  Node call;
  for (const Node& c : s.m->nodes("call_expression"))
    if (FileModel::callee_name(c) == "forEach") call = c;
  EXPECT_TRUE(analysis::carries_element(*s.m, call, s.written()));
}

}  // namespace
}  // namespace v15::testing
