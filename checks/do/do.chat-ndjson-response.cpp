// do.chat-ndjson-response: returns Response(readable) as application/x-ndjson.
#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "do.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/nesting.h"
#include "v15check/check.h"
#include "v15check/facts/chat_scope.h"

namespace v15 {

namespace {

using analysis::join;
using analysis::outermost;
using facts::chat_scope;
using facts::other_streams;

// The Content-Type a response init sets: {value node, key node}; nulls when absent.
struct HeaderValue {
  Node key;
  Node value;
};

std::optional<HeaderValue> content_type_in(const FileModel& m, const Node& container,
                                           int depth = 0) {
  Node c = FileModel::strip(container);
  if (c.is("identifier")) c = FileModel::strip(m.trace(c).expr);
  if (c.is("object")) {
    std::optional<HeaderValue> out;
    for (const Node& p : c.named_children()) {
      if (p.is("pair") && ascii_lower(m.key_name(p.field("key"))) == "content-type")
        out = HeaderValue{p.field("key"), p.field("value")};
      else if (p.is("spread_element") && depth < 4)
        if (auto spread = content_type_in(m, p.named_child(0), depth + 1)) out = spread;
    }
    return out;
  }
  if (c.is("array")) {
    for (const Node& e : c.named_children()) {
      if (!e.is("array") || e.named_child_count() != 2) continue;
      auto k = m.fold_string(e.named_child(0));
      if (k && ascii_lower(*k) == "content-type")
        return HeaderValue{e.named_child(0), e.named_child(1)};
    }
  }
  return std::nullopt;
}

std::optional<HeaderValue> response_content_type(const FileModel& m, const Region& region,
                                                 const Node& init) {
  Node obj = FileModel::strip(init);
  if (obj.is("identifier")) obj = FileModel::strip(m.trace(obj).expr);
  Node headers = m.property(obj, "headers");
  if (headers.null()) return std::nullopt;
  Node h = FileModel::strip(headers);
  if (h.is("identifier") || h.is("shorthand_property_identifier"))
    h = FileModel::strip(m.trace(h).expr);
  if (h.is("new_expression") && FileModel::callee_name(h) == "Headers") {
    std::optional<HeaderValue> out;
    auto args = FileModel::arguments(h);
    if (!args.empty()) out = content_type_in(m, args[0]);
    // headers.set('Content-Type', …) / append on that Headers object
    for (const Node& call : m.nodes_in("call_expression", region)) {
      std::string_view name = FileModel::callee_name(call);
      if (name != "set" && name != "append") continue;
      if (!(FileModel::strip_await(m.trace(FileModel::callee_object(call)).expr) == h)) continue;
      auto cargs = FileModel::arguments(call);
      auto k = cargs.size() == 2 ? m.fold_string(cargs[0]) : std::nullopt;
      if (k && ascii_lower(*k) == "content-type") out = HeaderValue{cargs[0], cargs[1]};
    }
    return out;
  }
  return content_type_in(m, h);
}

// The media type of a header value: lower case, parameters dropped.
std::string media_type(std::string v) {
  v = ascii_lower(v);
  if (auto semi = v.find(';'); semi != std::string::npos) v.erase(semi);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  return v;
}

// Whether a `new Response(…)` is what its function returns (directly or through a binding).
bool is_returned(const FileModel& m, const Node& response) {
  Node ref = outermost(response);
  Node p = ref.parent();
  if (p.is("return_statement")) return true;
  if (p.is("arrow_function") && p.field("body") == ref) return true;
  if (p.is("variable_declarator") && p.field("name").is("identifier")) {
    const Binding* b = m.resolve(p.field("name"));
    const Function* f = m.enclosing_function(response);
    if (!b || !f) return false;
    for (const Node& ret : m.nodes_in("return_statement", f->body)) {
      Node v = FileModel::strip_await(ret.named_child(0));
      if (m.enclosing_function(ret) == f && v.is("identifier") && m.resolve(v) == b) return true;
    }
  }
  return false;
}

Outcome chat_ndjson_response(const CheckContext& ctx) {
  auto s = chat_scope(ctx);
  if (!s) return s.failure();
  const FileModel& m = s->model();
  const ChatBridge& b = *s->bridge;
  const Region& region = s->method.region;
  if (b.stream.null())
    return Outcome::fail(s->location(),
                         "handleChatHttp creates no `new TransformStream()`, so its "
                         "response cannot be a TransformStream's readable side" +
                             other_streams(m, region));
  std::string problem;
  Location where = s->location();
  for (const Node& r : m.find("new_expression", region, match::new_expr("Response"))) {
    auto args = FileModel::arguments(r);
    if (args.empty() || !b.is_readable(m, args[0])) continue;
    if (!is_returned(m, r)) {
      problem =
          fmt::format("the Response of the readable side (line {}) is not returned", r.line());
      where = m.location(r);
      continue;
    }
    where = m.location(r);
    auto ct = args.size() > 1 ? response_content_type(m, region, args[1]) : std::nullopt;
    if (!ct) {
      problem = fmt::format(
          "the Response of the readable side (line {}) sets no Content-Type header", r.line());
      continue;
    }
    auto value = m.fold_string(ct->value);
    if (!value) {
      problem = fmt::format("Content-Type is `{}` (line {}), which does not fold to a constant",
                            snippet(ct->value, 40), ct->value.line());
      where = m.location(ct->value);
      continue;
    }
    if (media_type(*value) != "application/x-ndjson") {
      problem = fmt::format("Content-Type is '{}' (line {}); expected application/x-ndjson", *value,
                            ct->value.line());
      where = m.location(ct->value);
      continue;
    }
    return Outcome::pass(m.location(r), fmt::format("return new Response({}, …) with Content-Type "
                                                    "'{}' (line {})",
                                                    snippet(args[0], 30), *value, r.line()));
  }
  if (problem.empty()) {
    std::vector<std::string> returned;
    for (const Node& ret : m.nodes_in("return_statement", s->method.function->body))
      if (m.enclosing_function(ret) == s->method.function && ret.named_child_count())
        returned.push_back(
            fmt::format("`{}` (line {})", snippet(ret.named_child(0), 50), ret.line()));
    problem = fmt::format(
        "no returned new Response(…) has the TransformStream's readable side as its "
        "body; handleChatHttp returns {}",
        returned.empty() ? std::string("nothing") : join(returned));
  }
  return Outcome::fail(where, problem);
}

}  // namespace

Check do_chat_ndjson_response_check() {
  return {.id = "do.chat-ndjson-response",
          .group = Group::DurableObject,
          .title = "returns Response(readable) as application/x-ndjson",
          .expected =
              "return new Response(readable, { headers: { 'Content-Type': "
              "'application/x-ndjson' } })",
          .role = Role::DurableObject,
          .passes_when =
              "a returned new Response(R, init) where R is the TransformStream's readable "
              "side and init's headers (object, const, new Headers(…) or headers.set) "
              "set Content-Type (any case) to application/x-ndjson (parameters allowed)",
          .fails_when =
              "text/event-stream or no Content-Type; a body that is not the readable side; "
              "no TransformStream",
          .config_keys = {"className", "roles.do"},
          .run = chat_ndjson_response};
}

}  // namespace v15
