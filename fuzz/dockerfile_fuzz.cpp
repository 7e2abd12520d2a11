// libFuzzer entry point for the Dockerfile parser: parse must never crash, hang or throw, and its
// result must keep the invariants the checks rely on (line numbers inside the file, bodies made of
// whole lines, accessors pointing into the result).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "v15check/dockerfile.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const v15::dockerfile::Dockerfile df = v15::dockerfile::parse(text);

  std::size_t newlines = 0;
  for (char c : text) newlines += c == '\n' ? 1 : 0;
  const int max_line = static_cast<int>(newlines) + 1;

  require(df.escape == '\\' || df.escape == '`');
  for (const auto& d : df.diagnostics) {
    require(d.line >= 1 && d.line <= max_line);
    require(!std::string_view(d.message).starts_with("internal"));
  }
  int previous = 0;
  for (const auto& ins : df.instructions) {
    require(!ins.keyword.empty());
    require(ins.line > previous && ins.line <= ins.end_line && ins.end_line <= max_line);
    previous = ins.end_line;
    require(!ins.exec_form || ins.heredocs.empty());
    for (std::size_t k = 0; k <= ins.arguments.size(); ++k) {
      const int l = ins.line_at(k);
      require(l >= ins.line && l <= ins.end_line);
    }
    for (const auto& h : ins.heredocs) {
      require(!h.delimiter.empty());
      require(h.line >= ins.line && h.line <= ins.end_line);
      require(h.body_line > h.line || !h.terminated);
      require(h.body_line <= h.end_line && h.end_line <= ins.end_line);
      require(h.body.empty() || h.body.back() == '\n');
      std::size_t body_lines = 0;
      for (char c : h.body) body_lines += c == '\n' ? 1 : 0;
      if (body_lines > 0) require(h.line_of(body_lines - 1) <= max_line);
    }
  }
  for (const auto& c : df.copies()) {
    require(c.instruction != nullptr && !c.sources.empty() && c.line == c.instruction->line);
  }
  for (const auto& w : df.written_files()) {
    require(w.heredoc != nullptr && w.instruction != nullptr && w.path == w.heredoc->target);
  }
  for (const auto& e : df.env()) require(!e.name.empty() && e.line >= 1 && e.line <= max_line);
  for (const auto& a : df.args()) require(!a.name.empty() && a.line >= 1 && a.line <= max_line);
  (void)df.has_errors();
  return 0;
}
