// The jwt utils file's exported functions (signExecutionToken, verifyExecutionToken): found,
// their parameters compared with the checklist's, and the crypto calls inside them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15::facts {

// An exported function of the jwt file, with the model it points into.
struct JwtFunction {
  const FileModel* model = nullptr;
  const Function* function = nullptr;
};

// The exported function `name` of the jwt file; a FAIL when it is missing, not exported or holds
// a parse error.
Expected<JwtFunction> exported_jwt_function(const CheckContext& ctx, std::string_view name);

// Empty when the parameter names match `expected` in order; otherwise the Found text naming the
// parameters there are. `secret` may be spelled with a qualifier (jwtSecret) or as a key.
std::string parameter_problem(const Function& f, const std::vector<std::string>& expected);

// A crypto operation: crypto.subtle.<op>(…), or a call to an imported function/method whose name
// contains op (jose's jwtVerify, a signer from another module), or node:crypto's createHmac.
Node crypto_call(const FileModel& m, const Region& r, std::string_view op);

}  // namespace v15::facts
