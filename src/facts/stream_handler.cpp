#include "v15check/facts/stream_handler.h"

namespace v15::facts {

Expected<StreamHandler> stream_handler(const CheckContext& ctx) {
  auto scope = ctx.do_method("handleContainerStream");
  if (!scope) return scope.failure();
  return StreamHandler{*scope, &ctx.project().container_stream()};
}

}  // namespace v15::facts
