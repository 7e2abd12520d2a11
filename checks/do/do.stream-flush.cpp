// do.stream-flush: flushes remaining buffer after stream ends.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/found_text.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::lines_of;
using facts::stream_handler;

Outcome stream_flush(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->read_loop.null())
    return Outcome::fail(scope.location(),
                         "no read loop over the request body (see do.stream-line-split), so "
                         "nothing is flushed after it");
  if (!s->buffer)
    return Outcome::fail(
        s->split_call.null() ? m.location(s->read_loop) : m.location(s->split_call),
        s->split_call.null() ? std::string("the body is never split into lines, so there is no "
                                           "leftover buffer to flush")
                             : fmt::format("{} (line {}) is not called on a variable, so no buffer "
                                           "carries the partial last line",
                                           snippet(s->split_call), s->split_call.line()));
  if (s->flush_write.null())
    return Outcome::fail(
        {m.path(), s->read_loop.end_line(), 0},
        fmt::format("after the read loop ({}) the leftover `{}` is never written to bridge.writer: "
                    "a last line without a trailing \\n is lost",
                    lines_of(s->read_loop), s->buffer->name));
  if (s->flush_guard.null())
    return Outcome::fail(m.location(s->flush_write),
                         fmt::format("the leftover `{}` is written at line {} without testing that "
                                     "it is non-empty: an empty buffer sends an empty line",
                                     s->buffer->name, s->flush_write.line()));
  return Outcome::pass(m.location(s->flush_write),
                       fmt::format("after the read loop ({}), `{}` is written at line {} when `{}`",
                                   lines_of(s->read_loop), s->buffer->name, s->flush_write.line(),
                                   snippet(s->flush_guard)));
}

}  // namespace

Check do_stream_flush_check() {
  return {.id = "do.stream-flush",
          .group = Group::DurableObject,
          .title = "flushes remaining buffer after stream ends",
          .expected =
              "after the read loop, the leftover buffer written to bridge.writer when "
              "non-empty",
          .role = Role::DurableObject,
          .passes_when =
              "a bridge.writer.write (or writing helper call) after the read loop whose "
              "argument derives from the binding split is called on, under a condition "
              "on it (`if (buffer)`, `if (buffer.trim())`, `buffer.length > 0 &&`)",
          .fails_when = "the leftover is dropped; it is written unconditionally (an empty line)",
          .config_keys = {"className", "roles.do"},
          .run = stream_flush};
}

}  // namespace v15
