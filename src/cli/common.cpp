#include "common.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "v15check/text.h"

namespace v15::cli {

int usage_error(const std::string& message) {
  std::cerr << "v15check: error: " << sanitize(cap(message, kMessageMax)) << "\n";
  return kExitUsage;
}

int write_document(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    std::cout.flush();
    return std::cout ? 0 : usage_error("cannot write the report to stdout");
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return usage_error(fmt::format("cannot write '{}'", output));
  return 0;
}

CLI::Option* add_list_option(CLI::App& app, const std::string& name,
                             std::vector<std::string>& values, const std::string& description,
                             const std::string& type_name) {
  return app.add_option(name, values, description)
      ->type_name(type_name)
      ->allow_extra_args(false)
      ->take_all();
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::optional<Selection> select_checks(const Registry& registry,
                                       const std::vector<std::string>& ids,
                                       const std::vector<std::string>& group_names,
                                       std::string& problem) {
  Selection s;
  for (const auto& id : split_list(ids)) {
    if (!registry.find(id)) {
      problem = fmt::format("unknown check ID '{}' (see --list-checks)", id);
      return std::nullopt;
    }
    s.ids.push_back(id);
  }
  for (const auto& name : split_list(group_names)) {
    auto g = group_from_name(name);
    if (!g) {
      std::string known;
      for (const auto& info : groups())
        known += fmt::format("{}{}", known.empty() ? "" : ", ", info.key);
      problem = fmt::format("unknown group '{}' ({})", name, known);
      return std::nullopt;
    }
    s.groups.push_back(*g);
  }
  if ((!s.ids.empty() || !s.groups.empty()) &&
      std::none_of(registry.checks().begin(), registry.checks().end(),
                   [&](const Check& c) { return s.selected(c); })) {
    problem =
        "the selection is empty: no check is both among the --check IDs and in the --group "
        "groups given (a check must match both to run)";
    return std::nullopt;
  }
  return s;
}

}  // namespace v15::cli
