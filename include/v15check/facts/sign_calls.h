// The calls of signExecutionToken in a region, and the import each goes through.
#pragma once

#include <vector>

#include "v15check/model.h"

namespace v15::facts {

struct SignCall {
  Node call;
  const Binding* import = nullptr;  // the import it is called through, if any
};

std::vector<SignCall> sign_calls(const FileModel& m, const Region& r);

}  // namespace v15::facts
