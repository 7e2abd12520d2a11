// Shared by the suppression, format and CLI tests: failing trees made from the catalogue's
// mutants (so the tests follow the catalogue as it grows), and small text edits.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "fixture_support.h"

namespace v15::testing {

inline const std::map<std::string, std::string>& passing_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

// Inserts `text` as a new line before 1-based line `line` of `file`.
inline std::string insert_line(const std::string& file, int line, const std::string& text) {
  std::size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    auto nl = file.find('\n', pos);
    if (nl == std::string::npos) return file + "\n" + text + "\n";
    pos = nl + 1;
  }
  std::size_t indent_end = pos;
  while (indent_end < file.size() && (file[indent_end] == ' ' || file[indent_end] == '\t'))
    ++indent_end;
  return file.substr(0, pos) + file.substr(pos, indent_end - pos) + text + "\n" + file.substr(pos);
}

struct FailingTree {
  std::string mutant;
  std::map<std::string, std::string> files;
  std::string id;     // a check that FAILs
  Location location;  // where, in a TS/JS role file, at a line > 1
  std::string title;
};

// The first mutant with a FAIL in a TypeScript file it edits, at a line > 1, that a
// `// v15check-disable-next-line` directive inserted above the line suppresses. (The hook tests
// stage only that file, so the FAIL must come from its own edit.)
inline const std::optional<FailingTree>& suppressible_fail() {
  static const std::optional<FailingTree> found = [] {
    std::optional<FailingTree> out;
    for (const Case& m : load_catalogue().mutants) {
      auto files = passing_tree();
      if (!apply(files, m.edits).empty()) continue;
      RunOutcome r = run_all(files);
      for (const Result& res : r.results) {
        const Location& l = res.outcome.location;
        if (res.outcome.status != Status::Fail || l.line <= 1 || !l.path.ends_with(".ts")) continue;
        if (std::none_of(m.edits.begin(), m.edits.end(),
                         [&](const Edit& e) { return e.file == l.path; }))
          continue;
        auto edited = files;
        edited[l.path] = insert_line(files[l.path], l.line,
                                     "// v15check-disable-next-line " + res.check->id + " -- test");
        RunOutcome again = run_all(edited);
        for (const Result& e : again.results)
          if (e.check->id == res.check->id && e.outcome.status == Status::Suppressed)
            return std::optional<FailingTree>(
                FailingTree{m.name, files, res.check->id, l, res.check->title});
      }
    }
    return out;
  }();
  return found;
}

}  // namespace v15::testing
