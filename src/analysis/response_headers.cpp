#include "v15check/analysis/response_headers.h"

#include <algorithm>
#include <cctype>

#include "v15check/analysis/values.h"

namespace v15::analysis {

namespace {

constexpr int kMaxDepth = 6;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

void add(const FileModel& m, std::vector<HeaderValue>& out, const Node& key_node, std::string name,
         const Node& value) {
  HeaderValue h;
  h.name = lower(name);
  h.node = key_node;
  if (auto v = m.fold_string(value)) {
    h.value = *v;
    h.folded = true;
  }
  out.push_back(std::move(h));
}

void collect(const FileModel& m, const Node& expr, std::vector<HeaderValue>& out, int depth);

void collect_object(const FileModel& m, const Node& obj, std::vector<HeaderValue>& out, int depth) {
  for (const Node& p : obj.named_children()) {
    if (p.is("pair")) {
      add(m, out, p.field("key"), m.key_name(p.field("key")), p.field("value"));
    } else if (p.is("shorthand_property_identifier")) {
      add(m, out, p, std::string(p.text()), p);
    } else if (p.is("spread_element") && p.named_child_count()) {
      collect(m, p.named_child(0), out, depth + 1);
    }
  }
}

void collect(const FileModel& m, const Node& expr, std::vector<HeaderValue>& out, int depth) {
  if (expr.null() || depth > kMaxDepth) return;
  Origin o = into_literals(m, m.trace(expr));
  Node s = FileModel::strip_await(FileModel::strip(o.expr));
  if (!o.path.empty()) {
    // a member of a const object: `HEADERS.stream`
    if (s.is("object")) {
      Node v = s;
      for (const std::string& key : o.path) {
        v = FileModel::strip(m.property(v, key));
        if (v.null()) return;
      }
      collect(m, v, out, depth + 1);
    }
    return;
  }
  if (s.is("object")) {
    collect_object(m, s, out, depth);
    return;
  }
  if (s.is("new_expression") && FileModel::last_name(s.field("constructor")) == "Headers") {
    auto args = FileModel::arguments(s);
    if (!args.empty()) collect(m, args[0], out, depth + 1);
    // the .set / .append calls on the binding that holds it
    for (const Node& c : m.nodes("call_expression")) {
      std::string_view n = FileModel::callee_name(c);
      if (n != "set" && n != "append") continue;
      Node obj = FileModel::callee_object(c);
      if (obj.null() || FileModel::strip(m.trace(obj).expr) != s || !m.trace(obj).path.empty())
        continue;
      auto a = FileModel::arguments(c);
      if (a.size() < 2) continue;
      auto name = m.fold_string(a[0]);
      if (name) add(m, out, c, *name, a[1]);
    }
    return;
  }
  if (s.is("call_expression")) {
    // a same-file helper: what it returns
    for (const Node& v : values_reaching(m, s, 1))
      if (v != s) collect(m, v, out, depth + 1);
  }
}

}  // namespace

std::vector<HeaderValue> response_headers(const FileModel& m, const Node& response) {
  std::vector<HeaderValue> out;
  Node r = FileModel::strip(response);
  auto args = FileModel::arguments(r);
  if (args.size() < 2) return out;
  Origin o = into_literals(m, m.trace(args[1]));
  Node init = FileModel::strip(o.expr);
  if (!init.is("object") || !o.path.empty()) return out;
  Node headers = m.property(init, "headers");
  if (!headers.null()) collect(m, headers, out, 0);
  return out;
}

bool streamed_body(const FileModel& m, const Node& body) {
  if (body.null()) return false;
  Origin o = m.trace(body);
  Node s = FileModel::strip_await(FileModel::strip(o.expr));
  if (!o.path.empty()) return o.path.back() == "readable";
  if (s.is("new_expression")) {
    std::string_view c = FileModel::last_name(s.field("constructor"));
    return c == "ReadableStream";
  }
  return false;
}

bool has_header_token(const std::vector<HeaderValue>& headers, std::string_view name,
                      std::string_view token) {
  std::string n = lower(name), t = lower(trim(token));
  for (const HeaderValue& h : headers) {
    if (h.name != n || !h.folded) continue;
    std::string v = lower(h.value);
    std::size_t pos = 0;
    while (pos <= v.size()) {
      std::size_t comma = v.find(',', pos);
      if (comma == std::string::npos) comma = v.size();
      if (trim(std::string_view(v).substr(pos, comma - pos)) == t) return true;
      pos = comma + 1;
    }
  }
  return false;
}

}  // namespace v15::analysis
