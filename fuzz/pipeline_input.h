// The whole-pipeline fuzz input: one byte string that holds the five role files, the wrangler
// config, the .v15check.json config and a few option bytes. Shared by the fuzz target (split) and
// the seed generator (join), so the seeds always speak the target's format.
//
// Format: up to eight parts, in this order, separated by the two bytes "\0\0":
//
//   0 worker   1 do   2 jwt   3 agent   4 dockerfile   5 wrangler   6 config   7 options
//
// - An empty or absent part is a file that does not exist (a missing role file, no wrangler
//   config, no config file). A lone NUL byte inside a part ("a\0b") reaches the reader's
//   "binary file" refusal; "\0\0", and a NUL at the end of a part, cannot be written.
// - Role parts are placed at the paths the config gives their roles (the defaults when the
//   config is absent or rejected), so a config that moves a role still sees its file.
// - Options, byte 0: which wrangler file name part 5 is read as (value % 3: wrangler.jsonc,
//   wrangler.json, wrangler.toml). Byte 1: the report's check selection (value % 7: every check,
//   or only group 1..6 in catalogue order, as --group does). Missing bytes count as 0.
// - Separators after the eighth part belong to the options part (its later bytes are unused).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace v15::fuzz {

inline constexpr std::string_view kPartSeparator{"\0\0", 2};

enum Part : std::size_t {
  kWorkerPart,
  kDurableObjectPart,
  kJwtPart,
  kAgentPart,
  kDockerfilePart,
  kWranglerPart,
  kConfigPart,
  kOptionsPart,
  kPartCount
};

inline constexpr std::array<const char*, 3> kWranglerFileNames = {"wrangler.jsonc", "wrangler.json",
                                                                  "wrangler.toml"};

using Parts = std::array<std::string_view, kPartCount>;

// Splits an input into its parts; parts past the end of the input are empty.
inline Parts split_input(std::string_view data) {
  Parts parts{};
  for (std::size_t i = 0; i < kPartCount; ++i) {
    if (i + 1 == kPartCount) {
      parts[i] = data;
      break;
    }
    std::size_t at = data.find(kPartSeparator);
    if (at == std::string_view::npos) {
      parts[i] = data;
      break;
    }
    parts[i] = data.substr(0, at);
    data.remove_prefix(at + kPartSeparator.size());
  }
  return parts;
}

// The input that split_input turns back into `parts` (none of which may hold "\0\0").
inline std::string join_input(const std::array<std::string, kPartCount>& parts) {
  std::size_t last = kPartCount;
  while (last > 0 && parts[last - 1].empty()) --last;
  std::string out;
  for (std::size_t i = 0; i < last; ++i) {
    if (i > 0) out += kPartSeparator;
    out += parts[i];
  }
  return out;
}

// Option byte `index` of the options part, 0 when the part is shorter.
inline unsigned char option_byte(std::string_view options, std::size_t index) {
  return index < options.size() ? static_cast<unsigned char>(options[index]) : 0;
}

}  // namespace v15::fuzz
