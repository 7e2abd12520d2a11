// Every bridge kind the DO keeps: the class's maps that can hold an open execution (HTTP bridges
// whose values hold a stream writer or a deferred's resolve/reject, WebSocket bridges whose
// values hold a socket), each bridge's timeout handle and its heartbeat. Decided on what the
// values are, never on the names of the maps. Shared by the flow checks and --trace.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"
#include "v15check/model.h"

namespace v15::facts {

enum class BridgeKind { Http, WebSocket };

// A timer that belongs to a bridge: its setTimeout / setInterval call and where its handle is kept.
struct BridgeTimer {
  Node call;  // the setTimeout / setInterval call (the first one, for a re-arming setTimeout)
  Node callback;
  Node delay;
  std::optional<double> ms;          // the delay folded through consts
  const Binding* binding = nullptr;  // `const t = setTimeout(…)`, `let hb; hb = setTimeout(…)`
  std::string property;  // the key the bridge object keeps the handle (or cancel function) under
  bool cancel_function = false;  // property holds a function that clears the timer
  bool found() const { return !call.null() || !property.empty(); }
};

struct BridgeMap {
  std::string name;  // the class field
  Node field;        // its declaration (field definition or `this.x = new Map()`)
  BridgeKind kind = BridgeKind::Http;
  std::vector<Node> sets;  // `this.<name>.set(k, v)` calls, in document order
  Node value;              // the first set's value, through a const to its object literal
  Node writer;             // HTTP: the writer expression the value holds (null for a deferred)
  BridgeTimer timeout;     // HTTP: the bridge timeout
  std::vector<BridgeTimer> heartbeats;  // HTTP: timers whose callback writes to the writer
};

struct BridgeKinds {
  const FileModel* model = nullptr;  // the DO file; null when unavailable
  const ClassInfo* cls = nullptr;    // the DO class; null when missing
  std::vector<BridgeMap> maps;       // in declaration order

  const BridgeMap* map(std::string_view name) const;
  // `this.<name>` (the map itself).
  bool is_map(const Node& expr, const BridgeMap& map) const;
  // A value read out of the map: `this.<name>.get(k)`, through aliases and destructuring.
  bool from_map(const Node& expr, const BridgeMap& map) const;
  // The writer of the map's bridges: the value's writer, or `<entry>.writer` of a read entry.
  bool is_writer(const Node& expr, const BridgeMap& map) const;
  // `clearTimeout(h)` / `clearInterval(h)` of the timer's handle (a binding, or the bridge
  // property read off an entry), or a call of the cancel function the bridge keeps.
  bool clears(const Node& call, const BridgeTimer& timer, const BridgeMap& map) const;
};

BridgeKinds bridge_kinds(const Project& p);
// The same for a check: a FAIL when the DO file is unavailable or has no DO class.
Expected<BridgeKinds> do_bridge_kinds(const CheckContext& ctx);

}  // namespace v15::facts
