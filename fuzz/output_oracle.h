// The pipeline fuzz target's output oracles: each aborts the process, after saying on stderr
// what broke where, when its output is not what a consumer can rely on. Compiled without
// coverage instrumentation, so that the fuzzer's coverage stays the engine's own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// The Unicode part of the text oracle (invalid UTF-8, C1 controls, bidi controls, zero-width
// characters); 0 leaves only C0 controls and DEL. On unless a build turns it off (CMake option
// V15CHECK_FUZZ_UNICODE_ORACLE), e.g. to look for other failures while the reporters' escaping
// of these is incomplete.
#ifndef V15CHECK_FUZZ_UNICODE_ORACLE
#define V15CHECK_FUZZ_UNICODE_ORACLE 1
#endif

namespace v15::fuzz {

// Prints what broke (`what`: which output; `detail`: how) and the bytes around `at`, then aborts.
[[noreturn]] void violation(std::string_view what, std::string_view output, std::size_t at,
                            std::string_view detail);

// Text for a terminal or a log: no C0 control but '\n', no DEL; with V15CHECK_FUZZ_UNICODE_ORACLE
// also only valid UTF-8 (no overlong form, no surrogate, nothing past U+10FFFF), no C1
// control (U+0080-U+009F), bidi control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
// or zero-width character (U+200B-U+200D, U+FEFF). Decodes the bytes itself, independent of
// the reporters' escaping.
void require_safe_text(std::string_view what, std::string_view out);

// One strict JSON document: no comments, nothing after it.
void require_strict_json(std::string_view what, const std::string& out);

// Well-formed XML 1.0 (tests/xml_check.h).
void require_well_formed_xml(std::string_view what, std::string_view out);

// GitHub workflow commands: every line starts with "::" and holds no CR, but for the reporter's
// own closing line, "v15check: " and `summary`.
void require_workflow_commands(std::string_view what, std::string_view out,
                               const std::string& summary);

}  // namespace v15::fuzz
