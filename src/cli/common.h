// What every command of the CLI shares: the usage-error exit, list options, the check selection.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "v15check/check.h"

namespace v15::cli {

inline constexpr int kExitUsage = 2;

// Prints `v15check: error: MESSAGE` (sanitized, capped) to stderr; returns kExitUsage.
int usage_error(const std::string& message);

// Writes a finished document to `output`, or to stdout when it is empty; a write that fails is
// a usage error (exit 2), else 0.
int write_document(const std::string& text, const std::string& output);

// A list option that takes one value per use (`--check a,b` or `--check a --check b`), so that
// `--check ID ROOT` leaves ROOT a positional.
CLI::Option* add_list_option(CLI::App& app, const std::string& name,
                             std::vector<std::string>& values, const std::string& description,
                             const std::string& type_name);

// Comma-separated values, as given to list options, split into items.
std::vector<std::string> split_list(const std::vector<std::string>& values);

// The checks --check and --group select. An unknown ID or group, or a selection that matches
// no check (which would report ALL CHECKS PASS on nothing), sets `problem` and returns nothing.
std::optional<Selection> select_checks(const Registry& registry,
                                       const std::vector<std::string>& ids,
                                       const std::vector<std::string>& group_names,
                                       std::string& problem);

}  // namespace v15::cli
