// Condition logic: branch conditions evaluated as formulas over atoms under a set of facts about
// the inputs ("userId is empty", "request.method is POST and the path is /chat", "status is
// 'terminated'"), and the paths a function body takes when those facts hold.
//
// Atoms: a subject's truthiness, `===`/`!==`/`==`/`!=` against a value, `startsWith`/`endsWith`/
// `includes` on a string, `[A, B].includes(x)` and `SET.has(x)` over constant collections,
// `typeof`, `.length`, `.trim()`, and anything the source folds to a constant. `&&`, `||`, `!`,
// ternaries, early returns and `switch` combine them. Values the runtime fixes are facts like
// any other: a question about a POST request states `request.method` is "POST", so
// `=== 'post'` is false.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "v15check/analysis/control_flow.h"
#include "v15check/model.h"

namespace v15::analysis {

// What a question assumes about one subject: the expressions that denote it, and its value.
struct Fact {
  enum class Kind { Falsy, Truthy, Value };
  std::function<bool(const FileModel&, const Node&)> denotes;
  Kind kind = Kind::Value;
  std::string value;  // for Value: the subject's string value

  // The subject is a binding: any identifier that resolves to it.
  static Fact of_binding(const Binding* b, Kind kind, std::string value = {});
  // The subject is whatever `denotes` accepts.
  static Fact of(std::function<bool(const FileModel&, const Node&)> denotes, Kind kind,
                 std::string value = {});
};
using Facts = std::vector<Fact>;

// A property read implies its record: when a question assumes something about `x.<property>`
// (a session's status, its sandboxId), `x` itself exists. The fact that the first record read
// for that property in `body` is truthy (none when no such read).
Facts record_exists(const FileModel& m, const Node& body, std::string_view property);

// The truth of a condition under the facts.
Truth evaluate(const FileModel& m, const Node& cond, const Facts& facts);

// The string value of an expression under the facts, when the source and the facts determine
// it: literals and folded constants, subjects with a Value, `const` bindings, `??`/`||` defaults,
// ternaries with a decided condition, templates, `+`, and the string methods `replace`,
// `slice`, `substring`, `trim`, `toUpperCase`/`toLowerCase`, `split(s)[i]`.
std::optional<std::string> value_under(const FileModel& m, const Node& expr, const Facts& facts);

// How a path leaves a function body.
enum class ExitKind {
  Throw,        // a throw (or a call of a same-file helper that always throws)
  ErrorReturn,  // returns an error Response (status >= 400) or a rejected promise
  Return,       // any other return
  End,          // runs off the end of the body
};
struct Exit {
  ExitKind kind;
  Node node;  // the return/throw statement, the throwing call, or the body (End)
  bool rejects() const { return kind == ExitKind::Throw || kind == ExitKind::ErrorReturn; }
};

// The exits of a body that some path reaches with the facts holding, in source order, each once.
// A branch whose condition is false under the facts is not taken; one whose truth is unknown is
// followed both ways. Loops may run zero times; a throw inside a `try` with a handler continues
// in the handler; a `finally` that leaves overrides. Calls of same-file functions that always
// throw are throws, followed to `helper_depth`.
struct Paths {
  std::vector<Exit> exits;
  bool always_rejects() const;  // every exit reached rejects (and at least one is reached)
  bool never_rejects() const;
  const Exit* first(ExitKind kind) const;
  const Exit* first_non_rejecting() const;
};
// `from`: start at this statement of the body (control is assumed to have reached it), instead
// of at the body's first statement. `helper_depth` unset: the model's (config: helperDepth).
Paths paths(const FileModel& m, const Node& body, const Facts& facts,
            std::optional<int> helper_depth = std::nullopt, const Node& from = Node{});

// Whether every path through function `f` (no facts) throws: a helper that always fails.
bool always_throws(const FileModel& m, const Function& f,
                   std::optional<int> helper_depth = std::nullopt);

}  // namespace v15::analysis
