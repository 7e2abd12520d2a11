// Facts shared by checks, computed once per file (one cursor walk) and memoized per project.
//
// A check never re-parses or re-scans text: it asks a FileModel (functions, classes, bindings,
// constant folding, value origins, promise chains, control context, routes) or the Project
// (cross-file facts such as the bridge timeout and the startProcess env).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "v15check/config.h"
#include "v15check/dockerfile.h"
#include "v15check/source.h"
#include "v15check/syntax.h"

namespace v15 {

struct Location {
  std::string path;  // relative to the checked root
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;
  bool known() const { return line > 0; }
};

// A folded constant: a number or a string.
struct Constant {
  std::variant<double, std::string> value;
  bool is_number() const { return std::holds_alternative<double>(value); }
  bool is_string() const { return std::holds_alternative<std::string>(value); }
  double number() const { return std::get<double>(value); }
  const std::string& string() const { return std::get<std::string>(value); }
};

enum class BindingKind { Const, Let, Var, Param, Function, Class, Import };

struct Binding {
  std::string name;
  BindingKind kind = BindingKind::Const;
  Node name_node;   // the identifier that declares it
  Node declarator;  // variable_declarator / parameter / function / import specifier
  Node init;        // initialiser (for a parameter: its default value); may be null
  // Property path inside a destructuring pattern: `const { a: { b } } = x` binds b with {a, b};
  // an array pattern element contributes its index as a string.
  std::vector<std::string> path;
  Node scope;                     // the node whose range bounds visibility
  std::string import_source;      // for imports: the module specifier
  std::string imported_name;      // for imports: the exported name ("default" for a default import)
  std::vector<Node> assignments;  // right-hand sides of later `name = …` assignments
};

struct Function {
  std::string name;        // declared name, or the binding/field/property it is assigned to
  std::string class_name;  // owning class for methods and class fields
  Node node;               // the function-like node
  Node body;               // statement_block, or the expression of a concise arrow body
  Node params;             // formal_parameters (null for `x => …`: then `param` is set)
  Node param;              // single unparenthesised arrow parameter
  bool exported = false;
  bool is_method() const { return !class_name.empty(); }
  std::vector<Node> parameters() const;  // each parameter node, in order
  // The declared name of parameter i (through TS required/optional_parameter wrappers).
  std::string parameter_name(std::size_t i) const;
};

struct ClassInfo {
  std::string name;
  Node node;
  bool exported = false;
  std::vector<std::size_t> methods;  // indices into FileModel::functions()
  std::unordered_map<std::string, std::size_t> method_by_name;  // the first method of a name
};

// A set of source ranges that a check searches: a method body plus, by default, the bodies of
// same-file helpers it calls (one level).
struct Region {
  std::vector<Node> parts;
  const Function* function = nullptr;  // the named method/function, when there is one
  bool empty() const { return parts.empty(); }
  bool contains(const Node& n) const;
  Node primary() const { return parts.empty() ? Node{} : parts.front(); }
  // The parts that are not inside an earlier part, in order: worked out once per set of parts
  // (parts are only ever added), not once per search.
  const std::vector<Node>& outermost() const;

 private:
  mutable std::vector<Node> outermost_;
  mutable std::size_t outermost_of_ = 0;  // 1 + parts.size() when outermost_ was worked out
};

// What happens to the value of a call: awaited, returned, chained with .then/.catch/.finally…
struct Continuation {
  std::string method;  // then, catch, finally
  Node call;           // the call_expression of the continuation
  std::vector<Node> args;
};
struct PromiseUse {
  std::vector<Continuation> chain;  // in order of application
  Node outer;                       // the outermost expression of the chain
  bool awaited = false;
  bool returned = false;
  bool assigned = false;   // bound to a variable or property
  bool discarded = false;  // an expression statement / `void`: fire-and-forget
  bool has(std::string_view method) const;
};

// Where a node sits inside its function: try/catch/finally, loops, conditions.
struct ControlContext {
  Node try_statement;   // innermost try whose block contains the node
  Node catch_clause;    // innermost catch clause containing the node
  Node finally_clause;  // innermost finally clause containing the node
  Node loop;            // innermost loop containing the node
  std::vector<Node>
      conditions;  // if statements / ternaries / && that guard the node, innermost first
  bool in_try() const { return !try_statement.null(); }
  bool in_catch() const { return !catch_clause.null(); }
  bool in_finally() const { return !finally_clause.null(); }
  bool in_loop() const { return !loop.null(); }
};

// Where a value came from: the expression it was computed by plus the property path read off it
// (`const { readable } = new TransformStream()` → {new TransformStream(), ["readable"]}).
struct Origin {
  Node expr;
  std::vector<std::string> path;
  const Binding* binding = nullptr;  // the last binding followed, if any
};

struct Route {
  enum class Kind { IfBranch, Router, SwitchCase };
  Kind kind = Kind::IfBranch;
  std::string method;  // upper-case; empty when no method test guards it
  std::string path;    // folded path
  Node anchor;         // the if_statement, router call or switch_case
  Node handler;        // the region the route runs: consequence, handler function, case body
  Node path_node;      // the expression the path folded from
  Node method_node;    // the method comparison, if any
  const Function* function = nullptr;  // enclosing function
};

class FileModel;
namespace analysis {
struct Memo;  // what the analyses (src/analysis/) work out once per file
}
using Matcher = std::function<bool(const FileModel&, const Node&)>;

class FileModel {
 public:
  // `helper_depth`: how many same-file helper calls deep a region with helpers reaches, and the
  // analyses' reach (config: helperDepth).
  FileModel(const SourceFile& source, Tree tree, int helper_depth = 3);
  FileModel(const FileModel&) = delete;
  FileModel& operator=(const FileModel&) = delete;

  const SourceFile& source() const { return source_; }
  const std::string& path() const { return source_.path; }
  int helper_depth() const { return helper_depth_; }
  Node root() const { return tree_.root(); }
  Location location(const Node& n) const;
  // The first syntax error (ERROR or MISSING node), if the file has one.
  Node first_error() const { return first_error_; }
  // The first syntax error inside `n`, if any.
  Node error_within(const Node& n) const;

  // -- the index -----------------------------------------------------------------------------
  // Every node of a kind, in document order.
  std::span<const Node> nodes(std::string_view kind) const;
  // Those of them inside a node's range / inside a region.
  std::vector<Node> nodes_in(std::string_view kind, const Node& within) const;
  std::vector<Node> nodes_in(std::string_view kind, const Region& within) const;
  std::vector<Node> find(std::string_view kind, const Region& within, const Matcher& m) const;
  std::vector<Node> find(std::string_view kind, const Node& within, const Matcher& m) const;

  const std::vector<Function>& functions() const { return functions_; }
  const std::vector<ClassInfo>& classes() const { return classes_; }
  const ClassInfo* class_named(std::string_view name) const;
  // A method (definition or arrow-function field) of a class.
  const Function* method(std::string_view class_name, std::string_view name) const;
  // A module-level function: declaration, or a const bound to an arrow/function expression.
  const Function* function(std::string_view name) const;
  // The innermost function whose node contains `n`.
  const Function* enclosing_function(const Node& n) const;
  // The function a call invokes when it is resolvable in this file: `this.m()` inside class C →
  // method m of C; `f()` → module function f.
  const Function* callee_function(const Node& call) const;
  // Every call in this file that invokes `f` (as callee_function resolves it), in document order.
  const std::vector<Node>& calls_of(const Function& f) const;
  // The function a handler argument denotes: an inline arrow/function, or an identifier bound
  // to one.
  const Function* function_at(const Node& expr) const;
  // The body of `fn` plus the bodies of the same-file helpers it calls, and those they call, up
  // to helper_depth() calls deep.
  Region region(const Function& fn, bool with_helpers = true) const;
  // A node (a route handler, a branch) plus the bodies of same-file functions it calls, as above.
  Region region(const Node& n, bool with_helpers = true) const;

  // -- bindings and values ---------------------------------------------------------------------
  const std::vector<Binding>& bindings() const { return bindings_; }
  const Binding* resolve(std::string_view name, uint32_t at_byte) const;
  const Binding* resolve(const Node& identifier) const;
  // Folds a constant expression: literals, templates, + - * / % **, unary minus, parentheses,
  // TS type wrappers, and identifiers bound to `const`s (also members of const object literals).
  std::optional<Constant> fold(const Node& expr) const;
  std::optional<double> fold_number(const Node& expr) const;
  std::optional<std::string> fold_string(const Node& expr) const;
  // A string-ish shape with substitutions named: `session:${sessionId}` and 'session:' + id both
  // render as "session:{sessionId}" (a substitution is named by its last identifier/property).
  std::optional<std::string> pattern(const Node& expr) const;
  // Follows an expression through parentheses, TS wrappers, await, identifiers bound to
  // const/let initialisers (or a single assignment), destructuring and member reads.
  Origin trace(const Node& expr) const;
  // Every origin, including the values of later assignments to a `let`.
  std::vector<Origin> trace_all(const Node& expr) const;
  // Whether any identifier, member read or call inside `expr` originates (through trace_all) in
  // a node satisfying `m`. `m` is also tried on expr itself and its sub-expressions.
  bool derives_from(const Node& expr, const Matcher& m) const;
  // The env binding an expression reads: `this.env.X`, `env.X`, `c.env.X`, or an identifier
  // destructured from one of those. Empty when it is not an env read.
  std::optional<std::string> env_name(const Node& expr) const;
  // `process.env.X` / `process.env['X']` / destructured from process.env.
  std::optional<std::string> process_env_name(const Node& expr) const;
  // The value an expression has as `caller` sees it: a read of a same-file helper's parameter
  // (`token` inside `this.buildEnv({ token })`, `input.token`, a positional parameter) becomes
  // the argument `caller` passes at its first call of that helper, followed through an object
  // argument by the destructuring path. Anything else is returned unchanged.
  Node caller_value(const Node& expr, const Function& caller) const;

  // -- calls and expressions --------------------------------------------------------------------
  static Node strip(Node expr);  // parentheses, as/satisfies/non-null/type assertions
  static Node strip_await(Node expr);
  static std::vector<Node> arguments(const Node& call);  // also for new_expression
  // The called name: `a.b.c()` → "c", `f()` → "f"; empty for computed callees.
  static std::string_view callee_name(const Node& call);
  // The object of a member callee: `a.b.c()` → `a.b`.
  static Node callee_object(const Node& call);
  // The last identifier/property of an expression: `this.httpBridges` → "httpBridges".
  static std::string_view last_name(const Node& expr);
  // The key of a pair / property as written (quotes removed).
  std::string key_name(const Node& key) const;
  PromiseUse promise_use(const Node& call) const;
  ControlContext context(const Node& n, const Node& stop = Node{}) const;
  // True if some statement reachable from `n`'s branch leaves by throw (throw statement or a
  // `return` of an error Response, when `error_response` is set).
  // The property value of `key` in an object literal (pairs and shorthand), or null.
  Node property(const Node& object, std::string_view key) const;

  // -- imports / exports / routes ----------------------------------------------------------------
  const Binding* import_of(std::string_view local_name) const;
  bool is_exported(std::string_view name) const;
  const std::vector<Route>& routes() const;
  // The analyses' memo (src/analysis/), created on first use and kept with the model.
  analysis::Memo& analysis_memo() const;
  // The route for a path with this method (upper-case), else null.
  const Route* route(std::string_view method, std::string_view path) const;
  // The HTTP status a response expression produces: `new Response(b, { status: 404 })`,
  // `Response.json(x, { status })`, `c.json(x, 401)`, a helper called with a status literal,
  // 200 for a Response without one; nullopt when it is not recognisably a response.
  std::optional<int> response_status(const Node& expr) const;
  // `X.get(id).fetch(…)` where X reads env binding `binding` (any binding when empty), directly
  // or through a stub variable.
  struct StubFetch {
    Node fetch_call;  // the .fetch(…) call
    Node get_call;    // the namespace .get(id) call
    Node id;          // the id argument of get
  };
  std::vector<StubFetch> stub_fetches(const Region& within, std::string_view binding) const;

 private:
  void index();
  void index_binding_pattern(const Node& pattern, BindingKind kind, const Node& declarator,
                             const Node& init, const Node& scope, std::vector<std::string> path);
  void index_function(const Node& n);
  std::optional<Constant> fold_depth(const Node& expr, int depth) const;
  std::optional<Constant> fold_node(const Node& e, int depth) const;
  void add_helpers(Region& r, const std::function<bool(const Function&)>& wanted) const;
  std::optional<std::string> pattern_depth(const Node& expr, int depth) const;
  Origin trace_depth(const Node& expr, int depth) const;
  Origin into_elements(Origin o, int depth) const;
  std::optional<int> response_status_depth(const Node& expr, int depth) const;
  static constexpr int kMaxHelperDepth = 4;
  const Function* compute_callee_function(const Node& call) const;
  void compute_routes() const;

  const SourceFile& source_;
  Tree tree_;
  int helper_depth_ = 3;
  Node first_error_;
  std::vector<std::vector<Node>> by_symbol_;  // named nodes by public grammar symbol
  std::vector<Function> functions_;
  std::vector<ClassInfo> classes_;
  std::vector<Binding> bindings_;
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::size_t>, NameHash, std::equal_to<>>
      bindings_by_name_;
  std::vector<std::string> exported_names_;
  std::vector<uint32_t> function_by_row_;  // row → 1 + index into functions_, 0 for none
  // Memos of questions the checks ask again and again about the same nodes.
  std::unordered_map<std::string, std::size_t> module_function_by_name_;  // the first one
  mutable std::vector<uint32_t> enclosing_memo_;  // row → 2 + function index, 1 none, 0 unknown
  mutable std::vector<const Function*> callee_memo_;
  mutable std::vector<uint8_t> callee_known_;
  mutable std::unordered_map<const Function*, Region> region_memo_[2];
  mutable std::unordered_map<uint32_t, Origin> trace_memo_;
  // Composed constants by row. A result cut short by the depth limit is not kept: the same node
  // reached from nearer the root may fold.
  mutable std::unordered_map<uint32_t, std::optional<Constant>> fold_memo_;
  mutable bool fold_cut_ = false;
  mutable std::size_t fold_memo_bytes_ = 0;
  mutable std::optional<std::unordered_map<const Function*, std::vector<Node>>>
      calls_of_;  // by row of the traced expression
  mutable std::optional<std::vector<Route>> routes_;
  mutable std::shared_ptr<analysis::Memo> analysis_memo_;
};

// -- matchers: the two that checks pass to FileModel::find --------------------------------------
namespace match {
Matcher call(std::string callee_last_name);  // a call whose callee's last name is this
Matcher new_expr(std::string constructor_name);
}  // namespace match

// -- cross-file facts ----------------------------------------------------------------------------

// The `setTimeout(fn, T)` that bounds an HTTP bridge in handleChatHttp, with T folded.
struct BridgeTimeout {
  Node call;      // null when not found
  Node delay;     // the delay argument
  Node callback;  // the callback argument
  std::optional<double> ms;
  Location location;
  bool found() const { return !call.null(); }
};

// One key of the env object passed to startProcess.
struct EnvEntry {
  std::string key;
  Node key_node;
  Node value;  // the value expression (for a shorthand property: the identifier itself)
  // The value as dispatchContainer sees it: when a builder helper sets the key from one of its
  // parameters, the argument dispatchContainer passes (FileModel::caller_value); else `value`.
  Node source;
  bool conditional = false;  // set only under a condition (ternary/&& spread, `if`, a return)
  Node condition;            // the test guarding a conditional entry (innermost)
  Location location;
};

// The env object handed to `sandbox.startProcess(command, { env })` in dispatchContainer.
struct StartProcessEnv {
  Node call;                                // the startProcess call; null when not found
  Node command;                             // first argument
  std::optional<std::string> command_text;  // folded command string
  std::string script_path;                  // the .js path the command runs, if any
  Node object;                              // the env object literal
  std::vector<EnvEntry> entries;            // in source order, spreads of literals inlined
  // Values merged in whose keys cannot be listed: spread elements (`...projectSecrets`) and
  // Object.assign sources.
  std::vector<Node> spreads;
  Location location;
  std::string problem;  // why it was not found
  bool found() const { return !object.null(); }
  const EnvEntry* entry(std::string_view key) const;
};

// The HTTP bridge handleChatHttp builds for one execution (src/model_bridge.cpp): a TransformStream
// whose readable side is the browser's response and whose writer receives the container's lines, a
// deferred promise that settles the bridge, its registration in httpBridges, and the
// fire-and-forget container dispatch. Everything is looked for in handleChatHttp's region (its
// body plus the same-file helpers it calls, one level). Nodes point into the DO file's tree and
// bindings into its FileModel::bindings(); any part may be null when the code lacks it.
struct ChatBridge {
  const FileModel* model = nullptr;  // the DO file; null when unavailable
  const Function* method = nullptr;  // handleChatHttp; null when file/class/method is missing
  Region region;                     // where the parts below were searched
  std::string problem;               // why method is null

  // -- the stream
  Node stream;  // the `new TransformStream(…)` (the one whose writable side gets a writer)
  const Binding* stream_binding = nullptr;  // `const ts = new TransformStream()` kept whole
  const Binding* readable = nullptr;  // holds the readable side: `{ readable } = …`, `ts.readable`
  const Binding* writable = nullptr;  // holds the writable side
  Node writer_call;  // `<writable side>.getWriter()`; without one, the region's first getWriter()
                     // (an IdentityTransformStream's writer is still the bridge writer)
  const Binding* writer = nullptr;  // holds writer_call's result (`const writer = …`)

  // -- the deferred: a promise another request settles
  enum class DeferredKind {
    None,
    Promise,        // `new Promise(executor)` in the region whose resolve/reject escape
    Helper,         // a same-file function or class that builds one: `createDeferred()`
    WithResolvers,  // `Promise.withResolvers()`
  };
  DeferredKind deferred_kind = DeferredKind::None;
  Node deferred;          // Promise: the new Promise; Helper: the helper call / `new Deferred()`;
                          // WithResolvers: that call
  Node executor_promise;  // the `new Promise` whose settle functions escape (inside the helper
                          // for Helper; null for WithResolvers)
  const Function* deferred_helper = nullptr;  // Helper: the function (or class constructor)
  // Helper / WithResolvers: the property names under which the deferred object exposes its
  // parts (from the helper's returned object literal or `this.x = …`; default promise/resolve/
  // reject). Empty for Promise.
  std::string promise_key, resolve_key, reject_key;
  const Binding* promise = nullptr;  // holds the promise: `const p = new Promise(…)`, `{ promise }`
  const Binding* resolve = nullptr;  // holds resolve: the outer `let resolve` it escapes to, or
                                     // `{ resolve } = createDeferred()`
  const Binding* reject = nullptr;   // likewise for reject
  const Binding* deferred_object = nullptr;   // `const d = createDeferred()` kept whole (d.promise)
  const Binding* executor_resolve = nullptr;  // Promise: the executor's first parameter
  const Binding* executor_reject = nullptr;   // Promise: the executor's second parameter

  // -- registration and dispatch
  Node register_call;  // `this.httpBridges.set(key, value)`
  Node register_key;   // its first argument
  Node registered;     // its second argument: the object literal (followed through a const) or,
                       // when it is not one, the argument as written
  Node dispatch_call;  // `this.dispatchContainer(…)` in the region

  bool found() const { return method != nullptr; }
  bool has_deferred() const { return deferred_kind != DeferredKind::None; }

  // Whether an expression of the DO file denotes a bridge part: followed through const/let
  // aliases, destructuring and object literals (`{ writer }.writer`), and up to two hops from a
  // parameter of a same-file function to the arguments calls in handleChatHttp's region pass it
  // (`sendError(writer, …)` makes sendError's first parameter the writer).
  bool is_readable(const FileModel& m, const Node& expr) const;
  bool is_writable(const FileModel& m, const Node& expr) const;
  bool is_writer(const FileModel& m, const Node& expr) const;
  bool is_promise(const FileModel& m, const Node& expr) const;
  bool is_resolve(const FileModel& m, const Node& expr) const;
  bool is_reject(const FileModel& m, const Node& expr) const;
};

// The values a parameter reference can take inside `region`: when `expr` is (or is an alias of) a
// parameter of a same-file function that calls in `region` invoke, the argument each call passes
// at that position. Empty otherwise.
std::vector<Node> argument_values(const FileModel& m, const Region& region, const Node& expr);

// A call in handleContainerStream's region with where it sits (try/catch/finally, loops,
// conditions), as FileModel::context gives it relative to its own function.
struct StreamCall {
  Node call;
  ControlContext context;
};

// handleContainerStream(), the container-facing half of the bridge (src/model_stream.cpp), as the
// do.stream-* checks and the error checks read it. Everything is looked for in the method's region
// (its body plus the same-file helpers it calls, one level); a helper's parameter is followed to
// the argument the method passes it. "The bridge" is the value of `this.httpBridges.get(…)`, also
// through aliases and destructuring (`const { writer, resolve } = bridge`). Nodes point into the DO
// file's tree; any part is null / empty when the code lacks it.
struct ContainerStream {
  const FileModel* model = nullptr;  // the DO file; null when unavailable
  const Function* method = nullptr;  // handleContainerStream; null when it is missing
  Region region;                     // where the parts below were searched
  std::string problem;               // why method is null

  // -- authentication
  // The Authorization header read: `headers.get('Authorization')`, `headers.authorization`.
  Node auth_header;
  Node verify_call;                // `verifyExecutionToken(token, secret)` (also an aliased import)
  Node token;                      // its first argument
  bool token_from_header = false;  // token derives from auth_header
  // The call the token derives from that drops the `Bearer ` prefix: `.slice(7)`,
  // `.replace('Bearer ', '')`, `.split(' ')`, `/^Bearer (.+)/.exec(header)`…
  Node bearer_strip;
  // What the token is for the header the agent sends ("Bearer <jwt>"), when the source decides
  // it; a strip that leaves anything but <jwt> (`replace('bearer ', '')`) does not strip.
  std::optional<std::string> token_for_agent_header;
  // Holds the verify result: `const payload = await verifyExecutionToken(…)`.
  const Binding* payload = nullptr;
  Node verify_guard;         // the `if` whose condition holds for a null result (`!payload`)
  Node verify_guard_return;  // the value its branch returns (the return itself for `return;`)
  std::optional<int> verify_guard_status;  // that value's HTTP status

  // -- the bridge
  // `this.httpBridges.get(key)`: the first one, preferring a key from the verified payload.
  Node lookup;
  Node lookup_key;                   // its argument
  bool key_is_execution_id = false;  // lookup_key is the verify result's `executionId`
  const Binding* bridge = nullptr;   // holds the lookup result: `const bridge = …get(…)`
  // The `if` that holds for a missing bridge: `!bridge`, `bridge === undefined`, `!map.has(k)`.
  Node missing_guard;
  Node missing_guard_return;
  std::optional<int> missing_guard_status;

  // -- the body
  Node empty_body_guard;  // the `if` that holds for a missing body: `if (!request.body)`
  // `request.body.getReader()`; for a `for await` loop, the iterated body stream.
  Node reader;
  Node read_call;  // `reader.read()` (null for `for await`)
  Node read_loop;  // the loop around read_call, or the `for await (… of request.body…)` loop
  // `x.split(sep)` (or `x.indexOf(sep)` with a newline sep), preferably inside read_loop.
  Node split_call;
  Node separator;  // its first argument
  // The separator is exactly "\n", or a regex matching "\n" whole (`/\r?\n/`, `/\n/`, `/[\r\n]+/`).
  bool separator_splits_lf = false;
  // The binding split is called on: the carried-over partial line.
  const Binding* buffer = nullptr;
  // The loop over the split lines: for…of / for / while on them, or the `.forEach(cb)` call.
  Node line_loop;
  Node line_body;  // what runs once per line: the loop body or the callback body
  // Bridge writer `.write(…)` calls in line_body, or calls there of a same-file helper making one.
  std::vector<Node> line_writes;
  std::vector<Node> metadata_calls;  // `this.extractMetadata(…)` in line_body (or via a helper)
  Node flush_write;  // after read_loop: a bridge writer write (or writing helper call) of buffer
  Node flush_guard;  // the condition around flush_write that tests buffer (`if (buffer.trim())`)

  // -- every settle, write and cleanup in the region, in document order
  std::vector<StreamCall> writes;    // bridge writer calls: write / close / abort / releaseLock
  std::vector<StreamCall> resolves;  // the bridge's resolve (`bridge.resolve()`, destructured too)
  std::vector<StreamCall> rejects;   // the bridge's reject
  std::vector<StreamCall> deletes;   // `this.httpBridges.delete(key)`
  // Per deletes entry: the key is the verified executionId, or the same value as lookup_key.
  std::vector<bool> delete_key_matches_lookup;

  bool found() const { return method != nullptr; }
};

// Whether a JavaScript regular expression (pattern and flags as written between and after the
// slashes) matches the whole string `input`. Supports literals, escapes and classes (\n \r \t \s
// \d \w …), `.`, `[…]`, groups, `|`, `? * + {m,n}` and `^ $`; nullopt for anything else.
std::optional<bool> regex_matches_whole(std::string_view pattern, std::string_view flags,
                                        std::string_view input);

// -- the container agent (src/model_agent.cpp) ---------------------------------------------------

// One environment read of the agent: `process.env.X`, `process.env['X']`, `const { X } =
// process.env`, `const env = process.env; env.X`, or a call of a same-file helper that reads
// `process.env[name]` with a constant name (`requireEnv('X')`).
struct EnvRead {
  std::string name;
  Node node;  // the member/subscript read, the destructuring pattern element, or the helper call
  Location location;
  bool has_default = false;  // `… || d`, `… ?? d`, `{ X = d }`, a helper's fallback argument
  Node default_value;        // the default expression, when has_default
  // A presence test rather than a use: the read is (part of) the condition of an if / ternary /
  // loop or the left side of `&&`, or it sits in a branch guarded by a test of the same name.
  bool guarded = false;
  const Binding* binding = nullptr;  // where the value lands: `const url = process.env.X || …`
  bool required() const { return !has_default && !guarded; }
};

struct AgentEnv {
  const FileModel* model = nullptr;  // the agent file; null when unavailable (see problem)
  std::string problem;
  std::vector<EnvRead> reads;       // in document order
  std::vector<Node> dynamic_reads;  // `process.env[expr]` whose name this tool cannot fold
  bool has(std::string_view name) const { return first(name) != nullptr; }
  const EnvRead* first(std::string_view name) const;
  const EnvRead* first_required(std::string_view name) const;  // first read that is required()
  // Indexes `reads` by name; the lookups above scan them until it is called.
  void index_reads();

 private:
  struct FirstReads {
    std::size_t any;
    std::size_t required;  // reads.size() when none is
  };
  std::unordered_map<std::string, FirstReads> by_name_;
};

// The agent's streaming POST back to the Worker (`fetch(url, init)` or `http(s).request(…)`),
// chosen among the file's requests by how well it matches: URL from VF_CALLBACK_URL, POST, an
// Authorization header. Nodes point into the agent file's tree.
struct CallbackRequest {
  enum class Api { None, Fetch, HttpRequest };
  Api api = Api::None;
  Node call;     // the fetch / request call; null when the file makes none
  Node url;      // the URL argument; for `request(options, …)` the options object
  Node options;  // the init / options object literal, when it resolves to one
  std::optional<std::string> method;  // folded, upper-case; "GET" when no method is given
  Node method_node;
  Node authorization;              // the Authorization header value (object key or setHeader)
  bool url_from_callback = false;  // url derives from the VF_CALLBACK_URL read
  bool auth_bearer = false;        // the header value has the shape `Bearer ${…}`
  bool auth_from_jwt = false;      // … and derives from the VF_STREAM_JWT read
  // The stream the events are written to: for http(s).request the ClientRequest (the request
  // call, or calls of a same-file helper returning it); for fetch the `getWriter()` of the body's
  // TransformStream, a ReadableStream's start/pull controller parameter, or the body object.
  std::vector<Node> stream_origins;
  Node body;              // fetch: the body expression
  Node response_handler;  // the function that receives the response (request callback,
                          // `req.on('response', fn)`, fetch's first `.then(fn)`)
  const Binding* response_binding = nullptr;  // `const res = await fetch(…)`
  std::string problem;                        // why no request was found
  Location location;
  bool found() const { return !call.null(); }
  // Whether `expr` denotes the callback stream: through const/let bindings, and from a parameter
  // of a same-file function to the arguments its calls pass.
  bool is_stream(const FileModel& m, const Node& expr) const;
};

// Whether the value of `expr` flows from a node satisfying `origin` (FileModel::derives_from),
// also from a parameter of a same-file function to the arguments of its calls (a few levels).
bool flows_from(const FileModel& m, const Node& expr, const Matcher& origin, int max_depth = 3);
// The calls in the file that invoke `f`: FileModel::calls_of (by name, through a binding of it,
// `this.f()`), and also calls through a parameter that a call passes `f` to (one level).
std::vector<Node> invocations_of(const FileModel& m, const Function& f);
// A read of environment variable `name` as AgentEnv records it (member, destructured, helper).
Matcher env_read(const AgentEnv& env, std::string name);

// A `durable_objects.bindings` entry of the wrangler config.
struct DurableObjectBinding {
  std::string name;        // the env binding, e.g. CHAT_SESSIONS
  std::string class_name;  // the class it binds, e.g. ChatSessionAgent
};

// What the checks read from wrangler.jsonc / wrangler.json / wrangler.toml: the Worker's `vars`,
// its Durable Object bindings and the classes its `containers` run (top level only).
struct WranglerVars {
  std::string path;
  std::map<std::string, std::string> vars;
  std::vector<DurableObjectBinding> durable_objects;
  std::vector<std::string> container_classes;
  std::string error;  // parse problem, if any

  // The binding declared for `class_name`, or null.
  const DurableObjectBinding* binding_for(std::string_view class_name) const;
  // The binding of the sandbox container: the one whose class a `containers` entry runs (the
  // class `Sandbox` when no container is declared), or null.
  const DurableObjectBinding* sandbox_binding() const;
};

// One role file's way from text to model (parse, flatten, index), apart from any project, so
// that a history shares the model of a file version between the revisions that hold it.
struct FileModelResult {
  std::unique_ptr<FileModel> model;  // null when the file could not be parsed
  std::string failure;               // then: why, for Found lines
};
// `file` must outlive the model (the model refers to it). TS/JS roles only.
FileModelResult build_file_model(Parser& parser, const SourceFile& file, Role role,
                                 int helper_depth = 3);

// Per-file work done beforehand (by a history's cache) for a project to take as it is.
struct PreparedFiles {
  std::map<Role, std::shared_ptr<const FileModel>> models;
  std::map<Role, std::string> parse_failures;
  std::shared_ptr<const dockerfile::Dockerfile> docker;
};

class Project {
 public:
  Project(SourceSet sources, Config config);
  // A project whose files were parsed and modelled elsewhere: `sources` holds the same texts
  // the models were built from.
  Project(SourceSet sources, Config config, PreparedFiles prepared);
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;

  const Config& config() const { return config_; }
  const SourceSet& sources() const { return sources_; }
  const SourceFile& source(Role role) const { return sources_.get(role); }
  // The parsed model of a TS/JS role file; null when the file is missing, refused or not TS/JS.
  const FileModel* file(Role role) const;
  // Why file(role) is unusable (for Found: lines): "src/index.ts: not found", …
  std::string unavailable(Role role) const;
  // The parsed Dockerfile; null when missing or refused.
  const dockerfile::Dockerfile* docker() const { return docker_.get(); }
  const WranglerVars* wrangler() const;
  Location location(Role role, int line) const { return {source(role).path, line, 0}; }

  // The configured Durable Object class and one of its methods.
  const Function* do_method(std::string_view name) const;

  const BridgeTimeout& bridge_timeout() const;
  const StartProcessEnv& start_process_env() const;
  const ChatBridge& chat_bridge() const;
  const ContainerStream& container_stream() const;  // handleContainerStream, memoized
  const AgentEnv& agent_env() const;                // the agent's env reads, memoized
  const CallbackRequest& callback_request() const;  // the agent's POST to the Worker

 private:
  void adopt_wrangler_bindings();

  SourceSet sources_;
  Config config_;
  std::map<Role, std::shared_ptr<const FileModel>> files_;
  std::map<Role, std::string> parse_failures_;
  std::shared_ptr<const dockerfile::Dockerfile> docker_;
  mutable std::optional<WranglerVars> wrangler_;
  mutable bool wrangler_loaded_ = false;
  mutable std::optional<BridgeTimeout> bridge_timeout_;
  mutable std::optional<StartProcessEnv> start_process_env_;
  mutable std::optional<ChatBridge> chat_bridge_;
  mutable std::optional<ContainerStream> container_stream_;
  mutable std::optional<AgentEnv> agent_env_;
  mutable std::optional<CallbackRequest> callback_request_;
};

// Whether a node kind is a function (declaration, expression, arrow, method, generator).
bool is_function_kind(std::string_view k);
// Whether a node kind is a loop statement (for, for…in/of, while, do).
bool is_loop_kind(std::string_view k);
// Human form of a duration in ms: "300000 ms (5 min)", "90000 ms (90 s)".
std::string describe_ms(double ms);
// ASCII lower case (header names, env names, prefixes): no locale.
std::string ascii_lower(std::string_view s);
// Number without a trailing ".0": 300000, 0.5.
std::string format_number(double v);

}  // namespace v15
