// 2. ChatSessionAgent DO (do): handleContainerStream() — the container's NDJSON callback, piped
// into the bridge — and extractMetadata(), which remembers the SDK session. The stream checks read
// Project::container_stream() (src/model_stream.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "v15check/check.h"
#include "v15check/report.h"

namespace v15 {

namespace {

// The stream fact, or a FAIL when handleContainerStream is missing or unparsable.
const ContainerStream* stream(const CheckContext& ctx, Outcome& failure,
                              std::optional<MethodScope>& scope) {
  scope = ctx.do_method("handleContainerStream", failure);
  if (!scope) return nullptr;
  return &ctx.project().container_stream();
}

std::string lines_of(const Node& n) {
  return n.line() == n.end_line() ? fmt::format("line {}", n.line())
                                  : fmt::format("lines {}–{}", n.line(), n.end_line());
}

// A separator as the reader would write it: '\r\n', /\r?\n/.
std::string describe_separator(const FileModel& m, const Node& sep) {
  auto s = m.fold_string(sep);
  if (!s) return snippet(sep);
  return "'" + sanitize(*s) + "'";
}

bool inside(const Node& outer, const Node& n) { return !outer.null() && outer.contains(n); }

// Whether `call` runs as a promise continuation: inside the function passed to `.catch(fn)` /
// `.then(_, fn)` (method "catch") or to `.finally(fn)` (method "finally").
bool in_continuation(const FileModel& m, const Node& call, std::string_view method) {
  for (const Function* f = m.enclosing_function(call); f; f = m.enclosing_function(f->node)) {
    Node args = f->node.parent();
    if (!args.is("arguments")) continue;
    Node outer = args.parent();
    if (!outer.is("call_expression")) continue;
    std::string_view name = FileModel::callee_name(outer);
    auto list = FileModel::arguments(outer);
    if (name == method) return true;
    if (method == "catch" && name == "then" && list.size() > 1 && list[1] == f->node) return true;
  }
  return false;
}

// The calls of `calls` inside `within`, or calls there of a same-file helper containing one.
std::vector<Node> reached_in(const FileModel& m, const Node& within,
                             const std::vector<StreamCall>& calls) {
  std::vector<Node> out;
  for (const StreamCall& c : calls)
    if (inside(within, c.call)) out.push_back(c.call);
  if (within.null()) return out;
  for (const Node& call : m.nodes_in("call_expression", within)) {
    const Function* helper = m.callee_function(call);
    if (!helper || helper->body.null() || helper->node.contains(within)) continue;
    for (const StreamCall& c : calls)
      if (helper->body.contains(c.call)) {
        out.push_back(call);
        break;
      }
  }
  return out;
}

// -- handleContainerStream ------------------------------------------------------------------------

Outcome stream_verify_jwt(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->verify_call.null()) {
    std::string header =
        s->auth_header.null()
            ? std::string(" and never reads the Authorization header")
            : fmt::format(" (the Authorization header is read at line {})", s->auth_header.line());
    return Outcome::fail(
        scope->location(),
        fmt::format("handleContainerStream never calls verifyExecutionToken{}: any "
                    "caller can write into a bridge",
                    header));
  }
  Location at_verify = m.location(s->verify_call);
  if (s->auth_header.null())
    return Outcome::fail(at_verify,
                         fmt::format("{} at line {}, but handleContainerStream never reads the "
                                     "Authorization header",
                                     snippet(s->verify_call), s->verify_call.line()));
  if (!s->token_from_header)
    return Outcome::fail(
        at_verify, fmt::format("verifyExecutionToken gets `{}` (line {}), which does not come "
                               "from the Authorization header read at line {}",
                               snippet(s->token), s->verify_call.line(), s->auth_header.line()));
  if (s->bearer_strip.null())
    return Outcome::fail(
        at_verify, fmt::format("the token passed to verifyExecutionToken (line {}) is the raw "
                               "Authorization header value (line {}): its `Bearer ` prefix is "
                               "never stripped, so every token fails verification",
                               s->verify_call.line(), s->auth_header.line()));
  if (s->verify_guard.null())
    return Outcome::fail(
        at_verify, fmt::format("the result of verifyExecutionToken (line {}) is never tested "
                               "for null: an invalid or expired token still reaches the bridge",
                               s->verify_call.line()));
  std::string cond = snippet(s->verify_guard.field("condition"));
  if (s->verify_guard_return.null())
    return Outcome::fail(m.location(s->verify_guard),
                         fmt::format("the null check `if {}` at line {} does not return a response",
                                     cond, s->verify_guard.line()));
  if (s->verify_guard_status != 401) {
    std::string got = s->verify_guard_status
                          ? fmt::format("status {}", *s->verify_guard_status)
                          : fmt::format("`{}`, whose status is not recognisably 401",
                                        snippet(s->verify_guard_return));
    return Outcome::fail(m.location(s->verify_guard_return),
                         fmt::format("a failed verify (`if {}` at line {}) returns {}, not 401",
                                     cond, s->verify_guard.line(), got));
  }
  if (!s->lookup.null() && s->lookup.start_byte() < s->verify_guard.start_byte())
    return Outcome::fail(m.location(s->verify_guard),
                         fmt::format("the null check at line {} comes after the bridge lookup at "
                                     "line {}: the payload is used before it is known to be valid",
                                     s->verify_guard.line(), s->lookup.line()));
  return Outcome::pass(at_verify,
                       fmt::format("Authorization header (line {}) → Bearer stripped (line {}) → "
                                   "verifyExecutionToken (line {}); `if {}` returns 401 (line {})",
                                   s->auth_header.line(), s->bearer_strip.line(),
                                   s->verify_call.line(), cond, s->verify_guard_return.line()),
                       {{m.location(s->verify_guard), "null result → 401"}});
}

Outcome stream_bridge_lookup(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->lookup.null())
    return Outcome::fail(scope->location(),
                         "handleContainerStream never looks the bridge up with "
                         "this.httpBridges.get(…)");
  Location at = m.location(s->lookup);
  if (s->verify_call.null())
    return Outcome::fail(at, fmt::format("{} at line {}: there is no verifyExecutionToken result "
                                         "to take the executionId from",
                                         snippet(s->lookup), s->lookup.line()));
  if (!s->key_is_execution_id)
    return Outcome::fail(at, fmt::format("{} at line {}: the key `{}` is not the executionId of "
                                         "the verifyExecutionToken result (line {})",
                                         snippet(s->lookup), s->lookup.line(),
                                         s->lookup_key.null() ? "(none)" : snippet(s->lookup_key),
                                         s->verify_call.line()));
  return Outcome::pass(at, fmt::format("{} at line {}: keyed by the verified token's executionId",
                                       snippet(s->lookup), s->lookup.line()));
}

Outcome stream_404(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->lookup.null())
    return Outcome::fail(scope->location(),
                         "handleContainerStream never looks the bridge up (no "
                         "this.httpBridges.get(…)), so it cannot answer 404 for a missing one");
  if (s->missing_guard.null())
    return Outcome::fail(m.location(s->lookup),
                         fmt::format("the result of {} (line {}) is never tested: an unknown "
                                     "executionId fails on the bridge instead of answering 404",
                                     snippet(s->lookup), s->lookup.line()));
  std::string cond = snippet(s->missing_guard.field("condition"));
  if (s->missing_guard_return.null())
    return Outcome::fail(
        m.location(s->missing_guard),
        fmt::format("the missing-bridge branch `if {}` (line {}) does not return a "
                    "response",
                    cond, s->missing_guard.line()));
  if (s->missing_guard_status != 404) {
    std::string got = s->missing_guard_status
                          ? fmt::format("status {}", *s->missing_guard_status)
                          : fmt::format("`{}`, whose status is not recognisably 404",
                                        snippet(s->missing_guard_return));
    return Outcome::fail(
        m.location(s->missing_guard_return),
        fmt::format("the missing-bridge branch `if {}` (line {}) returns {}, not 404", cond,
                    s->missing_guard.line(), got));
  }
  return Outcome::pass(m.location(s->missing_guard_return),
                       fmt::format("`if {}` (line {}) returns 404", cond, s->missing_guard.line()));
}

Outcome stream_empty_body(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->empty_body_guard.null())
    return Outcome::fail(scope->location(),
                         "no `if (!request.body)` branch: a callback without a body leaves the "
                         "bridge open until the timeout");
  Node branch = s->empty_body_guard.field("consequence");
  auto resolves = reached_in(m, branch, s->resolves);
  std::vector<Node> deletes, wrong_key;
  for (std::size_t i = 0; i < s->deletes.size(); ++i) {
    if (!inside(branch, s->deletes[i].call)) continue;
    (s->delete_key_matches_lookup[i] ? deletes : wrong_key).push_back(s->deletes[i].call);
  }
  if (deletes.empty()) {
    // a helper that deletes
    std::vector<StreamCall> good;
    for (std::size_t i = 0; i < s->deletes.size(); ++i)
      if (s->delete_key_matches_lookup[i]) good.push_back(s->deletes[i]);
    deletes = reached_in(m, branch, good);
  }
  std::vector<std::string> missing;
  if (resolves.empty()) missing.push_back("does not resolve the bridge");
  if (deletes.empty())
    missing.push_back(wrong_key.empty()
                          ? std::string("does not delete it from httpBridges")
                          : fmt::format("deletes `{}` (line {}), not the bridge it looked up",
                                        snippet(wrong_key.front()), wrong_key.front().line()));
  std::string cond = snippet(s->empty_body_guard.field("condition"));
  if (!missing.empty()) {
    std::string list;
    for (const auto& x : missing) list += (list.empty() ? "" : " and ") + x;
    return Outcome::fail(m.location(s->empty_body_guard),
                         fmt::format("the empty-body branch `if {}` (line {}) {}", cond,
                                     s->empty_body_guard.line(), list));
  }
  return Outcome::pass(m.location(s->empty_body_guard),
                       fmt::format("`if {}` (line {}) resolves the bridge (line {}) and deletes it "
                                   "(line {})",
                                   cond, s->empty_body_guard.line(), resolves.front().line(),
                                   deletes.front().line()));
}

Outcome stream_line_split(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->reader.null())
    return Outcome::fail(scope->location(),
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
  return Outcome::pass(
      at_split, fmt::format("{} (line {}), read loop ({}), {} (line {}), bridge.writer.write "
                            "per line (line {})",
                            s->read_call.null() ? "for await over the body" : "reader.read()",
                            s->read_call.null() ? s->reader.line() : s->read_call.line(),
                            lines_of(s->read_loop), snippet(s->split_call), s->split_call.line(),
                            s->line_writes.front().line()));
}

Outcome stream_extract_metadata(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->line_loop.null())
    return Outcome::fail(s->split_call.null() ? scope->location() : m.location(s->split_call),
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

Outcome stream_flush(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->read_loop.null())
    return Outcome::fail(scope->location(),
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

Outcome stream_settle(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  const Function* loop_owner = s->read_loop.null() ? nullptr : m.enclosing_function(s->read_loop);
  // the catch clauses that reject the bridge
  std::vector<Node> rejecting_catches;
  Node reject_in_catch, reject_elsewhere;
  for (const StreamCall& r : s->rejects) {
    if (r.context.in_catch() || in_continuation(m, r.call, "catch")) {
      if (reject_in_catch.null()) reject_in_catch = r.call;
      if (r.context.in_catch()) rejecting_catches.push_back(r.context.catch_clause);
    } else if (reject_elsewhere.null()) {
      reject_elsewhere = r.call;
    }
  }
  Node success, early, late;
  for (const StreamCall& r : s->resolves) {
    if (inside(s->empty_body_guard, r.call)) continue;
    if (r.context.in_catch() || in_continuation(m, r.call, "catch")) {
      if (late.null()) late = r.call;
      continue;
    }
    // a resolve in finally settles the success path when the same try's catch rejects first
    if (r.context.in_finally()) {
      Node try_stmt = r.context.finally_clause.parent();
      bool rejected_first = std::any_of(rejecting_catches.begin(), rejecting_catches.end(),
                                        [&](const Node& c) { return c.parent() == try_stmt; });
      if (!rejected_first) {
        if (late.null()) late = r.call;
        continue;
      }
    }
    bool before_loop = loop_owner && m.enclosing_function(r.call) == loop_owner &&
                       r.call.start_byte() < s->read_loop.end_byte();
    if (before_loop) {
      if (early.null()) early = r.call;
      continue;
    }
    if (success.null()) success = r.call;
  }
  std::vector<std::string> problems;
  Location where = scope->location();
  if (success.null()) {
    if (!early.null()) {
      problems.push_back(fmt::format("the bridge is resolved at line {}, before the read loop ends",
                                     early.line()));
      where = m.location(early);
    } else if (!late.null()) {
      problems.push_back(
          fmt::format("the bridge is resolved only at line {}, in a catch/finally "
                      "block (and no catch of that try rejects first), not on the success path",
                      late.line()));
      where = m.location(late);
    } else {
      problems.push_back(
          "bridge.resolve() is never called after the stream ends: the browser's "
          "response stays open until the timeout");
    }
  }
  if (reject_in_catch.null()) {
    bool has_catch = !m.nodes_in("catch_clause", s->region).empty();
    if (!reject_elsewhere.null())
      problems.push_back(fmt::format("bridge.reject(…) at line {} is not in a catch block",
                                     reject_elsewhere.line()));
    else
      problems.push_back(has_catch
                             ? "the catch block never calls bridge.reject(…): a failed stream "
                               "is reported as a success"
                             : "no try/catch around the read loop: a failed stream never "
                               "rejects the bridge");
    if (problems.size() == 1) {
      auto catches = m.nodes_in("catch_clause", s->region);
      where = !reject_elsewhere.null() ? m.location(reject_elsewhere)
              : !catches.empty()       ? m.location(catches.front())
                                       : where;
    }
  }
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    return Outcome::fail(where, text);
  }
  return Outcome::pass(
      m.location(success),
      fmt::format("{} at line {} on the success path, {} at line {} in the catch", snippet(success),
                  success.line(), snippet(reject_in_catch), reject_in_catch.line()),
      {{m.location(reject_in_catch), "reject on error"}});
}

Outcome stream_cleanup(const CheckContext& ctx) {
  Outcome failure;
  std::optional<MethodScope> scope;
  const ContainerStream* s = stream(ctx, failure, scope);
  if (!s) return failure;
  const FileModel& m = *s->model;
  if (s->deletes.empty())
    return Outcome::fail(scope->location(),
                         "handleContainerStream never deletes the bridge from httpBridges: "
                         "finished executions stay registered");
  const StreamCall* wrong_key = nullptr;
  const StreamCall* outside = nullptr;
  Node outside_site;  // for a delete in a helper: the method's call of that helper
  for (std::size_t i = 0; i < s->deletes.size(); ++i) {
    const StreamCall& d = s->deletes[i];
    bool in_finally = d.context.in_finally() || in_continuation(m, d.call, "finally");
    // A delete inside a same-file helper (`this.cleanupBridge(id)`) runs where the method calls
    // that helper: it counts when a call of the helper in the method's body sits in finally.
    const Function* helper = m.enclosing_function(d.call);
    Node site_outside;
    if (!in_finally && helper && helper != scope->function &&
        !scope->function->node.contains(d.call)) {
      for (const Node& site : m.calls_of(*helper)) {
        if (!scope->function->node.contains(site)) continue;
        if (m.context(site).in_finally() || in_continuation(m, site, "finally")) {
          in_finally = true;
          break;
        }
        // the call that decides: one outside the empty-body branch, if there is one
        if (site_outside.null() ||
            (inside(s->empty_body_guard, site_outside) && !inside(s->empty_body_guard, site)))
          site_outside = site;
      }
    }
    if (in_finally && s->delete_key_matches_lookup[i])
      return Outcome::pass(m.location(d.call), fmt::format("{} at line {} runs in finally",
                                                           snippet(d.call), d.call.line()));
    if (in_finally && !wrong_key) wrong_key = &d;
    if (!in_finally && !inside(s->empty_body_guard, d.call) && !outside) {
      outside = &d;
      outside_site = site_outside;
    }
  }
  if (wrong_key)
    return Outcome::fail(m.location(wrong_key->call),
                         fmt::format("{} in finally at line {}: the key is not the one the "
                                     "bridge was looked up by (payload.executionId)",
                                     snippet(wrong_key->call), wrong_key->call.line()));
  const StreamCall& d = outside ? *outside : s->deletes.front();
  if (!outside_site.null()) {
    // the delete sits in a helper: what matters is where the method calls it
    ControlContext at = m.context(outside_site);
    std::string where = inside(s->empty_body_guard, outside_site)
                            ? "only in the empty-body branch: a streamed body leaves the bridge "
                              "registered"
                        : at.in_try() ? "in the try block, not in finally: an exception skips it"
                        : at.in_catch()
                            ? "in the catch block, not in finally: a successful stream leaves "
                              "the bridge registered"
                            : "not in a finally block: an exception from the read loop skips it";
    return Outcome::fail(
        m.location(outside_site),
        fmt::format("the delete at line {} ({}) runs in a helper whose call at line {} ({}) is {}",
                    d.call.line(), snippet(d.call), outside_site.line(), snippet(outside_site),
                    where));
  }
  std::string where = d.context.in_try() ? "in the try block, not in finally: an exception skips it"
                      : d.context.in_catch() ? "in the catch block, not in finally: a successful "
                                               "stream leaves the bridge registered"
                      : inside(s->empty_body_guard, d.call)
                          ? "only in the empty-body branch: a streamed body leaves the bridge "
                            "registered"
                          : "not in a finally block: an exception from the read loop skips it";
  return Outcome::fail(m.location(d.call), fmt::format("delete at line {} ({}) is {}",
                                                       d.call.line(), snippet(d.call), where));
}

// -- extractMetadata ------------------------------------------------------------------------------

// `JSON.parse(x)` where x derives from the method's first parameter (the line).
std::vector<Node> line_parses(const MethodScope& sc, std::vector<Node>* others) {
  const FileModel& m = *sc.model;
  std::vector<Node> out;
  auto params = sc.function->parameters();
  for (const Node& call : m.nodes_in("call_expression", sc.region)) {
    if (FileModel::callee_name(call) != "parse" ||
        FileModel::last_name(FileModel::callee_object(call)) != "JSON")
      continue;
    auto args = FileModel::arguments(call);
    bool of_line =
        !args.empty() && !params.empty() &&
        m.derives_from(args[0], [&](const FileModel& fm, const Node& n) {
          if (!n.is("identifier")) return false;
          const Binding* b = fm.resolve(n);
          return b && b->kind == BindingKind::Param && params.front().contains(b->name_node);
        });
    (of_line ? out : *others).push_back(call);
  }
  return out;
}

// Whether `expr` reads field `name` of a parsed event (`event.type`, a destructured `type`).
bool event_field(const FileModel& m, const std::vector<Node>& parses, const Node& expr,
                 std::string_view name) {
  Origin o = m.trace(expr);
  if (o.path.empty() || o.path.back() != name) return false;
  Node base = FileModel::strip_await(o.expr);
  return std::any_of(parses.begin(), parses.end(), [&](const Node& p) { return p == base; });
}

// The statement or expression a test belongs to: the if / ternary whose condition holds it, the
// outermost && chain, or the switch it discriminates.
Node test_anchor(const Node& n) {
  Node child = n;
  Node best;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if ((p.is("if_statement") || p.is("ternary_expression") || p.is("while_statement")) &&
        p.field("condition") == child)
      return p;
    if (p.is("switch_statement")) return p;
    if (p.is("binary_expression") && p.field("operator").kind() == "&&") best = p;
    if (p.is("expression_statement") || p.is("statement_block") || p.is("return_statement") ||
        p.is("lexical_declaration"))
      break;
  }
  return best;
}

Outcome meta_events(const CheckContext& ctx) {
  Outcome failure;
  auto sc = ctx.do_method("extractMetadata", failure);
  if (!sc) return failure;
  const FileModel& m = *sc->model;
  std::vector<Node> other_parses;
  auto parses = line_parses(*sc, &other_parses);
  if (parses.empty())
    return Outcome::fail(
        other_parses.empty() ? sc->location() : m.location(other_parses.front()),
        other_parses.empty()
            ? std::string("extractMetadata never calls JSON.parse(line)")
            : fmt::format("{} at line {} does not parse the line parameter",
                          snippet(other_parses.front()), other_parses.front().line()));
  // every constant the event's type is compared with, and where
  std::vector<std::pair<std::string, Node>> compared;
  for (const Node& b : m.nodes_in("binary_expression", sc->region)) {
    std::string_view op = b.field("operator").kind();
    if (op != "===" && op != "==" && op != "!==" && op != "!=") continue;
    Node l = b.field("left"), r = b.field("right");
    if (auto v = m.fold_string(r); v && event_field(m, parses, l, "type"))
      compared.emplace_back(*v, b);
    if (auto v = m.fold_string(l); v && event_field(m, parses, r, "type"))
      compared.emplace_back(*v, b);
  }
  for (const Node& sw : m.nodes_in("switch_statement", sc->region)) {
    if (!event_field(m, parses, sw.field("value"), "type")) continue;
    for (const Node& c : m.nodes_in("switch_case", sw))
      if (auto v = m.fold_string(c.field("value"))) compared.emplace_back(*v, c.field("value"));
  }
  for (const Node& call : m.nodes_in("call_expression", sc->region)) {
    if (FileModel::callee_name(call) != "includes") continue;
    auto args = FileModel::arguments(call);
    Node list = FileModel::strip(m.trace(FileModel::callee_object(call)).expr);
    if (args.empty() || !list.is("array") || !event_field(m, parses, args[0], "type")) continue;
    for (const Node& e : list.named_children())
      if (auto v = m.fold_string(e)) compared.emplace_back(*v, call);
  }
  auto find = [&](std::string_view v) -> Node {
    for (const auto& [value, node] : compared)
      if (value == v) return node;
    return {};
  };
  Node init = find("session-init"), done = find("done");
  if (init.null() || done.null()) {
    std::string seen;
    for (const auto& [value, node] : compared)
      if (seen.find("'" + value + "'") == std::string::npos)
        seen += (seen.empty() ? "'" : ", '") + value + "'";
    std::string missing = init.null() && done.null() ? "'session-init' and 'done'"
                          : init.null()              ? "'session-init'"
                                                     : "'done'";
    return Outcome::fail(
        compared.empty() ? m.location(parses.front()) : m.location(compared.front().second),
        compared.empty()
            ? fmt::format("the parsed event's type is never compared (JSON.parse at "
                          "line {}); expected 'session-init' and 'done'",
                          parses.front().line())
            : fmt::format("the event type is compared with {} but never with {}", seen, missing));
  }
  // a sessionId test that goes with the type test
  std::vector<Node> type_anchors;
  for (const Node& n : {init, done}) {
    Node a = test_anchor(n);
    type_anchors.push_back(a.null() ? n : a);
  }
  std::vector<Node> session_reads;
  for (std::string_view k : {std::string_view("member_expression"), std::string_view("identifier"),
                             std::string_view("shorthand_property_identifier")})
    for (const Node& n : m.nodes_in(k, sc->region))
      if (event_field(m, parses, n, "sessionId")) session_reads.push_back(n);
  Node together;
  for (const Node& read : session_reads) {
    Node s = test_anchor(read);
    if (s.null()) continue;
    for (const Node& a : type_anchors) {
      bool related = s == a || s.contains(a) || a.contains(s);
      // an early exit: `if (!event.sessionId) return;` before the type test
      if (!related && s.is("if_statement") && s.start_byte() < a.start_byte() &&
          !m.nodes_in("return_statement", s.field("consequence")).empty())
        related = true;
      if (related && together.null()) together = read;
    }
  }
  if (together.null())
    return Outcome::fail(m.location(init),
                         fmt::format("the event type is compared with 'session-init' (line {}) and "
                                     "'done' (line {}), but sessionId is never tested with it: "
                                     "events without a sessionId are persisted too",
                                     init.line(), done.line()));
  return Outcome::pass(
      m.location(init),
      fmt::format("JSON.parse(line) (line {}); type 'session-init' (line {}) / "
                  "'done' (line {}) with a sessionId test (line {})",
                  parses.front().line(), init.line(), done.line(), together.line()));
}

Outcome meta_persist(const CheckContext& ctx) {
  Outcome failure;
  auto sc = ctx.do_method("extractMetadata", failure);
  if (!sc) return failure;
  const FileModel& m = *sc->model;
  Node wrong, not_storage;
  std::string wrong_key;
  for (const Node& call : m.nodes_in("call_expression", sc->region)) {
    if (FileModel::callee_name(call) != "put") continue;
    Origin o = m.trace(FileModel::callee_object(call));
    std::string_view owner = !o.path.empty() ? std::string_view(o.path.back())
                             : o.binding     ? std::string_view(o.binding->name)
                                             : FileModel::last_name(o.expr);
    bool storage = owner == "storage";
    auto args = FileModel::arguments(call);
    if (args.empty()) continue;
    auto key = m.fold_string(args[0]);
    Node obj = FileModel::strip(m.trace(args[0]).expr);
    bool right = (key && *key == "sdkSessionId") ||
                 (!key && obj.is("object") && !m.property(obj, "sdkSessionId").null());
    if (right && storage)
      return Outcome::pass(m.location(call),
                           fmt::format("{} at line {}", snippet(call), call.line()));
    if (right && not_storage.null()) not_storage = call;
    if (!right && storage && wrong.null()) {
      wrong = call;
      wrong_key = key ? "'" + *key + "'" : snippet(args[0]);
    }
  }
  if (!not_storage.null())
    return Outcome::fail(m.location(not_storage),
                         fmt::format("{} at line {} is not DO storage (this.state.storage / "
                                     "this.ctx.storage)",
                                     snippet(not_storage), not_storage.line()));
  if (!wrong.null())
    return Outcome::fail(m.location(wrong),
                         fmt::format("{} at line {} stores the key {}, not 'sdkSessionId' (the key "
                                     "the next dispatch reads)",
                                     snippet(wrong), wrong.line(), wrong_key));
  return Outcome::fail(
      sc->location(),
      "extractMetadata never calls storage.put('sdkSessionId', …): the SDK session "
      "is not remembered for the next message");
}

}  // namespace

void register_do_stream_checks(Registry& r) {
  r.add({.id = "do.stream-verify-jwt",
         .group = Group::DurableObject,
         .title = "verifies JWT via `verifyExecutionToken()`",
         .expected = "the token from the Authorization header (Bearer prefix stripped) passed to "
                     "verifyExecutionToken, and a null result answered with 401",
         .role = Role::DurableObject,
         .passes_when =
             "headers.get('Authorization') → a Bearer strip (slice(7), replace('Bearer ', "
             "''), split(' '), a /Bearer/ regex; through bindings and a same-file "
             "helper) → verifyExecutionToken(token, …); an `if (!payload)` (or `== null`) "
             "before the bridge lookup that returns a 401 Response",
         .fails_when = "no verify call; token not from the Authorization header or with its Bearer "
                       "prefix; result never null-checked; the null branch returns 403 or nothing",
         .config_keys = {"className", "roles.do"},
         .run = stream_verify_jwt});
  r.add({.id = "do.stream-bridge-lookup",
         .group = Group::DurableObject,
         .title = "looks up bridge by `payload.executionId`",
         .expected = "this.httpBridges.get(payload.executionId), payload being the "
                     "verifyExecutionToken result",
         .role = Role::DurableObject,
         .passes_when = "the key traces to the verify result's executionId: `payload.executionId`, "
                        "`const { executionId } = payload`, an alias",
         .fails_when = "no httpBridges.get; keyed by payload.sessionId or by a value not from the "
                       "verified token",
         .config_keys = {"className", "roles.do"},
         .run = stream_bridge_lookup});
  r.add({.id = "do.stream-404",
         .group = Group::DurableObject,
         .title = "returns 404 when no bridge",
         .expected = "the branch for a missing bridge returns status 404",
         .role = Role::DurableObject,
         .passes_when =
             "an `if (!bridge)` (or `=== undefined`, `!this.httpBridges.has(id)`) whose "
             "branch returns a Response with status 404 (also through a same-file helper)",
         .fails_when = "the lookup result is never tested; the branch returns 410/400 or nothing",
         .config_keys = {"className", "roles.do"},
         .run = stream_404});
  r.add({.id = "do.stream-empty-body",
         .group = Group::DurableObject,
         .title = "handles empty body (resolve + cleanup)",
         .expected = "an `if (!request.body)` branch that resolves the bridge and deletes it from "
                     "httpBridges",
         .role = Role::DurableObject,
         .passes_when =
             "a branch taken when request.body is missing that calls the bridge's "
             "resolve and this.httpBridges.delete(payload.executionId) (directly or in a "
             "same-file helper)",
         .fails_when = "no such branch; it resolves but leaves the bridge registered; it deletes "
                       "without resolving (the browser waits for the timeout)",
         .config_keys = {"className", "roles.do"},
         .run = stream_empty_body});
  r.add({.id = "do.stream-line-split",
         .group = Group::DurableObject,
         .title = "reads chunked body, splits by newlines, writes each line",
         .expected = "request.body.getReader(), a read loop, split('\\n') inside it, and a "
                     "bridge.writer.write(…) per line",
         .role = Role::DurableObject,
         .passes_when =
             "reader.read() inside a while/for/do loop (or `for await` over request.body, "
             "optionally piped through a TextDecoderStream); inside that loop a split "
             "whose separator is exactly '\\n' (any quotes or a const) or a regex that "
             "matches \"\\n\" (/\\n/, /\\r?\\n/, /[\\r\\n]+/), or an indexOf('\\n') scan; a "
             "loop over the lines (for…of, for, while, forEach) that writes to "
             "bridge.writer (directly or through a same-file helper)",
         .fails_when =
             "no getReader/read loop; split('\\r\\n') — the agent's NDJSON lines end in "
             "\\n only, so nothing is ever split; splitting only after the whole body was "
             "read; lines never written to the bridge",
         .config_keys = {"className", "roles.do"},
         .run = stream_line_split});
  r.add({.id = "do.stream-extract-metadata",
         .group = Group::DurableObject,
         .title = "calls `extractMetadata()` on each line",
         .expected = "this.extractMetadata(line) inside the per-line loop",
         .role = Role::DurableObject,
         .passes_when = "this.extractMetadata(…) (or a same-file helper that calls it) inside the "
                        "loop over the split lines",
         .fails_when = "not called; called only once after the loop or on the whole chunk",
         .config_keys = {"className", "roles.do"},
         .run = stream_extract_metadata});
  r.add({.id = "do.stream-flush",
         .group = Group::DurableObject,
         .title = "flushes remaining buffer after stream ends",
         .expected = "after the read loop, the leftover buffer written to bridge.writer when "
                     "non-empty",
         .role = Role::DurableObject,
         .passes_when = "a bridge.writer.write (or writing helper call) after the read loop whose "
                        "argument derives from the binding split is called on, under a condition "
                        "on it (`if (buffer)`, `if (buffer.trim())`, `buffer.length > 0 &&`)",
         .fails_when = "the leftover is dropped; it is written unconditionally (an empty line)",
         .config_keys = {"className", "roles.do"},
         .run = stream_flush});
  r.add({.id = "do.stream-settle",
         .group = Group::DurableObject,
         .title = "resolves on success, rejects on error",
         .expected = "bridge.resolve() on the success path and bridge.reject(…) in the catch",
         .role = Role::DurableObject,
         .passes_when = "the bridge's resolve called after the read loop, not in a catch (the "
                        "empty-body branch does not count; a resolve in finally counts when that "
                        "try's catch rejects first, since a settled deferred ignores it), and its "
                        "reject called in a catch clause or a .catch() callback (also "
                        "destructured: `const { resolve } = bridge`)",
         .fails_when =
             "never resolved (the browser waits for the timeout); resolved only in catch, "
             "before the loop, or in a finally no catch rejects before; no reject in the "
             "catch",
         .config_keys = {"className", "roles.do"},
         .run = stream_settle});
  r.add({.id = "do.stream-cleanup",
         .group = Group::DurableObject,
         .title = "cleans up bridge in `finally`",
         .expected = "this.httpBridges.delete(payload.executionId) inside a finally block",
         .role = Role::DurableObject,
         .passes_when = "a delete keyed by the verified executionId (or the same value the "
                        "bridge was looked up by) in a finally clause or a .finally() callback",
         .fails_when = "no delete; the delete at the end of try (an exception skips it) or in "
                       "catch (success leaves the bridge registered); a wrong key",
         .config_keys = {"className", "roles.do"},
         .run = stream_cleanup});
  r.add({.id = "do.meta-events",
         .group = Group::DurableObject,
         .title = "parses JSON, looks for `session-init` / `done` with `sessionId`",
         .expected = "JSON.parse(line) and a condition on type being 'session-init' or 'done' "
                     "together with sessionId",
         .role = Role::DurableObject,
         .passes_when = "JSON.parse of the line parameter; its `type` (member or destructured) "
                        "compared with both 'session-init' and 'done' (===, switch cases, or "
                        "[…].includes(type)); and its sessionId tested in the same condition, an "
                        "enclosing or nested one, or an early return before it",
         .fails_when = "no JSON.parse of the line; other event names ('init', 'result'); one of "
                       "the two missing; sessionId never tested",
         .config_keys = {"className", "roles.do"},
         .run = meta_events});
  r.add({.id = "do.meta-persist",
         .group = Group::DurableObject,
         .title = "persists `sdkSessionId` to DO storage",
         .expected = "storage.put('sdkSessionId', …) on the DO's storage",
         .role = Role::DurableObject,
         .passes_when = "a put on this.state.storage / this.ctx.storage (or an alias) with the key "
                        "folding exactly to 'sdkSessionId', or an object with that key",
         .fails_when = "no put; another key ('sdkSessionID', 'sessionId'); a KV put instead of DO "
                       "storage",
         .config_keys = {"className", "roles.do"},
         .run = meta_persist});
}

}  // namespace v15
