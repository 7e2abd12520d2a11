#include "v15check/facts/bridge_actions.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/values.h"

namespace v15::facts {

using analysis::kMaxCallHops;

namespace {

const Function* function_declaring(const FileModel& m, const Binding& param) {
  for (const Function& f : m.functions())
    if (f.node == param.scope) return &f;
  return nullptr;
}

// The arguments passed for parameter `param` at every call of its function in the file.
std::vector<Node> call_arguments(const FileModel& m, const Binding& param) {
  std::vector<Node> out;
  const Function* f = function_declaring(m, param);
  if (!f) return out;
  auto params = f->parameters();
  std::size_t index = params.size();
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].contains(param.name_node)) index = i;
  if (index == params.size()) return out;
  for (const Node& call : invocations_of(m, *f)) {
    auto args = FileModel::arguments(call);
    if (index < args.size() && !args[index].is("spread_element")) out.push_back(args[index]);
  }
  return out;
}

bool json_text_is_error(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  return !doc.is_discarded() && doc.is_object() && doc.contains("type") &&
         doc["type"].is_string() && doc["type"].get<std::string>() == "error";
}

// The value of a write is (bytes of) JSON whose `type` is 'error': an object literal with
// `type: 'error'` that reaches it (through JSON.stringify, encode, templates, consts, helper
// parameters and helper return values), or a constant JSON string.
bool carries_error_json(const FileModel& m, const Node& payload, int depth = 0) {
  return flows_from(m, payload, [depth](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip(n);
    if (s.is("object")) {
      Node t = fm.property(s, "type");
      auto v = t.null() ? std::nullopt : fm.fold_string(t);
      return v && *v == "error";
    }
    if (s.is("string") || s.is("template_string")) {
      auto v = fm.fold_string(s);
      if (!v) return false;
      std::string text = *v;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      return json_text_is_error(text);
    }
    // a same-file helper that builds the line: what it returns is what is written
    if (s.is("call_expression") && depth < kMaxCallHops)
      for (const Node& v : analysis::values_reaching(fm, s, 1))
        if (v != s && carries_error_json(fm, v, depth + 1)) return true;
    return false;
  });
}

}  // namespace

BridgeValues::BridgeValues(const Project& p, const FileModel& m) : cb_(p.chat_bridge()), m_(m) {
  if (!cb_.register_call.null()) {
    std::string_view n = FileModel::last_name(FileModel::callee_object(cb_.register_call));
    if (!n.empty()) map_ = std::string(n);
  }
}

bool BridgeValues::is_writer(const Node& expr, int depth) const {
  if (expr.null()) return false;
  if (cb_.model == &m_ && cb_.is_writer(m_, expr)) return true;
  return writer_origin(analysis::into_literals(m_, m_.trace(expr)), depth);
}

bool BridgeValues::is_bridge(const Node& expr, int depth) const {
  if (expr.null()) return false;
  return bridge_origin(analysis::into_literals(m_, m_.trace(expr)), depth);
}

bool BridgeValues::reads_map(const Node& expr) const {
  return m_.derives_from(expr, [&](const FileModel&, const Node& n) {
    Node s = FileModel::strip(n);
    return s.is("member_expression") && s.field("property").text() == map_;
  });
}

bool BridgeValues::is_map_call(const Node& call, std::string_view method) const {
  if (FileModel::callee_name(call) != method) return false;
  Node obj = FileModel::callee_object(call);
  Origin o = m_.trace(obj);
  std::string_view name = !o.path.empty() ? std::string_view(o.path.back())
                          : o.binding     ? std::string_view(o.binding->name)
                                          : FileModel::last_name(o.expr);
  return name == map_;
}

bool BridgeValues::is_writer_call(const Node& call, std::string_view method) const {
  return FileModel::callee_name(call) == method && is_writer(FileModel::callee_object(call));
}

bool BridgeValues::is_settle(const Node& call) const {
  Node callee = FileModel::strip(call.field("function"));
  if (cb_.model == &m_ && (cb_.is_resolve(m_, callee) || cb_.is_reject(m_, callee))) return true;
  std::string_view name = FileModel::callee_name(call);
  if (name != "resolve" && name != "reject") return false;
  Node obj = FileModel::callee_object(call);
  if (!obj.null()) return is_bridge(obj);
  // a destructured `{ resolve } = bridge`
  Origin o = analysis::into_literals(m_, m_.trace(callee));
  if (o.path.empty()) return false;
  Origin base = o;
  base.path.pop_back();
  return bridge_origin(base, 0);
}

bool BridgeValues::writer_origin(const Origin& o, int depth) const {
  Node s = FileModel::strip_await(o.expr);
  if (o.path.empty()) {
    if (s.is("call_expression") && FileModel::callee_name(s) == "getWriter") return true;
    if (o.binding && o.binding->kind == BindingKind::Param && depth < kMaxCallHops)
      for (const Node& a : call_arguments(m_, *o.binding))
        if (is_writer(a, depth + 1)) return true;
    return false;
  }
  if (o.path.back() != "writer") return false;
  Origin base = o;
  base.path.pop_back();
  return bridge_origin(base, depth);
}

bool BridgeValues::bridge_origin(const Origin& o, int depth) const {
  Node s = FileModel::strip_await(o.expr);
  if (reads_map(s)) return true;
  if (!o.path.empty()) return false;
  if (!cb_.registered.null() && s == FileModel::strip(cb_.registered)) return true;
  if (s.is("object")) {
    Node w = m_.property(s, "writer");
    if (!w.null() && is_writer(w, depth + 1)) return true;
  }
  if (o.binding && o.binding->kind == BindingKind::Param && depth < kMaxCallHops)
    for (const Node& a : call_arguments(m_, *o.binding))
      if (is_bridge(a, depth + 1)) return true;
  return false;
}

Actions actions_in(const FileModel& m, const BridgeValues& bv, const Region& r) {
  Actions a;
  for (const Node& call : m.nodes_in("call_expression", r)) {
    if (bv.is_writer_call(call, "write")) {
      auto args = FileModel::arguments(call);
      if (!args.empty() && carries_error_json(m, args[0]))
        a.error_writes.push_back(call);
      else
        a.other_writes.push_back(call);
    } else if (bv.is_writer_call(call, "close")) {
      a.closes.push_back(call);
    } else if (bv.is_map_call(call, "delete")) {
      a.deletes.push_back(call);
    } else if (bv.is_settle(call)) {
      a.settles.push_back(call);
    }
  }
  for (const Node& t : m.nodes_in("throw_statement", r)) a.throws.push_back(t);
  return a;
}

}  // namespace v15::facts
