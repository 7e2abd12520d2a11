// The browser's bridge in the DO file and what code does to it: which values are a bridge or its
// writer, and which calls in a region write an error line, close the writer, settle or delete
// the bridge. Built on the chat bridge fact.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "v15check/model.h"

namespace v15::facts {

// Which values of the DO file are a bridge writer: the writer handleChatHttp creates (the chat
// bridge fact, through aliases and helper parameters), the `writer` of a bridge read back from
// httpBridges (`this.httpBridges.get(id).writer`, destructured too), any other TransformStream
// writer (`….getWriter()`), and a parameter of a same-file function that its callers pass one.
class BridgeValues {
 public:
  BridgeValues(const Project& p, const FileModel& m);
  const std::string& map_name() const { return map_; }
  const ChatBridge& chat() const { return cb_; }

  bool is_writer(const Node& expr, int depth = 0) const;
  bool is_bridge(const Node& expr, int depth = 0) const;
  // `this.httpBridges` read anywhere inside expr's value.
  bool reads_map(const Node& expr) const;
  // A call on the bridges map: `this.httpBridges.<method>(…)`.
  bool is_map_call(const Node& call, std::string_view method) const;
  // A bridge writer `.write(…)` / `.close()` call.
  bool is_writer_call(const Node& call, std::string_view method) const;
  // A call that settles the bridge: the deferred's resolve/reject, or a bridge's.
  bool is_settle(const Node& call) const;

 private:
  bool writer_origin(const Origin& o, int depth) const;
  bool bridge_origin(const Origin& o, int depth) const;

  const ChatBridge& cb_;
  const FileModel& m_;
  std::string map_ = "httpBridges";
};

// What the calls of a region do to the bridge.
struct Actions {
  std::vector<Node> error_writes;  // bridge writer writes of an error line
  std::vector<Node> other_writes;  // other bridge writer writes
  std::vector<Node> closes;        // bridge writer close()
  std::vector<Node> settles;       // resolve / reject of the bridge
  std::vector<Node> deletes;       // httpBridges.delete(…)
  std::vector<Node> throws;        // throw statements (rethrow)
};

Actions actions_in(const FileModel& m, const BridgeValues& bv, const Region& r);

}  // namespace v15::facts
