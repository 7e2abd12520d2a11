#include "fixture_support.h"

#include <fstream>
#include <sstream>

#include "v15check/report.h"

namespace v15::testing {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> load_tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    files[fs::relative(e.path(), dir).generic_string()] = read_file(e.path());
  }
  return files;
}

namespace {
std::vector<Case> load_cases(const nlohmann::json& arr) {
  std::vector<Case> out;
  for (const auto& j : arr) {
    Case c;
    c.name = j.at("name").get<std::string>();
    c.description = j.value("description", "");
    for (const auto& e : j.at("edits")) {
      Edit ed;
      ed.file = e.at("file").get<std::string>();
      if (e.contains("find")) ed.find = e["find"].get<std::string>();
      if (e.contains("replace")) ed.replace = e["replace"].get<std::string>();
      if (e.contains("from")) ed.from = e["from"].get<std::string>();
      ed.remove = e.value("delete", false);
      c.edits.push_back(std::move(ed));
    }
    if (j.contains("fail"))
      for (const auto& id : j["fail"]) c.fail.insert(id.get<std::string>());
    for (const char* key : {"found", "at"})
      if (j.contains(key))
        for (const auto& [id, text] : j[key].items())
          (std::string(key) == "found" ? c.found : c.at)[id] = text.get<std::string>();
    out.push_back(std::move(c));
  }
  return out;
}
}  // namespace

Catalogue load_catalogue() {
  Catalogue c;
  try {
    auto doc = nlohmann::json::parse(read_file(fixtures_dir() / "mutants.json"));
    c.mutants = load_cases(doc.at("mutants"));
    if (doc.contains("variants")) c.variants = load_cases(doc.at("variants"));
  } catch (const std::exception& e) {
    c.error = e.what();
  }
  return c;
}

std::string apply(std::map<std::string, std::string>& files, const std::vector<Edit>& edits) {
  for (const auto& e : edits) {
    if (e.remove) {
      if (!files.erase(e.file)) return "delete: no file " + e.file;
      continue;
    }
    if (e.from) {
      fs::path p = fixtures_dir() / *e.from;
      if (!fs::exists(p)) return "from: no file " + p.string();
      files[e.file] = read_file(p);
      continue;
    }
    auto it = files.find(e.file);
    if (it == files.end()) return "edit: no file " + e.file;
    if (!e.find || !e.replace) return "edit of " + e.file + " needs find and replace";
    std::string& text = it->second;
    auto pos = text.find(*e.find);
    if (pos == std::string::npos) return "find text not in " + e.file + ": " + *e.find;
    if (text.find(*e.find, pos + 1) != std::string::npos)
      return "find text occurs more than once in " + e.file + ": " + *e.find;
    text.replace(pos, e.find->size(), *e.replace);
  }
  return {};
}

RunOutcome run_all(const std::map<std::string, std::string>& files, const Config& config) {
  static const Registry registry = default_registry();
  MemoryReader reader(files, "fixture");
  Project project(load_sources(reader, config.paths), config);
  RunOutcome out;
  out.results = run_checks(registry, project, Selection{});
  for (const auto& r : out.results)
    if (r.outcome.status == Status::Fail) out.failed.insert(r.check->id);
  std::ostringstream ss;
  write_text(ss, out.results, ReportOptions{});
  out.report = ss.str();
  return out;
}

}  // namespace v15::testing
