// `v15check init`: a starting .v15check.json written from the code as it is. Each FAIL that is
// only a literal differing from a config key's value (Outcome::config_mismatch) sets that key
// to what the code has; every other FAIL goes to a baseline file beside it, which the config's
// "baseline" key names (delete the key to see those FAILs fail again).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/source.h"

namespace v15 {

// The baseline file `init` writes beside the config.
inline constexpr const char* kInitBaselineFileName = ".v15check-baseline.json";

// A config key set from the code, and where the code has that value.
struct InitSetting {
  std::string key;
  Constant value;
  Location location;
  std::string check_id;  // the check that found the difference
};

struct InitPlan {
  Config config;                      // the defaults with every setting applied
  std::vector<InitSetting> settings;  // in the order they were found
  std::vector<Result> results;        // the checks run with `config`
  int failed() const;                 // FAILs left in `results`
};

// Runs every check with the default config on the files `reader` gives, sets each key a FAIL's
// config mismatch names, and runs again with the new config until no new key turns up (a key
// can change what another check expects: bridgeTimeoutMs bounds the JWT expiry).
InitPlan plan_init(const FileReader& reader, const Registry& registry);

// The .v15check.json text: JSON with a `//` comment naming file:line above each key set, and a
// "baseline" key naming kInitBaselineFileName when FAILs remain.
std::string init_config_text(const InitPlan& plan);

// Sets a config key that a ConfigMismatch can name; false for any other key or a value of the
// wrong kind.
bool set_config_value(Config& config, const std::string& key, const Constant& value);

struct InitRequest {
  std::string root = ".";
  bool force = false;  // overwrite an existing config or baseline file
};

// The whole subcommand: checks the root, refuses to overwrite without `force` (exit 2), writes
// the config (and the baseline when FAILs remain), and prints what it set and what still fails.
// Returns the exit status: 0 written, 2 usage or I/O error.
int run_init(const InitRequest& request, const Registry& registry, std::ostream& out,
             std::ostream& err);

}  // namespace v15
