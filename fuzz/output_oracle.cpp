// The pipeline fuzz target's output oracles (output_oracle.h).
#include "output_oracle.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "xml_check.h"

namespace v15::fuzz {

namespace {

constexpr bool kUnicodeOracle = V15CHECK_FUZZ_UNICODE_ORACLE != 0;

// Decodes UTF-8 strictly (no overlong forms, no surrogates, nothing past U+10FFFF); returns the
// code point and its length, or length 0 for an invalid sequence.
std::pair<std::uint32_t, std::size_t> decode(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  std::size_t n;
  std::uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + n > s.size()) return {0, 0};
  for (std::size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, n};
}

bool is_bidi_control(std::uint32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

bool is_zero_width(std::uint32_t cp) { return (cp >= 0x200B && cp <= 0x200D) || cp == 0xFEFF; }

}  // namespace

[[noreturn]] void violation(std::string_view what, std::string_view output, std::size_t at,
                            std::string_view detail) {
  std::fprintf(stderr, "pipeline_fuzz: oracle violated in %.*s: %.*s at byte %zu\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()),
               detail.data(), at);
  // The bytes around the offending spot, hex-escaped, so the report shows what leaked.
  std::size_t from = at > 40 ? at - 40 : 0;
  std::size_t to = std::min(output.size(), at + 40);
  std::string excerpt;
  for (std::size_t i = from; i < to; ++i) {
    unsigned char c = static_cast<unsigned char>(output[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      excerpt += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      excerpt += buf;
    }
  }
  std::fprintf(stderr, "pipeline_fuzz: around it: %s\n", excerpt.c_str());
  std::abort();
}

void require_safe_text(std::string_view what, std::string_view out) {
  for (std::size_t i = 0; i < out.size();) {
    auto [cp, n] = decode(out, i);
    if (n == 0) {
      if (kUnicodeOracle) violation(what, out, i, "invalid UTF-8");
      ++i;
      continue;
    }
    if ((cp < 0x20 && cp != '\n') || cp == 0x7F) violation(what, out, i, "raw C0 control or DEL");
    if (kUnicodeOracle) {
      if (cp >= 0x80 && cp <= 0x9F) violation(what, out, i, "raw C1 control");
      if (is_bidi_control(cp)) violation(what, out, i, "raw bidi control");
      if (is_zero_width(cp)) violation(what, out, i, "raw zero-width character");
    }
    i += n;
  }
}

// nlohmann::json with `long long` integers: a type of its own, so its parser is instantiated here,
// without coverage instrumentation, rather than shared with the engine's (which the linker may
// otherwise pick). The grammar it accepts is the same.
using OracleJson = nlohmann::basic_json<std::map, std::vector, std::string, bool, long long,
                                        unsigned long long, double>;

void require_strict_json(std::string_view what, const std::string& out) {
  try {
    // No callback, exceptions on, comments off: the whole string must be one JSON document.
    (void)OracleJson::parse(out, nullptr, true, false);
  } catch (const OracleJson::exception& e) {
    violation(what, out, 0, e.what());
  }
}

void require_workflow_commands(std::string_view what, std::string_view out,
                               const std::string& summary) {
  const std::string closing = "v15check: " + summary + "\n";
  if (!out.ends_with(closing)) violation(what, out, out.size(), "no closing summary line");
  out.remove_suffix(closing.size());
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string_view::npos) violation(what, out, start, "unterminated last command");
    std::string_view line = out.substr(start, end - start);
    if (!line.starts_with("::")) violation(what, out, start, "line is not a workflow command");
    if (auto cr = line.find('\r'); cr != std::string_view::npos)
      violation(what, out, start + cr, "raw CR inside a workflow command");
    start = end + 1;
  }
}

void require_well_formed_xml(std::string_view what, std::string_view out) {
  if (std::string problem = v15::testing::xml_problem(out); !problem.empty())
    violation(what, out, 0, problem);
}

}  // namespace v15::fuzz
