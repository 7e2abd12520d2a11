// flow.stream-unbuffered: streamed responses opt out of edge transforms
#include <fmt/format.h>

#include "v15check/analysis/control_flow.h"
#include "v15check/analysis/found_values.h"
#include "v15check/analysis/response_headers.h"
#include "v15check/check.h"
#include "v15check/text.h"

#include "flow.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using analysis::HeaderValue;
using analysis::join_text;

struct Wanted {
  std::string name, token;
};

std::vector<Wanted> wanted(const Config& c) {
  std::vector<Wanted> out;
  for (const std::string& s : c.unbuffered_headers) {
    auto colon = s.find(':');
    if (colon == std::string::npos) continue;
    std::string name = s.substr(0, colon), token = s.substr(colon + 1);
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    out.push_back({name, token});
  }
  return out;
}

// `new Response(stream, init)` in `within` whose body is a stream.
std::vector<Node> streamed_responses(const FileModel& m, const Node& within) {
  std::vector<Node> out;
  for (const Node& n : m.nodes_in("new_expression", within)) {
    if (FileModel::last_name(n.field("constructor")) != "Response") continue;
    auto args = FileModel::arguments(n);
    if (!args.empty() && analysis::streamed_body(m, args[0]) && analysis::reachable(m, n))
      out.push_back(n);
  }
  return out;
}

std::string header_list(const std::vector<HeaderValue>& hs) {
  if (hs.empty()) return "no headers";
  std::vector<std::string> parts;
  for (const HeaderValue& h : hs)
    parts.push_back(h.folded ? fmt::format("{}: {}", h.name, h.value) : h.name + ": <unknown>");
  return "only " + join_text(parts, "; ");
}

Outcome stream_unbuffered(const CheckContext& ctx) {
  auto dofile = ctx.file(Role::DurableObject);
  if (!dofile) return dofile.failure();
  const FileModel& dm = **dofile;
  const ClassInfo* cls = dm.class_named(ctx.config().class_name);
  if (!cls)
    return Outcome::fail(dm.location(dm.root()),
                         fmt::format("no class {} in {}{}", cap(ctx.config().class_name), dm.path(),
                                     ctx.parse_note(dm)));
  auto wants = wanted(ctx.config());
  std::vector<std::string> want_text;
  for (const Wanted& w : wants) want_text.push_back(w.name + ": " + w.token);
  struct Site {
    const FileModel* m;
    Node response;
  };
  std::vector<Site> sites;
  for (const Node& r : streamed_responses(dm, cls->node)) sites.push_back({&dm, r});
  if (sites.empty())
    return Outcome::fail(dm.location(cls->node),
                         fmt::format("class {} returns no streamed Response (a Response whose "
                                     "body is a TransformStream's readable or a ReadableStream)",
                                     cap(cls->name)));
  if (const FileModel* wm = ctx.project().file(Role::Worker))
    for (const Node& r : streamed_responses(*wm, wm->root())) sites.push_back({wm, r});
  std::vector<std::string> verified;
  std::vector<Evidence> evidence;
  for (const Site& s : sites) {
    auto headers = analysis::response_headers(*s.m, s.response);
    const Wanted* hit = nullptr;
    for (const Wanted& w : wants)
      if (analysis::has_header_token(headers, w.name, w.token)) {
        hit = &w;
        break;
      }
    if (!hit)
      return Outcome::fail(
          s.m->location(s.response),
          fmt::format("the streamed Response at {}:{} ({}) has {}: none of {} (config: "
                      "unbufferedHeaders), so edge compression can hold the stream back",
                      s.m->path(), s.response.line(), code_snippet(s.response, 50),
                      header_list(headers), join_text(want_text, ", ")));
    verified.push_back(
        fmt::format("{}:{} carries {}: {}", s.m->path(), s.response.line(), hit->name, hit->token));
    evidence.push_back({s.m->location(s.response), "streamed Response"});
  }
  return Outcome::pass(evidence.front().location,
                       fmt::format("every streamed Response opts out of edge transforms: {}",
                                   join_text(verified, "; ")),
                       evidence);
}

}  // namespace

Check flow_stream_unbuffered_check() {
  return {.id = "flow.stream-unbuffered",
          .group = Group::Flow,
          .title = "streamed responses opt out of edge transforms",
          .expected =
              "every streamed Response of the DO and of the Worker's routes into it "
              "carries Cache-Control: no-transform or Content-Encoding: identity/none",
          .role = Role::DurableObject,
          .passes_when =
              "every Response whose body is a TransformStream's readable or a ReadableStream, in "
              "the DO class and in the Worker, has a header of unbufferedHeaders (names "
              "case-insensitive, the value a token of its comma-separated list), from an object "
              "literal (with spread consts), new Headers(…) with .set/.append, or a helper "
              "returning the headers",
          .fails_when =
              "the NDJSON response has only Content-Type; Cache-Control: no-cache "
              "without no-transform",
          .config_keys = {"className", "roles.do", "roles.worker", "unbufferedHeaders"},
          .run = stream_unbuffered};
}

}  // namespace v15
