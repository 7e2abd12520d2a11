// The env dispatchContainer hands to startProcess (the model's start_process_env fact) as the
// do.env-* checks read it: its entries by key, and the Found wording they share.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/check.h"

namespace v15::facts {

// dispatchContainer and the env it hands to startProcess.
struct DispatchEnv {
  MethodScope scope;
  const StartProcessEnv* env = nullptr;
};

// The startProcess env, or a FAIL for a missing/unparsable method or an env this tool cannot see.
Expected<DispatchEnv> dispatch_env(const CheckContext& ctx);

std::vector<const EnvEntry*> entries_for(const StartProcessEnv& env, std::string_view key);
// " (it also merges …, whose keys cannot be listed)" when the env has spreads.
std::string spreads_note(const StartProcessEnv& env);
// The FAIL for a key the env does not set.
Outcome missing_key(const StartProcessEnv& env, std::string_view key);
// "KEY (line N)" for Found lines about one env entry.
std::string entry_name(const EnvEntry& e);
// Each entry of `key` must satisfy `ok`; `describe` explains one that does not.
Outcome every_entry(const StartProcessEnv& env, std::string_view key,
                    const std::function<bool(const EnvEntry&)>& ok,
                    const std::function<std::string(const EnvEntry&)>& describe,
                    const std::function<std::string(const EnvEntry&)>& pass_text);

}  // namespace v15::facts
