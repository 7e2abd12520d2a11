// Shared by the catalogue and CLI tests: load a fixture tree into memory, apply mutant edits,
// run the whole catalogue on it.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "v15check/check.h"

namespace v15::testing {

inline std::filesystem::path source_dir() { return V15CHECK_SOURCE_DIR; }
inline std::filesystem::path fixtures_dir() { return source_dir() / "fixtures"; }

// Every regular file under `dir`, keyed by its '/'-separated path relative to `dir`.
std::map<std::string, std::string> load_tree(const std::filesystem::path& dir);
std::string read_file(const std::filesystem::path& p);

struct Edit {
  std::string file;
  std::optional<std::string> find, replace, from;
  bool remove = false;
};

struct Case {
  std::string name;
  std::string description;
  std::vector<Edit> edits;
  std::set<std::string> fail;  // empty for variants
  std::string primary;         // the first failing ID listed, which names the mutant's file
  std::string file;            // the catalogue file it came from, relative to fixtures/
  // Pins on what a failing check reports: id → a piece of its Found text, and id → the
  // `path:line` it points at. The catalogue test requires both for every failing ID.
  std::map<std::string, std::string> found, at;
  // The bug classes the mutant is an instance of (`class`), checked against classes.json.
  std::vector<std::string> classes;
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

struct Catalogue {
  std::vector<Case> mutants;
  std::vector<Case> variants;
  std::string error;  // why a catalogue file could not be loaded
};
// Reads every fixtures/mutants/<id>.json (sorted by name) and fixtures/variants.json.
Catalogue load_catalogue();

// fixtures/mutants/classes.json: which bug classes apply to each check (each applicable cell needs
// a mutant of that class failing the check) and why the others do not.
struct ClassMatrix {
  std::set<std::string> classes;  // the known class names
  struct Row {
    std::vector<std::string> applies;
    std::map<std::string, std::string> not_applies;  // class → why it cannot break the check
  };
  std::map<std::string, Row> checks;
  // Applicable cells whose drafted mutant v15check does not detect yet: (id, class) → the
  // draft's edits.
  std::map<std::pair<std::string, std::string>, std::vector<Edit>> pending;
  std::string error;  // why the file could not be loaded
};
ClassMatrix load_class_matrix();

// Applies edits; returns an error message if an edit does not apply (find must match once).
std::string apply(std::map<std::string, std::string>& files, const std::vector<Edit>& edits);

struct RunOutcome {
  std::vector<Result> results;
  std::set<std::string> failed;
  std::string report;  // the text report, for failure messages
};
RunOutcome run_all(const std::map<std::string, std::string>& files,
                   const Config& config = Config{});

}  // namespace v15::testing
