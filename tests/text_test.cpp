// The escaping policy (sanitize) and the quoting rule (cap, snippet): each character class maps
// to its visible escape, valid text is kept, and long values are cut on a character boundary
// with their full length.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fixture_support.h"
#include "utf8_support.h"
#include "v15check/text.h"

namespace v15::testing {
namespace {

TEST(Sanitize, C0ControlsAndDelBecomeHexEscapes) {
  EXPECT_EQ(sanitize("a\nb\rc\td"), "a\\nb\\rc\\td");
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\n' || c == '\r' || c == '\t') continue;
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    EXPECT_EQ(sanitize(std::string("<") + static_cast<char>(c) + ">"), std::string("<") + hex + ">")
        << c;
  }
  EXPECT_EQ(sanitize("\x7f"), "\\x7f");
  EXPECT_EQ(sanitize("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
}

TEST(Sanitize, C1BidiZeroWidthAndSeparatorsBecomeUnicodeEscapes) {
  std::vector<char32_t> escaped;
  for (char32_t cp = 0x80; cp <= 0x9F; ++cp) escaped.push_back(cp);
  for (char32_t cp :
       {0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C,
        0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xFFFE, 0xFFFF})
    escaped.push_back(cp);
  for (char32_t cp : escaped) {
    char want[16];
    std::snprintf(want, sizeof want, "a\\u%04xb", static_cast<unsigned>(cp));
    EXPECT_EQ(sanitize("a" + utf8(cp) + "b"), want) << std::hex << static_cast<unsigned>(cp);
    EXPECT_TRUE(escaped_by_sanitize(cp));
  }
}

TEST(Sanitize, PrintableTextIsKept) {
  for (char32_t cp : {0x20, 0x41, 0x7E, 0xA0, 0xE9, 0x0627, 0x200A, 0x2010, 0x2027, 0x202F, 0x2065,
                      0x206A, 0x2713, 0x2192, 0xFEFE, 0xFFFD, 0x1F600}) {
    EXPECT_EQ(sanitize(utf8(cp)), utf8(cp)) << std::hex << static_cast<unsigned>(cp);
    EXPECT_FALSE(escaped_by_sanitize(cp));
  }
  EXPECT_EQ(sanitize("route \"/api\" → DO ✓ \\n stays"), "route \"/api\" → DO ✓ \\n stays");
}

TEST(Sanitize, InvalidUtf8BytesBecomeHexEscapes) {
  EXPECT_EQ(sanitize("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(sanitize("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong, 3 bytes
  EXPECT_EQ(sanitize("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");  // overlong, 4 bytes
  EXPECT_EQ(sanitize("\xc2\x9b"), "\\u009b");                       // C1 CSI, valid UTF-8
  EXPECT_EQ(sanitize("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // lone high surrogate
  EXPECT_EQ(sanitize("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");           // lone low surrogate
  EXPECT_EQ(sanitize("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(sanitize("a\xe2\x80"), "a\\xe2\\x80");                  // truncated at the end
  EXPECT_EQ(sanitize("\xe2\x80z"), "\\xe2\\x80z");                  // truncated before ASCII
  EXPECT_EQ(sanitize("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(sanitize("\x80"), "\\x80");  // a stray continuation byte
}

TEST(Sanitize, IsIdempotent) {
  const std::string hostile = "\x1b]8;;x\x07\xe2\x80\xae\xc2\x85\xef\xbb\xbf\xff";
  EXPECT_EQ(sanitize(sanitize(hostile)), sanitize(hostile));
}

TEST(ValidUtf8, ReplacesEachBadByteWithTheReplacementCharacter) {
  EXPECT_EQ(valid_utf8("a\xffz\xed\xa0\x80"), "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8("\xe2\x80\xae ok"), "\xe2\x80\xae ok");
}

TEST(Cap, ShortValuesAreUnchanged) {
  EXPECT_EQ(cap(""), "");
  std::string exact(kQuoteMax, 'a');
  EXPECT_EQ(cap(exact), exact);
  EXPECT_EQ(cap("abc", 3), "abc");
}

TEST(Cap, LongValuesAreCutWithTheirFullLength) {
  std::string longer(kQuoteMax + 1, 'a');
  EXPECT_EQ(cap(longer), std::string(kQuoteMax, 'a') + "… (201 bytes)");
  std::string mib(1 << 20, 'x');
  std::string c = cap(mib);
  EXPECT_EQ(c, std::string(kQuoteMax, 'x') + "… (1048576 bytes)");
  EXPECT_EQ(cap("abcdef", 3), "abc… (6 bytes)");
}

TEST(Cap, NeverSplitsACharacter) {
  // "é" is two bytes, "→" three, "😀" four: a cut inside one moves back to its first byte
  EXPECT_EQ(cap("aé", 2), "a… (3 bytes)");
  EXPECT_EQ(cap("aéb", 3), "aé… (4 bytes)");
  EXPECT_EQ(cap("a→", 2), "a… (4 bytes)");
  EXPECT_EQ(cap("a→", 3), "a… (4 bytes)");
  EXPECT_EQ(cap("a😀", 4), "a… (5 bytes)");
  EXPECT_EQ(cap("😀😀", 5), "😀… (8 bytes)");
  std::string arrows;
  for (int i = 0; i < 100; ++i) arrows += "→";  // 300 bytes
  std::string cut = cap(arrows);
  EXPECT_EQ(cut.substr(0, 198), arrows.substr(0, 198));  // 66 arrows fit in 200 bytes
  EXPECT_EQ(cut.substr(198), "… (300 bytes)");
  // stray continuation bytes (not UTF-8 anyway) are cut at the limit
  EXPECT_EQ(cap(std::string(10, '\x80'), 4), std::string(4, '\x80') + "… (10 bytes)");
}

TEST(Snippet, OneLineCutOnACharacterWithTheNodesLength) {
  MemoryReader reader(
      {{"src/index.ts", "const a = '" + std::string(100, 'x') + "';\n" + "const b = '" +
                            std::string(68, 'y') + "é" + std::string(40, 'z') +
                            "';\nconst c = 'short\n  x';\n"}},
      "mem");
  Config config;
  Project project(load_sources(reader, config.paths), config);
  const FileModel* m = project.file(Role::Worker);
  ASSERT_NE(m, nullptr);
  std::vector<std::string> strings;
  for (const Node& n : m->nodes("string")) strings.push_back(snippet(n, 70));
  ASSERT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings[0], "'" + std::string(69, 'x') + "… (102 bytes)");
  // 'yyy…é…': the cut falls inside "é", which is kept whole
  EXPECT_EQ(strings[1], "'" + std::string(68, 'y') + "é… (112 bytes)");
  EXPECT_EQ(strings[2], "'short x'");
}

}  // namespace
}  // namespace v15::testing
