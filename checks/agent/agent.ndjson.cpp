// agent.ndjson: the agent writes each event as one JSON line (JSON.stringify(event) + '\n').
#include <fmt/format.h>

#include "agent.h"
#include "v15check/analysis/found_text.h"
#include "v15check/facts/agent_stream.h"

namespace v15 {

namespace {

enum class Payload { Other, Json, Ndjson };

bool is_json_stringify(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > 4) return false;
  Node e = FileModel::strip_await(expr);
  if (e.is("call_expression"))
    return FileModel::callee_name(e) == "stringify" &&
           FileModel::last_name(FileModel::callee_object(e)) == "JSON";
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    return o.path.empty() && !(o.expr == e) && is_json_stringify(m, o.expr, depth + 1);
  }
  return false;
}

// The literal text after a template's last substitution.
std::string template_tail(const FileModel& m, const Node& t) {
  std::string tail;
  for (uint32_t i = 0; i < t.child_count(); ++i) {
    Node c = t.child(i);
    if (c.is("template_substitution"))
      tail.clear();
    else if (c.is("string_fragment"))
      tail += c.text();
    else if (c.is("escape_sequence")) {
      std::string_view e = c.text();
      tail += e == "\\n" ? std::string("\n") : std::string(e);
    }
  }
  (void)m;
  return tail;
}

Payload classify(const FileModel& m, const Node& expr, int depth, Node* json_node) {
  if (depth > 6 || expr.null()) return Payload::Other;
  Node e = FileModel::strip_await(expr);
  // encoder.encode(x), Buffer.from(x), new TextEncoder().encode(x)
  if (e.is("call_expression") &&
      (FileModel::callee_name(e) == "encode" || FileModel::callee_name(e) == "from")) {
    auto args = FileModel::arguments(e);
    return args.empty() ? Payload::Other : classify(m, args[0], depth + 1, json_node);
  }
  if (is_json_stringify(m, e)) {
    *json_node = e;
    return Payload::Json;
  }
  // a same-file helper that builds the line: `toLine(event)` returning JSON + '\n'
  if (e.is("call_expression")) {
    const Function* f = m.function_at(FileModel::strip(e.field("function")));
    if (!f) f = m.callee_function(e);
    if (!f || f->body.null()) return Payload::Other;
    if (!f->body.is("statement_block")) return classify(m, f->body, depth + 1, json_node);
    Payload best = Payload::Other;
    for (const Node& ret : m.nodes_in("return_statement", f->body)) {
      if (m.enclosing_function(ret) != f) continue;
      Payload p = classify(m, ret.named_child(0), depth + 1, json_node);
      if (p == Payload::Ndjson) return p;
      if (p == Payload::Json) best = p;
    }
    return best;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+") {
    auto tail = m.fold_string(e.field("right"));
    if (tail && !tail->empty() && tail->back() == '\n') {
      Node left = FileModel::strip(e.field("left"));
      Node j;
      if (is_json_stringify(m, left) || classify(m, left, depth + 1, &j) != Payload::Other) {
        *json_node = e;
        return Payload::Ndjson;
      }
    }
    if (is_json_stringify(m, e.field("left"))) {
      *json_node = e;
      return Payload::Json;  // JSON plus something that is not a newline
    }
    return Payload::Other;
  }
  if (e.is("template_string")) {
    bool has_json = false;
    for (const Node& c : e.named_children())
      if (c.is("template_substitution") && is_json_stringify(m, c.named_child(0))) has_json = true;
    if (!has_json) return Payload::Other;
    *json_node = e;
    std::string tail = template_tail(m, e);
    return !tail.empty() && tail.back() == '\n' ? Payload::Ndjson : Payload::Json;
  }
  if (e.is("identifier")) {
    Payload best = Payload::Other;
    for (const Origin& o : m.trace_all(e)) {
      if (!o.path.empty()) continue;
      Node x = FileModel::strip_await(o.expr);
      if (!(x == e)) {
        Payload p = classify(m, x, depth + 1, json_node);
        if (p == Payload::Ndjson) return p;
        if (p == Payload::Json) best = p;
        continue;
      }
      // a parameter: what the calls of its function pass
      const Binding* b = o.binding;
      if (!b || b->kind != BindingKind::Param || !b->path.empty()) continue;
      for (const Function& f : m.functions()) {
        auto params = f.parameters();
        for (std::size_t i = 0; i < params.size(); ++i) {
          if (!params[i].contains(b->name_node)) continue;
          for (const Node& call : invocations_of(m, f)) {
            auto args = FileModel::arguments(call);
            if (i >= args.size()) continue;
            Payload p = classify(m, args[i], depth + 1, json_node);
            if (p == Payload::Ndjson) return p;
            if (p == Payload::Json) best = p;
          }
        }
      }
    }
    return best;
  }
  return Payload::Other;
}

// A following statement that writes just "\n" on the stream: `req.write(json); req.write('\n')`.
bool newline_follows(const FileModel& m, const CallbackRequest& r, const Node& write) {
  Node stmt = write;
  while (!stmt.null() && !stmt.is("expression_statement")) stmt = stmt.parent();
  if (stmt.null()) return false;
  Node next = stmt.next_named_sibling();
  if (!next.is("expression_statement")) return false;
  for (const Node& call : m.nodes_in("call_expression", next)) {
    if (!facts::is_stream_write(m, r, call)) continue;
    auto args = FileModel::arguments(call);
    Node a = args.empty() ? Node{} : FileModel::strip(args[0]);
    if (a.is("call_expression") && FileModel::callee_name(a) == "encode") {
      auto inner = FileModel::arguments(a);
      a = inner.empty() ? Node{} : inner[0];
    }
    if (!a.null() && m.fold_string(a) == std::string("\n")) return true;
  }
  return false;
}

Outcome run(const CheckContext& ctx) {
  auto callback = facts::callback_request(ctx);
  if (!callback) return callback.failure();
  const FileModel* m = callback->model;
  const CallbackRequest* r = callback->request;
  if (r->stream_origins.empty())
    return Outcome::fail(r->location,
                         fmt::format("cannot find the stream the {} at line {} sends (for fetch: a "
                                     "body from a TransformStream/ReadableStream this file writes)",
                                     facts::api_name(*r), r->location.line));
  std::vector<Node> writes;
  for (const Node& call : m->nodes("call_expression"))
    if (facts::is_stream_write(*m, *r, call)) writes.push_back(call);
  if (writes.empty())
    return Outcome::fail(r->location,
                         fmt::format("nothing is written to the callback stream of the "
                                     "{} at line {}{}",
                                     facts::api_name(*r), r->location.line, ctx.parse_note(*m)));
  Node ndjson, bare;
  for (const Node& w : writes) {
    auto args = FileModel::arguments(w);
    if (args.empty()) continue;
    Node payload;
    Payload p = classify(*m, args[0], 0, &payload);
    if (p == Payload::Ndjson && ndjson.null()) ndjson = w;
    if (p == Payload::Json && bare.null() && !newline_follows(*m, *r, w)) bare = w;
  }
  if (!bare.null())
    return Outcome::fail(m->location(bare),
                         fmt::format("{} (line {}) writes JSON without a trailing '\\n', so "
                                     "events run together on the stream",
                                     analysis::code_excerpt(bare, 70), bare.line()));
  if (ndjson.null()) {
    std::vector<std::string> list;
    for (std::size_t i = 0; i < writes.size() && i < 3; ++i)
      list.push_back(
          fmt::format("{} (line {})", analysis::code_excerpt(writes[i], 50), writes[i].line()));
    return Outcome::fail(m->location(writes.front()),
                         fmt::format("no write of JSON.stringify(event) + '\\n' on the callback "
                                     "stream; writes found: {}",
                                     fmt::join(list, ", ")));
  }
  return Outcome::pass(m->location(ndjson),
                       fmt::format("{} (line {}) on the callback stream",
                                   analysis::code_excerpt(ndjson, 70), ndjson.line()),
                       {{m->location(ndjson), "NDJSON write"}, {r->location, "callback request"}});
}

}  // namespace

Check agent_ndjson_check() {
  return {.id = "agent.ndjson",
          .group = Group::Agent,
          .title = "streams NDJSON (JSON.stringify(event) + '\\n')",
          .expected =
              "a write/enqueue of JSON.stringify(x) + '\\n' (or `${JSON.stringify(x)}\\n`) on "
              "the callback stream",
          .role = Role::Agent,
          .passes_when =
              "req.write / writer.write / controller.enqueue on the callback request's "
              "stream (also through a helper, possibly encoder.encode(…)) of JSON plus a "
              "trailing newline, and no JSON written without one",
          .fails_when = "JSON.stringify(e) written without '\\n'; nothing written to the stream",
          .config_keys = {"roles.agent"},
          .run = run};
}

}  // namespace v15
