// error.session-not-found: missing session → throw → caught → safe 500
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/guard_conditions.h"
#include "v15check/analysis/helper_region.h"
#include "v15check/analysis/promises.h"
#include "v15check/analysis/rejection.h"
#include "v15check/check.h"
#include "v15check/facts/bridge_actions.h"

#include "error.h"

namespace v15 {

namespace {

using analysis::catching_try;
using analysis::deep_region;
using analysis::kMaxCallHops;
using analysis::rejection_handler;
using analysis::tests_missing;
using facts::Actions;
using facts::actions_in;
using facts::BridgeValues;

// Whether a value derives from the error caught by `holder` (a catch clause or a rejection
// handler function) whose parameter is named `name`.
Matcher from_error(const Node& holder, std::string name) {
  return [holder, name = std::move(name)](const FileModel&, const Node& n) {
    Node s = FileModel::strip(n);
    return s.is("identifier") && s.text() == name && holder.contains(s);
  };
}

std::string error_parameter(const FileModel& m, const Node& holder) {
  if (holder.is("catch_clause")) {
    Node p = holder.field("parameter");
    return p.is("identifier") ? std::string(p.text()) : std::string{};
  }
  const Function* f = m.function_at(holder);
  return f ? f->parameter_name(0) : std::string{};
}

// The narrowest readable part of `n` that carries the error: a `key: value` pair or shorthand
// property of the body, else `n` itself.
Node leak_site(const FileModel& m, const Node& n, const Matcher& err) {
  for (const Node& pair : m.nodes_in("pair", n))
    if (m.derives_from(pair.field("value"), err)) return pair;
  for (const Node& sh : m.nodes_in("shorthand_property_identifier", n))
    if (m.derives_from(sh, err)) return sh;
  return n;
}

// What in the response `expr` carries the error into what it sends: one of its arguments, or
// (for a same-file helper) what the helper returns from the parameter it gets. Null when
// nothing does.
Node response_leak(const FileModel& m, const Node& expr, const Matcher& err, int depth = 0) {
  Node e = FileModel::strip_await(expr);
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    if (o.path.empty() && !(o.expr == e)) e = FileModel::strip_await(o.expr);
  }
  if (!e.is("call_expression") && !e.is("new_expression"))
    return m.derives_from(e, err) ? leak_site(m, e, err) : Node{};
  auto args = FileModel::arguments(e);
  const Function* helper = e.is("call_expression") ? m.callee_function(e) : nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!m.derives_from(args[i], err)) continue;
    std::string pname = helper ? helper->parameter_name(i) : std::string{};
    if (!helper || depth >= kMaxCallHops || helper->body.null() || pname.empty())
      return leak_site(m, args[i], err);
    // a helper that builds the response: does what it returns carry that parameter?
    Matcher inner = from_error(helper->node, pname);
    if (!helper->body.is("statement_block")) {
      if (!response_leak(m, helper->body, inner, depth + 1).null())
        return leak_site(m, args[i], err);
      continue;
    }
    for (const Node& ret : m.nodes_in("return_statement", helper->body))
      if (m.enclosing_function(ret) == helper &&
          !response_leak(m, ret.named_child(0), inner, depth + 1).null())
        return leak_site(m, args[i], err);
  }
  return {};
}

// What a catch (clause or handler function) does with the error: tells the browser through the
// stream, answers with a status (and whether its body leaks the error), rethrows, or nothing.
struct CatchResult {
  bool rethrows = false;
  Node error_write;
  Node client_send;  // a WebSocket path's `ws.send(…)`: the error reaches that client
  Node response;     // a returned Response with status ≥ 500
  std::optional<int> status;
  bool leaks = false;
  Node leak_return;  // the returned response that leaks
  Node leak;         // the part of it that carries the error
};

CatchResult examine_catch(const FileModel& m, const BridgeValues& bv, const Node& holder) {
  CatchResult r;
  Node body = holder.is("catch_clause") ? holder.field("body") : Node{};
  const Function* hf = holder.is("catch_clause") ? nullptr : m.function_at(holder);
  Region region = hf ? deep_region(m, *hf) : m.region(body);
  Actions a = actions_in(m, bv, region);
  if (!a.error_writes.empty()) r.error_write = a.error_writes.front();
  for (const Node& call : m.nodes_in("call_expression", region))
    if (FileModel::callee_name(call) == "send" && !FileModel::callee_object(call).null() &&
        !FileModel::arguments(call).empty()) {
      r.client_send = call;
      break;
    }
  const Function* owner = hf ? hf : m.enclosing_function(holder);
  Node scope = hf ? hf->body : body;
  for (const Node& t : m.nodes_in("throw_statement", scope))
    if (m.enclosing_function(t) == owner) r.rethrows = true;
  std::string pname = error_parameter(m, holder);
  Matcher err = pname.empty() ? Matcher([](const FileModel&, const Node&) { return false; })
                              : from_error(holder, pname);
  std::vector<Node> values;
  if (hf && !hf->body.is("statement_block")) values.push_back(hf->body);
  for (const Node& ret : m.nodes_in("return_statement", scope))
    if (m.enclosing_function(ret) == owner && !ret.named_child(0).null())
      values.push_back(ret.named_child(0));
  for (const Node& v : values) {
    auto status = m.response_status(v);
    if (!status || *status < 500) continue;
    if (r.response.null()) {
      r.response = v;
      r.status = status;
    }
    if (Node leak = response_leak(m, v, err); !leak.null() && !r.leaks) {
      r.leaks = true;
      r.leak_return = v;
      r.leak = leak;
    }
  }
  return r;
}

struct Step {
  bool ok = false;
  std::string text;  // the path so far, or what breaks it
  Location where;
  std::vector<Evidence> evidence;
  bool at_entry = false;  // ends in a catch inside fetch() itself
};

class SessionPath {
 public:
  SessionPath(const CheckContext& ctx, const FileModel& m)
      : ctx_(ctx), m_(m), bv_(ctx.project(), m) {}

  // Where a rejection of function `f`'s promise goes, for every call of it.
  Step from_function(const Function& f, int depth) const {
    if (depth > kMaxCallHops)
      return {false, "the caller chain is too deep to follow", m_.location(f.node), {}};
    if (is_entry(f))
      return {
          false,
          fmt::format("it escapes {}() uncaught: the runtime answers with an opaque error", f.name),
          m_.location(f.node),
          {}};
    auto calls = invocations_of(m_, f);
    if (calls.empty())
      return {false,
              fmt::format("{}() is never called in {}", f.name, m_.path()),
              m_.location(f.node),
              {}};
    Step all{true, "", {}, {}, true};
    for (const Node& c : calls) {
      Step s = from_call(c, f, depth);
      if (!s.ok) return s;
      all.at_entry = all.at_entry && s.at_entry;
      all.text += (all.text.empty() ? "" : "; ") + s.text;
      if (!all.where.known()) all.where = s.where;
      all.evidence.insert(all.evidence.end(), s.evidence.begin(), s.evidence.end());
    }
    return all;
  }

  // fetch()'s call of handleChatHttp: inside a try/catch (or .catch) answering a safe 500.
  Step fetch_wraps(const Function& fetch, const Function& chat) const {
    std::vector<Node> calls;
    for (const Node& c : m_.nodes_in("call_expression", m_.region(fetch)))
      if (m_.callee_function(c) == &chat) calls.push_back(c);
    if (calls.empty())
      return {false, "fetch() never calls handleChatHttp()", m_.location(fetch.node), {}};
    Step all{true, "", {}, {}};
    for (const Node& c : calls) {
      PromiseUse use = m_.promise_use(c);
      Node continuation;
      Node handler = rejection_handler(use, &continuation);
      Node holder;
      std::string what;
      if (!handler.null()) {
        holder = handler;
        what = fmt::format("fetch's .catch() at line {}", continuation.line());
      } else {
        Node t = catching_try(m_, use.outer);
        if (t.null())
          return {false,
                  fmt::format("fetch() calls handleChatHttp() at line {} outside any try/catch",
                              c.line()),
                  m_.location(c),
                  {}};
        if (!use.awaited)
          return {false,
                  fmt::format("fetch() returns handleChatHttp() at line {} without await inside "
                              "the try at line {}: a rejection escapes its catch",
                              c.line(), t.line()),
                  m_.location(c),
                  {}};
        holder = t.field("handler");
        what = fmt::format("fetch try/catch at line {}", t.line());
      }
      CatchResult r = examine_catch(m_, bv_, holder);
      if (r.response.null() || r.status != 500) {
        std::string does = r.rethrows ? "rethrows" : "returns no status-500 response";
        if (r.status) does = fmt::format("returns status {}", *r.status);
        return {false,
                fmt::format("{} {} (expected a 500 with a constant body)", what, does),
                m_.location(holder),
                {}};
      }
      if (r.leaks)
        return {false,
                fmt::format("{} returns 500 whose body carries the caught error: {} (line {})",
                            what, snippet(r.leak, 70), r.leak.line()),
                m_.location(r.leak),
                {}};
      all.text +=
          (all.text.empty() ? "" : "; ") +
          fmt::format("{} returns 500 with a constant body (line {})", what, r.response.line());
      if (!all.where.known()) all.where = m_.location(holder);
      all.evidence.push_back({m_.location(r.response), "safe 500"});
    }
    return all;
  }

 private:
  bool is_entry(const Function& f) const {
    return f.is_method() && f.class_name == ctx_.config().class_name && f.name == "fetch";
  }

  Step from_call(const Node& call, const Function& callee, int depth) const {
    PromiseUse use = m_.promise_use(call);
    Node continuation;
    Node handler = rejection_handler(use, &continuation);
    std::string here = fmt::format("{}() at line {}", callee.name, call.line());
    if (!handler.null()) {
      CatchResult r = examine_catch(m_, bv_, handler);
      // A handler that rethrows does not handle: unless the chain is awaited or returned, the
      // rejection escapes it unhandled, whatever it wrote first.
      Node rethrow;
      if (!analysis::handles_rejection(m_, handler, &rethrow) && !use.awaited && !use.returned)
        return {false,
                fmt::format("{}().catch at line {} rethrows{}: the rejection is not handled and "
                            "escapes the fire-and-forget call",
                            callee.name, continuation.line(),
                            rethrow.null() ? "" : fmt::format(" at line {}", rethrow.line())),
                m_.location(rethrow.null() ? continuation : rethrow),
                {}};
      if (!r.error_write.null() && !r.rethrows)
        return {
            true,
            fmt::format("{}().catch at line {} writes an error line (line {})", callee.name,
                        continuation.line(), r.error_write.line()),
            m_.location(continuation),
            {{m_.location(continuation), "caught"}, {m_.location(r.error_write), "error line"}}};
      // a WebSocket path's handler answers its own client, as an awaited call's catch may
      if (!r.client_send.null() && !r.rethrows)
        return {true,
                fmt::format("{}().catch at line {} sends the error to its client (line {})",
                            callee.name, continuation.line(), r.client_send.line()),
                m_.location(continuation),
                {{m_.location(continuation), "caught"},
                 {m_.location(r.client_send), "error sent to the client"}}};
      if (r.rethrows) {
        const Function* f = m_.enclosing_function(call);
        if (f)
          return prefix(
              fmt::format("{}().catch at line {} rethrows", callee.name, continuation.line()),
              from_function(*f, depth + 1));
      }
      return {false,
              fmt::format("{}().catch at line {} never sends an error line to the browser",
                          callee.name, continuation.line()),
              m_.location(continuation),
              {}};
    }
    if (use.awaited || use.returned) {
      Node t = use.awaited ? catching_try(m_, use.outer) : Node{};
      const Function* f = m_.enclosing_function(call);
      if (!t.null()) {
        CatchResult r = examine_catch(m_, bv_, t.field("handler"));
        if (!r.error_write.null())
          return {true,
                  fmt::format("{} awaited in the try at line {}, whose catch writes an error line "
                              "(line {})",
                              here, t.line(), r.error_write.line()),
                  m_.location(t),
                  {{m_.location(r.error_write), "error line"}}};
        if (!r.client_send.null())
          return {true,
                  fmt::format("{} awaited in the try at line {}, whose catch sends the error to "
                              "its client (line {})",
                              here, t.line(), r.client_send.line()),
                  m_.location(t),
                  {{m_.location(r.client_send), "error sent to the client"}}};
        if (!r.response.null() && !r.leaks)
          return {true,
                  fmt::format("{} awaited in the try at line {}, whose catch returns {} with a "
                              "constant body (line {})",
                              here, t.line(), *r.status, r.response.line()),
                  m_.location(t),
                  {{m_.location(r.response), "safe error response"}},
                  f && is_entry(*f)};
        if (r.leaks)
          return {false,
                  fmt::format("the catch of the try at line {} answers with the error itself: {}",
                              t.line(), snippet(r.leak, 70)),
                  m_.location(r.leak),
                  {}};
        if (!r.rethrows || !f)
          return {false,
                  fmt::format("the catch of the try at line {} swallows it: nothing reaches the "
                              "browser",
                              t.line()),
                  m_.location(t.field("handler")),
                  {}};
      }
      if (!f) return {false, here + " is not inside a function", m_.location(call), {}};
      return prefix(
          fmt::format("{} {} in {}()", here, use.awaited ? "awaited" : "returned", f->name),
          from_function(*f, depth + 1));
    }
    return {false,
            fmt::format("the fire-and-forget {} has no .catch(): the throw becomes an unhandled "
                        "rejection and the browser never hears of it",
                        here),
            m_.location(call),
            {}};
  }

  static Step prefix(const std::string& head, Step rest) {
    if (rest.ok)
      rest.text = head + " → " + rest.text;
    else
      rest.text = head + "; then " + rest.text;
    return rest;
  }

  const CheckContext& ctx_;
  const FileModel& m_;
  BridgeValues bv_;
};

Outcome session_not_found(const CheckContext& ctx) {
  auto dispatch = ctx.do_method("dispatchContainer");
  if (!dispatch) return dispatch.failure();
  auto fetch = ctx.do_method("fetch", false);
  if (!fetch) return fetch.failure();
  auto chat = ctx.do_method("handleChatHttp", false);
  if (!chat) return chat.failure();
  const FileModel& m = *dispatch->model;
  // 1. the KV read and the throw on a missing session
  Node read;
  for (const Node& call : m.nodes_in("call_expression", dispatch->region)) {
    if (FileModel::callee_name(call) != "get") continue;
    auto ns = m.env_name(FileModel::callee_object(call));
    if (ns && *ns == "SESSIONS_KV") {
      read = call;
      break;
    }
  }
  if (read.null())
    return Outcome::fail(dispatch->location(),
                         "dispatchContainer never reads the session from SESSIONS_KV");
  auto is_session = [&](const Node& n) {
    Origin o = m.trace(n);
    return o.path.empty() && FileModel::strip_await(o.expr) == read;
  };
  Node guard;
  for (const Node& stmt : m.nodes_in("if_statement", dispatch->region))
    if (tests_missing(stmt.field("condition"), is_session)) {
      guard = stmt;
      break;
    }
  if (guard.null())
    return Outcome::fail(
        m.location(read),
        fmt::format("the SESSIONS_KV read at line {} is never tested for a missing "
                    "session (expected if (!session) throw …)",
                    read.line()));
  const Function* owner = m.enclosing_function(guard);
  Node thrown;
  for (const Node& t : m.nodes_in("throw_statement", guard.field("consequence")))
    if (m.enclosing_function(t) == owner) {
      thrown = t;
      break;
    }
  if (guard.field("consequence").is("throw_statement")) thrown = guard.field("consequence");
  if (thrown.null())
    return Outcome::fail(
        m.location(guard),
        fmt::format("a missing session at line {} does not throw: {} (the browser's "
                    "stream is never told)",
                    guard.line(), snippet(guard.field("consequence"), 60)));
  // 2. the throw's real path: a local catch, else up through every caller
  SessionPath path(ctx, m);
  Step route;
  Node local = catching_try(m, thrown);
  BridgeValues bv(ctx.project(), m);
  if (!local.null()) {
    CatchResult r = examine_catch(m, bv, local.field("handler"));
    if (!r.error_write.null())
      route = {
          true,
          fmt::format("caught by the try at line {}, whose catch writes an error line (line {})",
                      local.line(), r.error_write.line()),
          m.location(local),
          {{m.location(r.error_write), "error line"}}};
    else if (r.rethrows && owner)
      route = path.from_function(*owner, 0);
    else
      route = {false,
               fmt::format("the catch at line {} swallows it: the browser is never told",
                           local.field("handler").line()),
               m.location(local.field("handler")),
               {}};
  } else if (owner) {
    route = path.from_function(*owner, 0);
  }
  std::string origin = fmt::format("throw at line {}", thrown.line());
  if (!route.ok)
    return Outcome::fail(route.where.known() ? route.where : m.location(thrown),
                         fmt::format("{} → {}", origin, route.text));
  // 3. fetch answers a failing handleChatHttp with a safe 500
  Step wrap = path.fetch_wraps(*fetch->function, *chat->function);
  if (!wrap.ok)
    return Outcome::fail(wrap.where, fmt::format("{} → {}; but {}", origin, route.text, wrap.text));
  std::vector<Evidence> ev = {{m.location(thrown), "throw on a missing session"}};
  ev.insert(ev.end(), route.evidence.begin(), route.evidence.end());
  ev.insert(ev.end(), wrap.evidence.begin(), wrap.evidence.end());
  std::string text = fmt::format("{} → {}", origin, route.text);
  if (!route.at_entry) text += "; " + wrap.text;
  return Outcome::pass(m.location(thrown), text, ev);
}

}  // namespace

Check error_session_not_found_check() {
  return {.id = "error.session-not-found",
          .group = Group::Error,
          .title = "missing session → throw → caught → safe 500",
          .expected =
              "dispatchContainer throws when the SESSIONS_KV read returns nothing, the throw "
              "is caught on its real path (a dispatch .catch that writes an error line), and "
              "fetch() wraps handleChatHttp in a try/catch returning a 500 whose body does "
              "not contain the error",
          .role = Role::DurableObject,
          .passes_when =
              "if (!session) throw … after the SESSIONS_KV read; every call path of "
              "dispatchContainer ends in a handler that tells the browser (error line, "
              "or a 500 with a constant body); fetch's catch around await "
              "this.handleChatHttp() returns status 500 built without the caught error",
          .fails_when =
              "a silent return on a missing session; a fire-and-forget dispatch without "
              ".catch; no try/catch in fetch; a 500 body with err.message, String(err), "
              "${err}",
          .config_keys = {"roles.do"},
          .run = session_not_found};
}

}  // namespace v15
