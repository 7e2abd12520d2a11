// handleChatHttp, the method that bridges a browser request to the container: the method's region
// with the chat bridge the model found in it (Project::chat_bridge()).
#pragma once

#include <string>

#include "v15check/check.h"

namespace v15::facts {

struct ChatScope {
  MethodScope method;
  const ChatBridge* bridge = nullptr;
  const FileModel& model() const { return *method.model; }
  Location location() const { return method.location(); }
};

// handleChatHttp and its bridge, or the FAIL saying why the method is unavailable.
Expected<ChatScope> chat_scope(const CheckContext& ctx);

// "; found new XStream() at line N instead" for the `new …Stream()` constructions in `region`
// that are not a TransformStream; empty when there are none. For Found lines.
std::string other_streams(const FileModel& m, const Region& region);

}  // namespace v15::facts
