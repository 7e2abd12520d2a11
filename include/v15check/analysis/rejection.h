// Where a promise's rejection goes: the try around an await, the handler of a promise chain.
#pragma once

#include "v15check/model.h"

namespace v15::analysis {

// The innermost try statement around `n` (inside its function) that has a catch clause.
Node catching_try(const FileModel& m, const Node& n);
// The function handling a rejection in a promise chain: `.catch(h)` or `.then(ok, h)`; the
// continuation call is stored in *continuation.
Node rejection_handler(const PromiseUse& use, Node* continuation);

}  // namespace v15::analysis
