#include "fixture_support.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

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
std::vector<Case> load_cases(const nlohmann::json& arr, const std::string& file) {
  std::vector<Case> out;
  for (const auto& j : arr) {
    Case c;
    c.name = j.at("name").get<std::string>();
    c.description = j.value("description", "");
    c.file = file;
    for (const auto& e : j.at("edits")) {
      Edit ed;
      ed.file = e.at("file").get<std::string>();
      if (e.contains("find")) ed.find = e["find"].get<std::string>();
      if (e.contains("replace")) ed.replace = e["replace"].get<std::string>();
      if (e.contains("from")) ed.from = e["from"].get<std::string>();
      ed.remove = e.value("delete", false);
      c.edits.push_back(std::move(ed));
    }
    // `fail` lists the IDs (the first one names the file); `at` and `found` map each of them to
    // its pins. A missing pin is left for the catalogue test to name rather than failing the load.
    if (j.contains("fail"))
      for (const auto& f : j["fail"]) {
        std::string id = f.get<std::string>();
        if (c.primary.empty()) c.primary = id;
        if (!c.fail.insert(id).second) throw std::runtime_error(c.name + " lists " + id + " twice");
      }
    if (j.contains("class"))
      for (const auto& k : j["class"]) c.classes.push_back(k.get<std::string>());
    for (const char* key : {"at", "found"}) {
      if (!j.contains(key)) continue;
      auto& pins = std::string_view(key) == "at" ? c.at : c.found;
      for (const auto& [id, v] : j[key].items()) pins[id] = v.get<std::string>();
    }
    out.push_back(std::move(c));
  }
  return out;
}
}  // namespace

Catalogue load_catalogue() {
  Catalogue c;
  std::string file;
  try {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fixtures_dir() / "mutants"))
      // classes.json beside the mutant files is the class matrix, not a mutant file.
      if (e.is_regular_file() && e.path().extension() == ".json" &&
          e.path().filename() != "classes.json")
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      file = "mutants/" + p.filename().string();
      auto more = load_cases(nlohmann::json::parse(read_file(p)).at("mutants"), file);
      c.mutants.insert(c.mutants.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
    }
    file = "variants.json";
    c.variants =
        load_cases(nlohmann::json::parse(read_file(fixtures_dir() / file)).at("variants"), file);
  } catch (const std::exception& e) {
    c.error = file + ": " + e.what();
  }
  return c;
}

ClassMatrix load_class_matrix() {
  ClassMatrix m;
  try {
    auto j = nlohmann::json::parse(read_file(fixtures_dir() / "mutants" / "classes.json"));
    for (const auto& [name, _] : j.at("classes").items()) m.classes.insert(name);
    for (const auto& [id, row] : j.at("checks").items()) {
      ClassMatrix::Row r;
      for (const auto& c : row.at("applies")) r.applies.push_back(c.get<std::string>());
      if (row.contains("not"))
        for (const auto& [c, why] : row["not"].items()) r.not_applies[c] = why.get<std::string>();
      m.checks[id] = std::move(r);
    }
    if (j.contains("pending"))
      for (const auto& p : j["pending"]) {
        std::vector<Edit> edits;
        for (const auto& e : p.at("draft").at("edits"))
          edits.push_back(Edit{e.at("file").get<std::string>(), e.at("find").get<std::string>(),
                               e.at("replace").get<std::string>(), std::nullopt});
        m.pending[{p.at("id").get<std::string>(), p.at("class").get<std::string>()}] =
            std::move(edits);
      }
  } catch (const std::exception& e) {
    m.error = std::string("mutants/classes.json: ") + e.what();
  }
  return m;
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
