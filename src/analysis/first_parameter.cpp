#include "v15check/analysis/first_parameter.h"

namespace v15::analysis {

bool from_first_parameter(const FileModel& m, const Function& f, const Node& expr) {
  auto params = f.parameters();
  if (params.empty()) return false;
  return m.derives_from(expr, [&](const FileModel& fm, const Node& n) {
    Node s = FileModel::strip(n);
    if (!s.is("identifier")) return false;
    const Binding* b = fm.resolve(s);
    return b && b->kind == BindingKind::Param && params.front().contains(b->name_node);
  });
}

}  // namespace v15::analysis
