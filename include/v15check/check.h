// The check engine: a registry of named checks, each an ID, a group, a title, an expectation and
// one hook that asks the model and returns an outcome.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/model.h"
#include "v15check/text.h"

namespace v15 {

enum class Group { Routes, DurableObject, Jwt, Agent, Docker, Error, Flow };

struct GroupInfo {
  Group group;
  std::string_view
      key;  // ID prefix and --group spelling: route, do, jwt, agent, docker, error, flow
  std::string_view title;  // the report's group label
};
const std::array<GroupInfo, 7>& groups();
const GroupInfo& group_info(Group g);
std::optional<Group> group_from_name(std::string_view name);  // key or title, case-insensitive

// Baselined: a FAIL whose fingerprint an accepted baseline lists (baseline.h); it is neither a
// PASS nor a failure of the run.
enum class Status { Pass, Fail, Suppressed, Baselined };
std::string_view status_name(Status s);  // PASS, FAIL, SUPPRESSED, BASELINED

struct Evidence {
  Location location;
  std::string note;
};

// A FAIL that is only a literal differing from the value a config key expects: the key and the
// value the code has, so `v15check init` can write the key instead of reporting the FAIL.
struct ConfigMismatch {
  std::string key;    // the config key, as spelt in .v15check.json (bridgeTimeoutMs)
  Constant observed;  // the value the code has: a number or a string
  Location location;  // where the code has it
};

struct Outcome {
  Status status = Status::Fail;
  Location location;  // the best location: the construct found, or what is wrong
  std::string found;  // what the code does (shown for FAIL; the evidence summary for PASS)
  std::vector<Evidence> evidence;
  std::string suppression_reason;  // for Suppressed
  // For Suppressed: the in-source directive that suppressed a FAIL; unknown (line 0) when the
  // config disables the check.
  Location suppressed_at;
  // For Fail: the construct exists but holds another value than expected (a literal, a binding
  // name), as opposed to being missing. The trace shows such a hop as "differs".
  bool differs = false;
  // For Baselined: the baseline entry's reason (may be empty).
  std::string baseline_reason;
  // For a FAIL caused by a literal a config key controls (see ConfigMismatch).
  std::optional<ConfigMismatch> config_mismatch;

  static Outcome pass(Location where, std::string found, std::vector<Evidence> evidence = {});
  static Outcome fail(Location where, std::string found, std::vector<Evidence> evidence = {});
  bool passed() const { return status == Status::Pass; }
};

// What a lookup a check needs yields: the thing, or the FAIL outcome that says why it is not there
// (a missing file, class or method, a parse error inside it). A check returns the failure as its
// own outcome, so "the thing I need is missing" can never become a PASS:
//
//   auto m = ctx.file(Role::Jwt);
//   if (!m) return m.failure();
template <class T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like std::expected
  Expected(Outcome failure) : failure_(std::move(failure)) {}
  explicit operator bool() const { return value_.has_value(); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  const T& value() const { return *value_; }
  const Outcome& failure() const { return failure_; }

 private:
  std::optional<T> value_;
  Outcome failure_;
};

class CheckContext;

struct Check {
  std::string id;
  Group group = Group::Routes;
  std::string title;
  std::string expected;      // the Expected: line
  Role role = Role::Worker;  // the file a FAIL points at by default
  std::string passes_when;   // for --explain
  std::string fails_when;    // for --explain: typical failures
  std::vector<std::string> config_keys;
  std::function<Outcome(const CheckContext&)> run;
};

// A DO method found, with the region a check searches (body plus one level of helpers).
struct MethodScope {
  const FileModel* model = nullptr;
  const Function* function = nullptr;
  Region region;
  Location location() const { return model->location(function->node); }
};

// What a check's hook sees: the project and helpers that turn "the thing I need is not there"
// into a FAIL outcome with a Found text, so a missing file can never PASS.
class CheckContext {
 public:
  CheckContext(const Project& project, const Check& check) : project_(project), check_(check) {}
  const Project& project() const { return project_; }
  const Config& config() const { return project_.config(); }
  const Check& check() const { return check_; }

  // The parsed model of a role, or a FAIL outcome saying why it is unavailable.
  Expected<const FileModel*> file(Role role) const;
  // A method of the configured DO class with its region; FAIL when the file, class or method is
  // missing or a parse error sits inside the method.
  Expected<MethodScope> do_method(std::string_view name, bool with_helpers = true) const;
  // A Found suffix naming the file's first parse error, for "construct not found" failures.
  std::string parse_note(const FileModel& m) const;
  // A FAIL located at line 1 of a role's file.
  Outcome fail_in(Role role, std::string found) const;
  // A FAIL where the construct exists with another value than the one config key `key` expects:
  // the Found text ends by naming the key and its value, e.g. "(config: bridgeTimeoutMs =
  // 300000)", so the reader knows which setting decides the expectation.
  Outcome differs(Location where, std::string found, std::string_view key) const;

 private:
  const Project& project_;
  const Check& check_;
};

// The check as a configuration words it: the title and Expected line show the configured value
// of each config key the check reads (binding names, the bridge timeout as "10 minutes", paths,
// the prefix, the callback URL) in place of the checklist's default. The ID stays.
Check configured(const Check& check, const Config& config);

class Registry {
 public:
  void add(Check check);
  const std::vector<Check>& checks() const { return checks_; }
  const Check* find(std::string_view id) const;
  // Rewords every check for `config` (configured()); results keep pointing at the same checks.
  void configure(const Config& config);

 private:
  std::vector<Check> checks_;
};

// The catalogue, one registration function per group (checks/*.cpp).
void register_route_checks(Registry& r);
void register_do_checks(Registry& r);           // fetch router, handleChatHttp, then the two below
void register_do_dispatch_checks(Registry& r);  // dispatchContainer and its startProcess env
void register_do_stream_checks(Registry& r);    // handleContainerStream, extractMetadata
void register_jwt_checks(Registry& r);
void register_agent_checks(Registry& r);
void register_docker_checks(Registry& r);
void register_error_checks(Registry& r);
void register_flow_checks(Registry& r);  // Flow Integrity, across all files
// All groups, in catalogue order.
Registry default_registry();

struct Result {
  const Check* check = nullptr;
  Outcome outcome;
};

struct Selection {
  std::vector<std::string> ids;  // empty: all
  std::vector<Group> groups;     // empty: all
  bool selected(const Check& c) const;
};

// Runs the selected checks in catalogue order. A hook that throws yields a FAIL naming the
// internal error rather than crashing the run. Every outcome is bounded before it is returned:
// each message and path at most kMessageMax bytes (text.h), at most 64 evidence entries.
std::vector<Result> run_checks(const Registry& registry, const Project& project,
                               const Selection& selection);

// Short name of a node's text for Found lines: one line (runs of whitespace become one space);
// longer than `max` bytes, it is cut before the next character and ends "… (N bytes)" with the
// length of the node's whole text.
std::string snippet(const Node& n, std::size_t max = 80);

}  // namespace v15
