// Strings in the analysis layer: string values through destructuring and regex matches under
// facts, and whether a returned value is a string.
#include <gtest/gtest.h>

#include "model_support.h"
#include "v15check/analysis/conditions.h"
#include "v15check/analysis/string_values.h"

namespace v15::testing {
namespace {

using analysis::Fact;
using analysis::Facts;
using analysis::StringKind;

Facts bearer() {
  return {Fact::of(
      [](const FileModel&, const Node& e) {
        return e.is("call_expression") && FileModel::callee_name(e) == "get";
      },
      Fact::Kind::Value, "Bearer T0K")};
}

TEST(StringValues, ArrayDestructuringPicksTheElement) {
  Snippet s(R"(function f(request) {
  const header = request.headers.get('Authorization') ?? '';
  const [, token] = header.split(' ');
  const [scheme] = header.split(' ');
  const [, , none] = header.split(' ');
  use(token, scheme, none);
})");
  EXPECT_EQ(analysis::value_under(*s.m, s.id("token"), bearer()), "T0K");
  EXPECT_EQ(analysis::value_under(*s.m, s.id("scheme"), bearer()), "Bearer");
  EXPECT_EQ(analysis::value_under(*s.m, s.id("none"), bearer()), std::nullopt);
}

TEST(StringValues, RegexMatchesYieldTheirGroups) {
  Snippet s(R"(const BEARER = /^Bearer\s+(.+)$/;
function f(request) {
  const header = request.headers.get('Authorization') ?? '';
  const a = header.match(/^Bearer (.+)$/)?.[1];
  const b = BEARER.exec(header)?.[1];
  const c = header.match(/^bearer (.+)$/)?.[1];
  const d = /^Bearer /.test(header);
  use(a, b, c, d);
})");
  EXPECT_EQ(analysis::value_under(*s.m, s.init("a"), bearer()), "T0K");
  EXPECT_EQ(analysis::value_under(*s.m, s.init("b"), bearer()), "T0K");
  // a case-sensitive pattern in lower case matches nothing: undefined, not the token
  EXPECT_EQ(analysis::value_under(*s.m, s.init("c"), bearer()), std::nullopt);
  EXPECT_EQ(analysis::evaluate(*s.m, s.init("c"), bearer()), analysis::Truth::False);
  EXPECT_EQ(analysis::evaluate(*s.m, s.init("d"), bearer()), analysis::Truth::True);
}

TEST(StringValues, ReturnedStrings) {
  Snippet s(R"(const encoder = new TextEncoder();
function join(a, b) { return `${a}.${b}`; }
function template(a) { return `${a}.sig`; }
function concat(a) { return a + '.' + 'sig'; }
function joined(a) { return [a, 'sig'].join('.'); }
function helper(a) { const t = join(a, 'sig'); return t; }
async function buffer(key, data) { const sig = await crypto.subtle.sign('HMAC', key, data); return sig; }
function object(a) { return { token: `${a}` }; }
function bytes(a) { return encoder.encode(a); }
function unknown(a) { return external(a); }
)");
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("template")), StringKind::String);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("concat")), StringKind::String);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("joined")), StringKind::String);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("helper")), StringKind::String);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("buffer")), StringKind::NotString);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("object")), StringKind::NotString);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("bytes")), StringKind::NotString);
  EXPECT_EQ(analysis::returns_string(*s.m, s.fn("unknown")), StringKind::Unknown);
}

}  // namespace
}  // namespace v15::testing
