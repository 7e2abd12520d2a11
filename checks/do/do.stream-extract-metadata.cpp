// do.stream-extract-metadata: calls `extractMetadata()` on each line.
#include <fmt/format.h>

#include "do.h"
#include "v15check/analysis/found_text.h"
#include "v15check/check.h"
#include "v15check/facts/stream_handler.h"

namespace v15 {

namespace {

using analysis::lines_of;
using facts::stream_handler;

Outcome stream_extract_metadata(const CheckContext& ctx) {
  auto handler = stream_handler(ctx);
  if (!handler) return handler.failure();
  const MethodScope& scope = handler->method;
  const ContainerStream* s = handler->stream;
  const FileModel& m = *s->model;
  if (s->line_loop.null())
    return Outcome::fail(s->split_call.null() ? scope.location() : m.location(s->split_call),
                         "no per-line loop over the split body (see do.stream-line-split), so "
                         "extractMetadata cannot run on each line");
  if (!s->metadata_calls.empty())
    return Outcome::pass(m.location(s->metadata_calls.front()),
                         fmt::format("{} at line {}, inside the per-line loop ({})",
                                     snippet(s->metadata_calls.front()),
                                     s->metadata_calls.front().line(), lines_of(s->line_loop)));
  auto elsewhere = m.find("call_expression", s->region, match::call("extractMetadata"));
  if (!elsewhere.empty())
    return Outcome::fail(
        m.location(elsewhere.front()),
        fmt::format("{} is called at line {}, outside the per-line loop ({})",
                    snippet(elsewhere.front()), elsewhere.front().line(), lines_of(s->line_loop)));
  return Outcome::fail(m.location(s->line_loop),
                       fmt::format("the per-line loop ({}) never calls this.extractMetadata(line): "
                                   "the SDK session id is never captured",
                                   lines_of(s->line_loop)));
}

}  // namespace

Check do_stream_extract_metadata_check() {
  return {.id = "do.stream-extract-metadata",
          .group = Group::DurableObject,
          .title = "calls `extractMetadata()` on each line",
          .expected = "this.extractMetadata(line) inside the per-line loop",
          .role = Role::DurableObject,
          .passes_when =
              "this.extractMetadata(…) (or a same-file helper that calls it) inside the "
              "loop over the split lines",
          .fails_when = "not called; called only once after the loop or on the whole chunk",
          .config_keys = {"className", "roles.do"},
          .run = stream_extract_metadata};
}

}  // namespace v15
