#include <gtest/gtest.h>

#include "v15check/syntax.h"

TEST(Syntax, ParsesTypeScript) {
  v15::Parser p;
  std::string src = "const x = 1;";
  auto t = p.parse(src, v15::Language::TypeScript);
  EXPECT_EQ(t.root().kind(), "program");
}
