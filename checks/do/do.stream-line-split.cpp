// do.stream-line-split: reads chunked body, splits by newlines, writes each line.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/loops.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::lines_of;
using facts::stream_handler;

// A separator as the reader would write it: '\r\n', /\r?\n/.
std::string describe_separator(const FileModel& m, const Node& sep) {
  auto s = m.fold_string(sep);
  if (!s) return snippet(sep);
  return fmt::format("'{}'", sanitize(*s));
}

Outcome stream_line_split(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->reader.null())
    return Outcome::fail(scope.location(),
                         "the request body is never read as a stream: no request.body.getReader() "
                         "(nor `for await` over request.body)");
  if (s->read_loop.null()) {
    if (s->read_call.null())
      return Outcome::fail(m.location(s->reader),
                           fmt::format("{} at line {}, but reader.read() is never called",
                                       snippet(s->reader), s->reader.line()));
    return Outcome::fail(
        m.location(s->read_call),
        fmt::format("reader.read() at line {} is not inside a loop: only the first "
                    "chunk of the body is read",
                    s->read_call.line()));
  }
  if (s->split_call.null())
    return Outcome::fail(m.location(s->read_loop),
                         fmt::format("the read loop ({}) never splits the decoded text into lines",
                                     lines_of(s->read_loop)));
  Location at_split = m.location(s->split_call);
  if (!s->read_loop.contains(s->split_call))
    return Outcome::fail(
        at_split,
        fmt::format("{} at line {} splits only after the read loop ({}): lines "
                    "reach the browser only when the agent finishes",
                    snippet(s->split_call), s->split_call.line(), lines_of(s->read_loop)));
  if (!s->separator_splits_lf)
    return Outcome::fail(at_split,
                         fmt::format("{} at line {} splits on {}: the agent's NDJSON lines end in "
                                     "\\n only, so they are never split",
                                     snippet(s->split_call), s->split_call.line(),
                                     describe_separator(m, s->separator)));
  if (s->line_loop.null())
    return Outcome::fail(at_split, fmt::format("the lines from {} (line {}) are never iterated",
                                               snippet(s->split_call), s->split_call.line()));
  if (s->line_writes.empty())
    return Outcome::fail(m.location(s->line_loop),
                         fmt::format("the per-line loop ({}) never writes a line to bridge.writer",
                                     lines_of(s->line_loop)));
  // The write must carry the line the loop visits, not the carried-over buffer or an index.
  Node write;
  for (const Node& w : s->line_writes)
    for (const Node& a : FileModel::arguments(w))
      if (write.null() && analysis::carries_element(m, s->line_loop, a)) write = w;
  if (write.null()) {
    Node w = s->line_writes.front();
    auto args = FileModel::arguments(w);
    std::string what = args.empty() ? std::string("nothing") : "`" + snippet(args[0], 50) + "`";
    if (analysis::iterates_keys(s->line_loop))
      return Outcome::fail(
          m.location(s->line_loop),
          fmt::format("the per-line loop at line {} is a for…in: it yields the indices of the "
                      "lines, not the lines, so {} at line {} writes an index",
                      s->line_loop.line(), what, w.line()));
    return Outcome::fail(m.location(w),
                         fmt::format("the per-line write at line {} writes {}, not the line the "
                                     "loop ({}) visits",
                                     w.line(), what, lines_of(s->line_loop)));
  }
  return Outcome::pass(
      at_split, fmt::format("{} (line {}), read loop ({}), {} (line {}), bridge.writer.write "
                            "per line (line {})",
                            s->read_call.null() ? "for await over the body" : "reader.read()",
                            s->read_call.null() ? s->reader.line() : s->read_call.line(),
                            lines_of(s->read_loop), snippet(s->split_call), s->split_call.line(),
                            write.line()));
}

}  // namespace

Check do_stream_line_split_check() {
  return {.id = "do.stream-line-split",
          .group = Group::DurableObject,
          .title = "reads chunked body, splits by newlines, writes each line",
          .expected =
              "request.body.getReader(), a read loop, split('\\n') inside it, and a "
              "bridge.writer.write(…) per line",
          .role = Role::DurableObject,
          .passes_when =
              "reader.read() inside a while/for/do loop (or `for await` over request.body, "
              "optionally piped through a TextDecoderStream); inside that loop a split "
              "whose separator is exactly '\\n' (any quotes or a const) or a regex that "
              "matches \"\\n\" (/\\n/, /\\r?\\n/, /[\\r\\n]+/), or an indexOf('\\n') scan; a "
              "loop over the lines (for…of, for, while, forEach) that writes the line it visits "
              "(the for…of variable, lines[i], the forEach parameter) to bridge.writer "
              "(directly or through a same-file helper)",
          .fails_when =
              "no getReader/read loop; split('\\r\\n') — the agent's NDJSON lines end in "
              "\\n only, so nothing is ever split; splitting only after the whole body was "
              "read; lines never written to the bridge; the per-line write writes the buffer "
              "instead of the line; a for…in over the lines (indices, not lines)",
          .config_keys = {"className", "roles.do"},
          .run = stream_line_split};
}

}  // namespace v15
