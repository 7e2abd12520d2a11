// handleContainerStream, the container's NDJSON callback piped into the bridge: the method with the
// stream fact the model worked out for it (Project::container_stream(), src/model_stream.cpp).
#pragma once

#include "v15check/check.h"

namespace v15::facts {

struct StreamHandler {
  MethodScope method;
  const ContainerStream* stream = nullptr;
};

// handleContainerStream and its stream fact, or the FAIL saying why the method is unavailable.
Expected<StreamHandler> stream_handler(const CheckContext& ctx);

}  // namespace v15::facts
