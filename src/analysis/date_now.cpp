// The current time as code reads it.
#include "v15check/analysis/date_now.h"

namespace v15::analysis {

bool is_date_now(const Node& n) {
  Node s = FileModel::strip(n);
  return s.is("call_expression") && FileModel::callee_name(s) == "now" &&
         FileModel::last_name(FileModel::callee_object(s)) == "Date";
}

bool derives_from_date_now(const FileModel& m, const Node& n) {
  return m.derives_from(n, [](const FileModel&, const Node& x) { return is_date_now(x); });
}

}  // namespace v15::analysis
