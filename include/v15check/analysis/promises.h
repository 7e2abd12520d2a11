// Promise states: what happens to the promise of a call (awaited, returned, handled, floating),
// whether a handler really handles a rejection, the continuations of a deferred promise, and a
// write ordered after its writer's close().
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

enum class Handling {
  Awaited,    // awaited where it is made, or through the binding that keeps it
  Returned,   // returned to the caller (the caller decides)
  Handled,    // a rejection handler that does not rethrow, or passed to waitUntil
  Voided,     // explicitly discarded: `void p`
  Unhandled,  // floating, or only `.then(f)` / `.finally(f)`, or a handler that rethrows
};

struct PromiseState {
  Handling handling = Handling::Unhandled;
  Node handler;    // the rejection handler chained on it, if any
  Node rethrow;    // a throw reached in that handler (why it does not handle)
  Node kept_in;    // the declarator or assignment that keeps it in a binding, if any
  Node condition;  // a use of the promise itself (not awaited) as a condition: always truthy
  bool handled() const { return handling != Handling::Unhandled; }
};

// Why a call yields a promise, when the source says so: a call of an `async` function or method
// of the same file, `fetch` (global or a stub's), a KV or R2 operation on an env binding
// (get/put/delete/list/getWithMetadata/head), a `write`/`close`/`abort` on a stream writer (a
// `getWriter()` result, through bindings), a method of a sandbox (a value from `getSandbox(…)`).
// Empty when none applies. `is_writer` may accept further writer values (a fact's).
std::string promise_source(const FileModel& m, const Node& call,
                           const std::function<bool(const Node&)>& is_writer = {});

// Whether a function is declared `async`.
bool is_async(const Function& f);

// What happens to the promise `expr` evaluates to (a call, usually).
PromiseState promise_state(const FileModel& m, const Node& expr);

// Whether `handler` (a function expression, or an identifier bound to a same-file function)
// handles a rejection: no path through it throws. `rethrow` receives the throw when one does.
bool handles_rejection(const FileModel& m, const Node& handler, Node* rethrow = nullptr);

// Where a promise continues. A continuation is code that runs when the promise settles:
// `.then(a)` → a on fulfilment; `.catch(b)`, `.then(_, b)` → b on rejection; `.finally(c)` →
// c on both; `try { await p; a() } catch { b() }` → the try block after the await on
// fulfilment, the catch block on rejection.
struct Continuation {
  Node scope;  // a function, or a block
  Node after;  // only the code of `scope` after this node counts (the await), or null
};
struct Continuations {
  std::vector<Continuation> fulfilled, rejected, settled;
};
// The continuations of every use of the promise binding `promise` (and of `expr` itself when
// given).
Continuations continuations(const FileModel& m, const Binding* promise, const Node& expr = {});

// Whether code in `c` satisfies `pred` (a call, usually), following same-file helpers one level.
bool continuation_does(const FileModel& m, const Continuation& c,
                       const std::function<bool(const Node&)>& pred);

// A call satisfying `is_close` that runs before `write` on every path reaching it in the same
// function (the close's statement encloses or precedes the write's in one statement list), or
// null.
Node closed_before(const FileModel& m, const Node& write,
                   const std::function<bool(const Node&)>& is_close);

}  // namespace v15::analysis
