// Text from the checked code, the config and file paths on its way into a report: one escaping
// policy for everything a person reads, and one rule for how long a quoted value may be.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace v15 {

// The escaping policy of every human-readable output (text report, GitHub workflow commands,
// the three --trace formats, JUnit text, SARIF messages, stderr). Valid UTF-8 is kept, except
// characters that control a terminal or hide or reorder text, which become visible escapes:
//   \n \r \t                                   newline, carriage return, tab
//   \xNN  (two lowercase hex digits)           other C0 controls (U+0000–U+001F) and DEL (U+007F)
//   \uNNNN (four lowercase hex digits)         C1 controls U+0080–U+009F; bidi controls U+061C,
//                                              U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
//                                              zero-width U+200B–U+200D, U+2060, U+FEFF;
//                                              line/paragraph separators U+2028, U+2029;
//                                              noncharacters U+FFFE, U+FFFF
//   \xNN                                       each byte that is not part of valid UTF-8
//                                              (overlong forms, encoded surrogates, truncated
//                                              or stray bytes, code points above U+10FFFF)
// The result is valid UTF-8 that XML 1.0 can hold. A format's own syntax escaping (workflow-command
// %-encoding, Mermaid entities, DOT quoting, XML entities) is applied on top of this result, never
// instead of it.
std::string sanitize(std::string_view text);

// sanitize, then the five characters markup gives a meaning as entities (& < > " '): safe as
// XML and HTML text and as a quoted attribute value.
std::string markup_escape(std::string_view text);

// Whether `sanitize` shows code point `cp` as an escape rather than as itself.
bool escaped_by_sanitize(char32_t cp);

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the byte there does not
// start one.
std::size_t utf8_length(std::string_view text, std::size_t i);
// The code point of the valid `n`-byte UTF-8 sequence at text[i] (n from utf8_length).
char32_t code_point_at(std::string_view text, std::size_t i, std::size_t n);

// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD (for JSON, whose
// strings must be UTF-8; the byte's value is not shown there).
std::string valid_utf8(std::string_view text);

// How many bytes of a value from the code or the config a message quotes.
inline constexpr std::size_t kQuoteMax = 200;
// The most any one message (Found, an evidence note, a suppression reason, a trace label) holds
// once recorded, whatever built it; a path is never longer than this either.
inline constexpr std::size_t kMessageMax = 4096;

// A value cut for quoting: unchanged when it has at most `max` bytes; otherwise its first bytes
// up to `max`, cut back to the start of a UTF-8 sequence so no character is split, then
// "… (N bytes)" with the value's full length N.
std::string cap(std::string_view text, std::size_t max = kQuoteMax);

}  // namespace v15
