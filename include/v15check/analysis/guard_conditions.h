// Condition logic over `if` tests: which branch throws, which tests hold when a value is missing.
#pragma once

#include <functional>
#include <vector>

#include "v15check/model.h"

namespace v15::analysis {

// How many levels of `!`, `&&` / `||` or helper hops a test looks through: each is a level of
// recursion, and a condition can nest without bound.
constexpr int kMaxConditionDepth = 64;

using Predicate = std::function<bool(const Node&)>;

// Whether a branch leaves by throwing: its own throw statement (not one in a nested function),
// or `return Promise.reject(…)`.
bool throws(const FileModel& m, const Node& branch);

// One test of an `if` condition: the branch that throws runs when `test` is truthy (positive)
// or falsy. `a || b` and `a && b` contribute each operand; `!x` flips the polarity.
struct GuardTest {
  Node test;
  bool positive = true;
  Node statement;  // the if statement
};

void guard_tests(const Node& cond, bool positive, const Node& stmt, std::vector<GuardTest>& out,
                 int depth = 0);
// Every test that sends control into a branch that throws, in a region.
std::vector<GuardTest> throwing_tests(const FileModel& m, const Region& r);
// A test that holds when the target is missing: `!x`, `!x?.length`, `x == null`,
// `x === undefined`, `x === ''`, `typeof x !== 'string'`.
bool falsy_test(const FileModel& m, const GuardTest& g, const Predicate& is_target);
// Whether `cond` is true when `subject` is missing: `!x`, `x == null`, `x === undefined`, an `||`.
bool tests_missing(const Node& cond, const std::function<bool(const Node&)>& subject,
                   int depth = 0);

}  // namespace v15::analysis
