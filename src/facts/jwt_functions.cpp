// The jwt utils file's exported functions and the crypto calls inside them.
#include "v15check/facts/jwt_functions.h"

#include <fmt/format.h>

namespace v15::facts {

Expected<JwtFunction> exported_jwt_function(const CheckContext& ctx, std::string_view name) {
  auto file = ctx.file(Role::Jwt);
  if (!file) return file.failure();
  const FileModel* m = *file;
  const Function* f = m->function(name);
  if (!f)
    return Outcome::fail(m->location(m->root()), fmt::format("no function {} in {}{}", name,
                                                             m->path(), ctx.parse_note(*m)));
  if (!f->exported)
    return Outcome::fail(m->location(f->node), fmt::format("{} is not exported", name));
  Node err = m->error_within(f->node);
  if (!err.null())
    return Outcome::fail(m->location(err),
                         fmt::format("a parse error at line {} inside {}()", err.line(), name));
  return JwtFunction{m, f};
}

std::string parameter_problem(const Function& f, const std::vector<std::string>& expected) {
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::string got = f.parameter_name(i);
    bool ok = expected[i] == "secret" ? ascii_lower(got).find("secret") != std::string::npos ||
                                            ascii_lower(got).find("key") != std::string::npos
                                      : got == expected[i];
    if (!ok) {
      std::string list;
      for (std::size_t k = 0; k < f.parameters().size(); ++k)
        list += (k ? ", " : "") +
                (f.parameter_name(k).empty() ? std::string("…") : f.parameter_name(k));
      std::string want;
      for (std::size_t k = 0; k < expected.size(); ++k) want += (k ? ", " : "") + expected[k];
      return fmt::format("{}({}) — expected parameters ({}, …)", f.name, list, want);
    }
  }
  return {};
}

// A crypto operation: crypto.subtle.<op>(…), or a call to an imported function/method whose name
// contains op (jose's jwtVerify, a signer from another module).
Node crypto_call(const FileModel& m, const Region& r, std::string_view op) {
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string_view name = FileModel::callee_name(call);
    Node obj = FileModel::callee_object(call);
    if (name == op && FileModel::last_name(obj) == "subtle") return call;
  }
  for (const Node& call : m.nodes_in("call_expression", r)) {
    std::string name = ascii_lower(FileModel::callee_name(call));
    if (name.find(op) == std::string::npos) continue;
    Node callee = FileModel::strip(call.field("function"));
    Node root = callee;
    while (root.is("member_expression")) root = FileModel::strip(root.field("object"));
    if (root.is("new_expression")) root = FileModel::strip(root.field("constructor"));
    if (root.is("identifier")) {
      const Binding* b = m.resolve(root);
      if (b && !b->import_source.empty()) return call;
    }
  }
  // createHmac('sha256', secret) from node:crypto
  for (const Node& call : m.nodes_in("call_expression", r))
    if (FileModel::callee_name(call) == "createHmac") return call;
  return {};
}

}  // namespace v15::facts
