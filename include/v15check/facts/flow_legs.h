// The legs of the V1.5 flow and the routes each one uses: the Worker's routes, the requests the
// Worker hands the ChatSessionAgent stub, the branches of the DO's fetch(), and the Worker URLs the
// container is handed (startProcess env) or requests (the agent's fetch / http(s).request /
// WebSocket). Shared by the flow.* checks (and --trace later): every leg with its method, path and
// location, and one way of matching a requested path against a route.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15::facts {

// A route a file serves: an exact path, a constant prefix (`pathname.startsWith('/internal/')`) or
// a router pattern with `:param` segments (`/internal/approval/:id`, a trailing `*`).
struct ServedRoute {
  enum class Kind { Exact, Prefix, Pattern };
  Kind kind = Kind::Exact;
  std::string method;  // upper-case; empty when no method test guards it (any method)
  std::string path;
  Node anchor;   // the if_statement, switch case or router call
  Node handler;  // what the route runs
  const Function* function = nullptr;
  Location location;
  // "POST /chat (line 12)"
  std::string summary() const;
};

// A request to a path: a Worker → DO stub fetch, or a URL the container is handed / requests.
// `path` renders substitutions as `{name}` (FileModel::pattern), e.g. `/internal/approval/{id}`.
struct PathRequest {
  std::string method;  // upper-case; empty when unknown (matches any method)
  std::string path;    // empty when the URL does not fold (see problem)
  Node node;           // the fetch call / env value / request call
  Location location;
  std::string what;     // "stub.fetch(new Request('https://do/chat', …))", "VF_CALLBACK_URL"
  std::string problem;  // why path is empty
  // Worker → DO: the stub fetch call, the namespace get and the DO id argument.
  Node get_call;
  Node id;
  int route = -1;  // Worker → DO: index into FlowLegs::worker_routes of the route it is in
  bool websocket = false;
  std::string host;  // a handed URL's host (the Worker's)
};

struct FlowLegs {
  const FileModel* worker = nullptr;
  const FileModel* durable_object = nullptr;
  const FileModel* agent = nullptr;  // null when the agent file is unavailable
  const Function* do_fetch = nullptr;
  std::vector<ServedRoute> worker_routes;
  std::vector<PathRequest> do_requests;     // Worker → DO stub fetches, in document order
  std::vector<ServedRoute> do_branches;     // reachable branches of the DO's fetch()
  std::vector<PathRequest> handed_urls;     // VF_* env values that fold to an absolute URL
  std::vector<PathRequest> agent_requests;  // the agent's requests to those hosts / env URLs
};

// The legs of the project's flow; a FAIL when the Worker or DO file (or the DO's fetch) is
// missing. The DO binding is the configured one (wrangler's binding for the class).
Expected<FlowLegs> flow_legs(const CheckContext& ctx);

// Whether a requested path (with `{name}` substitutions) is served by `route`: equal, under a
// prefix, or matching a `:param` pattern segment by segment.
bool path_matches(std::string_view requested, const ServedRoute& route);
// … and the method too (an empty method on either side matches any).
bool serves(const ServedRoute& route, const PathRequest& request);
// The path of a URL string: `https://do/chat?x` → `/chat`; `/chat` stays; `{base}/chat` → `/chat`.
std::string url_path(std::string_view url);

// The names of the execution-token verifiers (config verifierFunctions, else the JWT file's
// verifyExecutionToken) and whether a call invokes one (also through an aliased import).
bool is_verifier_call(const CheckContext& ctx, const FileModel& m, const Node& call);

}  // namespace v15::facts

namespace v15::facts {

// An authentication that guards a use: a call whose null/false result is answered 401/403 on every
// path before the use is reached.
struct AuthGuard {
  Node call;                        // the authentication call
  const Binding* result = nullptr;  // holds its result
  Node exit;                        // the first 401/403 answer when it fails
  int status = 0;
  std::string summary() const;  // "`authenticate(request, env)` (line 3), 401 at line 5"
};

// The authentication before `use` in its function: a declaration `const x = await call(…)` whose
// statement list leads to `use`, with `accept(call)`, such that with x falsy every path from the
// next statement answers 401/403 before `use` (analysis::paths). A call of an async function that
// is not awaited is a Promise, always truthy, and never guards. `why` gets the reason the last
// candidate did not guard.
std::optional<AuthGuard> auth_before(const CheckContext& ctx, const FileModel& m, const Node& use,
                                     const std::function<bool(const Node&)>& accept,
                                     std::string& why);

// Whether a call returns a Promise: a same-file async function, or the JWT file's async export it
// imports.
bool returns_promise(const CheckContext& ctx, const FileModel& m, const Node& call);

// Where a value comes from, for deciding who chose it.
enum class Supplier { Client, Server, Unknown };
// Client: the request body (`request.json()`), URL (pathname, a regex match of it, searchParams),
// query or headers, Hono's c.req.param/query/json/header; Server: `crypto.randomUUID()`,
// `newUniqueId()`, a verified token's payload. Followed through bindings.
Supplier supplier_of(const CheckContext& ctx, const FileModel& m, const Node& expr);

}  // namespace v15::facts
