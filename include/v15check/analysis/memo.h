// What the analyses work out once per file and keep with its model (FileModel::analysis_memo).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "v15check/model.h"

namespace v15::analysis {

struct Memo {
  // statement row → whether it never completes normally (completes_abruptly)
  std::unordered_map<uint32_t, bool> abrupt;
  // row → whether it can run (reachable), for statements and branch heads
  std::unordered_map<uint32_t, bool> reachable;
  // statement list row → end byte of its first statement that never completes (or UINT32_MAX)
  std::unordered_map<uint32_t, uint32_t> first_abrupt;
  // function → whether every path through it throws (a helper that always fails)
  std::unordered_map<const Function*, bool> always_throws;
};

}  // namespace v15::analysis
