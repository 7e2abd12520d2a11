#include "v15check/facts/chat_scope.h"

#include <fmt/format.h>

#include <vector>

#include "v15check/analysis/found_text.h"

namespace v15::facts {

Expected<ChatScope> chat_scope(const CheckContext& ctx) {
  auto s = ctx.do_method("handleChatHttp");
  if (!s) return s.failure();
  return ChatScope{*s, &ctx.project().chat_bridge()};
}

std::string other_streams(const FileModel& m, const Region& region) {
  std::vector<std::string> out;
  for (const Node& n : m.nodes_in("new_expression", region)) {
    std::string_view name = FileModel::callee_name(n);
    if (name != "TransformStream" && name.find("Stream") != std::string_view::npos)
      out.push_back(fmt::format("new {}() at line {}", name, n.line()));
  }
  return out.empty() ? std::string{} : "; found " + analysis::join(out) + " instead";
}

}  // namespace v15::facts
