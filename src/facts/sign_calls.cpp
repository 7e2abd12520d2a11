#include "v15check/facts/sign_calls.h"

namespace v15::facts {

std::vector<SignCall> sign_calls(const FileModel& m, const Region& r) {
  std::vector<SignCall> out;
  for (const Node& call : m.nodes_in("call_expression", r)) {
    Node callee = FileModel::strip(call.field("function"));
    if (callee.is("identifier")) {
      const Binding* b = m.resolve(callee);
      if (b && b->kind == BindingKind::Import && b->imported_name == "signExecutionToken")
        out.push_back({call, b});
      else if (callee.text() == "signExecutionToken")
        out.push_back({call, b && !b->import_source.empty() ? b : nullptr});
    } else if (callee.is("member_expression") &&
               callee.field("property").text() == "signExecutionToken") {
      Node obj = FileModel::strip(callee.field("object"));
      const Binding* b = obj.is("identifier") ? m.resolve(obj) : nullptr;
      out.push_back({call, b && !b->import_source.empty() ? b : nullptr});
    }
  }
  return out;
}

}  // namespace v15::facts
