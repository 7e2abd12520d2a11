#include "v15check/facts/oauth_token.h"

#include <fmt/format.h>

namespace v15::facts {

namespace {

// The value a KV read produces: `await KV.get(k, 'json')`, or `JSON.parse(await KV.get(k))`.
Node kv_result_call(const FileModel& m, const Node& expr) {
  Node e = FileModel::strip_await(expr);
  if (e.is("call_expression") && FileModel::callee_name(e) == "parse" &&
      FileModel::last_name(FileModel::callee_object(e)) == "JSON") {
    auto args = FileModel::arguments(e);
    if (args.empty()) return {};
    e = FileModel::strip_await(args[0]);
    if (e.is("identifier")) {
      Origin o = m.trace(e);
      if (!o.path.empty()) return {};
      e = FileModel::strip_await(o.expr);
    }
  }
  return e;
}

// A traced origin read through the shapes a record read takes on its way to a field:
// `record ?? {}` / `record || {}` (the empty default adds no fields), `token || ''` /
// `token ?? ''` (an empty default is as falsy as a missing value), JSON.parse of the KV text.
Origin normalise(const FileModel& m, Origin o) {
  for (int i = 0; i < 4; ++i) {
    Node e = FileModel::strip_await(o.expr);
    if (!e.is("binary_expression")) break;
    std::string_view op = e.field("operator").kind();
    Node right = FileModel::strip(e.field("right"));
    bool empty_object = right.is("object") && right.named_child_count() == 0;
    bool empty_string = o.path.empty() && m.fold_string(right) == std::string();
    if ((op != "??" && op != "||") || !(empty_object || empty_string)) break;
    Origin inner = m.trace(e.field("left"));
    inner.path.insert(inner.path.end(), o.path.begin(), o.path.end());
    o = inner;
  }
  Node r = kv_result_call(m, o.expr);
  if (!r.null()) o.expr = r;
  o.expr = FileModel::strip_await(o.expr);
  return o;
}

Origin normalised_origin(const FileModel& m, const Function& caller, const Node& expr) {
  return normalise(m, m.trace(m.caller_value(expr, caller)));
}

// Where the token is read and what to call it: prefer the declarator that binds it
// (`const oauthToken = user?.claudeToken`).
void set_read(OAuthToken& t, const Node& read) {
  t.read = read;
  t.name = snippet(read, 40);
  if (read.is("identifier") || read.is("shorthand_property_identifier_pattern")) return;
  Node p = read.parent();
  while (p.is("parenthesized_expression") || p.is("as_expression") || p.is("non_null_expression") ||
         p.is("await_expression"))
    p = p.parent();
  if (p.is("variable_declarator") && p.field("name").is("identifier")) {
    t.read = p;
    t.name = std::string(p.field("name").text());
  }
}

// The origin of a destructured binding (`const { claudeToken } = user`), normalised like
// normalised_origin.
Origin binding_origin(const FileModel& m, const Binding& b) {
  Origin o = m.trace(b.init);
  o.path.insert(o.path.end(), b.path.begin(), b.path.end());
  return normalise(m, o);
}

}  // namespace

bool is_token(const FileModel& m, const Function& caller, const OAuthToken& t, const Node& expr) {
  if (!t.found() || expr.null()) return false;
  Origin o = normalised_origin(m, caller, expr);
  return o.expr == t.base && o.path == t.path;
}

OAuthToken oauth_token(const FileModel& m, const MethodScope& s, const Config& config) {
  const Function& fn = *s.function;
  OAuthToken t;
  t.records = kv_calls(m, s, "AUTH_KV", "get");
  // Fields read off each record, by member read or destructuring.
  std::vector<std::map<std::string, Node>> fields(t.records.size());
  auto note_read = [&](const Node& site, const Origin& o) {
    if (o.path.empty()) return;
    for (std::size_t i = 0; i < t.records.size(); ++i)
      if (o.expr == t.records[i].call && !fields[i].count(o.path.front()))
        fields[i][o.path.front()] = site;
  };
  for (const Node& mem : m.nodes_in("member_expression", s.region)) {
    Origin o = normalised_origin(m, fn, mem);
    if (o.path.size() == 1) note_read(mem, o);
  }
  for (const Binding& b : m.bindings()) {
    if (b.path.empty() || b.init.null() || !s.region.contains(b.name_node)) continue;
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    Origin o = binding_origin(m, b);
    if (o.path.size() == 1) note_read(b.name_node, o);
  }
  // The user record: key user:{userId} first, then one read for .claudeToken, then the method's
  // own reads before a helper's.
  int best = -1;
  std::size_t pick = 0;
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    int score = (key_matches(m, fn, t.records[i].key, "user:", "userId") ? 4 : 0) +
                (fields[i].count("claudeToken") ? 2 : 0) +
                (in_own_body(s, t.records[i].call) ? 1 : 0);
    if (score > best) {
      best = score;
      pick = i;
    }
  }
  // startsWith tests in scope: the value they test (those against the configured prefix first),
  // for a record without .claudeToken or no record at all.
  std::vector<Node> tested;
  for (int want_prefix = 1; want_prefix >= 0; --want_prefix) {
    for (const Node& call : m.nodes_in("call_expression", s.region)) {
      if (FileModel::callee_name(call) != "startsWith") continue;
      auto args = FileModel::arguments(call);
      bool is_prefix = !args.empty() && m.fold_string(args[0]) == config.oauth_prefix;
      if (is_prefix == (want_prefix == 1)) tested.push_back(FileModel::callee_object(call));
    }
  }
  if (best >= 0) {
    t.record = &t.records[pick];
    t.fields = fields[pick];
    std::string field;
    if (t.fields.count("claudeToken")) {
      field = "claudeToken";
    } else {
      for (const Node& x : tested) {
        Origin o = normalised_origin(m, fn, x);
        if (o.expr == t.record->call && o.path.size() == 1) {
          field = o.path.front();
          break;
        }
      }
    }
    if (!field.empty()) {
      t.base = t.record->call;
      t.path = {field};
      set_read(t, t.fields.count(field) ? t.fields[field] : t.record->call);
      return t;
    }
  }
  // No user record: the value tested against the prefix stands for the token.
  for (const Node& x : tested) {
    Origin o = normalised_origin(m, fn, x);
    t.base = o.expr;
    t.path = o.path;
    set_read(t, x);
    return t;
  }
  return t;
}

}  // namespace v15::facts
